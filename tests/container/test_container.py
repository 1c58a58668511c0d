"""The container image, for real: built by tools/container.sh, run with podman (or docker) on
loopback. The seed's client flow through the published port with the seed's JWT_SECRET_KEY, the
image's HEALTHCHECK, the non-root user with a read-only root filesystem, data kept across a
restart on the same volume, and SIGTERM ending the process with exit 0 inside its drain budget.

Needs WARDEN_SOURCE_DIR; WARDEN_CONTAINER_ENGINE (podman, the default, or docker); the image
warden:latest (`tools/container.sh build`)."""
import os
import shutil
import subprocess
import sys
import time
import unittest
import uuid

import grpc

SOURCE_DIR = os.environ["WARDEN_SOURCE_DIR"]
os.environ.setdefault("WARDEN_BIN_DIR", "/nonexistent")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from container_support import ulimit_args  # noqa: E402
from e2e_support import generate_stubs, wait_until  # noqa: E402

generate_stubs(os.path.join(SOURCE_DIR, "tools/buf/seed"), ["auth.proto"])
import auth_pb2 as seed_pb2  # noqa: E402
import auth_pb2_grpc as seed_grpc  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402

generate_stubs(os.path.join(SOURCE_DIR, "proto"), ["health/v1/health.proto"])
from health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

ENGINE = os.environ.get("WARDEN_CONTAINER_ENGINE", "podman")
IMAGE = os.environ.get("WARDEN_IMAGE", "warden:latest")
SECRET = "seed-compatible-jwt-secret-of-at-least-32-bytes"
DRAIN_SECONDS = 10


def engine(*args, check=True, timeout=120):
    cmd = [ENGINE] + (["--runtime", "runc"] if ENGINE == "podman" else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=check)


def limits():
    return ulimit_args() if ENGINE == "podman" else []


def engine_usable():
    if shutil.which(ENGINE) is None:
        return "%s is not installed" % ENGINE
    r = engine("image", "inspect", IMAGE, check=False)
    if r.returncode != 0:
        return "no image %s (run tools/container.sh build)" % IMAGE
    return None


@unittest.skipIf(engine_usable() is not None, engine_usable() or "")
class ContainerTest(unittest.TestCase):
    def setUp(self):
        self.name = "warden-test-" + uuid.uuid4().hex[:8]
        self.volume = self.name + "-data"
        engine("volume", "create", self.volume)
        self.addCleanup(engine, "volume", "rm", "-f", self.volume, check=False)
        self.addCleanup(engine, "rm", "-f", "-t", "0", self.name, check=False)

    def run_container(self, *extra):
        """Starts the image like `docker run -e JWT_SECRET_KEY=... -p ...`, read-only, ports
        published on 127.0.0.1 with ports the engine picks; returns seconds to SERVING."""
        started = time.monotonic()
        args = ["run", "-d", "--name", self.name, "--read-only", "-v",
                self.volume + ":/var/lib/warden", "-e", "JWT_SECRET_KEY=" + SECRET,
                "-p", "127.0.0.1::50051", "-p", "127.0.0.1::50052"]
        engine(*(args + limits() + list(extra) + [IMAGE]))
        self.grpc_port = self.published(50051)
        self.health_port = self.published(50052)

        def serving():
            try:
                with grpc.insecure_channel("127.0.0.1:%d" % self.health_port) as channel:
                    reply = health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(), timeout=1)
                    return reply.status == health_pb2.HealthCheckResponse.SERVING
            except grpc.RpcError:
                return False
        wait_until(serving, timeout=60, interval=0.1)
        return time.monotonic() - started

    def published(self, port):
        out = engine("port", self.name, "%d/tcp" % port).stdout.strip().splitlines()[0]
        return int(out.rsplit(":", 1)[1])

    def stop(self):
        """SIGTERM (the image's STOPSIGNAL); returns (exit code, seconds it took)."""
        started = time.monotonic()
        engine("stop", "-t", str(DRAIN_SECONDS + 20), self.name, timeout=DRAIN_SECONDS + 60)
        took = time.monotonic() - started
        code = int(engine("inspect", "--format", "{{.State.ExitCode}}", self.name).stdout)
        engine("rm", self.name)
        return code, took

    def test_seed_flow_health_non_root_read_only_restart_and_sigterm(self):
        seconds = self.run_container()
        print("container: SERVING %.2f s after run" % seconds, file=sys.stderr)
        with grpc.insecure_channel("127.0.0.1:%d" % self.grpc_port) as channel:
            stub = seed_grpc.AuthServiceStub(channel)
            stub.Register(seed_pb2.RegisterRequest(username="cora", email="cora@example.com",
                                                   password="s3cret-pass", full_name="Cora"))
            login = stub.Login(seed_pb2.LoginRequest(username="cora", password="s3cret-pass"))
            auth = (("authorization", "Bearer " + login.access_token),)
            self.assertEqual(stub.ValidateToken(empty_pb2.Empty(), metadata=auth).username,
                             "cora")
            refreshed = stub.RefreshToken(
                seed_pb2.RefreshTokenRequest(refresh_token=login.refresh_token))
            self.assertTrue(refreshed.access_token)
        # The image's HEALTHCHECK (`warden health` on the plaintext health port).
        self.assertEqual(engine("healthcheck", "run", self.name, check=False).returncode, 0)
        # Non-root, with its fixed UID, and nothing writable but the volume.
        user = engine("top", self.name, "huser").stdout.split()[1:]
        self.assertEqual(set(user), {"10001"}, user)
        self.assertEqual(engine("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}",
                                self.name).stdout.strip(), "true")
        code, took = self.stop()
        self.assertEqual(code, 0)
        self.assertLess(took, DRAIN_SECONDS)
        # A new container on the same volume knows the users.
        self.run_container()
        with grpc.insecure_channel("127.0.0.1:%d" % self.grpc_port) as channel:
            stub = seed_grpc.AuthServiceStub(channel)
            self.assertTrue(stub.Login(seed_pb2.LoginRequest(
                username="cora", password="s3cret-pass")).access_token)
        code, _ = self.stop()
        self.assertEqual(code, 0)

    def test_without_a_key_it_refuses_to_start_and_says_why(self):
        r = engine(*(["run", "--rm", "--read-only"] + limits() + [IMAGE]), check=False,
                   timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no signing key configured", r.stderr + r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
