"""The rendered Kubernetes Deployment, run for real with `podman kube play`: the `play` overlay
(deploy/k8s/overlays/play: SQLite instead of PostgreSQL, the master key from the Secret as an
environment variable) rendered by kubectl, its Deployment and ConfigMap played with the image
built by tools/container.sh, then the pod is called on its address in podman's own bridge
network (a network namespace podman creates on this machine): health SERVING, the seed's flow.

Needs WARDEN_SOURCE_DIR, podman, kubectl and the image warden:latest."""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import uuid

import grpc
import yaml

SOURCE_DIR = os.environ["WARDEN_SOURCE_DIR"]
os.environ.setdefault("WARDEN_BIN_DIR", "/nonexistent")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from container_support import limits_conf, missing  # noqa: E402
from e2e_support import generate_stubs, wait_until  # noqa: E402

generate_stubs(os.path.join(SOURCE_DIR, "tools/buf/seed"), ["auth.proto"])
import auth_pb2 as seed_pb2  # noqa: E402
import auth_pb2_grpc as seed_grpc  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402

generate_stubs(os.path.join(SOURCE_DIR, "proto"), ["health/v1/health.proto"])
from health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

OVERLAY = os.path.join(SOURCE_DIR, "deploy", "k8s", "overlays", "play")


def podman(*args, check=True, env=None, timeout=120):
    return subprocess.run(["podman", "--runtime", "runc"] + list(args), capture_output=True,
                          text=True, check=check, env=env, timeout=timeout)


MISSING = missing("podman", "kubectl")


@unittest.skipIf(MISSING is not None, MISSING or "")
class KubePlayTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="warden-kube-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.name = "warden-" + uuid.uuid4().hex[:6]

    def render(self):
        """The overlay as kubectl renders it, made unique to this test run (names of the
        Deployment, ConfigMap, Secret and volumes) so nothing else on the machine is touched."""
        out = subprocess.run(["kubectl", "kustomize", OVERLAY], capture_output=True, text=True,
                             check=True, timeout=60).stdout
        docs = [d for d in yaml.safe_load_all(out) if d]
        secret = next(d for d in docs if d["kind"] == "Secret")
        config = next(d for d in docs if d["kind"] == "ConfigMap")
        deployment = next(d for d in docs if d["kind"] == "Deployment")
        deployment["metadata"]["name"] = self.name
        config["metadata"]["name"] = self.name + "-config"
        spec = deployment["spec"]["template"]["spec"]
        for volume in spec["volumes"]:
            volume["name"] = "%s-%s" % (self.name, volume["name"])
        container = spec["containers"][0]
        for mount in container["volumeMounts"]:
            mount["name"] = "%s-%s" % (self.name, mount["name"])
        container["envFrom"][0]["configMapRef"]["name"] = config["metadata"]["name"]
        for env in container["env"]:
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                ref["name"] = self.name + "-secrets"
        self.volumes = [v["name"] for v in spec["volumes"]]
        # podman keeps a Secret as a JSON map of base64 values.
        values = {"master.key": base64.b64encode(os.urandom(32)).decode(),
                  "postgres-password": "unused"}
        self.assertEqual(set(values), set(secret["stringData"]))
        secret_file = os.path.join(self.dir, "secret.json")
        with open(secret_file, "w") as f:
            json.dump({k: base64.b64encode(v.encode()).decode() for k, v in values.items()}, f)
        podman("secret", "create", self.name + "-secrets", secret_file)
        self.addCleanup(podman, "secret", "rm", self.name + "-secrets", check=False)
        path = os.path.join(self.dir, "play.yaml")
        with open(path, "w") as f:
            yaml.safe_dump_all([config, deployment], f)
        return path

    def test_the_rendered_deployment_serves_the_seed_flow(self):
        played = self.render()
        env = dict(os.environ, CONTAINERS_CONF=limits_conf(self.dir))
        pod = self.name + "-pod-0"
        self.addCleanup(lambda: [podman("volume", "rm", "-f", v, check=False)
                                 for v in self.volumes])
        self.addCleanup(podman, "pod", "rm", "-f", "-t", "0", pod, check=False)
        r = podman("kube", "play", played, env=env, check=False)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        infra = podman("pod", "inspect", pod, "--format", "{{.InfraContainerID}}").stdout.strip()
        address = podman("inspect", infra, "--format",
                         "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}").stdout.strip()
        self.assertTrue(address, "the pod has no address")

        def serving():
            try:
                with grpc.insecure_channel("%s:50052" % address) as channel:
                    return health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(), timeout=1).status == \
                        health_pb2.HealthCheckResponse.SERVING
            except grpc.RpcError:
                return False
        try:
            wait_until(serving, timeout=60, interval=0.2)
        except AssertionError:
            print(podman("logs", pod + "-wardend", check=False).stderr[-2000:], file=sys.stderr)
            raise
        with grpc.insecure_channel("%s:50051" % address) as channel:
            stub = seed_grpc.AuthServiceStub(channel)
            stub.Register(seed_pb2.RegisterRequest(username="kube", email="kube@example.com",
                                                   password="s3cret-pass"))
            login = stub.Login(seed_pb2.LoginRequest(username="kube", password="s3cret-pass"))
            info = stub.ValidateToken(empty_pb2.Empty(), metadata=(
                ("authorization", "Bearer " + login.access_token),))
            self.assertEqual(info.username, "kube")
        # The pod runs as the Deployment's non-root user.
        user = podman("top", pod + "-wardend", "huser").stdout.split()[1:]
        self.assertEqual(set(user), {"10001"}, user)


if __name__ == "__main__":
    unittest.main(verbosity=2)
