#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/server_config.h"

namespace warden::config {
namespace {

constexpr char kBegin[] = "<!-- BEGIN GENERATED: ConfigurationReferenceMarkdown() -->\n";
constexpr char kEnd[] = "<!-- END GENERATED -->\n";

// docs/configuration.md shows the settings table generated from the settings declaration.
// WARDEN_UPDATE_DOCS=1 rewrites the block instead of comparing it.
TEST(ConfigurationReferenceTest, TheDocumentedTableIsTheDeclaredOne) {
  const std::string path = std::string(WARDEN_SOURCE_DIR) + "/docs/configuration.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream text;
  text << in.rdbuf();
  std::string doc = text.str();
  const size_t begin = doc.find(kBegin);
  const size_t end = doc.find(kEnd);
  ASSERT_NE(begin, std::string::npos) << "no generated block in " << path;
  ASSERT_NE(end, std::string::npos);
  const size_t from = begin + sizeof(kBegin) - 1;
  const std::string expected = ConfigurationReferenceMarkdown();
  if (const char* update = std::getenv("WARDEN_UPDATE_DOCS");
      update && std::string(update) == "1") {
    doc.replace(from, end - from, expected);
    std::ofstream(path) << doc;
    GTEST_SKIP() << "rewrote " << path;
  }
  EXPECT_EQ(doc.substr(from, end - from), expected)
      << path << " is out of date: run WARDEN_UPDATE_DOCS=1 build/bin/warden_config_test";
}

}  // namespace
}  // namespace warden::config
