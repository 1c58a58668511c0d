"""End-to-end tests: the real wardend binary, driven by the warden CLI and by a Python gRPC
client (Debian's python3-grpcio) generated from proto/auth.proto."""
import base64
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import SOURCE_DIR, WARDEN, WARDEND, ServerTest, Wardend, generate_stubs  # noqa

generate_stubs(os.path.join(SOURCE_DIR, "proto"), ["auth.proto", "health/v1/health.proto"])
import auth_pb2 as pb2  # noqa: E402
import auth_pb2_grpc as pb2_grpc  # noqa: E402
from health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402


class RotationTest(ServerTest):
    def test_a_rotating_session_hands_out_successors_and_a_retry_gets_the_same_one(self):
        self.start()
        with grpc.insecure_channel(self.server.address) as channel:
            stub = pb2_grpc.AuthServiceStub(channel)
            stub.Register(pb2.RegisterRequest(
                username="bob", email="bob@example.com", password="s3cret-pass"))
            login = stub.Login(pb2.LoginRequest(
                username="bob", password="s3cret-pass",
                refresh_token_mode=pb2.REFRESH_TOKEN_MODE_ROTATING))
            self.assertEqual(login.refresh_token_mode, pb2.REFRESH_TOKEN_MODE_ROTATING)
            first = stub.RefreshToken(
                pb2.RefreshTokenRequest(refresh_token=login.refresh_token))
            self.assertTrue(first.refresh_token.startswith("wrt_"))
            self.assertNotEqual(first.refresh_token, login.refresh_token)
            # The answer was lost and the client retries: the same successor, not a refusal.
            retry = stub.RefreshToken(
                pb2.RefreshTokenRequest(refresh_token=login.refresh_token))
            self.assertEqual(retry.refresh_token, first.refresh_token)
            self.assertLessEqual(retry.expires_in, first.expires_in)
            second = stub.RefreshToken(
                pb2.RefreshTokenRequest(refresh_token=first.refresh_token))
            self.assertNotEqual(second.refresh_token, first.refresh_token)
            # The login's token is two generations old now: a reuse, and the session ends.
            with self.assertRaises(grpc.RpcError) as err:
                stub.RefreshToken(pb2.RefreshTokenRequest(refresh_token=login.refresh_token))
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            with self.assertRaises(grpc.RpcError) as err:
                stub.RefreshToken(pb2.RefreshTokenRequest(refresh_token=second.refresh_token))
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            with self.assertRaises(grpc.RpcError) as err:
                stub.ValidateToken(empty_pb2.Empty(), metadata=(
                    ("authorization", "Bearer " + second.access_token),))
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_a_server_that_always_rotates_refuses_a_stable_session(self):
        self.start("--refresh-rotation", "always")
        with grpc.insecure_channel(self.server.address) as channel:
            stub = pb2_grpc.AuthServiceStub(channel)
            stub.Register(pb2.RegisterRequest(
                username="ann", email="ann@example.com", password="s3cret-pass"))
            login = stub.Login(pb2.LoginRequest(username="ann", password="s3cret-pass"))
            self.assertEqual(login.refresh_token_mode, pb2.REFRESH_TOKEN_MODE_ROTATING)
            with self.assertRaises(grpc.RpcError) as err:
                stub.Login(pb2.LoginRequest(username="ann", password="s3cret-pass",
                                            refresh_token_mode=pb2.REFRESH_TOKEN_MODE_STABLE))
            self.assertEqual(err.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
            self.assertIn("refresh_token_mode", err.exception.details())
            with self.assertRaises(grpc.RpcError) as err:
                stub.Login(pb2.LoginRequest(username="ann", password="s3cret-pass",
                                            refresh_token_mode=7))
            self.assertEqual(err.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)


class CliTest(ServerTest):
    def test_cli_flow_and_exit_codes(self):
        self.start()
        self.assertEqual(self.cli("health").returncode, 0)
        r = self.cli("register", "--username", "carol", "--email", "carol@example.com",
                     "--password-stdin", stdin="long-password\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("register", "--username", "Carol", "--email", "c2@example.com",
                     "--password-stdin", stdin="long-password\n")
        self.assertEqual(r.returncode, 4)
        self.assertIn("ALREADY_EXISTS", r.stderr)
        r = self.cli("login", "--username", "carol", "--password-stdin", stdin="wrong-password\n")
        self.assertEqual(r.returncode, 3)
        r = self.cli("login", "--username", "carol", "--password-stdin", stdin="long-password\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        creds = os.path.join(self.dir, "creds.json")
        self.assertEqual(stat.S_IMODE(os.stat(creds).st_mode), 0o600)
        r = self.cli("--output", "json", "whoami")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["username"], "carol")
        r = self.cli("refresh")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("whoami")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("logout")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(creds))
        self.assertEqual(self.cli("whoami").returncode, 3)

    def test_health_against_no_server_is_unavailable(self):
        self.start()
        address = self.server.address
        self.server.terminate()
        env = dict(os.environ, WARDEN_CREDENTIALS=os.path.join(self.dir, "creds.json"))
        r = subprocess.run([WARDEN, "--addr", address, "--timeout", "2", "health"],
                           capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 5, r.stderr)


