"""The verifier library in a real service: examples/greeter trusts Warden's tokens locally
(JWKS + revocation stream). Log in at Warden, call the example, log out, and the example
refuses the same token within about a second."""
import os
import re
import subprocess
import sys
import threading
import time
import unittest

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import BIN_DIR, SOURCE_DIR, ServerTest, generate_stubs  # noqa: E402

generate_stubs(os.path.join(SOURCE_DIR, "proto"), ["auth.proto", "health/v1/health.proto"])
generate_stubs(os.path.join(SOURCE_DIR, "examples/greeter"), ["greeter.proto"])
import auth_pb2 as pb2  # noqa: E402
import auth_pb2_grpc as pb2_grpc  # noqa: E402
import greeter_pb2  # noqa: E402
import greeter_pb2_grpc  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402
from health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

GREETER = os.path.join(BIN_DIR, "example_greeter")


class ExampleGuardTest(ServerTest):
    def start_greeter(self):
        proc = subprocess.Popen([GREETER, "--warden", self.server.address], text=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(lambda: (proc.kill(), proc.wait(), proc.stderr.close()))
        lines = []
        found = threading.Event()
        port = []

        def read():
            for line in proc.stderr:
                lines.append(line)
                m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
                if m and not port:
                    port.append(int(m.group(1)))
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        self.assertTrue(found.wait(30), "".join(lines))
        self.assertTrue(port, "".join(lines))
        return "127.0.0.1:%d" % port[0]

    def test_login_call_logout_refused(self):
        self.start()
        greeter_address = self.start_greeter()
        with grpc.insecure_channel(self.server.address) as warden, \
                grpc.insecure_channel(greeter_address) as example:
            auth = pb2_grpc.AuthServiceStub(warden)
            auth.Register(pb2.RegisterRequest(username="gina", email="g@example.com",
                                              password="s3cret-pass"))
            login = auth.Login(pb2.LoginRequest(username="gina", password="s3cret-pass"))
            bearer = [("authorization", "Bearer " + login.access_token)]
            greeter = greeter_pb2_grpc.GreeterServiceStub(example)

            self.assertEqual(greeter.Greet(greeter_pb2.GreetRequest(), metadata=bearer).message,
                             "Hello, gina")
            with self.assertRaises(grpc.RpcError) as err:
                greeter.Greet(greeter_pb2.GreetRequest())
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            with self.assertRaises(grpc.RpcError) as err:
                greeter.AdminStats(greeter_pb2.AdminStatsRequest(), metadata=bearer)
            self.assertEqual(err.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
            health = health_pb2_grpc.HealthStub(example).Check(health_pb2.HealthCheckRequest())
            self.assertEqual(health.status, health_pb2.HealthCheckResponse.SERVING)

            auth.Logout(empty_pb2.Empty(), metadata=bearer)
            started = time.monotonic()
            refused_after = None
            while time.monotonic() - started < 10:
                try:
                    greeter.Greet(greeter_pb2.GreetRequest(), metadata=bearer)
                except grpc.RpcError as e:
                    self.assertEqual(e.code(), grpc.StatusCode.UNAUTHENTICATED)
                    refused_after = time.monotonic() - started
                    break
                time.sleep(0.02)
            self.assertIsNotNone(refused_after, "the example kept accepting a logged-out token")
            self.assertLess(refused_after, 2.0)
            print("logout reached the example service after %.3f s" % refused_after)


if __name__ == "__main__":
    unittest.main(verbosity=2)
