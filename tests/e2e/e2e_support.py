"""Shared by the end-to-end tests: stub generation and a per-test wardend."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wardend_process import Wardend  # noqa: E402

SOURCE_DIR = os.environ["WARDEN_SOURCE_DIR"]
BIN_DIR = os.environ["WARDEN_BIN_DIR"]
WARDEND = os.path.join(BIN_DIR, "wardend")
WARDEN = os.path.join(BIN_DIR, "warden")


def wait_until(predicate, timeout=30.0, interval=0.05):
    """Polls `predicate` until it is true or `timeout` passes (then fails loudly)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise AssertionError("condition not met within %.1fs" % timeout)


def generate_stubs(proto_dir, proto_files):
    """Generates Python modules with protoc and grpc_python_plugin; returns their directory,
    already on sys.path."""
    out_dir = tempfile.mkdtemp(prefix="warden-e2e-stubs-")
    plugin = shutil.which("grpc_python_plugin")
    for proto_file in proto_files:
        subprocess.run(["protoc", "-I", proto_dir, "--python_out", out_dir,
                        "--plugin=protoc-gen-grpc_python=" + plugin, "--grpc_python_out", out_dir,
                        os.path.join(proto_dir, proto_file)], check=True)
    sys.path.insert(0, out_dir)
    return out_dir


class ServerTest(unittest.TestCase):
    """Each test gets its own data dir and server."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="warden-e2e-")
        self.data_dir = os.path.join(self.dir, "data")
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, *args, **kwargs):
        self.server = Wardend(WARDEND, self.data_dir, extra_args=args, **kwargs).start()
        return self.server

    def cli(self, *args, stdin=None):
        env = dict(os.environ, WARDEN_CREDENTIALS=os.path.join(self.dir, "creds.json"))
        return subprocess.run([WARDEN, "--addr", self.server.address] + list(args), input=stdin,
                              capture_output=True, text=True, env=env, timeout=60)