class LifecycleTest(ServerTest):
    def test_registration_survives_kill_9(self):
        self.start()
        with grpc.insecure_channel(self.server.address) as channel:
            stub = pb2_grpc.AuthServiceStub(channel)
            for i in range(5):
                stub.Register(pb2.RegisterRequest(
                    username="durable%d" % i, email="d%d@example.com" % i, password="s3cret-pass"))
        self.server.kill9()
        self.start()
        with grpc.insecure_channel(self.server.address) as channel:
            stub = pb2_grpc.AuthServiceStub(channel)
            for i in range(5):
                login = stub.Login(pb2.LoginRequest(username="durable%d" % i,
                                                         password="s3cret-pass"))
                self.assertTrue(login.access_token)

    def test_logout_survives_restart(self):
        self.start()
        with grpc.insecure_channel(self.server.address) as channel:
            stub = pb2_grpc.AuthServiceStub(channel)
            stub.Register(pb2.RegisterRequest(username="dora", email="dora@example.com",
                                                   password="s3cret-pass"))
            login = stub.Login(pb2.LoginRequest(username="dora", password="s3cret-pass"))
            auth = [("authorization", "Bearer " + login.access_token)]
            stub.Logout(empty_pb2.Empty(), metadata=auth)
        self.server.kill9()
        self.start()
        with grpc.insecure_channel(self.server.address) as channel:
            stub = pb2_grpc.AuthServiceStub(channel)
            with self.assertRaises(grpc.RpcError) as err:
                stub.ValidateToken(empty_pb2.Empty(), metadata=auth)
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_tokens_and_keys_survive_a_restart(self):
        self.start()
        with grpc.insecure_channel(self.server.address) as channel:
            stub = pb2_grpc.AuthServiceStub(channel)
            stub.Register(pb2.RegisterRequest(username="rita", email="rita@example.com",
                                              password="s3cret-pass"))
            login = stub.Login(pb2.LoginRequest(username="rita", password="s3cret-pass"))
        self.assertEqual(self.server.terminate(), 0)
        self.start()
        with grpc.insecure_channel(self.server.address) as channel:
            stub = pb2_grpc.AuthServiceStub(channel)
            auth = [("authorization", "Bearer " + login.access_token)]
            self.assertEqual(stub.ValidateToken(empty_pb2.Empty(), metadata=auth).username, "rita")
            refreshed = stub.RefreshToken(
                pb2.RefreshTokenRequest(refresh_token=login.refresh_token))
            self.assertTrue(refreshed.access_token)

    def test_sigterm_drains_ends_watch_streams_and_exits_zero(self):
        self.start("--drain-seconds", "20")
        channel = grpc.insecure_channel(self.server.address)
        health = health_pb2_grpc.HealthStub(channel)
        stream = health.Watch(health_pb2.HealthCheckRequest(service="auth.AuthService"))
        first = next(stream)
        self.assertEqual(first.status, health_pb2.HealthCheckResponse.SERVING)
        received = []
        done = threading.Event()

        def read_rest():
            try:
                for message in stream:
                    received.append(message.status)
            except grpc.RpcError as e:
                received.append(e.code())
            done.set()

        reader = threading.Thread(target=read_rest)
        reader.start()
        self.assertEqual(self.server.terminate(timeout=20), 0)
        self.assertTrue(done.wait(20))
        reader.join()
        self.assertEqual(received[0], health_pb2.HealthCheckResponse.NOT_SERVING)
        self.assertIn("draining", self.server.log())
        channel.close()

    def test_drain_delay_reports_not_serving_but_keeps_serving_then_stops(self):
        self.start("--drain-delay-seconds", "4", "--drain-seconds", "10")
        channel = grpc.insecure_channel(self.server.address)
        self.addCleanup(channel.close)
        health = health_pb2_grpc.HealthStub(channel)
        auth = pb2_grpc.AuthServiceStub(channel)
        stream = health.Watch(health_pb2.HealthCheckRequest(service="auth.AuthService"))
        self.assertEqual(next(stream).status, health_pb2.HealthCheckResponse.SERVING)
        self.server.proc.send_signal(signal.SIGTERM)
        # The watcher hears NOT_SERVING at once, while the stream (and the server) go on.
        self.assertEqual(next(stream).status, health_pb2.HealthCheckResponse.NOT_SERVING)
        self.assertEqual(health.Check(health_pb2.HealthCheckRequest(service="auth.AuthService"))
                         .status, health_pb2.HealthCheckResponse.NOT_SERVING)
        # Calls that still arrive (a load balancer has not noticed yet) are served.
        auth.Register(pb2.RegisterRequest(username="late", email="late@example.com",
                                          password="long-password"))
        self.assertEqual(self.server.proc.wait(timeout=30), 0)
        self.assertIn("still serving for 4s", self.server.log())

    def test_dev_mode_makes_a_private_master_key_and_says_so(self):
        self.start()
        key = os.path.join(self.data_dir, "master.key")
        self.assertTrue(os.path.exists(key))
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(self.data_dir).st_mode), 0o700)
        self.assertIn("generated a master key", self.server.log())
        self.assertIn("managed key ring", self.server.log())

    def test_refuses_to_start_without_key_outside_dev(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WARDEN_", "JWT_"))}
        r = subprocess.run([WARDEND, "--listen", "127.0.0.1:0", "--data-dir", self.data_dir],
                           capture_output=True, text=True, env=env, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no signing key configured", r.stderr)

    def test_invalid_configuration_lists_every_problem(self):
        r = subprocess.run([WARDEND, "--listen", "nowhere", "--log-level", "loud", "--dev"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("listen", r.stderr)
        self.assertIn("log_level", r.stderr)

    def test_hs256_with_the_seeds_secret_variable(self):
        secret = "x" * 40
        env = dict(os.environ, JWT_SECRET_KEY=secret)
        self.server = Wardend(WARDEND, self.data_dir, env=env, dev=False).start()
        with grpc.insecure_channel(self.server.address) as channel:
            stub = pb2_grpc.AuthServiceStub(channel)
            stub.Register(pb2.RegisterRequest(username="hsuser", email="hs@example.com",
                                                   password="s3cret-pass"))
            login = stub.Login(pb2.LoginRequest(username="hsuser", password="s3cret-pass"))
            header = login.access_token.split(".")[0]
            decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
            self.assertEqual(decoded["alg"], "HS256")
            self.assertEqual(decoded["typ"], "at+jwt")
        self.assertNotIn(secret, self.server.log())


class LogTest(ServerTest):
    def test_logs_are_json_lines_and_never_carry_secrets(self):
        password = "Sup3r-Secret-Passw0rd"
        master = base64.b64encode(b"m" * 32).decode()
        env = dict(os.environ, WARDEN_MASTER_KEY=master)
        self.server = Wardend(WARDEND, self.data_dir,
                              extra_args=["--log-level", "trace", "--access-log", "all"],
                              env=env, dev=False).start()
        secrets = [password, master]
        with grpc.insecure_channel(self.server.address) as channel:
            stub = pb2_grpc.AuthServiceStub(channel)
            stub.Register(pb2.RegisterRequest(username="loggy", email="l@example.com",
                                              password=password))
            login = stub.Login(pb2.LoginRequest(username="loggy", password=password))
            with self.assertRaises(grpc.RpcError):
                stub.Login(pb2.LoginRequest(username="loggy", password=password + "x"),
                           metadata=[("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-"
                                                     "00f067aa0ba902b7-01")])
            bearer = [("authorization", "Bearer " + login.access_token)]
            stub.ValidateToken(empty_pb2.Empty(), metadata=bearer)
            refreshed = stub.RefreshToken(pb2.RefreshTokenRequest(
                refresh_token=login.refresh_token))
            stub.Logout(empty_pb2.Empty(),
                        metadata=[("authorization", "Bearer " + refreshed.access_token)])
            secrets += [login.access_token, login.refresh_token, refreshed.access_token,
                        refreshed.refresh_token, password + "x"]
            # Token parts too: a log must not carry a signature or a payload either.
            secrets += login.access_token.split(".")[1:]
        self.assertEqual(self.server.terminate(), 0)
        log = self.server.log()
        for secret in secrets:
            self.assertNotIn(secret, log)
        lines = [line for line in log.splitlines() if line.strip()]
        self.assertGreater(len(lines), 3)
        access = []
        for line in lines:
            record = json.loads(line)
            self.assertIn(record["level"], ("trace", "debug", "info", "warning", "error",
                                            "critical"))
            self.assertTrue(record["ts"].endswith("Z"))
            if record.get("logger") == "access":
                access.append(record)
            elif record.get("logger") == "audit":
                self.assertIn("event", record)
            else:
                self.assertIn("msg", record)
        failed = [r for r in access if r["method"] == "/auth.AuthService/Login"
                  and r["grpc_code"] == "Unauthenticated"]
        self.assertEqual(len(failed), 1, access)
        self.assertEqual(failed[0]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736")
        self.assertGreater(failed[0]["duration_ms"], 0)
        self.assertTrue(failed[0]["peer"].startswith("ipv4:127.0.0.1:"))
        validated = [r for r in access if r["method"].endswith("/ValidateToken")]
        self.assertEqual(len(validated), 1)
        self.assertRegex(validated[0]["principal"], "^[0-9a-f-]{36}$")
        self.assertEqual(failed[0]["principal"], "")


class AuditTest(ServerTest):
    def test_security_events_are_stored_in_order_and_logged(self):
        self.start()
        with grpc.insecure_channel(self.server.address) as channel:
            stub = pb2_grpc.AuthServiceStub(channel)
            stub.Register(pb2.RegisterRequest(username="Auditee", email="a@example.com",
                                              password="s3cret-pass"))
            with self.assertRaises(grpc.RpcError):
                stub.Login(pb2.LoginRequest(username="auditee", password="wrong-pass"),
                           metadata=[("traceparent", "00-%s-b7ad6b7169203331-01" % ("ab" * 16))])
            with self.assertRaises(grpc.RpcError):
                stub.Login(pb2.LoginRequest(username="ghost", password="wrong-pass"))
            login = stub.Login(pb2.LoginRequest(username="auditee", password="s3cret-pass"))
            refreshed = stub.RefreshToken(pb2.RefreshTokenRequest(
                refresh_token=login.refresh_token))
            stub.Logout(empty_pb2.Empty(),
                        metadata=[("authorization", "Bearer " + refreshed.access_token)])
        self.assertEqual(self.server.terminate(), 0)  # drains: the audit queue is flushed
        r = subprocess.run([WARDEND, "audit", "list", "--username", "AUDITEE", "--dev",
                            "--data-dir", self.data_dir], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        events = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual([e["event"] for e in events],
                         ["register", "login_failure", "login_success", "refresh", "logout"])
        self.assertEqual(events[1]["detail"], "wrong_password")
        self.assertEqual(events[1]["trace_id"], "ab" * 16, "the caller's trace id")
        for event in events:
            self.assertRegex(event["trace_id"], "^[0-9a-f]{32}$")
        self.assertEqual(len({e["trace_id"] for e in events}), len(events), "one trace per call")
        self.assertEqual(len({e["user_id"] for e in events}), 1)
        self.assertEqual(events[2]["session_id"], events[4]["session_id"])
        seqs = [e["seq"] for e in events]
        self.assertEqual(seqs, sorted(seqs))
        everyone = subprocess.run([WARDEND, "audit", "list", "--dev", "--data-dir",
                                   self.data_dir], capture_output=True, text=True, timeout=60)
        self.assertIn('"detail":"unknown_user"', everyone.stdout)
        logged = [json.loads(line) for line in self.server.log().splitlines()
                  if '"logger":"audit"' in line]
        self.assertGreaterEqual(len(logged), 6)
        self.assertNotIn("s3cret-pass", r.stdout + everyone.stdout + self.server.log())


class KeysCommandTest(ServerTest):
    def keys(self, *args):
        return subprocess.run([WARDEND, "keys"] + list(args) + ["--dev", "--data-dir", self.data_dir],
                              capture_output=True, text=True, timeout=60)

    def jwks_kids(self):
        url = "http://127.0.0.1:%d/.well-known/jwks.json" % self.server.http_port
        with urllib.request.urlopen(url, timeout=10) as response:
            return [k["kid"] for k in json.loads(response.read())["keys"]]

    def wait_for_kids(self, predicate, timeout=30.0):
        """The server applies key changes on its 5 s housekeeping tick: poll, bounded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            kids = self.jwks_kids()
            if predicate(kids):
                return kids
            time.sleep(0.25)
        self.fail("JWKS never matched; last: %s" % self.jwks_kids())

    def test_rotate_publishes_then_withdraw_distrusts(self):
        self.start()
        first = self.jwks_kids()
        self.assertEqual(len(first), 1)
        r = self.keys("rotate")
        self.assertEqual(r.returncode, 0, r.stderr)
        new_kid = r.stdout.split()[2]
        kids = self.wait_for_kids(lambda k: new_kid in k)
        self.assertIn(first[0], kids)
        listing = self.keys("list")
        self.assertEqual(listing.returncode, 0, listing.stderr)
        self.assertIn(first[0] + "  ES256  signing", listing.stdout)
        self.assertIn(new_kid + "  ES256  next", listing.stdout)
        r = self.keys("withdraw", first[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_for_kids(lambda k: first[0] not in k)
        self.assertEqual(self.keys("withdraw", "no-such-kid").returncode, 4)
        self.assertEqual(self.keys("frobnicate").returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
