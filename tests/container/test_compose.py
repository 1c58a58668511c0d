"""compose.yaml, run for real with podman-compose and deploy/compose/compose.local.yaml
(PostgreSQL, Redis and nginx built from Debian 12 packages; Prometheus left out): the migrate
job, two wardend replicas on PostgreSQL and Redis, nginx balancing gRPC over both. Logs in on
replica 1 directly, validates through nginx (both replicas answer), logs out through nginx and
sees the token refused through nginx.

Needs WARDEN_SOURCE_DIR, podman, podman-compose and the image warden:latest."""
import base64
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import uuid

import grpc

SOURCE_DIR = os.environ["WARDEN_SOURCE_DIR"]
os.environ.setdefault("WARDEN_BIN_DIR", "/nonexistent")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from container_support import limits_conf, missing  # noqa: E402
from e2e_support import generate_stubs, wait_until  # noqa: E402

generate_stubs(os.path.join(SOURCE_DIR, "proto"), ["auth.proto"])
import auth_pb2 as pb2  # noqa: E402
import auth_pb2_grpc as pb2_grpc  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402

SERVICES = ["postgres", "redis", "migrate", "warden-1", "warden-2", "nginx"]


MISSING = missing("podman", "podman-compose")


@unittest.skipIf(MISSING is not None, MISSING or "")
class ComposeTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="warden-compose-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.project = "wardentest" + uuid.uuid4().hex[:6]
        key = os.path.join(self.dir, "master.key")
        with open(key, "w") as f:
            f.write(base64.b64encode(os.urandom(32)).decode())
        os.chmod(key, 0o644)
        self.env = dict(os.environ, CONTAINERS_CONF=limits_conf(self.dir),
                        WARDEN_MASTER_KEY_FILE=key,
                        POSTGRES_PASSWORD=uuid.uuid4().hex, WARDEN_GRPC_PUBLISH="127.0.0.1:",
                        WARDEN_IMAGE="localhost/warden:latest")

    def compose(self, *args, check=True, timeout=900):
        cmd = ["podman-compose", "-p", self.project, "-f",
               os.path.join(SOURCE_DIR, "compose.yaml"), "-f",
               os.path.join(SOURCE_DIR, "deploy/compose/compose.local.yaml")] + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True, env=self.env, cwd=SOURCE_DIR,
                           timeout=timeout)
        if check and r.returncode != 0:
            self.fail("%s: %s" % (" ".join(args), (r.stdout + r.stderr)[-3000:]))
        return r

    def port(self, service):
        r = subprocess.run(["podman", "port", "%s_%s_1" % (self.project, service), "50051/tcp"],
                           capture_output=True, text=True, check=True)
        return int(r.stdout.strip().splitlines()[0].rsplit(":", 1)[1])

    def cleanup(self):
        """What podman-compose 1.0.3's `down -v` leaves: the anonymous volumes of the image's
        VOLUME and the project's network."""
        label = "label=io.podman.compose.project=" + self.project
        ids = subprocess.run(["podman", "ps", "-aq", "--filter", label], capture_output=True,
                             text=True).stdout.split()
        if ids:
            subprocess.run(["podman", "rm", "-f", "-v"] + ids, capture_output=True)
        subprocess.run(["podman", "network", "rm", "-f", self.project + "_warden"],
                       capture_output=True)
        volumes = subprocess.run(["podman", "volume", "ls", "-q", "--filter", label],
                                 capture_output=True, text=True).stdout.split()
        if volumes:
            subprocess.run(["podman", "volume", "rm", "-f"] + volumes, capture_output=True)

    def test_two_replicas_behind_nginx_on_postgres_and_redis(self):
        self.addCleanup(self.compose, "down", "-v", check=False)
        self.addCleanup(self.cleanup)  # runs first: containers with their anonymous volumes
        self.compose("up", "-d", *SERVICES)
        direct = "127.0.0.1:%d" % self.port("warden-1")
        fronted = "127.0.0.1:%d" % self.port("nginx")

        def answers(address):
            try:
                with grpc.insecure_channel(address) as channel:
                    pb2_grpc.AuthServiceStub(channel).ValidateToken(empty_pb2.Empty(), timeout=2)
            except grpc.RpcError as e:
                return e.code() == grpc.StatusCode.UNAUTHENTICATED  # answered, no token
            return False
        try:
            wait_until(lambda: answers(direct) and answers(fronted), timeout=180, interval=0.5)
        except AssertionError:
            print(self.compose("logs", check=False).stdout[-4000:], file=sys.stderr)
            raise
        with grpc.insecure_channel(direct) as one, grpc.insecure_channel(fronted) as lb:
            a, front = pb2_grpc.AuthServiceStub(one), pb2_grpc.AuthServiceStub(lb)
            a.Register(pb2.RegisterRequest(username="compo", email="compo@example.com",
                                           password="s3cret-pass"))
            login = a.Login(pb2.LoginRequest(username="compo", password="s3cret-pass"))
            bearer = (("authorization", "Bearer " + login.access_token),)
            for _ in range(6):  # round-robin over both replicas: each knows the key ring
                self.assertEqual(front.ValidateToken(empty_pb2.Empty(), metadata=bearer).username,
                                 "compo")
            front.Logout(empty_pb2.Empty(), metadata=bearer)

            def refused_everywhere():
                for _ in range(4):
                    try:
                        front.ValidateToken(empty_pb2.Empty(), metadata=bearer)
                        return False
                    except grpc.RpcError as e:
                        self.assertEqual(e.code(), grpc.StatusCode.UNAUTHENTICATED)
                return True
            wait_until(refused_everywhere, timeout=10, interval=0.2)
        # The one-shot migration finished with 0; both replicas are still up.
        def state(service):
            return subprocess.run(
                ["podman", "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}",
                 "%s_%s_1" % (self.project, service)],
                capture_output=True, text=True, check=True).stdout.split()
        self.assertEqual(state("migrate"), ["exited", "0"])
        for replica in ("warden-1", "warden-2", "nginx"):
            self.assertEqual(state(replica)[0], "running", replica)


if __name__ == "__main__":
    unittest.main(verbosity=2)
