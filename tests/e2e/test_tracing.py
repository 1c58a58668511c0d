"""Tracing end to end: the warden CLI sends a W3C traceparent through the client library; wardend
puts that trace id in its access log and exports a server span (child of the caller's span) over
OTLP/HTTP to a local receiver."""
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import WARDEN, ServerTest  # noqa: E402

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"


class Receiver(http.server.BaseHTTPRequestHandler):
    bodies = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        Receiver.bodies.append((self.path, self.headers.get("Content-Type"),
                                self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


class TracingTest(ServerTest):
    def test_trace_context_flows_from_cli_to_log_and_otlp_span(self):
        receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        self.addCleanup(receiver.shutdown)
        endpoint = "http://127.0.0.1:%d/v1/traces" % receiver.server_address[1]
        self.start("--otlp-endpoint", endpoint, "--access-log", "all")
        env = dict(os.environ, WARDEN_CREDENTIALS=os.path.join(self.dir, "creds.json"))
        r = subprocess.run([WARDEN, "--addr", self.server.address, "--traceparent",
                            "00-%s-%s-01" % (TRACE_ID, PARENT_ID), "health"],
                           capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)

        span = None
        deadline = time.monotonic() + 20
        while span is None and time.monotonic() < deadline:
            for path, content_type, body in list(Receiver.bodies):
                self.assertEqual(path, "/v1/traces")
                self.assertEqual(content_type, "application/json")
                for rs in json.loads(body)["resourceSpans"]:
                    for ss in rs["scopeSpans"]:
                        for s in ss["spans"]:
                            if s["traceId"] == TRACE_ID:
                                span = s
            time.sleep(0.1)
        self.assertIsNotNone(span, "no span with the caller's trace id reached the receiver")
        self.assertEqual(span["parentSpanId"], PARENT_ID)
        self.assertEqual(span["name"], "/grpc.health.v1.Health/Check")
        self.assertEqual(span["kind"], 2)
        self.assertEqual(len(span["spanId"]), 16)
        self.assertLessEqual(int(span["startTimeUnixNano"]), int(span["endTimeUnixNano"]))
        self.assertEqual(self.server.terminate(), 0)  # access lines are flushed at exit
        access = [json.loads(line) for line in self.server.log().splitlines()
                  if '"logger":"access"' in line]
        self.assertIn(TRACE_ID, [a["trace_id"] for a in access])


if __name__ == "__main__":
    unittest.main(verbosity=2)
