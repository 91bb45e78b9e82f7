"""A TCP proxy that breaks HTTP exchanges on purpose, for the sync fault tests.

For each connection (the test clients send one request per connection) it
decides, with probability ``rate``, to misbehave in one of these ways:

``drop``          close the connection before forwarding anything
``cut_request``   forward half of the request, then close both sides
``delay``         hold the request for a while (sometimes past the client's timeout)
``error500``      forward the request, let the platform answer, send the kiosk a 500
``cut_response``  forward the request, send the kiosk half of the answer, close

``only`` limits faults to requests whose path contains that text.
"""

from __future__ import annotations

import collections
import contextlib
import random
import socket
import threading
import time

MODES = ("drop", "cut_request", "delay", "error500", "cut_response")
_500 = (b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n"
        b"content-length: 2\r\nconnection: close\r\n\r\n{}")


def _read_request(sock: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    lines = head.split(b"\r\n")
    kept = [lines[0]]
    for line in lines[1:]:
        name = line.split(b":", 1)[0].strip().lower()
        if name == b"content-length":
            length = int(line.split(b":", 1)[1])
        if name != b"connection":
            kept.append(line)
    kept.append(b"connection: close")  # one exchange per connection keeps the fault per request
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return b"\r\n".join(kept) + b"\r\n\r\n" + body


def _read_all(sock: socket.socket) -> bytes:
    out = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return out
        out += chunk


class FaultProxy:
    def __init__(self, target_port: int, rate: float = 0.2, *, seed: int = 1,
                 modes: tuple[str, ...] = MODES, delay_s: tuple[float, float] = (0.05, 0.8),
                 only: str | None = None) -> None:
        self.target = ("127.0.0.1", target_port)
        self.rate = rate
        self.rng = random.Random(seed)
        self.modes = modes
        self.delay_s = delay_s
        self.only = only
        self.counts: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        #: exchanges over, whatever their fault: the platform got all it will get of them
        self.finished = 0
        self._done = threading.Condition()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def wait_finished(self, n: int, timeout: float) -> bool:
        """Wait until ``n`` exchanges are over (a delayed one reaches the platform late)."""
        with self._done:
            return self._done.wait_for(lambda: self.finished >= n, timeout)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _choose(self, request: bytes) -> str:
        path = request.split(b" ", 2)[1].decode("latin-1") if request.count(b" ") >= 2 else ""
        with self._lock:
            mode = "pass"
            if (self.only is None or self.only in path) and self.rng.random() < self.rate:
                mode = self.rng.choice(self.modes)
            delay = self.rng.uniform(*self.delay_s)
            self.counts[mode] += 1
        return mode if mode != "delay" else f"delay:{delay}"

    def _serve(self, client: socket.socket) -> None:
        upstream = None
        try:
            client.settimeout(30)
            request = _read_request(client)
            if request is None:
                return
            mode = self._choose(request)
            if mode == "drop":
                return
            if mode.startswith("delay:"):
                time.sleep(float(mode.split(":")[1]))
            upstream = socket.create_connection(self.target, timeout=30)
            if mode == "cut_request":
                upstream.sendall(request[: max(1, len(request) // 2)])
                return
            upstream.sendall(request)
            response = _read_all(upstream)
            if mode == "error500":
                client.sendall(_500)
            elif mode == "cut_response":
                client.sendall(response[: len(response) // 2])
            else:
                client.sendall(response)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            client.close()
            if upstream is not None:
                upstream.close()
            with self._done:
                self.finished += 1
                self._done.notify_all()
