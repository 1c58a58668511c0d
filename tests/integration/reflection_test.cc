// Server reflection answers as grpcurl expects: the service list, and the file descriptors
// that describe auth.AuthService. The client speaks raw protobuf (Debian ships no reflection
// client), decoding with UnknownFieldSet.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <future>

#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "server_fixture.h"

namespace warden::testing {
namespace {

using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

// Sends one ServerReflectionRequest (already encoded) and returns the encoded response.
std::string Reflect(const std::string& address, const std::string& request) {
  grpc::GenericStub generic(client::MakeChannel(address));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::CompletionQueue cq;
  auto call = generic.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag = nullptr;
  bool ok = false;
  call->StartCall(reinterpret_cast<void*>(1));
  cq.Next(&tag, &ok);
  grpc::Slice slice(request);
  grpc::ByteBuffer out(&slice, 1);
  call->Write(out, reinterpret_cast<void*>(2));
  cq.Next(&tag, &ok);
  grpc::ByteBuffer in;
  call->Read(&in, reinterpret_cast<void*>(3));
  cq.Next(&tag, &ok);
  std::string response;
  if (ok) {
    std::vector<grpc::Slice> slices;
    (void)in.Dump(&slices);
    for (const grpc::Slice& s : slices) {
      response.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  call->WritesDone(reinterpret_cast<void*>(4));
  cq.Next(&tag, &ok);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return response;
}

std::string LengthDelimited(int field, const std::string& value) {
  std::string out;
  out.push_back(static_cast<char>((field << 3) | 2));
  out.push_back(static_cast<char>(value.size()));  // values here are < 128 bytes
  out += value;
  return out;
}

const UnknownField* FindField(const UnknownFieldSet& set, int number) {
  for (int i = 0; i < set.field_count(); ++i) {
    if (set.field(i).number() == number) {
      return &set.field(i);
    }
  }
  return nullptr;
}

class ReflectionTest : public ServerFixture {};

TEST_F(ReflectionTest, ListsEveryService) {
  // ServerReflectionRequest.list_services = 7
  const std::string response = Reflect(Address(), LengthDelimited(7, "*"));
  UnknownFieldSet fields;
  ASSERT_TRUE(fields.ParseFromString(response));
  const UnknownField* list = FindField(fields, 6);  // list_services_response
  ASSERT_NE(list, nullptr);
  UnknownFieldSet services;
  ASSERT_TRUE(services.ParseFromString(list->length_delimited()));
  std::set<std::string> names;
  for (int i = 0; i < services.field_count(); ++i) {
    UnknownFieldSet service;
    ASSERT_TRUE(service.ParseFromString(services.field(i).length_delimited()));
    names.insert(FindField(service, 1)->length_delimited());
  }
  EXPECT_TRUE(names.count("auth.AuthService"));
  EXPECT_TRUE(names.count("grpc.health.v1.Health"));
  EXPECT_TRUE(names.count("grpc.reflection.v1alpha.ServerReflection"));
}

TEST_F(ReflectionTest, DescribesAuthServiceWithItsMethods) {
  // ServerReflectionRequest.file_containing_symbol = 4
  const std::string response = Reflect(Address(), LengthDelimited(4, "auth.AuthService"));
  UnknownFieldSet fields;
  ASSERT_TRUE(fields.ParseFromString(response));
  const UnknownField* files = FindField(fields, 4);  // file_descriptor_response
  ASSERT_NE(files, nullptr);
  UnknownFieldSet protos;
  ASSERT_TRUE(protos.ParseFromString(files->length_delimited()));
  bool found = false;
  for (int i = 0; i < protos.field_count(); ++i) {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(file.ParseFromString(protos.field(i).length_delimited()));
    if (file.package() == "auth" && file.service_size() == 1) {
      found = true;
      EXPECT_EQ(file.service(0).name(), "AuthService");
      EXPECT_EQ(file.service(0).method_size(), 5);
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace warden::testing
