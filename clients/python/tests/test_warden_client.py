"""The Python client package against a real wardend (started per test on loopback): the channel
helper, TokenAuth call credentials, TokenVerifier and AuthInterceptor, and the example service
they protect. Run with PYTHONPATH=<build>/python (the CMake test sets it)."""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import unittest

import grpc
import jwt

SOURCE_DIR = os.environ["WARDEN_SOURCE_DIR"]
BIN_DIR = os.environ["WARDEN_BIN_DIR"]
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
from e2e_support import wait_until  # noqa: E402
from wardend_process import Wardend  # noqa: E402

import warden_client  # noqa: E402
from warden_client import InvalidToken, SessionEndedError, TokenAuth, TokenVerifier  # noqa: E402
from warden_client.pb import auth_pb2, auth_pb2_grpc  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402

PASSWORD = "password of the python client"
EXAMPLE = os.path.join(os.environ.get("PYTHONPATH", "").split(os.pathsep)[0], "examples",
                       "greeter_server.py")


class FakeClock:
    def __init__(self):
        self.now = time.time()

    def __call__(self):
        return self.now


class PythonClientTest(unittest.TestCase):
    def setUp(self):
        self.dir = os.path.join("/tmp", "warden-py-%d-%d" % (os.getpid(), time.monotonic_ns()))
        os.makedirs(self.dir)
        self.server = Wardend(os.path.join(BIN_DIR, "wardend"), self.dir).start()
        self.addCleanup(self.server.kill)
        self.plain = warden_client.channel(self.server.address)
        self.addCleanup(self.plain.close)
        self.stub = auth_pb2_grpc.AuthServiceStub(self.plain)
        self.stub.Register(auth_pb2.RegisterRequest(username="pia", email="pia@example.com",
                                                    password=PASSWORD))

    def login(self):
        return self.stub.Login(auth_pb2.LoginRequest(username="pia", password=PASSWORD))

    def test_token_auth_signs_in_once_refreshes_follows_rotation_and_reports_an_ended_session(
            self):
        clock = FakeClock()
        auth = TokenAuth(self.plain, username="pia", password=PASSWORD, clock=clock)
        calls = warden_client.channel(self.server.address,
                                      call_credentials=auth.call_credentials())
        self.addCleanup(calls.close)
        stub = auth_pb2_grpc.AuthServiceStub(calls)
        self.assertEqual(stub.ValidateToken(empty_pb2.Empty()).username, "pia")
        first = auth.tokens()
        self.assertEqual(stub.ValidateToken(empty_pb2.Empty()).username, "pia")
        self.assertEqual(auth.tokens(), first, "no refresh while the token is fresh")

        clock.now = first["expires_at"] - 10  # inside the refresh margin
        self.assertEqual(stub.ValidateToken(empty_pb2.Empty()).username, "pia")
        second = auth.tokens()
        self.assertNotEqual(second["access_token"], first["access_token"])
        self.assertNotEqual(second["refresh_token"], first["refresh_token"],
                            "a rotating session: the answer's refresh token is kept")

        # The session ends at the server; without a password the next refresh says so.
        ended = TokenAuth(self.plain, username="pia", password=None, clock=clock)
        ended._access, ended._refresh, ended._expires_at = (
            second["access_token"], second["refresh_token"], clock.now - 1)
        self.stub.Logout(empty_pb2.Empty(),
                         metadata=(("authorization", "Bearer " + second["access_token"]),))
        with self.assertRaises(SessionEndedError) as error:
            ended.header()
        self.assertIn("the session has ended", str(error.exception))
        # ... and a call through the credentials fails instead of going out without them.
        ended_channel = warden_client.channel(self.server.address,
                                              call_credentials=ended.call_credentials())
        self.addCleanup(ended_channel.close)
        with self.assertRaises(grpc.RpcError) as failed:
            auth_pb2_grpc.AuthServiceStub(ended_channel).ValidateToken(empty_pb2.Empty())
        self.assertIn("the session has ended", failed.exception.details())

    def test_api_key_credentials(self):
        auth = TokenAuth(api_key="wak_not_a_key")
        self.assertEqual(auth.header(), ("x-api-key", "wak_not_a_key"))
        with self.assertRaises(ValueError):
            TokenAuth(username="no channel")

    def forged(self, token, header=None, payload=None, key=b"", algorithm="HS256"):
        """`token` with its header and payload changed, signed with `algorithm`."""
        head, body, _ = token.split(".")
        decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        h = dict(decode(head), **(header or {}))
        p = dict(decode(body), **(payload or {}))
        encode = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=")
        if algorithm == "none":
            return b".".join([encode(dict(h, alg="none")), encode(p), b""]).decode()
        # HS256 by hand: PyJWT rightly refuses an asymmetric key as an HMAC secret.
        signing_input = encode(dict(h, alg="HS256")) + b"." + encode(p)
        mac = hmac.new(key, signing_input, hashlib.sha256).digest()
        return (signing_input + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")).decode()

    def test_verifier_accepts_warden_tokens_refuses_forgeries_and_sees_a_logout_within_a_second(
            self):
        verifier = TokenVerifier(self.plain, min_refetch_interval=3600)
        self.addCleanup(verifier.close)
        wait_until(lambda: verifier.revocation_snapshots >= 1)
        login = self.login()
        claims = verifier.verify(login.access_token)
        self.assertEqual(claims["username"], "pia")

        head, body, signature = login.access_token.split(".")
        tampered = ".".join([head, body[:-2] + ("AA" if body[-2:] != "AA" else "BB"), signature])
        jwks = json.loads(self.stub_jwks())
        public_pem = jwt.PyJWK(jwks["keys"][0]).key.public_bytes(
            __import__("cryptography.hazmat.primitives.serialization",
                       fromlist=["Encoding"]).Encoding.PEM,
            __import__("cryptography.hazmat.primitives.serialization",
                       fromlist=["PublicFormat"]).PublicFormat.SubjectPublicKeyInfo)
        for name, token in [
                ("tampered payload", tampered),
                ("alg none", self.forged(login.access_token, algorithm="none")),
                ("HS256 keyed with the public key",
                 self.forged(login.access_token, {"alg": "HS256"}, key=public_pem)),
                ("not a JWT", "abc.def"),
                ("refresh token", login.refresh_token)]:
            with self.assertRaises(InvalidToken, msg=name):
                verifier.verify(token)
        with self.assertRaises(InvalidToken):
            TokenVerifier(self.plain, audience="another-service",
                          watch_revocations=False).verify(login.access_token)

        # Unknown key ids refetch the JWKS at most once per min_refetch_interval.
        fetches = verifier.fetches
        for _ in range(20):
            with self.assertRaises(InvalidToken):
                verifier.verify(self.forged(login.access_token, {"kid": "nope"},
                                            algorithm="HS256", key=b"x" * 32))
        self.assertLessEqual(verifier.fetches - fetches, 1)

        # Logout at Warden: refused here within about a second.
        started = time.monotonic()
        self.stub.Logout(empty_pb2.Empty(),
                         metadata=(("authorization", "Bearer " + login.access_token),))

        def refused():
            try:
                verifier.verify(login.access_token)
                return False
            except InvalidToken as error:
                return "revoked" in str(error)
        wait_until(refused, timeout=5)
        self.assertLess(time.monotonic() - started, 2.0)

    def stub_jwks(self):
        from warden_client.pb import keys_pb2, keys_pb2_grpc
        return keys_pb2_grpc.KeyServiceStub(self.plain).GetJwks(keys_pb2.GetJwksRequest()).jwks_json

    def test_verifier_from_the_http_jwks(self):
        verifier = TokenVerifier(jwks_url="http://127.0.0.1:%d/.well-known/jwks.json"
                                 % self.server.http_port)
        self.assertEqual(verifier.verify(self.login().access_token)["username"], "pia")

    def test_the_example_service_is_protected_by_the_interceptor(self):
        proc = subprocess.Popen([sys.executable, EXAMPLE, "--warden", self.server.address,
                                 "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (proc.terminate(), proc.wait(timeout=10)))
        line = proc.stdout.readline()
        self.assertTrue(line.startswith("listening on "), line)
        sys.path.insert(0, os.path.dirname(EXAMPLE))
        import greeter_pb2
        import greeter_pb2_grpc
        from warden_client.pb import health_pb2, health_pb2_grpc
        example = grpc.insecure_channel(line.split()[-1])
        self.addCleanup(example.close)
        greeter = greeter_pb2_grpc.GreeterServiceStub(example)
        self.assertEqual(health_pb2_grpc.HealthStub(example).Check(
            health_pb2.HealthCheckRequest()).status, health_pb2.HealthCheckResponse.SERVING,
            "health is public")
        with self.assertRaises(grpc.RpcError) as missing:
            greeter.Greet(greeter_pb2.GreetRequest())
        self.assertEqual(missing.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        login = self.login()
        bearer = (("authorization", "Bearer " + login.access_token),)
        self.assertEqual(greeter.Greet(greeter_pb2.GreetRequest(), metadata=bearer).message,
                         "hello, pia")
        with self.assertRaises(grpc.RpcError) as denied:
            greeter.AdminStats(greeter_pb2.AdminStatsRequest(), metadata=bearer)
        self.assertEqual(denied.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.stub.Logout(empty_pb2.Empty(), metadata=bearer)

        def refused():
            try:
                greeter.Greet(greeter_pb2.GreetRequest(), metadata=bearer)
                return False
            except grpc.RpcError as error:
                return error.code() == grpc.StatusCode.UNAUTHENTICATED
        wait_until(refused, timeout=5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
