"""Debian's real Prometheus server scrapes a running wardend on loopback: the go-grpc-prometheus
series and Warden's domain counters move as calls are made (failing ones included), the alert
rules load, and every Grafana dashboard query evaluates."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import SOURCE_DIR, ServerTest, generate_stubs  # noqa: E402

generate_stubs(os.path.join(SOURCE_DIR, "proto"), ["auth.proto"])
import auth_pb2 as pb2  # noqa: E402
import auth_pb2_grpc as pb2_grpc  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402

PROMETHEUS = shutil.which("prometheus")
if PROMETHEUS is None:
    raise SystemExit("test_prometheus: Debian's prometheus package is not installed "
                     "(tools/install-deps.sh installs it)")


def listening_ports(pid):
    """TCP ports a process listens on, from /proc (the process bound port 0)."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = []
    for table in ("/proc/%d/net/tcp" % pid, "/proc/%d/net/tcp6" % pid):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                    ports.append(int(fields[1].split(":")[1], 16))
    return ports


class PrometheusTest(ServerTest):
    def start_prometheus(self, target):
        work = tempfile.mkdtemp(prefix="warden-prom-")
        self.addCleanup(shutil.rmtree, work, True)
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "rule_files:\n  - %s\n"
                    "scrape_configs:\n  - job_name: warden\n    static_configs:\n"
                    "      - targets: ['%s']\n"
                    % (os.path.join(SOURCE_DIR, "deploy/prometheus/alerts.yml"), target))
        proc = subprocess.Popen([PROMETHEUS, "--config.file=" + config,
                                 "--storage.tsdb.path=" + os.path.join(work, "data"),
                                 "--web.listen-address=127.0.0.1:0"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (proc.terminate(), proc.wait(timeout=30)))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for port in listening_ports(proc.pid):
                try:
                    with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % port,
                                                timeout=2) as r:
                        if r.status == 200:
                            return "http://127.0.0.1:%d" % port
                except OSError:
                    pass
            self.assertIsNone(proc.poll(), "prometheus exited")
            time.sleep(0.2)
        self.fail("prometheus did not become ready")

    def query(self, base, expr):
        url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.loads(r.read())
        self.assertEqual(body["status"], "success", expr)
        return body["data"]["result"]

    def wait_for(self, base, expr, minimum, timeout=60):
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            result = self.query(base, expr)
            if result:
                value = float(result[0]["value"][1])
                if value >= minimum:
                    return value
            time.sleep(0.5)
        self.fail("%s stayed at %s (< %s)" % (expr, value, minimum))

    def test_prometheus_scrapes_standard_and_domain_metrics(self):
        self.start()
        base = self.start_prometheus("127.0.0.1:%d" % self.server.http_port)
        with grpc.insecure_channel(self.server.address) as channel:
            stub = pb2_grpc.AuthServiceStub(channel)
            stub.Register(pb2.RegisterRequest(username="promy", email="p@example.com",
                                              password="s3cret-pass"))
            for _ in range(3):
                with self.assertRaises(grpc.RpcError):
                    stub.Login(pb2.LoginRequest(username="promy", password="wrong-pass"))
            login = stub.Login(pb2.LoginRequest(username="promy", password="s3cret-pass"))
            stub.ValidateToken(empty_pb2.Empty(),
                               metadata=[("authorization", "Bearer " + login.access_token)])
            with self.assertRaises(grpc.RpcError):
                stub.ValidateToken(empty_pb2.Empty(), metadata=[("authorization", "Bearer x")])

        self.wait_for(base, 'grpc_server_handled_total{job="warden",grpc_method="Login",'
                            'grpc_code="Unauthenticated"}', 3)
        self.wait_for(base, 'grpc_server_handled_total{job="warden",grpc_method="Login",'
                            'grpc_code="OK"}', 1)
        self.wait_for(base, 'grpc_server_handled_total{job="warden",grpc_method="ValidateToken",'
                            'grpc_code="Unauthenticated"}', 1)
        self.wait_for(base, 'warden_login_attempts_total{job="warden",'
                            'result="invalid_credentials"}', 3)
        self.wait_for(base, 'warden_tokens_issued_total{job="warden",kind="access"}', 1)
        self.wait_for(base, 'warden_token_validations_total{job="warden",result="invalid"}', 1)
        self.wait_for(base, 'sum(grpc_server_handling_seconds_count{job="warden",'
                            'grpc_method="Login"})', 4)
        self.wait_for(base, 'warden_store_operation_seconds_count{job="warden",'
                            'op="users.create"}', 1)
        self.wait_for(base, 'warden_store_operation_seconds_count{job="warden",'
                            'op="sessions.create"}', 1)
        # Pre-initialised series exist before any call of that kind.
        self.assertTrue(self.query(base, 'grpc_server_handled_total{job="warden",'
                                         'grpc_method="Logout",grpc_code="OK"} == 0'))
        # The alert rules loaded and evaluate.
        with urllib.request.urlopen(base + "/api/v1/rules", timeout=10) as r:
            groups = json.loads(r.read())["data"]["groups"]
        self.assertEqual(groups[0]["name"], "warden")
        for rule in groups[0]["rules"]:
            self.assertEqual(rule["health"], "ok", rule)
        # Every dashboard query is valid PromQL over these series.
        with open(os.path.join(SOURCE_DIR, "deploy/grafana/warden.json")) as f:
            dashboard = json.load(f)
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                expr = (target["expr"].replace("$job", "warden")
                        .replace("$__rate_interval", "1m"))
                self.query(base, expr)
        # Domain panels have data.
        self.assertTrue(self.query(base, 'sum by (result) (warden_login_attempts_total'
                                         '{job="warden"})'))


if __name__ == "__main__":
    unittest.main(verbosity=2)
