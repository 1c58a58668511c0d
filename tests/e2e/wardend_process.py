"""Starts build/bin/wardend as a real process on 127.0.0.1:0 (or another loopback address, or a
given port: a restarted replica keeps its address) and reads the bound ports from its log."""
import os
import queue
import re
import signal
import subprocess
import threading
import time

LISTENING = re.compile(r'"msg":"listening on 127\.[0-9.]+:(\d+)')
HTTP_LISTENING = re.compile(r"HTTP listening on 127\.[0-9.]+:(\d+)")
HEALTH_LISTENING = re.compile(r"health listening on 127\.[0-9.]+:(\d+)")


class Wardend:
    def __init__(self, binary, data_dir, extra_args=(), env=None, dev=True, host="127.0.0.1",
                 port=0):
        self.binary = binary
        self.data_dir = data_dir
        self.host = host
        self.args = [binary, "--listen", "%s:%d" % (host, port), "--http-listen", host + ":0",
                     "--data-dir", data_dir]
        if dev:
            self.args.append("--dev")
        self.args += list(extra_args)
        self.env = dict(os.environ if env is None else env)
        self.proc = None
        self.port = None
        self.http_port = None
        self.health_port = None
        self.log_lines = []
        self._reader = None

    def start(self, timeout=30.0):
        # Logs are JSON lines on stdout; startup errors go to stderr: read both.
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env=self.env, text=True)
        lines = queue.Queue()
        self._reader = threading.Thread(target=self._drain, args=(lines,), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while self.port is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise RuntimeError("wardend did not report its port:\n" + self.log())
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError("wardend exited early (%s):\n%s" % (self.proc.wait(), self.log()))
            health = HEALTH_LISTENING.search(line)
            if health:
                self.health_port = int(health.group(1))
                continue
            http = HTTP_LISTENING.search(line)
            if http:
                self.http_port = int(http.group(1))
                continue
            match = LISTENING.search(line)
            if match:
                self.port = int(match.group(1))
        return self

    def _drain(self, lines):
        for line in self.proc.stdout:
            self.log_lines.append(line)
            lines.put(line)
        lines.put(None)

    @property
    def address(self):
        return "%s:%d" % (self.host, self.port)

    def log(self):
        return "".join(self.log_lines)

    def terminate(self, timeout=30.0):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        if self._reader:
            self._reader.join(timeout=5)
        return code

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        if self._reader:
            self._reader.join(timeout=5)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._reader:
            self._reader.join(timeout=5)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
