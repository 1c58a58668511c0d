#include "storage/memory/memory_stores.h"

#include "storage/contract/store_contract.h"

namespace warden::storage {
namespace {

StoreSet MakeMemoryStores() {
  return StoreSet{.owner = nullptr,
                  .users = std::make_unique<InMemoryUserStore>(),
                  .sessions = std::make_unique<InMemorySessionStore>(),
                  .signing_keys = std::make_unique<InMemorySigningKeyStore>(),
                  .audit = std::make_unique<InMemoryAuditStore>(),
                  .api_keys = std::make_unique<InMemoryApiKeyStore>()};
}

const StoreFactory kMemory{.name = "Memory", .make = &MakeMemoryStores};

INSTANTIATE_TEST_SUITE_P(Memory, StoreContract, ::testing::Values(kMemory), StoreFactoryName);
INSTANTIATE_TEST_SUITE_P(Memory, SessionContract, ::testing::Values(kMemory), StoreFactoryName);

}  // namespace
}  // namespace warden::storage
