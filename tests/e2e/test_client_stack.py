"""The C++ client stack against real servers on loopback: wardend replicas on 127.0.0.1-4
sharing a real PostgreSQL, found through a real dnsmasq (Debian's, started here on a loopback
port) serving their A records, behind Debian's nginx as a gRPC load balancer, and restarted one
by one under load. The load comes from tests/e2e/client_driver.cc (warden_client_driver), which
calls ValidateToken through client::MakeClientStack and reports what it saw as JSON lines."""
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "abuse"))
from e2e_support import wait_until  # noqa: E402
from test_postgres import PASSWORD, PostgresBase, empty_pb2, pb2, pb2_grpc  # noqa: E402

BIN_DIR = os.environ.get("WARDEN_BIN_DIR", "")
DRIVER = os.path.join(BIN_DIR, "warden_client_driver")
DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
NAME = "warden.test"
LOAD_SECONDS_MAX = 240  # the driver stops by itself after this, whatever happens


def free_udp_port():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class Dnsmasq:
    """dnsmasq answering only from a hosts file on 127.0.0.1:<port>; reload() re-reads it."""

    def __init__(self, run_dir):
        self.hosts = os.path.join(run_dir, "dns-hosts")
        self.proc = None
        self.port = None

    def write(self, addresses):
        with open(self.hosts + ".tmp", "w") as f:
            f.writelines("%s %s\n" % (a, NAME) for a in addresses)
        os.replace(self.hosts + ".tmp", self.hosts)

    def start(self, addresses):
        self.write(addresses)
        for _ in range(5):
            self.port = free_udp_port()
            self.proc = subprocess.Popen(
                [DNSMASQ, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
                 "--no-hosts", "--addn-hosts=" + self.hosts, "--listen-address=127.0.0.1",
                 "--bind-interfaces", "--port=%d" % self.port, "--local-ttl=0", "--user=root",
                 "--pid-file=", "--log-facility=-"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if self.resolves(len(addresses)):
                return self
            self.stop()
        raise RuntimeError("dnsmasq did not start")

    def resolves(self, count):
        """Waits until the name has `count` A records."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.proc.poll() is None:
            if len(self.query()) == count:
                return True
            time.sleep(0.05)
        return False

    def query(self):
        """The A records of NAME, asked of this dnsmasq with a hand-made DNS query."""
        question = b"".join(bytes([len(p)]) + p.encode() for p in NAME.split(".")) + b"\0"
        packet = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + question + b"\x00\x01\x00\x01"
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(0.5)
        try:
            sock.sendto(packet, ("127.0.0.1", self.port))
            answer = sock.recv(4096)
        except OSError:
            return []
        finally:
            sock.close()
        count = int.from_bytes(answer[6:8], "big")
        offset = 12 + len(question) + 4
        found = []
        for _ in range(count):
            offset += 2 if answer[offset] & 0xC0 == 0xC0 else len(question)
            rtype = int.from_bytes(answer[offset:offset + 2], "big")
            length = int.from_bytes(answer[offset + 8:offset + 10], "big")
            data = answer[offset + 10:offset + 10 + length]
            if rtype == 1 and length == 4:
                found.append(".".join(str(b) for b in data))
            offset += 10 + length
        return sorted(found)

    def reload(self, addresses):
        self.write(addresses)
        self.proc.send_signal(signal.SIGHUP)
        if not self.resolves(len(addresses)):
            raise RuntimeError("dnsmasq did not pick up the new records")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class Driver:
    """warden_client_driver under load until stop(); its report lines arrive in a thread."""

    def __init__(self, test, target, *extra):
        self.proc = subprocess.Popen(
            [DRIVER, "--target", target, "--username", "cora", "--password", PASSWORD,
             "--calls", "100000000", "--seconds", str(LOAD_SECONDS_MAX), "--threads", "4",
             "--report-ms", "100", "--until-stdin-closes"] + list(extra),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        test.addCleanup(self.kill)
        self.last = {}
        self.seen_states = {}  # endpoint -> the breaker states it was ever reported in
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            report = json.loads(line)
            with self.lock:
                self.last = report
                for e in report["endpoints"]:
                    self.seen_states.setdefault(e["endpoint"], set()).add(e["state"])

    def report(self):
        with self.lock:
            return dict(self.last)

    def peer_calls(self, address):
        return sum(n for peer, n in self.report().get("peers", {}).items()
                   if peer.startswith("ipv4:%s:" % address))

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.reader.join(timeout=10)
        final = self.report()
        if not final.get("done"):
            raise AssertionError("the driver did not finish: " + self.proc.stderr.read())
        return final

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class ClientStackTest(PostgresBase):
    def setUp(self):
        super().setUp()
        if not os.path.exists(DRIVER):
            self.fail("warden_client_driver is not built (WARDEN_BIN_DIR=%s)" % BIN_DIR)
        self.assertEqual(self.wardend("migrate").returncode, 0)
        self.flags = ("--drain-delay-seconds", "1", "--drain-seconds", "10")

    def cluster(self, hosts):
        """Replicas on `hosts`, all on one port (DNS names addresses, not ports)."""
        first = self.replica("r0", *self.flags, host=hosts[0])
        self.nodes = [first] + [self.replica("r%d" % i, *self.flags, host=h, port=first.port)
                                for i, h in enumerate(hosts[1:], start=1)]
        self.stub(first).Register(pb2.RegisterRequest(username="cora", email="cora@example.com",
                                                      password=PASSWORD))
        return first.port

    def handled(self, node):
        text = urllib.request.urlopen("http://%s:%d/metrics" % (node.host, node.http_port),
                                      timeout=10).read().decode()
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("grpc_server_handled_total{")
                   and 'grpc_method="ValidateToken"' in line and 'grpc_code="OK"' in line)

    def restart(self, i):
        old = self.nodes[i]
        self.nodes[i] = self.replica("r%d" % i, *self.flags, host=old.host, port=old.port)
        return self.nodes[i]

    def test_dns_discovery_spreads_calls_finds_a_new_replica_and_routes_around_a_dead_one(self):
        hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
        port = self.cluster(hosts)
        dns = Dnsmasq(self.dir).start(hosts)
        self.addCleanup(dns.stop)
        driver = Driver(self, "dns://127.0.0.1:%d/%s:%d" % (dns.port, NAME, port),
                        "--resolve-interval-ms", "500")
        # Every replica serves the client: the client's count and the replica's own metrics.
        for node in self.nodes:
            wait_until(lambda n=node: driver.peer_calls(n.host) >= 50 and self.handled(n) >= 50,
                       timeout=60)

        # A fourth A record and a fourth replica: it gets calls after re-resolution.
        self.nodes.append(self.replica("r3", *self.flags, host="127.0.0.4", port=port))
        added = time.monotonic()
        dns.reload(hosts + ["127.0.0.4"])
        wait_until(lambda: driver.peer_calls("127.0.0.4") >= 1, timeout=60, interval=0.01)
        sys.stderr.write("\nnew replica: first call %.2f s after its A record (resolve every "
                         "0.5 s)\n" % (time.monotonic() - added))
        wait_until(lambda: driver.peer_calls("127.0.0.4") >= 50, timeout=60)
        self.assertGreater(self.handled(self.nodes[3]), 0)

        # Kill one replica under load: its channel cannot connect (TRANSIENT_FAILURE), the
        # balancer stops sending it calls, the others take them, and none fails.
        victim = self.nodes[1]
        victim.kill9()
        before = {h: driver.peer_calls(h) for h in ("127.0.0.1", "127.0.0.3", "127.0.0.4")}
        wait_until(lambda: all(driver.peer_calls(h) > before[h] + 50 for h in before), timeout=30)
        # It comes back on its address and takes calls again.
        self.nodes[1] = self.restart(1)
        back = driver.peer_calls("127.0.0.2")
        wait_until(lambda: driver.peer_calls("127.0.0.2") >= back + 50, timeout=60)
        self.assertEqual(driver.report()["failed"], 0, driver.report()["errors"])

        # A replica that hangs (SIGSTOP: its connection stays up, nothing answers) costs the calls
        # in flight to it their deadline; its breaker opens after a few and it gets no more
        # calls until a probe succeeds after SIGCONT.
        hung = self.nodes[3]
        endpoint = "ipv4:127.0.0.4:%d" % port
        hung.proc.send_signal(signal.SIGSTOP)
        try:
            wait_until(lambda: "open" in driver.seen_states.get(endpoint, set()), timeout=30)
            stopped_at = driver.peer_calls("127.0.0.4")
            others = driver.report()["ok"]
            wait_until(lambda: driver.report()["ok"] > others + 1000, timeout=30)
            self.assertEqual(driver.peer_calls("127.0.0.4"), stopped_at)
        finally:
            hung.proc.send_signal(signal.SIGCONT)
        wait_until(lambda: driver.peer_calls("127.0.0.4") >= stopped_at + 50, timeout=60)
        final = driver.stop()
        sys.stderr.write("hung replica: %d of %d calls failed\n" % (final["failed"],
                                                                  final["ok"] + final["failed"]))
        # Only the calls that were in flight on the hung replica, or reached it before its
        # breaker opened (5 in a row), may fail, and only by their deadline.
        self.assertLessEqual(final["failed"], 5 + 4 * 2, final["errors"])
        self.assertTrue(all(e.startswith("DEADLINE_EXCEEDED") for e in final["errors"]),
                        final["errors"])
        self.assertGreater(final["ok"], 1000)
        states = {e["endpoint"]: e["state"] for e in final["endpoints"]}
        self.assertEqual(states[endpoint], "closed", final["endpoints"])
        self.assertEqual(len(states), 4)

    def test_the_python_package_spreads_calls_over_the_dns_records(self):
        sys.path.insert(0, os.path.join(BIN_DIR, "..", "python"))
        import warden_client  # noqa: E402  (built by the CMake target warden_python_client)
        from warden_client.pb import auth_pb2, auth_pb2_grpc  # noqa: E402
        hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
        port = self.cluster(hosts)
        dns = Dnsmasq(self.dir).start(hosts)
        self.addCleanup(dns.stop)
        channel = warden_client.channel("dns://127.0.0.1:%d/%s:%d" % (dns.port, NAME, port))
        self.addCleanup(channel.close)
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        token = stub.Login(auth_pb2.LoginRequest(username="cora", password=PASSWORD)).access_token
        before = [self.handled(n) for n in self.nodes]
        for _ in range(90):
            stub.ValidateToken(empty_pb2.Empty(), metadata=(("authorization", "Bearer " + token),))
        gained = [self.handled(n) - b for n, b in zip(self.nodes, before)]
        self.assertEqual(sum(gained), 90)
        self.assertTrue(all(g >= 20 for g in gained), gained)

        # The CLI takes the same target.
        cli = subprocess.run([os.path.join(BIN_DIR, "warden"), "--addr",
                              "dns://127.0.0.1:%d/%s:%d" % (dns.port, NAME, port), "health"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual((cli.returncode, cli.stdout), (0, "SERVING\n"), cli.stderr)
        cli = subprocess.run([os.path.join(BIN_DIR, "warden"), "--addr", "dns:///" + NAME,
                              "health"], capture_output=True, text=True, timeout=30)
        self.assertEqual(cli.returncode, 2)
        self.assertIn("needs name:port", cli.stderr)

    def test_rolling_restart_of_three_replicas_under_load_fails_no_call(self):
        hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
        port = self.cluster(hosts)
        driver = Driver(self, "ipv4:" + ",".join("%s:%d" % (h, port) for h in hosts),
                        "--resolve-interval-ms", "0")
        for node in self.nodes:
            wait_until(lambda n=node: driver.peer_calls(n.host) >= 50, timeout=60)
        for i, old in enumerate(list(self.nodes)):
            self.assertEqual(old.terminate(timeout=60), 0)  # SIGTERM: drain delay, then drain
            new = self.restart(i)
            served = driver.peer_calls(old.host)
            wait_until(lambda h=old.host, s=served: driver.peer_calls(h) >= s + 50, timeout=60)
            self.assertGreater(self.handled(new), 0)
        final = driver.stop()
        self.assertEqual(final["failed"], 0, final["errors"])
        self.assertGreater(final["ok"], 1000)

    def test_nginx_balances_the_seed_flow_and_a_stopped_replica_costs_no_idempotent_call(self):
        from abuse_support import Nginx  # noqa: E402  (the shipped front template)
        hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
        port = self.cluster(hosts)
        servers = "; server ".join("%s:%d max_conns=512" % (h, port) for h in hosts)
        nginx_dir = os.path.join(self.dir, "nginx")
        for sub in ("", "body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(nginx_dir, sub), exist_ok=True)
        # The template says "server @UPSTREAM@ max_conns=512;": fill in three servers.
        front = Nginx(servers[:-len(" max_conns=512")], nginx_dir).start()
        self.addCleanup(front.stop)
        address = "127.0.0.1:%d" % front.port

        # The seed's own flow through the balancer, on a plain channel.
        channel = grpc.insecure_channel(address)
        self.addCleanup(channel.close)
        stub = pb2_grpc.AuthServiceStub(channel)
        stub.Register(pb2.RegisterRequest(username="sam", email="sam@example.com",
                                          password=PASSWORD))
        login = stub.Login(pb2.LoginRequest(username="sam", password=PASSWORD))
        bearer = (("authorization", "Bearer " + login.access_token),)
        for _ in range(9):  # nine calls over three replicas
            self.assertEqual(stub.ValidateToken(empty_pb2.Empty(), metadata=bearer).username,
                             "sam")
        refreshed = stub.RefreshToken(pb2.RefreshTokenRequest(refresh_token=login.refresh_token))
        stub.Logout(empty_pb2.Empty(), metadata=(("authorization",
                                                  "Bearer " + refreshed.access_token),))

        # A bounded load through nginx; one replica stops (SIGKILL) in the middle of it.
        driver = Driver(self, address)
        for node in self.nodes:
            wait_until(lambda n=node: self.handled(n) >= 50, timeout=60)
        self.nodes[2].kill9()
        served = driver.report().get("ok", 0)
        wait_until(lambda: driver.report().get("ok", 0) >= served + 2000, timeout=60)
        final = driver.stop()
        self.assertEqual(final["failed"], 0, final["errors"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
