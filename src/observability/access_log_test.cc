#include "observability/access_log.h"

#include <gtest/gtest.h>

namespace warden::observability {
namespace {

TEST(TraceparentTest, ReadsTheTraceIdOfAValidHeader) {
  EXPECT_EQ(TraceIdFromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceparentTest, RejectsMalformedHeaders) {
  for (const char* bad : {"", "garbage", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"}) {
    EXPECT_EQ(TraceIdFromTraceparent(bad), "") << bad;
  }
}

}  // namespace
}  // namespace warden::observability

namespace warden::observability {
namespace {

TEST(SpanExporterTest, EncodesOtlpJsonWithHexIdsAndRpcAttributes) {
  SpanExporter exporter({.endpoint = "http://127.0.0.1:1/v1/traces", .service_name = "warden"});
  const std::string body = exporter.Encode({Span{.trace_id = std::string(32, 'a'),
                                                 .span_id = std::string(16, 'b'),
                                                 .parent_span_id = std::string(16, 'c'),
                                                 .name = "/auth.AuthService/Login",
                                                 .start_unix_nanos = 1,
                                                 .end_unix_nanos = 2,
                                                 .grpc_code = 16}});
  for (const char* fragment :
       {R"("traceId":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")", R"("parentSpanId":"cccccccccccccccc")",
        R"("kind":2)", R"("startTimeUnixNano":"1")", R"("stringValue":"auth.AuthService")",
        R"("stringValue":"Login")", R"("intValue":"16")", R"("status":{"code":2})",
        R"("stringValue":"warden")"}) {
    EXPECT_NE(body.find(fragment), std::string::npos) << fragment << "\n" << body;
  }
  EXPECT_EQ(NewSpanId().size(), 16u);
  EXPECT_NE(NewSpanId(), NewSpanId());
}

}  // namespace
}  // namespace warden::observability
