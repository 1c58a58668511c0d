"""Three wardend replicas on 127.0.0.1, 127.0.0.2 and 127.0.0.3 sharing a real PostgreSQL and a
real redis-server (both started here on Unix sockets in temporary directories), and a client that
balances over them (round_robin with client-side health checking, as the official gRPC clients
do): any request on any replica, limits that hold across replicas, Redis and PostgreSQL going
away and coming back mid-test, and a rolling restart under load that fails no call."""
import json
import os
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import wait_until  # noqa: E402
from test_postgres import FIXTURE, PASSWORD, PostgresBase, empty_pb2, pb2, pb2_grpc  # noqa: E402

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
LOAD_SECONDS_MAX = 180  # the load loop stops by itself after this, whatever happens


class ReplicasTest(PostgresBase):
    def start_cluster(self, *extra):
        self.assertEqual(self.wardend("migrate").returncode, 0)
        self.start_redis()
        self.flags = ("--redis", "unix://" + self.redis_socket, "--drain-delay-seconds", "1",
                      "--drain-seconds", "10") + extra
        self.nodes = [self.replica("r%d" % i, *self.flags, host=host)
                      for i, host in enumerate(HOSTS)]
        for node in self.nodes:
            wait_until(lambda n=node: self.metric(n, "warden_redis_connected") == 1)
        return [self.stub(node) for node in self.nodes]

    def balanced(self):
        """One channel over the three replicas: round_robin, and a replica whose health says
        NOT_SERVING (draining) gets no new calls."""
        config = {"loadBalancingConfig": [{"round_robin": {}}],
                  "healthCheckConfig": {"serviceName": "auth.AuthService"}}
        channel = grpc.insecure_channel(
            "ipv4:" + ",".join(node.address for node in self.nodes),
            options=[("grpc.service_config", json.dumps(config)),
                     ("grpc.initial_reconnect_backoff_ms", 100),
                     ("grpc.min_reconnect_backoff_ms", 100),
                     ("grpc.max_reconnect_backoff_ms", 500)])
        self.addCleanup(channel.close)
        return pb2_grpc.AuthServiceStub(channel)

    def handled(self, node, method):
        """Calls of `method` this replica process has answered (its Prometheus counter)."""
        text = urllib.request.urlopen("http://%s:%d/metrics" % (node.host, node.http_port),
                                      timeout=10).read().decode()
        total = 0.0
        for line in text.splitlines():
            if line.startswith("grpc_server_handled_total{") and \
                    'grpc_method="%s"' % method in line:
                total += float(line.rsplit(" ", 1)[1])
        return total

    def test_any_request_on_any_replica_and_limits_hold_across_replicas(self):
        policy = os.path.join(self.dir, "policy.json")
        with open(policy, "w") as f:  # Register: 4 per client address, then about none
            json.dump({"methods": {"/auth.AuthService/Register": {
                "access": "public", "per_peer": {"per_second": 0.001, "burst": 4}}}}, f)
        a, b, c = self.start_cluster("--policy-file", policy, "--lockout-after", "3")
        a.Register(pb2.RegisterRequest(username="una", email="una@example.com",
                                       password=PASSWORD))
        # Login on A, refresh on B, logout on C: validate on A then fails.
        login = a.Login(pb2.LoginRequest(username="una", password=PASSWORD))
        refreshed = b.RefreshToken(pb2.RefreshTokenRequest(refresh_token=login.refresh_token))
        bearer = (("authorization", "Bearer " + refreshed.access_token),)
        self.assertEqual(a.ValidateToken(empty_pb2.Empty(), metadata=bearer).username, "una")
        self.assertLess(self.seconds_until_refused(a, c, bearer), 1.5)
        with self.assertRaises(grpc.RpcError) as err:
            b.RefreshToken(pb2.RefreshTokenRequest(refresh_token=refreshed.refresh_token))
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

        # The same refresh token of a rotating session raced on two replicas: one successor,
        # which both get.
        token = a.Login(pb2.LoginRequest(
            username="una", password=PASSWORD,
            refresh_token_mode=pb2.REFRESH_TOKEN_MODE_ROTATING)).refresh_token
        self.race_refresh(token, b, c)

        # Brute force: failures on three replicas pause this (account, address) on all of them
        # (each alone has seen one failure, below its lockout of three).
        for stub in (a, b, c):
            with self.assertRaises(grpc.RpcError) as err:
                stub.Login(pb2.LoginRequest(username="una", password="wrong password 1"))
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        for stub in (a, b, c):
            with self.assertRaises(grpc.RpcError) as err:
                stub.Login(pb2.LoginRequest(username="una", password=PASSWORD))
            self.assertEqual(err.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
            self.assertIn("from this address", err.exception.details())

        # A rate limit of 4 per address holds for the three replicas together (one Register
        # above, three more here), not 4 on each.
        for i, stub in enumerate((b, c, a)):
            stub.Register(pb2.RegisterRequest(username="user%d" % i, email="u%d@example.com" % i,
                                              password=PASSWORD))
        with self.assertRaises(grpc.RpcError) as err:
            b.Register(pb2.RegisterRequest(username="user9", email="u9@example.com",
                                           password=PASSWORD))
        self.assertEqual(err.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn("retry-after", dict(err.exception.trailing_metadata()))

    def test_redis_and_postgres_outages_fail_cleanly_and_heal(self):
        a, b, c = self.start_cluster("--lockout-after", "3")
        a.Register(pb2.RegisterRequest(username="vic", email="vic@example.com",
                                       password=PASSWORD))
        login = b.Login(pb2.LoginRequest(username="vic", password=PASSWORD))
        bearer = (("authorization", "Bearer " + login.access_token),)
        self.assertEqual(self.metric(self.nodes[0], "warden_redis_limits_shared"), 1)

        # Redis stops: tokens still validate everywhere, logins still work, limits fall back to
        # per-replica counters, and metrics and readiness say so.
        self.stop_redis()
        for stub in (a, b, c):
            self.assertEqual(stub.ValidateToken(empty_pb2.Empty(), metadata=bearer).username,
                             "vic")
        c.Login(pb2.LoginRequest(username="vic", password=PASSWORD))
        node = self.nodes[2]
        wait_until(lambda: self.metric(node, "warden_redis_limits_shared") == 0)
        self.assertGreater(self.metric(node, "warden_redis_fallbacks_total"), 0)
        self.assertEqual(self.metric(node, "warden_redis_connected"), 0)
        ready = urllib.request.urlopen("http://%s:%d/readyz" % (node.host, node.http_port),
                                       timeout=10).read().decode()
        self.assertIn("per-replica limits", ready)
        # Per replica now: two failures on A and two on B lock neither (lockout after three).
        for stub in (a, a, b, b):
            with self.assertRaises(grpc.RpcError):
                stub.Login(pb2.LoginRequest(username="vic", password="wrong password"))
        a.Login(pb2.LoginRequest(username="vic", password=PASSWORD))  # and starts A's count anew

        # Redis comes back: everything reconnects by itself, limits are shared again and a
        # logout on one replica reaches the others through Redis.
        self.start_redis()
        for n in self.nodes:
            wait_until(lambda n=n: self.metric(n, "warden_redis_connected") == 1)
            wait_until(lambda n=n: self.metric(n, "warden_redis_limits_shared") == 1)
        for stub in (a, b, c):
            with self.assertRaises(grpc.RpcError):
                stub.Login(pb2.LoginRequest(username="vic", password="wrong password"))
        with self.assertRaises(grpc.RpcError) as err:  # three across replicas (one on A): paused
            a.Login(pb2.LoginRequest(username="vic", password=PASSWORD))
        self.assertEqual(err.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertLess(self.seconds_until_refused(c, a, bearer), 1.5)

        # PostgreSQL restarts: calls that need it fail with UNAVAILABLE during the gap (never
        # hang, never another code), ValidateToken does not need it, and all heal by themselves.
        a.Register(pb2.RegisterRequest(username="wes", email="wes@example.com",
                                       password=PASSWORD))
        token = a.Login(pb2.LoginRequest(username="wes", password=PASSWORD))
        bearer = (("authorization", "Bearer " + token.access_token),)
        subprocess.run(["bash", FIXTURE, "pause", self.state], check=True, timeout=120)
        try:
            for stub in (a, b, c):
                with self.assertRaises(grpc.RpcError) as err:
                    stub.Login(pb2.LoginRequest(username="wes", password=PASSWORD), timeout=20)
                self.assertEqual(err.exception.code(), grpc.StatusCode.UNAVAILABLE)
                with self.assertRaises(grpc.RpcError) as err:
                    stub.RefreshToken(pb2.RefreshTokenRequest(refresh_token=token.refresh_token),
                                      timeout=20)
                self.assertEqual(err.exception.code(), grpc.StatusCode.UNAVAILABLE)
                self.assertEqual(stub.ValidateToken(empty_pb2.Empty(), metadata=bearer).username,
                                 "wes")
        finally:
            subprocess.run(["bash", FIXTURE, "resume", self.state], check=True, timeout=120)
        for stub in (a, b, c):
            self.wait_until_logs_in(stub, "wes")
        b.RefreshToken(pb2.RefreshTokenRequest(refresh_token=token.refresh_token))

    def test_rolling_restart_under_load_fails_no_call(self):
        # All the load comes from one address: lift its Login and RefreshToken limits, which
        # would otherwise (rightly) refuse part of it.
        policy = os.path.join(self.dir, "policy.json")
        with open(policy, "w") as f:
            json.dump({"methods": {m: {"access": "public",
                                       "per_peer": {"per_second": 10000, "burst": 10000}}
                                   for m in ("/auth.AuthService/Login",
                                             "/auth.AuthService/RefreshToken")}}, f)
        a, _, _ = self.start_cluster("--policy-file", policy)
        a.Register(pb2.RegisterRequest(username="xena", email="xena@example.com",
                                       password=PASSWORD))
        balanced = self.balanced()
        stop = threading.Event()
        failures, counts = [], []
        lock = threading.Lock()
        deadline = time.monotonic() + LOAD_SECONDS_MAX

        def load():
            """ValidateToken, with a RefreshToken every 20 calls and a Login every 200, until
            told to stop (or the deadline): bounded in time, one call at a time per thread."""
            pair = balanced.Login(pb2.LoginRequest(username="xena", password=PASSWORD),
                                  timeout=30)
            n = 0
            while not stop.is_set() and time.monotonic() < deadline:
                n += 1
                try:
                    if n % 200 == 0:
                        balanced.Login(pb2.LoginRequest(username="xena", password=PASSWORD),
                                       timeout=30)
                    elif n % 20 == 0:
                        pair = balanced.RefreshToken(
                            pb2.RefreshTokenRequest(refresh_token=pair.refresh_token),
                            timeout=30)
                    else:
                        balanced.ValidateToken(empty_pb2.Empty(), timeout=30, metadata=(
                            ("authorization", "Bearer " + pair.access_token),))
                except grpc.RpcError as e:
                    with lock:
                        failures.append("%s: %s" % (e.code(), e.details()))
            with lock:
                counts.append(n)

        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            # Every replica serves the balanced client before the restarts begin.
            for node in self.nodes:
                wait_until(lambda n=node: self.handled(n, "ValidateToken") >= 20, timeout=60)
            for i, old in enumerate(list(self.nodes)):
                self.assertEqual(old.terminate(timeout=60), 0)  # SIGTERM: drain delay, drain
                new = self.replica("r%d" % i, *self.flags, host=old.host, port=old.port)
                self.nodes[i] = new
                # The balancing client finds the new process by itself before the next restart.
                wait_until(lambda n=new: self.handled(n, "ValidateToken") >= 20, timeout=60)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        self.assertEqual(failures, [])
        self.assertEqual(len(counts), 4)
        self.assertGreater(sum(counts), 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
