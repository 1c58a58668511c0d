"""End-to-end on PostgreSQL: a real server from Debian's postgresql package (started here with
tests/postgres/pg_fixture.sh on a Unix socket in a temporary directory), `wardend migrate`, two
wardend replicas sharing it, a racing refresh across replicas, a database outage that calls
survive with UNAVAILABLE and recover from by themselves, Redis revocation fan-out, and a read
replica (a streaming hot standby) serving the admin listings."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import (SOURCE_DIR, WARDEN, WARDEND, ServerTest, Wardend,  # noqa: E402
                          generate_stubs, wait_until)

generate_stubs(os.path.join(SOURCE_DIR, "proto"), ["auth.proto", "health/v1/health.proto"])
import auth_pb2 as pb2  # noqa: E402
import auth_pb2_grpc as pb2_grpc  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402
from health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

FIXTURE = os.path.join(SOURCE_DIR, "tests", "postgres", "pg_fixture.sh")
PASSWORD = "correct horse battery"


class PostgresBase(ServerTest):
    """A PostgreSQL server for the class, a database per test, replicas on it."""

    @classmethod
    def setUpClass(cls):
        cls.state = os.path.join(tempfile.mkdtemp(prefix="warden-pg-state-"), "pg")
        subprocess.run(["bash", FIXTURE, "start", cls.state], check=True, capture_output=True,
                       timeout=120)
        with open(cls.state) as f:
            cls.socket_dir = f.read().strip()

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["bash", FIXTURE, "stop", cls.state], check=False, timeout=120)
        shutil.rmtree(os.path.dirname(cls.state), ignore_errors=True)

    def setUp(self):
        super().setUp()
        # A database of its own per test.
        self.db = "t%d_%d" % (os.getpid(), int(time.monotonic() * 1000) % 10**7)
        subprocess.run(["psql", "-h", self.socket_dir, "-U", "warden", "-d", "postgres", "-q",
                        "-c", "CREATE DATABASE %s" % self.db], check=True, capture_output=True,
                       timeout=60)
        self.url = "postgresql://warden@/%s?host=%s" % (self.db, self.socket_dir)
        self.replicas = []

    def tearDown(self):
        for replica in self.replicas:
            replica.kill()
        if getattr(self, "redis", None) and self.redis.poll() is None:
            self.stop_redis()
        super().tearDown()
        if getattr(self, "redis_dir", None):
            shutil.rmtree(self.redis_dir, ignore_errors=True)

    def start_redis(self):
        self.redis_dir = getattr(self, "redis_dir", None) or tempfile.mkdtemp(prefix="warden-redis-")
        self.redis_socket = os.path.join(self.redis_dir, "redis.sock")
        self.redis = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.redis_socket,
             "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir",
             self.redis_dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: os.path.exists(self.redis_socket))

    def stop_redis(self):
        self.redis.terminate()
        self.redis.wait(timeout=30)

    def metric(self, server, name):
        text = urllib.request.urlopen("http://%s:%d/metrics" % (server.host, server.http_port),
                                      timeout=10).read().decode()
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None

    def wardend(self, *args, name="a"):
        return subprocess.run([WARDEND] + list(args) + ["--dev", "--data-dir",
                                                        os.path.join(self.dir, name), "--store",
                                                        self.url],
                              capture_output=True, text=True, timeout=120)

    def master_key(self):
        """One master key file for every replica (they share the key ring)."""
        master = os.path.join(self.dir, "master.key")
        if not os.path.exists(master):
            with open(master, "w") as f:
                f.write(subprocess.run(["openssl", "rand", "-base64", "32"], check=True,
                                       capture_output=True, text=True).stdout)
        return master

    def replica(self, name, *extra, host="127.0.0.1", port=0):
        server = Wardend(WARDEND, os.path.join(self.dir, name), dev=False, host=host, port=port,
                         extra_args=("--store", self.url, "--master-key-file",
                                     self.master_key()) + extra).start()
        self.replicas.append(server)
        return server

    def seconds_until_refused(self, validate_on, logout_on, bearer):
        """Logs `bearer` out on one replica; returns how long until the other refuses it."""
        started = time.monotonic()
        logout_on.Logout(empty_pb2.Empty(), metadata=bearer)

        def refused():
            try:
                validate_on.ValidateToken(empty_pb2.Empty(), metadata=bearer)
                return False
            except grpc.RpcError as e:
                self.assertEqual(e.code(), grpc.StatusCode.UNAUTHENTICATED)
                return True
        wait_until(refused, timeout=10, interval=0.02)
        return time.monotonic() - started

    def race_refresh(self, refresh_token, *stubs):
        """Presents one refresh token to every stub at once; asserts they all get the same
        successor (one rotation, the others answered as retries) and returns it."""
        results = []
        barrier = threading.Barrier(len(stubs))

        def rotate(stub):
            barrier.wait()
            try:
                results.append(stub.RefreshToken(
                    pb2.RefreshTokenRequest(refresh_token=refresh_token)).refresh_token)
            except grpc.RpcError as e:
                results.append(e.code())
        threads = [threading.Thread(target=rotate, args=(s,)) for s in stubs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(set(results)), 1, results)
        self.assertIsInstance(results[0], str, results)
        self.assertNotEqual(results[0], refresh_token)
        return results[0]

    def wait_until_logs_in(self, stub, username):
        """After a database outage: Login answers UNAVAILABLE (never anything else) until it
        succeeds again, within a minute."""
        def logs_in():
            try:
                stub.Login(pb2.LoginRequest(username=username, password=PASSWORD), timeout=20)
                return True
            except grpc.RpcError as e:
                self.assertEqual(e.code(), grpc.StatusCode.UNAVAILABLE)
                return False
        wait_until(logs_in, timeout=60, interval=0.5)

    def stub(self, server):
        channel = grpc.insecure_channel(server.address)
        self.addCleanup(channel.close)
        return pb2_grpc.AuthServiceStub(channel)


class PostgresTest(PostgresBase):
    def test_migrate_is_explicit_and_refuses_an_unknown_schema(self):
        # Outside --dev, a fresh database is not migrated behind the operator's back.
        r = subprocess.run([WARDEND, "--data-dir", os.path.join(self.dir, "x"), "--store",
                            self.url, "--master-key-file", self.master_key(), "--listen",
                            "127.0.0.1:0"], capture_output=True, text=True, timeout=120)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("wardend migrate", r.stdout + r.stderr)
        # Like a Kubernetes migration Job: only the store, no signing key, no --dev.
        r = subprocess.run([WARDEND, "migrate", "--data-dir", os.path.join(self.dir, "job"),
                            "--store", self.url], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("schema up to date (postgres, version 2)", r.stdout)
        subprocess.run(["psql", "-h", self.socket_dir, "-U", "warden", "-d", self.db, "-q", "-c",
                        "UPDATE warden_schema SET version = 99"], check=True, timeout=60)
        r = self.wardend("migrate")
        self.assertEqual(r.returncode, 3)
        self.assertIn("newer than this build", r.stderr)

    def test_two_replicas_share_users_sessions_and_a_racing_refresh_has_one_winner(self):
        self.assertEqual(self.wardend("migrate").returncode, 0)
        a = self.replica("a")
        b = self.replica("b")
        sa, sb = self.stub(a), self.stub(b)
        sa.Register(pb2.RegisterRequest(username="pat", email="pat@example.com",
                                        password=PASSWORD))
        login = sb.Login(pb2.LoginRequest(  # login on B
            username="pat", password=PASSWORD, refresh_token_mode=pb2.REFRESH_TOKEN_MODE_ROTATING))
        self.assertEqual(sa.ValidateToken(empty_pb2.Empty(), metadata=(
            ("authorization", "Bearer " + login.access_token),)).username, "pat")  # valid on A
        refreshed = sa.RefreshToken(pb2.RefreshTokenRequest(refresh_token=login.refresh_token))
        # The same refresh token presented to both replicas at once: one successor for both.
        successor = self.race_refresh(refreshed.refresh_token, sa, sb)
        # Presented again on either replica within the grace window: still that successor.
        self.assertEqual(sb.RefreshToken(pb2.RefreshTokenRequest(
            refresh_token=refreshed.refresh_token)).refresh_token, successor)
        # Once the successor is used, the spent token is a reuse on every replica.
        following = sb.RefreshToken(pb2.RefreshTokenRequest(refresh_token=successor))
        with self.assertRaises(grpc.RpcError) as err:
            sa.RefreshToken(pb2.RefreshTokenRequest(refresh_token=refreshed.refresh_token))
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        with self.assertRaises(grpc.RpcError) as err:
            sb.RefreshToken(pb2.RefreshTokenRequest(refresh_token=following.refresh_token))
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        login = sb.Login(pb2.LoginRequest(
            username="pat", password=PASSWORD, refresh_token_mode=pb2.REFRESH_TOKEN_MODE_ROTATING))
        winners = [sa.RefreshToken(pb2.RefreshTokenRequest(
            refresh_token=login.refresh_token)).refresh_token]
        # Logout on B ends the session for refresh on A too (the store is shared), and A's
        # ValidateToken refuses the token within about a second (A pulls revocations from the
        # store; ValidateToken itself does no I/O).
        token = sa.Login(pb2.LoginRequest(username="pat", password=PASSWORD)).access_token
        bearer = (("authorization", "Bearer " + token),)
        self.assertEqual(sa.ValidateToken(empty_pb2.Empty(), metadata=bearer).username, "pat")
        sb.Logout(empty_pb2.Empty(), metadata=(("authorization", "Bearer " + login.access_token),))
        with self.assertRaises(grpc.RpcError) as err:
            sa.RefreshToken(pb2.RefreshTokenRequest(refresh_token=winners[0]))
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertLess(self.seconds_until_refused(sa, sb, bearer), 3.0)

    def test_database_outage_is_unavailable_then_heals(self):
        self.assertEqual(self.wardend("migrate").returncode, 0)
        a = self.replica("a")
        auth = self.stub(a)
        auth.Register(pb2.RegisterRequest(username="quinn", email="quinn@example.com",
                                          password=PASSWORD))
        login = auth.Login(pb2.LoginRequest(username="quinn", password=PASSWORD))
        subprocess.run(["bash", FIXTURE, "pause", self.state], check=True, timeout=120)
        try:
            with self.assertRaises(grpc.RpcError) as err:
                auth.Login(pb2.LoginRequest(username="quinn", password=PASSWORD), timeout=20)
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAVAILABLE)
            # ValidateToken needs no database.
            self.assertEqual(auth.ValidateToken(empty_pb2.Empty(), metadata=(
                ("authorization", "Bearer " + login.access_token),)).username, "quinn")
            health = health_pb2_grpc.HealthStub(grpc.insecure_channel(a.address))
            wait_until(lambda: health.Check(health_pb2.HealthCheckRequest(
                service="auth.AuthService")).status == health_pb2.HealthCheckResponse.NOT_SERVING)
        finally:
            subprocess.run(["bash", FIXTURE, "resume", self.state], check=True, timeout=120)
        self.wait_until_logs_in(auth, "quinn")
        wait_until(lambda: health.Check(health_pb2.HealthCheckRequest(
            service="auth.AuthService")).status == health_pb2.HealthCheckResponse.SERVING)


class RedisTest(PostgresBase):
    """Revocation fan-out over a real redis-server (Unix socket in a temporary directory, no TCP
    port), with the store sync turned off so that Redis is the only path between replicas."""
    def test_logout_on_one_replica_reaches_the_others_over_redis_and_survives_an_outage(self):
        self.assertEqual(self.wardend("migrate").returncode, 0)
        self.start_redis()
        flags = ("--redis", "unix://" + self.redis_socket, "--revocation-sync-ms", "0")
        a = self.replica("a", *flags)
        b = self.replica("b", *flags)
        sa, sb = self.stub(a), self.stub(b)
        sa.Register(pb2.RegisterRequest(username="rita", email="rita@example.com",
                                        password=PASSWORD))
        for server in (a, b):
            wait_until(lambda s=server: self.metric(s, "warden_redis_connected") == 1)

        def logout_on_b_is_seen_on_a():
            token = sa.Login(pb2.LoginRequest(username="rita", password=PASSWORD)).access_token
            bearer = (("authorization", "Bearer " + token),)
            self.assertEqual(sa.ValidateToken(empty_pb2.Empty(), metadata=bearer).username,
                             "rita")
            return self.seconds_until_refused(sa, sb, bearer)

        self.assertLess(logout_on_b_is_seen_on_a(), 1.5)
        # Redis goes away: ValidateToken keeps working, the metric says so, and the replicas
        # find Redis again by themselves when it comes back.
        self.stop_redis()
        wait_until(lambda: self.metric(a, "warden_redis_connected") == 0)
        token = sa.Login(pb2.LoginRequest(username="rita", password=PASSWORD)).access_token
        self.assertEqual(sa.ValidateToken(empty_pb2.Empty(), metadata=(
            ("authorization", "Bearer " + token),)).username, "rita")
        self.start_redis()
        for server in (a, b):
            wait_until(lambda s=server: self.metric(s, "warden_redis_connected") == 1)
        self.assertLess(logout_on_b_is_seen_on_a(), 1.5)

    def test_a_hung_redis_costs_a_timeout_not_an_outage(self):
        """redis-server stopped with SIGSTOP (accepts connections, never answers): logins fall
        back to per-replica limits after --redis-timeout-ms, tokens validate, the hang is noticed
        (unanswered PING) and reported, a logout still works, SIGTERM still drains and exits
        promptly, and the other replica reconnects by itself once Redis answers again."""
        self.assertEqual(self.wardend("migrate").returncode, 0)
        self.start_redis()
        flags = ("--redis", "unix://" + self.redis_socket)
        a = self.replica("a", *flags)
        b = self.replica("b", *flags)
        sa = self.stub(a)
        sa.Register(pb2.RegisterRequest(username="hal", email="hal@example.com",
                                        password=PASSWORD))
        for server in (a, b):
            wait_until(lambda s=server: self.metric(s, "warden_redis_connected") == 1)
        os.kill(self.redis.pid, signal.SIGSTOP)
        try:
            login = sa.Login(pb2.LoginRequest(username="hal", password=PASSWORD), timeout=10)
            bearer = (("authorization", "Bearer " + login.access_token),)
            self.assertEqual(sa.ValidateToken(empty_pb2.Empty(), metadata=bearer,
                                              timeout=10).username, "hal")
            self.assertGreater(self.metric(a, "warden_redis_fallbacks_total"), 0)
            self.assertEqual(self.metric(a, "warden_redis_limits_shared"), 0)
            self.stub(b).Login(pb2.LoginRequest(username="hal", password=PASSWORD), timeout=10)
            self.assertEqual(self.metric(b, "warden_redis_limits_shared"), 0)
            wait_until(lambda: self.metric(a, "warden_redis_connected") == 0, timeout=20)
            ready = urllib.request.urlopen("http://%s:%d/readyz" % (a.host, a.http_port),
                                           timeout=10).read().decode()
            self.assertIn("redis: down", ready)
            sa.Logout(empty_pb2.Empty(), metadata=bearer, timeout=10)
            with self.assertRaises(grpc.RpcError) as err:
                sa.ValidateToken(empty_pb2.Empty(), metadata=bearer, timeout=10)
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            self.assertEqual(a.terminate(timeout=30), 0)
        finally:
            os.kill(self.redis.pid, signal.SIGCONT)
        wait_until(lambda: self.metric(b, "warden_redis_connected") == 1, timeout=20)
        wait_until(lambda: self.metric(b, "warden_redis_limits_shared") == 1, timeout=20)


class ReadReplicaTest(PostgresBase):
    """--postgres-read-url on a real streaming hot standby (pg_fixture.sh replica): the admin
    listing reads the standby, login reads the primary."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        subprocess.run(["bash", FIXTURE, "replica", cls.state], check=True, capture_output=True,
                       timeout=120)
        cls.standby_dir = os.path.join(cls.socket_dir, "rs")

    def psql(self, host, sql):
        return subprocess.run(["psql", "-h", host, "-U", "warden", "-d", "postgres", "-Atq", "-c",
                               sql], check=True, capture_output=True, text=True,
                              timeout=60).stdout.strip()

    def wait_for_replay(self):
        lsn = self.psql(self.socket_dir, "SELECT pg_current_wal_insert_lsn()")
        wait_until(lambda: self.psql(self.standby_dir, "SELECT pg_last_wal_replay_lsn() >= '%s'"
                                     % lsn) == "t")

    def listed(self, server):
        env = dict(os.environ, WARDEN_CREDENTIALS=os.path.join(self.dir, "creds.json"))
        r = subprocess.run([WARDEN, "--addr", server.address, "--output", "json", "admin",
                            "users", "list"], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return sorted(u["username"] for u in json.loads(r.stdout)["users"])

    def test_admin_listing_reads_the_standby_and_login_the_primary(self):
        self.assertEqual(self.wardend("migrate").returncode, 0)
        r = subprocess.run([WARDEND, "bootstrap-admin", "--username", "root", "--email",
                            "root@example.com", "--dev", "--data-dir",
                            os.path.join(self.dir, "a"), "--store", self.url],
                           input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        server = self.replica("a", "--postgres-read-url", "postgresql://warden@/%s?host=%s" % (
            self.db, self.standby_dir))
        env = dict(os.environ, WARDEN_CREDENTIALS=os.path.join(self.dir, "creds.json"))
        r = subprocess.run([WARDEN, "--addr", server.address, "login", "--username", "root",
                            "--password-stdin"], input=PASSWORD + "\n", capture_output=True,
                           text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_for_replay()
        self.assertEqual(self.listed(server), ["root"])
        self.psql(self.standby_dir, "SELECT pg_wal_replay_pause()")
        try:
            wait_until(lambda: self.psql(self.standby_dir,
                                         "SELECT pg_get_wal_replay_pause_state()") == "paused")
            auth = self.stub(server)
            auth.Register(pb2.RegisterRequest(username="late", email="late@example.com",
                                              password=PASSWORD))
            auth.Login(pb2.LoginRequest(username="late", password=PASSWORD))  # the primary
            self.assertEqual(self.listed(server), ["root"])  # the paused standby
        finally:
            self.psql(self.standby_dir, "SELECT pg_wal_replay_resume()")
        self.wait_for_replay()
        self.assertEqual(self.listed(server), ["late", "root"])
        # The standby's pool has its own gauges.
        self.assertGreaterEqual(
            self.metric(server, 'warden_db_pool_connections{pool="read",state="open"}'), 1)
        self.assertGreaterEqual(
            self.metric(server, 'warden_db_pool_connections{pool="primary",state="open"}'), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
