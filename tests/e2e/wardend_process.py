"""Starts build/bin/wardend as a real process on 127.0.0.1:0 and reads the bound port from its log."""
import os
import re
import select
import signal
import subprocess
import threading
import time

LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")


class Wardend:
    def __init__(self, binary, data_dir, extra_args=(), env=None, dev=True):
        self.binary = binary
        self.data_dir = data_dir
        self.args = [binary, "--listen", "127.0.0.1:0", "--data-dir", data_dir]
        if dev:
            self.args.append("--dev")
        self.args += list(extra_args)
        self.env = dict(os.environ if env is None else env)
        self.proc = None
        self.port = None
        self.log_lines = []
        self._reader = None

    def start(self, timeout=30.0):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env=self.env, text=True)
        deadline = time.monotonic() + timeout
        while self.port is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise RuntimeError("wardend did not report its port:\n" + self.log())
            ready, _, _ = select.select([self.proc.stderr], [], [], remaining)
            if not ready:
                continue
            line = self.proc.stderr.readline()
            if not line:
                raise RuntimeError("wardend exited early (%s):\n%s" % (self.proc.wait(), self.log()))
            self.log_lines.append(line)
            match = LISTENING.search(line)
            if match:
                self.port = int(match.group(1))
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        return self

    def _drain(self):
        for line in self.proc.stderr:
            self.log_lines.append(line)

    @property
    def address(self):
        return "127.0.0.1:%d" % self.port

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
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()
