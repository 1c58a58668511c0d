"""Runs one raw HTTP/2 attack against a fresh wardend, directly or behind the shipped nginx front,
while a legitimate client validates tokens and a probe opens a new connection every 0.2 s, and
measures what the issue's bar asks: the process survives, probes are answered during and right
after the attack, the legitimate client's success rate and p99, and RSS above idle."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from wardend_process import Wardend  # noqa: E402

SOURCE_DIR = os.environ["WARDEN_SOURCE_DIR"]
BIN_DIR = os.environ["WARDEN_BIN_DIR"]
WARDEND = os.path.join(BIN_DIR, "wardend")
WARDEN = os.path.join(BIN_DIR, "warden")
LOAD = os.path.join(BIN_DIR, "load")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TEMPLATE = os.path.join(SOURCE_DIR, "deploy", "nginx", "warden-front.conf.template")
RSS_CAP = 1536 << 20  # the monitor kills a server that reaches this (the test then fails)
LEGIT_RATE = 200  # legitimate ValidateToken calls per second, 4 in flight on one connection


def rss_bytes(pid):
    try:
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def child_pids(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as children:
            return [int(p) for p in children.read().split()]
    except OSError:
        return []


def free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class Nginx:
    """Debian's nginx from the shipped template, in a temporary prefix, on a loopback port."""

    def __init__(self, upstream, run_dir):
        self.upstream = upstream
        self.run_dir = run_dir
        self.proc = None
        self.port = None

    def start(self):
        for _ in range(5):
            port = free_port()
            conf = open(TEMPLATE).read()
            conf = (conf.replace("@LISTEN@", "127.0.0.1:%d http2" % port)
                    .replace("@UPSTREAM@", self.upstream).replace("@RUN_DIR@", self.run_dir))
            path = os.path.join(self.run_dir, "nginx.conf")
            with open(path, "w") as out:
                out.write(conf)
            self.proc = subprocess.Popen([NGINX, "-p", self.run_dir, "-c", path, "-g",
                                          "daemon off;"], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    self.port = port
                    return self
                except OSError:
                    time.sleep(0.02)
            self.stop()
        raise RuntimeError("nginx did not start")

    def pids(self):
        return [self.proc.pid] + child_pids(self.proc.pid)

    def rss(self):
        return sum(rss_bytes(pid) for pid in self.pids())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _stubs():
    from e2e_support import generate_stubs  # noqa: E402
    proto = os.path.join(SOURCE_DIR, "proto")
    generate_stubs(proto, ["auth.proto", "health/v1/health.proto"])


def time_wait_sockets():
    """Loopback TCP sockets in TIME_WAIT (state 06 in /proc/net/tcp*)."""
    count = 0
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as table:
                next(table, None)
                count += sum(1 for line in table if line.split()[3] == "06")
        except OSError:
            pass
    return count


def wait_for_ephemeral_ports(limit=4000, budget_s=90.0):
    """Waits (bounded) until earlier churn rows' TIME_WAIT sockets have expired.

    A churn row closes about 20,000 connections from 127.0.0.1 in 10 s; the kernel keeps each
    for 60 s and, on this machine's kernel, does not hand their ports to new connections even
    to another destination, so the next row would measure "Cannot assign requested address"
    instead of Warden. Returns the seconds waited."""
    started = time.monotonic()
    while time_wait_sockets() > limit and time.monotonic() - started < budget_s:
        time.sleep(1.0)  # polling a kernel table; nothing to be notified by
    return time.monotonic() - started


class Setup:
    """A fresh wardend (and nginx in front when `fronted`), a user and a token."""

    def __init__(self, fronted, nofile=None, extra_args=()):
        self.fronted = fronted
        self.dir = tempfile.mkdtemp(prefix="warden-abuse-")
        args = list(extra_args)
        if fronted:
            args += ["--trusted-proxies", "127.0.0.1/32"]
        self.wardend = Wardend(WARDEND, os.path.join(self.dir, "data"), extra_args=args)
        if nofile is not None:
            self.wardend.args = ["prlimit", "--nofile=%d:%d" % nofile, "--"] + self.wardend.args
        self.nginx = None

    def start(self):
        waited = wait_for_ephemeral_ports()
        if waited >= 1.0:
            print("waited %.0f s for TIME_WAIT sockets of earlier rows to expire" % waited,
                  file=sys.stderr)
        self.wardend.start()
        self.host = "127.0.0.1"
        self.port = self.wardend.port
        if self.fronted:
            self.nginx = Nginx("127.0.0.1:%d" % self.wardend.port, self.dir).start()
            self.port = self.nginx.port
        self.token = self._token()
        return self

    def _token(self):
        _stubs()
        import grpc
        import auth_pb2
        import auth_pb2_grpc
        channel = grpc.insecure_channel("127.0.0.1:%d" % self.wardend.port)
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        stub.Register(auth_pb2.RegisterRequest(username="alice", email="alice@example.com",
                                               password="a-long-password", full_name="A"),
                      timeout=30)
        token = stub.Login(auth_pb2.LoginRequest(username="alice", password="a-long-password"),
                           timeout=30).access_token
        channel.close()
        return token

    def server_pid(self):
        # Under prlimit the process execs wardend, so the pid is wardend's.
        return self.wardend.proc.pid

    def alive(self):
        return self.wardend.proc.poll() is None and (self.nginx is None or
                                                     self.nginx.proc.poll() is None)

    def stop(self):
        if self.nginx:
            self.nginx.stop()
        self.wardend.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def legit_load(setup, seconds):
    """The legitimate client: paced ValidateToken calls; returns (ok, calls, p99_ms)."""
    out = subprocess.run([LOAD, "--target", "%s:%d" % (setup.host, setup.port), "--rpc",
                          "validate", "--token", setup.token, "--seconds", str(seconds),
                          "--concurrency", "4", "--channels", "1", "--rate", str(LEGIT_RATE),
                          "--deadline-ms", "2000"], capture_output=True, text=True,
                         timeout=seconds + 60)
    match = re.search(r"calls=(\d+) ok=(\d+).*p99_us=(\d+)", out.stdout)
    if not match:
        return 0, 0, float("inf")
    return int(match.group(2)), int(match.group(1)), int(match.group(3)) / 1000.0


def probe_once(setup, timeout=1.0):
    """A new connection (never a pooled one) and a health check; True if SERVING in time."""
    import grpc
    from health.v1 import health_pb2, health_pb2_grpc
    channel = grpc.insecure_channel("%s:%d" % (setup.host, setup.port),
                                    options=[("grpc.use_local_subchannel_pool", 1)])
    try:
        response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(),
                                                             timeout=timeout)
        return response.status == health_pb2.HealthCheckResponse.SERVING
    except grpc.RpcError:
        return False
    finally:
        channel.close()


