"""End-to-end tests of the door (issue "Guard the door"): the admission chain and policy, the
admin API and its CLI, API keys, rate limits, brute-force protection, TLS and mutual TLS with
certificate reload, the plaintext health listener, and overload behaviour. Each test starts the
real wardend on 127.0.0.1:0; certificates are made here with the openssl command."""
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import SOURCE_DIR, WARDEN, WARDEND, ServerTest, generate_stubs, wait_until  # noqa

generate_stubs(os.path.join(SOURCE_DIR, "proto"),
               ["auth.proto", "health/v1/health.proto", "warden/v1/admin.proto",
                "warden/v1/keys.proto"])
import auth_pb2 as pb2  # noqa: E402
import auth_pb2_grpc as pb2_grpc  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402
from health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from warden.v1 import admin_pb2, admin_pb2_grpc, keys_pb2, keys_pb2_grpc  # noqa: E402

PASSWORD = "correct horse battery"


def bearer(token):
    return (("authorization", "Bearer " + token),)


def trailers(error):
    return dict(error.trailing_metadata() or ())


class GuardTest(ServerTest):
    def write(self, name, content):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content))
        return path

    def channel(self):
        channel = grpc.insecure_channel(self.server.address)
        self.addCleanup(channel.close)
        return channel

    def register_and_login(self, stub, username):
        stub.Register(pb2.RegisterRequest(username=username, email=username + "@example.com",
                                          password=PASSWORD))
        return stub.Login(pb2.LoginRequest(username=username, password=PASSWORD)).access_token

    def bootstrap_admin(self, username="root"):
        r = subprocess.run([WARDEND, "bootstrap-admin", "--username", username, "--email",
                            username + "@example.com", "--dev", "--data-dir", self.data_dir],
                           input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def admin_cli(self, *args, api_key=None, stdin=None):
        env = dict(os.environ, WARDEN_CREDENTIALS=os.path.join(self.dir, "creds.json"))
        if api_key:
            env["WARDEN_API_KEY"] = api_key
        return subprocess.run([WARDEN, "--addr", self.server.address, "--output", "json"] +
                              list(args), input=stdin, capture_output=True, text=True, env=env,
                              timeout=60)


class PolicyTest(GuardTest):
    def test_public_authenticated_and_role_methods(self):
        self.bootstrap_admin()
        self.start()
        auth = pb2_grpc.AuthServiceStub(self.channel())
        admin = admin_pb2_grpc.AdminServiceStub(self.channel())
        # Public: health, JWKS, and the seed's Register/Login/RefreshToken/ValidateToken.
        health = health_pb2_grpc.HealthStub(self.channel())
        self.assertEqual(health.Check(health_pb2.HealthCheckRequest(service="")).status,
                         health_pb2.HealthCheckResponse.SERVING)
        self.assertTrue(keys_pb2_grpc.KeyServiceStub(self.channel()).GetJwks(
            keys_pb2.GetJwksRequest()).keys)
        user_token = self.register_and_login(auth, "mallory")
        login = auth.Login(pb2.LoginRequest(username="mallory", password=PASSWORD))
        self.assertTrue(auth.RefreshToken(
            pb2.RefreshTokenRequest(refresh_token=login.refresh_token)).access_token)
        # Authenticated: Logout without a credential is refused.
        with self.assertRaises(grpc.RpcError) as err:
            auth.Logout(empty_pb2.Empty())
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        # Admin methods: nobody -> UNAUTHENTICATED, a user -> PERMISSION_DENIED, admin -> OK.
        with self.assertRaises(grpc.RpcError) as err:
            admin.ListUsers(admin_pb2.ListUsersRequest())
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        with self.assertRaises(grpc.RpcError) as err:
            admin.ListUsers(admin_pb2.ListUsersRequest(), metadata=bearer(user_token))
        self.assertEqual(err.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        with self.assertRaises(grpc.RpcError) as err:
            admin.ListUsers(admin_pb2.ListUsersRequest(), metadata=bearer("not.a.token"))
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        root = auth.Login(pb2.LoginRequest(username="root", password=PASSWORD)).access_token
        users = admin.ListUsers(admin_pb2.ListUsersRequest(), metadata=bearer(root)).users
        self.assertEqual(sorted(u.username for u in users), ["mallory", "root"])
        # A user cannot make themselves admin.
        with self.assertRaises(grpc.RpcError) as err:
            admin.SetRoles(admin_pb2.SetRolesRequest(user_id=users[0].id, roles=["admin"]),
                           metadata=bearer(user_token))
        self.assertEqual(err.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        # The denials are counted.
        metrics = urllib.request.urlopen(
            "http://127.0.0.1:%d/metrics" % self.server.http_port, timeout=10).read().decode()
        self.assertIn('warden_admission_denied_total{grpc_method="/warden.v1.AdminService/'
                      'ListUsers",reason="permission_denied"} 1', metrics)

    def test_malformed_admin_request_is_invalid_argument_after_admission(self):
        self.bootstrap_admin()
        self.start()
        auth = pb2_grpc.AuthServiceStub(self.channel())
        root = auth.Login(pb2.LoginRequest(username="root", password=PASSWORD)).access_token
        call = self.channel().unary_unary("/warden.v1.AdminService/ListUsers",
                                          request_serializer=lambda b: b,
                                          response_deserializer=lambda b: b)
        with self.assertRaises(grpc.RpcError) as err:
            call(b"\xff\xff\xff", metadata=bearer(root))
        self.assertEqual(err.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("malformed", err.exception.details())
        with self.assertRaises(grpc.RpcError) as err:  # anonymous: refused before parsing
            call(b"\xff\xff\xff")
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_policy_file_grants_a_custom_role_and_can_close_a_public_method(self):
        policy = self.write("policy.json", {
            "methods": {
                "/warden.v1.AdminService/ListUsers": {"access": "restricted",
                                                      "roles": ["support"]},
                "/warden.v1.KeyService/*": {"access": "authenticated"},
            }})
        self.bootstrap_admin()
        self.start("--policy-file", policy)
        auth = pb2_grpc.AuthServiceStub(self.channel())
        admin = admin_pb2_grpc.AdminServiceStub(self.channel())
        keys = keys_pb2_grpc.KeyServiceStub(self.channel())
        sam_id = auth.Register(pb2.RegisterRequest(username="sam", email="sam@example.com",
                                                    password=PASSWORD)).user_id
        token = auth.Login(pb2.LoginRequest(username="sam", password=PASSWORD)).access_token
        root = auth.Login(pb2.LoginRequest(username="root", password=PASSWORD)).access_token
        with self.assertRaises(grpc.RpcError) as err:
            keys.GetJwks(keys_pb2.GetJwksRequest())
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertTrue(keys.GetJwks(keys_pb2.GetJwksRequest(), metadata=bearer(token)).keys)
        # root's admin role does not help: ListUsers now wants "support" exactly.
        admin.SetRoles(admin_pb2.SetRolesRequest(user_id=sam_id, roles=["user", "support"]),
                       metadata=bearer(root))
        with self.assertRaises(grpc.RpcError) as err:
            admin.ListUsers(admin_pb2.ListUsersRequest(), metadata=bearer(root))
        self.assertEqual(err.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        # The role change revoked sam's old token; a new login carries "support".
        with self.assertRaises(grpc.RpcError) as err:
            admin.ListUsers(admin_pb2.ListUsersRequest(), metadata=bearer(token))
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        token = auth.Login(pb2.LoginRequest(username="sam", password=PASSWORD)).access_token
        self.assertEqual(len(admin.ListUsers(admin_pb2.ListUsersRequest(),
                                             metadata=bearer(token)).users), 2)

    def test_bad_policy_file_refuses_to_start(self):
        policy = self.write("policy.json", {"methods": {"Login": {"access": "open"}}})
        r = subprocess.run([WARDEND, "--dev", "--data-dir", self.data_dir, "--listen",
                            "127.0.0.1:0", "--policy-file", policy], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("policy file", r.stderr)


class AdminCliTest(GuardTest):
    def test_bootstrap_is_explicit_and_the_cli_administers(self):
        self.start()
        auth = pb2_grpc.AuthServiceStub(self.channel())
        user_token = self.register_and_login(auth, "dave")
        # No admin yet: nobody can administer (there is no default password).
        r = self.admin_cli("login", "--username", "admin", "--password-stdin", stdin="admin\n")
        self.assertEqual(r.returncode, 3)
        self.bootstrap_admin("root")
        r = subprocess.run([WARDEND, "bootstrap-admin", "--username", "dave", "--dev",
                            "--data-dir", self.data_dir], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 3, "a second bootstrap must be refused")
        r = self.admin_cli("login", "--username", "root", "--password-stdin",
                           stdin=PASSWORD + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        users = json.loads(self.admin_cli("admin", "users", "list").stdout)["users"]
        dave = [u for u in users if u["username"] == "dave"][0]
        self.assertEqual(json.loads(self.admin_cli("admin", "users", "get", dave["id"]).stdout)
                         ["user"]["email"], "dave@example.com")
        sessions = json.loads(self.admin_cli("admin", "sessions", "list", dave["id"]).stdout)
        self.assertEqual(len(sessions["sessions"]), 1)
        # Disable: dave's token stops validating at once and he cannot log in.
        r = self.admin_cli("admin", "users", "disable", dave["id"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(json.loads(r.stdout)["user"]["disabled"])
        with self.assertRaises(grpc.RpcError) as err:
            auth.ValidateToken(empty_pb2.Empty(), metadata=bearer(user_token))
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        with self.assertRaises(grpc.RpcError) as err:
            auth.Login(pb2.LoginRequest(username="dave", password=PASSWORD))
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(self.admin_cli("admin", "users", "enable", dave["id"]).returncode, 0)
        # Password reset by the admin revokes every session.
        r = self.admin_cli("admin", "users", "set-password", dave["id"], "--password-stdin",
                           stdin="brand new password\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        token = auth.Login(pb2.LoginRequest(username="dave", password="brand new password"))
        self.assertEqual(self.admin_cli("admin", "sessions", "revoke-all", dave["id"]).returncode,
                         0)
        with self.assertRaises(grpc.RpcError):
            auth.ValidateToken(empty_pb2.Empty(), metadata=bearer(token.access_token))
        # Audit trail, remotely.
        expected = {"register", "user_disabled", "user_enabled", "password_set",
                    "sessions_revoked"}

        def audited():  # the audit trail is written in batches, moments later
            r = self.admin_cli("admin", "audit", "list", "--user-id", dave["id"], "--limit",
                               "100")
            self.assertEqual(r.returncode, 0, r.stderr)
            return expected <= {e["type"] for e in json.loads(r.stdout).get("events", [])}
        wait_until(audited)
        # Delete: gone, and the name is free again.
        self.assertEqual(self.admin_cli("admin", "users", "delete", dave["id"]).returncode, 0)
        self.assertEqual(self.admin_cli("admin", "users", "get", dave["id"]).returncode, 4)
        auth.Register(pb2.RegisterRequest(username="dave", email="dave@example.com",
                                          password=PASSWORD))
        # A plain user's CLI is refused with exit code 4 (PERMISSION_DENIED).
        r = self.admin_cli("login", "--username", "dave", "--password-stdin",
                           stdin=PASSWORD + "\n")
        self.assertEqual(self.admin_cli("admin", "users", "list").returncode, 4)

    def test_passwd_keeps_this_session_and_ends_the_others(self):
        self.start()
        auth = pb2_grpc.AuthServiceStub(self.channel())
        other = self.register_and_login(auth, "erin")
        r = self.admin_cli("login", "--username", "erin", "--password-stdin",
                           stdin=PASSWORD + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.admin_cli("passwd", "--password-stdin", stdin="wrong password\nnew password 1\n")
        self.assertEqual(r.returncode, 4)
        r = self.admin_cli("passwd", "--password-stdin", stdin=PASSWORD + "\nnew password 1\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.admin_cli("whoami").returncode, 0)
        with self.assertRaises(grpc.RpcError):
            auth.ValidateToken(empty_pb2.Empty(), metadata=bearer(other))
        auth.Login(pb2.LoginRequest(username="erin", password="new password 1"))


class ApiKeyTest(GuardTest):
    def test_api_key_lifecycle(self):
        self.bootstrap_admin()
        self.start("--access-log", "all")
        self.admin_cli("login", "--username", "root", "--password-stdin", stdin=PASSWORD + "\n")
        r = self.admin_cli("admin", "apikeys", "create", "--name", "reporting", "--roles",
                           "auditor")
        self.assertEqual(r.returncode, 0, r.stderr)
        made = json.loads(r.stdout)
        secret = made["secret"]
        self.assertRegex(secret, r"^wdn_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$")
        admin = admin_pb2_grpc.AdminServiceStub(self.channel())
        # Both header forms; scoped to the auditor role: may read, may not write.
        for metadata in ((("x-api-key", secret),), (("authorization", "ApiKey " + secret),)):
            self.assertTrue(admin.ListUsers(admin_pb2.ListUsersRequest(),
                                            metadata=metadata).users)
        with self.assertRaises(grpc.RpcError) as err:
            admin.SetDisabled(admin_pb2.SetDisabledRequest(user_id="x", disabled=True),
                              metadata=(("x-api-key", secret),))
        self.assertEqual(err.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        # Listing never shows the secret; last use gets recorded.
        listed = json.loads(self.admin_cli("admin", "apikeys", "list").stdout)["keys"]
        self.assertEqual(listed[0]["id"], made["key"]["id"])
        self.assertNotIn(secret[17:], json.dumps(listed))
        wait_until(lambda: "last_used_at" in json.loads(
            self.admin_cli("admin", "apikeys", "list").stdout)["keys"][0])
        # Typos (checksum), made-up keys and both credentials at once are refused.
        typo = secret[:20] + ("a" if secret[20] != "a" else "b") + secret[21:]
        for metadata in ((("x-api-key", typo),), (("x-api-key", "wdn_nothing"),),
                         (("x-api-key", secret), ("authorization", "ApiKey " + secret))):
            with self.assertRaises(grpc.RpcError) as err:
                admin.ListUsers(admin_pb2.ListUsersRequest(), metadata=metadata)
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        # Revoke: refused at once on this replica.
        self.assertEqual(self.admin_cli("admin", "apikeys", "revoke", made["key"]["id"])
                         .returncode, 0)
        with self.assertRaises(grpc.RpcError) as err:
            admin.ListUsers(admin_pb2.ListUsersRequest(), metadata=(("x-api-key", secret),))
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(json.loads(self.admin_cli("admin", "apikeys", "list").stdout), {})
        self.assertEqual(len(json.loads(self.admin_cli("admin", "apikeys", "list", "--all")
                                        .stdout)["keys"]), 1)
        # The secret never reached the log; the access log names the key (by id) as the caller.
        self.assertNotIn(secret[17:], self.server.log())
        self.assertIn('"principal":"api_key:%s"' % made["key"]["id"], self.server.log())

    def test_key_expires(self):
        self.bootstrap_admin()
        self.start()
        self.admin_cli("login", "--username", "root", "--password-stdin", stdin=PASSWORD + "\n")
        r = self.admin_cli("admin", "apikeys", "create", "--name", "short", "--roles", "auditor",
                           "--ttl-seconds", "2")
        secret = json.loads(r.stdout)["secret"]
        admin = admin_pb2_grpc.AdminServiceStub(self.channel())

        def refused():
            try:
                admin.ListUsers(admin_pb2.ListUsersRequest(), metadata=(("x-api-key", secret),))
                return False
            except grpc.RpcError as e:
                self.assertEqual(e.code(), grpc.StatusCode.UNAUTHENTICATED)
                return True
        self.assertFalse(refused())
        wait_until(refused, timeout=15)


class RateLimitTest(GuardTest):
    def test_per_address_bucket_answers_resource_exhausted_with_retry_after(self):
        policy = self.write("policy.json", {"methods": {"/auth.AuthService/Register": {
            "access": "public", "per_peer": {"per_second": 0.2, "burst": 2}}}})
        self.start("--policy-file", policy)
        auth = pb2_grpc.AuthServiceStub(self.channel())
        for i in range(2):
            auth.Register(pb2.RegisterRequest(username="user%d" % i, email="u%d@example.com" % i,
                                              password=PASSWORD))
        with self.assertRaises(grpc.RpcError) as err:
            auth.Register(pb2.RegisterRequest(username="user9", email="u9@example.com",
                                              password=PASSWORD))
        self.assertEqual(err.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        meta = trailers(err.exception)
        self.assertGreaterEqual(int(meta["retry-after"]), 1)
        self.assertLessEqual(int(meta["retry-after"]), 5)
        self.assertGreater(int(meta["grpc-retry-pushback-ms"]), 0)
        self.assertIn("rate limit", err.exception.details())
        # A forged x-forwarded-for from an untrusted peer changes nothing.
        with self.assertRaises(grpc.RpcError) as err:
            auth.Register(pb2.RegisterRequest(username="user8", email="u8@example.com",
                                              password=PASSWORD),
                          metadata=(("x-forwarded-for", "203.0.113.77"),))
        self.assertEqual(err.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        # Other methods have their own buckets.
        auth.Login(pb2.LoginRequest(username="user0", password=PASSWORD))
        metrics = urllib.request.urlopen(
            "http://127.0.0.1:%d/metrics" % self.server.http_port, timeout=10).read().decode()
        self.assertIn('warden_rate_limited_total{grpc_method="/auth.AuthService/Register",'
                      'scope="address"} 2', metrics)

    def test_forwarded_for_is_believed_from_a_trusted_proxy(self):
        policy = self.write("policy.json", {"methods": {"/auth.AuthService/Register": {
            "access": "public", "per_peer": {"per_second": 0.01, "burst": 1}}}})
        self.start("--policy-file", policy, "--trusted-proxies", "127.0.0.0/8")
        auth = pb2_grpc.AuthServiceStub(self.channel())
        for i in range(3):  # three different clients behind the proxy: one token each
            auth.Register(pb2.RegisterRequest(username="proxied%d" % i, email="p%d@example.com" % i,
                                              password=PASSWORD),
                          metadata=(("x-forwarded-for", "198.51.100.%d, 127.0.0.9" % i),))
        with self.assertRaises(grpc.RpcError) as err:
            auth.Register(pb2.RegisterRequest(username="proxied7", email="p7@example.com",
                                              password=PASSWORD),
                          metadata=(("x-forwarded-for", "198.51.100.1"),))
        self.assertEqual(err.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)


class LockoutTest(GuardTest):
    def test_guessing_pauses_the_guessers_address_not_the_owner(self):
        self.start("--lockout-after", "3", "--lockout-seconds", "2", "--login-free-failures",
                   "10", "--trusted-proxies", "127.0.0.0/8")
        auth = pb2_grpc.AuthServiceStub(self.channel())
        auth.Register(pb2.RegisterRequest(username="frank", email="frank@example.com",
                                          password=PASSWORD))
        attacker = (("x-forwarded-for", "198.51.100.66"),)
        owner = (("x-forwarded-for", "192.0.2.10"),)
        for _ in range(3):
            with self.assertRaises(grpc.RpcError) as err:
                auth.Login(pb2.LoginRequest(username="frank", password="wrong password"),
                           metadata=attacker)
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            self.assertEqual(err.exception.details(), "invalid username or password")
        # The guessing address is paused, with a retry hint, whatever the password ...
        with self.assertRaises(grpc.RpcError) as err:
            auth.Login(pb2.LoginRequest(username="frank", password=PASSWORD), metadata=attacker)
        self.assertEqual(err.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn("from this address", err.exception.details())
        self.assertLessEqual(int(trailers(err.exception)["retry-after"]), 2)
        # ... while the owner, from her own address, logs in at once.
        auth.Login(pb2.LoginRequest(username="frank", password=PASSWORD), metadata=owner)

        def logs_in():
            try:
                auth.Login(pb2.LoginRequest(username="frank", password=PASSWORD),
                           metadata=attacker)
                return True
            except grpc.RpcError as e:
                self.assertEqual(e.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
                return False
        wait_until(logs_in, timeout=20, interval=0.25)
        metrics = urllib.request.urlopen(
            "http://127.0.0.1:%d/metrics" % self.server.http_port, timeout=10).read().decode()
        self.assertIn('warden_login_lockouts_total{scope="account"} 1', metrics)
        self.assertRegex(metrics, r'warden_login_attempts_total\{result="throttled"\} [1-9]')

    def test_a_flood_from_one_address_does_not_lock_out_other_accounts_there(self):
        # 10 failures per address, refilled over 2 s: one failure's worth every 0.2 s. The
        # Login rate limit is lifted so that only the brute-force budget answers.
        policy = self.write("policy.json", {"methods": {"/auth.AuthService/Login": {
            "access": "public", "per_peer": {"per_second": 1000, "burst": 1000}}}})
        self.start("--policy-file", policy, "--peer-lockout-after", "10",
                   "--peer-lockout-seconds", "2")
        auth = pb2_grpc.AuthServiceStub(self.channel())
        for name in ("gina", "hank"):
            auth.Register(pb2.RegisterRequest(username=name, email=name + "@example.com",
                                              password=PASSWORD))
        auth.Login(pb2.LoginRequest(username="hank", password=PASSWORD))  # hank knows 127.0.0.1
        refused = 0
        for i in range(40):
            try:
                auth.Login(pb2.LoginRequest(username="victim%d" % i, password="guess"))
            except grpc.RpcError as e:
                self.assertIn(e.code(), (grpc.StatusCode.UNAUTHENTICATED,
                                         grpc.StatusCode.RESOURCE_EXHAUSTED))
                if e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                    refused += 1
                    self.assertIn("address", e.details())
                    self.assertLessEqual(int(trailers(e)["retry-after"]), 1)
        self.assertGreater(refused, 0, "the flood must run out of budget")
        # hank has logged in from this address before: straight in.
        auth.Login(pb2.LoginRequest(username="hank", password=PASSWORD))
        # gina has not: a correct login gets through within a bounded delay (one refill).
        started = time.monotonic()

        def gina_logs_in():
            try:
                auth.Login(pb2.LoginRequest(username="gina", password=PASSWORD))
                return True
            except grpc.RpcError as e:
                self.assertEqual(e.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
                return False
        wait_until(gina_logs_in, timeout=10, interval=0.05)
        self.assertLess(time.monotonic() - started, 5)

    def test_a_backend_with_a_login_proxy_key_gets_limits_per_forwarded_address(self):
        self.bootstrap_admin()
        self.start("--peer-lockout-after", "3", "--peer-lockout-seconds", "600")
        self.admin_cli("login", "--username", "root", "--password-stdin", stdin=PASSWORD + "\n")
        r = self.admin_cli("admin", "apikeys", "create", "--name", "web", "--roles",
                           "login-proxy")
        self.assertEqual(r.returncode, 0, r.stderr)
        key = json.loads(r.stdout)["secret"]
        auth = pb2_grpc.AuthServiceStub(self.channel())
        auth.Register(pb2.RegisterRequest(username="ivy", email="ivy@example.com",
                                          password=PASSWORD))

        def login(name, password, address, api_key=key):
            metadata = [("x-forwarded-for", address)]
            if api_key:
                metadata.append(("x-api-key", api_key))
            return auth.Login(pb2.LoginRequest(username=name, password=password),
                              metadata=metadata)
        # One of the backend's users guesses; only that user's address runs out of budget.
        for i in range(3):
            with self.assertRaises(grpc.RpcError) as err:
                login("nobody%d" % i, "guess", "203.0.113.5")
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        with self.assertRaises(grpc.RpcError) as err:
            login("ivy", PASSWORD, "203.0.113.5")
        self.assertEqual(err.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        login("ivy", PASSWORD, "203.0.113.6")  # another user of the same backend
        # Without the key, x-forwarded-for is not believed: the backend's own address counts,
        # and the header cannot be used to dodge the budget.
        for i in range(3):
            with self.assertRaises(grpc.RpcError) as err:
                login("nobody%d" % i, "guess", "203.0.113.%d" % (10 + i), api_key=None)
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        with self.assertRaises(grpc.RpcError) as err:
            login("ivy", PASSWORD, "203.0.113.99", api_key=None)
        self.assertEqual(err.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True,
                   timeout=60)


class Pki:
    """A throwaway CA with a server certificate for 127.0.0.1 and client certificates."""

    def __init__(self, directory):
        self.dir = directory
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Warden Test CA",
                cwd=directory)
        self.ca = os.path.join(directory, "ca.pem")

    def issue(self, name, cn, san):
        ext = os.path.join(self.dir, name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n" % san)
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn,
                cwd=self.dir)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", ext,
                cwd=self.dir)
        return os.path.join(self.dir, name + ".pem"), os.path.join(self.dir, name + ".key")


def read(path):
    with open(path, "rb") as f:
        return f.read()


class TlsTest(GuardTest):
    def setUp(self):
        super().setUp()
        self.pki = Pki(self.dir)
        self.cert, self.key = self.pki.issue("server", "warden-one", "IP:127.0.0.1")

    def tls_channel(self, client=None, port=None):
        creds = grpc.ssl_channel_credentials(
            root_certificates=read(self.pki.ca),
            private_key=read(client[1]) if client else None,
            certificate_chain=read(client[0]) if client else None)
        channel = grpc.secure_channel("127.0.0.1:%d" % (port or self.server.port), creds)
        self.addCleanup(channel.close)
        return channel

    def served_cn(self):
        context = ssl.create_default_context(cafile=self.pki.ca)
        context.set_alpn_protocols(["h2"])
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                subject = dict(x[0] for x in tls.getpeercert()["subject"])
                return subject["commonName"], tls.version()

    def test_tls_serves_and_plaintext_is_refused_and_health_port_stays_plain(self):
        self.start("--tls-cert", self.cert, "--tls-key", self.key, "--health-listen",
                   "127.0.0.1:0")
        auth = pb2_grpc.AuthServiceStub(self.tls_channel())
        auth.Register(pb2.RegisterRequest(username="tina", email="tina@example.com",
                                          password=PASSWORD))
        cn, version = self.served_cn()
        self.assertEqual(cn, "warden-one")
        self.assertIn(version, ("TLSv1.2", "TLSv1.3"))
        # TLS 1.1 and older are refused.
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.load_verify_locations(self.pki.ca)
        old.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as raw:
            with self.assertRaises(ssl.SSLError):
                old.wrap_socket(raw, server_hostname="127.0.0.1")
        with self.assertRaises(grpc.RpcError) as err:
            pb2_grpc.AuthServiceStub(self.channel()).Login(
                pb2.LoginRequest(username="tina", password=PASSWORD), timeout=5)
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAVAILABLE)
        # The plaintext health port answers probes, and only health.
        plain = grpc.insecure_channel("127.0.0.1:%d" % self.server.health_port)
        self.addCleanup(plain.close)
        self.assertEqual(health_pb2_grpc.HealthStub(plain).Check(
            health_pb2.HealthCheckRequest(service="auth.AuthService")).status,
            health_pb2.HealthCheckResponse.SERVING)
        with self.assertRaises(grpc.RpcError) as err:
            pb2_grpc.AuthServiceStub(plain).Login(pb2.LoginRequest(username="tina",
                                                                   password=PASSWORD))
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNIMPLEMENTED)
        # The CLI speaks TLS too.
        env = dict(os.environ, WARDEN_CREDENTIALS=os.path.join(self.dir, "creds.json"))
        r = subprocess.run([WARDEN, "--addr", self.server.address, "--tls-ca", self.pki.ca,
                            "health"], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        # Draining turns the health port NOT_SERVING with the main one.
        self.assertEqual(self.server.terminate(), 0)

    def test_certificate_is_reloaded_without_a_restart(self):
        self.start("--tls-cert", self.cert, "--tls-key", self.key, "--tls-reload-seconds", "1")
        self.assertEqual(self.served_cn()[0], "warden-one")
        new_cert, new_key = self.pki.issue("server2", "warden-two", "IP:127.0.0.1")
        # Replace both files atomically (rename), as cert-manager and kubelet do.
        for src, dst in ((new_key, self.key), (new_cert, self.cert)):
            os.replace(src, dst)
        wait_until(lambda: self.served_cn()[0] == "warden-two", timeout=30, interval=0.2)
        # Calls keep working over the new certificate.
        health = health_pb2_grpc.HealthStub(self.tls_channel())
        self.assertEqual(health.Check(health_pb2.HealthCheckRequest()).status,
                         health_pb2.HealthCheckResponse.SERVING)

    def test_mutual_tls_refuses_without_a_client_certificate_and_maps_identities(self):
        client = self.pki.issue("billing", "billing", "URI:spiffe://warden.test/billing")
        stranger = self.pki.issue("stranger", "stranger", "URI:spiffe://warden.test/other")
        policy = self.write("policy.json", {"certificates": {
            "spiffe://warden.test/billing": {"roles": ["auditor"]}}})
        self.start("--tls-cert", self.cert, "--tls-key", self.key, "--tls-client-ca",
                   self.pki.ca, "--policy-file", policy)
        with self.assertRaises(grpc.RpcError) as err:
            health_pb2_grpc.HealthStub(self.tls_channel()).Check(
                health_pb2.HealthCheckRequest(), timeout=5)
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAVAILABLE)
        # With a certificate the policy knows: a principal with its roles, no token needed.
        admin = admin_pb2_grpc.AdminServiceStub(self.tls_channel(client=client))
        self.assertEqual(len(admin.ListUsers(admin_pb2.ListUsersRequest()).users), 0)
        with self.assertRaises(grpc.RpcError) as err:
            admin.DeleteUser(admin_pb2.DeleteUserRequest(user_id="x"))
        self.assertEqual(err.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        # A valid certificate the policy does not name is no principal.
        other = admin_pb2_grpc.AdminServiceStub(self.tls_channel(client=stranger))
        with self.assertRaises(grpc.RpcError) as err:
            other.ListUsers(admin_pb2.ListUsersRequest())
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_a_backend_certificate_with_login_proxy_names_its_users_addresses(self):
        web = self.pki.issue("web", "web", "URI:spiffe://warden.test/web")
        plain = self.pki.issue("plain", "plain", "URI:spiffe://warden.test/plain")
        policy = self.write("policy.json", {"certificates": {
            "spiffe://warden.test/web": {"roles": ["login-proxy"]},
            "spiffe://warden.test/plain": {"roles": ["user"]}}})
        self.start("--tls-cert", self.cert, "--tls-key", self.key, "--tls-client-ca",
                   self.pki.ca, "--policy-file", policy, "--peer-lockout-after", "2",
                   "--peer-lockout-seconds", "600")
        auth = pb2_grpc.AuthServiceStub(self.tls_channel(client=web))
        auth.Register(pb2.RegisterRequest(username="joan", email="joan@example.com",
                                          password=PASSWORD))
        for i in range(2):
            with self.assertRaises(grpc.RpcError) as err:
                auth.Login(pb2.LoginRequest(username="nobody%d" % i, password="guess"),
                           metadata=(("x-forwarded-for", "203.0.113.1"),))
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        with self.assertRaises(grpc.RpcError) as err:
            auth.Login(pb2.LoginRequest(username="joan", password=PASSWORD),
                       metadata=(("x-forwarded-for", "203.0.113.1"),))
        self.assertEqual(err.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        auth.Login(pb2.LoginRequest(username="joan", password=PASSWORD),
                   metadata=(("x-forwarded-for", "203.0.113.2"),))
        # A certificate without the permission: its own address counts, whatever it forwards.
        other = pb2_grpc.AuthServiceStub(self.tls_channel(client=plain))
        for i in range(2):
            with self.assertRaises(grpc.RpcError):
                other.Login(pb2.LoginRequest(username="nobody%d" % i, password="guess"),
                            metadata=(("x-forwarded-for", "203.0.113.%d" % (20 + i)),))
        with self.assertRaises(grpc.RpcError) as err:
            other.Login(pb2.LoginRequest(username="joan", password=PASSWORD),
                        metadata=(("x-forwarded-for", "203.0.113.30"),))
        self.assertEqual(err.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)


class OverloadTest(GuardTest):
    def test_login_flood_is_shed_while_validate_keeps_answering(self):
        policy = self.write("policy.json", {"methods": {"/auth.AuthService/Login": {
            "access": "public", "per_peer": {"per_second": 100000, "burst": 100000}}}})
        self.start("--policy-file", policy, "--hash-threads", "1", "--hash-queue", "2",
                   "--peer-lockout-after", "100000")
        auth = pb2_grpc.AuthServiceStub(self.channel())
        token = self.register_and_login(auth, "hank")
        codes = []
        retry_after = []
        lock = threading.Lock()

        def flood():
            for _ in range(6):
                try:
                    auth.Login(pb2.LoginRequest(username="hank", password=PASSWORD), timeout=30)
                    code = grpc.StatusCode.OK
                except grpc.RpcError as e:
                    code = e.code()
                    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
                        with lock:
                            retry_after.append(trailers(e).get("retry-after"))
                with lock:
                    codes.append(code)
        threads = [threading.Thread(target=flood) for _ in range(16)]
        for t in threads:
            t.start()
        validated = 0
        while any(t.is_alive() for t in threads):
            self.assertEqual(auth.ValidateToken(empty_pb2.Empty(), metadata=bearer(token),
                                                timeout=5).username, "hank")
            validated += 1
        for t in threads:
            t.join()
        self.assertIn(grpc.StatusCode.RESOURCE_EXHAUSTED, codes)
        self.assertIn(grpc.StatusCode.OK, codes)
        self.assertEqual(set(codes), {grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED})
        self.assertTrue(all(r == "1" for r in retry_after))
        self.assertGreater(validated, 0)

    def test_oversized_requests_are_refused(self):
        self.start("--max-message-bytes", "4096")
        auth = pb2_grpc.AuthServiceStub(self.channel())
        with self.assertRaises(grpc.RpcError) as err:
            auth.Login(pb2.LoginRequest(username="x" * 8000, password=PASSWORD))
        self.assertEqual(err.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        with self.assertRaises(grpc.RpcError) as err:
            auth.Login(pb2.LoginRequest(username="ivan", password=PASSWORD),
                       metadata=(("x-junk", "y" * 40000),))
        self.assertIn(err.exception.code(), (grpc.StatusCode.RESOURCE_EXHAUSTED,
                                             grpc.StatusCode.INTERNAL,
                                             grpc.StatusCode.UNAVAILABLE))
        # The server is still fine afterwards: the client reconnects (that connection was
        # closed) and the next call goes through.
        def registers():
            try:
                auth.Register(pb2.RegisterRequest(username="ivan", email="ivan@example.com",
                                                  password=PASSWORD), timeout=5)
                return True
            except grpc.RpcError as e:
                self.assertEqual(e.code(), grpc.StatusCode.UNAVAILABLE)
                return False
        wait_until(registers)


if __name__ == "__main__":
    unittest.main(verbosity=2)