class Monitor(threading.Thread):
    """Samples RSS of wardend (and nginx) every 50 ms; kills them at RSS_CAP."""

    def __init__(self, setup):
        super().__init__(daemon=True)
        self.setup = setup
        self.peak = 0
        self.nginx_peak = 0
        self.capped = False
        self.stopping = False

    def run(self):
        while not self.stopping:
            rss = rss_bytes(self.setup.server_pid())
            self.peak = max(self.peak, rss)
            if self.setup.nginx:
                self.nginx_peak = max(self.nginx_peak, self.setup.nginx.rss())
            if rss > RSS_CAP:
                self.capped = True
                self.setup.wardend.proc.kill()
                return
            time.sleep(0.05)


def run_attack(name, fronted, seconds=6.0, nofile=None, extra_args=()):
    """Runs attack `name` for `seconds`; returns the measurements as a dict."""
    setup = Setup(fronted, nofile=nofile, extra_args=extra_args).start()
    try:
        ok, calls, idle_p99 = legit_load(setup, 2)
        idle_rss = rss_bytes(setup.server_pid())
        idle_nginx = setup.nginx.rss() if setup.nginx else 0
        monitor = Monitor(setup)
        monitor.start()
        attacker = subprocess.Popen([sys.executable, os.path.join(HERE, "h2_attacks.py"), name,
                                     setup.host, str(setup.port), str(seconds)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        legit = {}
        legit_thread = threading.Thread(
            target=lambda: legit.update(zip(("ok", "calls", "p99"),
                                            legit_load(setup, int(seconds)))), daemon=True)
        legit_thread.start()
        probes = []
        started = time.monotonic()
        while attacker.poll() is None and time.monotonic() - started < seconds + 30:
            t0 = time.monotonic()
            probes.append(probe_once(setup))
            time.sleep(max(0.0, 0.2 - (time.monotonic() - t0)))
        try:
            out, err = attacker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            attacker.kill()
            out, err = attacker.communicate()
        legit_thread.join(timeout=seconds + 60)
        # Right after: a new connection is answered within 1 s.
        after = probe_once(setup, timeout=1.0)
        # RSS returns near idle (bounded wait: the trimmer runs every second).
        settled = rss_bytes(setup.server_pid())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and settled > idle_rss + (64 << 20):
            time.sleep(0.25)
            settled = rss_bytes(setup.server_pid())
        monitor.stopping = True
        monitor.join(timeout=2)
        try:
            attack_counts = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            attack_counts = {"error": err[-2000:]}
        return {
            "attack": name, "fronted": fronted, "alive": setup.alive() and not monitor.capped,
            "capped": monitor.capped, "attack_counts": attack_counts,
            "idle_p99_ms": idle_p99, "idle_ok": ok, "idle_calls": calls,
            "legit_ok": legit.get("ok", 0), "legit_calls": legit.get("calls", 0),
            "legit_p99_ms": legit.get("p99", float("inf")),
            "probes": len(probes), "probes_ok": sum(probes), "after_ok": after,
            "idle_rss_mib": idle_rss / 2**20, "peak_rss_mib": monitor.peak / 2**20,
            "settled_rss_mib": settled / 2**20,
            "nginx_idle_rss_mib": idle_nginx / 2**20, "nginx_peak_rss_mib": monitor.nginx_peak / 2**20,
        }
    finally:
        setup.stop()


if __name__ == "__main__":
    # python3 abuse_support.py ATTACK direct|fronted [SECONDS] [NOFILE]: one row, as JSON.
    nofile = (int(sys.argv[4]), int(sys.argv[4])) if len(sys.argv) > 4 else None
    print(json.dumps(run_attack(sys.argv[1], sys.argv[2] == "fronted",
                                float(sys.argv[3]) if len(sys.argv) > 3 else 6.0, nofile)))
