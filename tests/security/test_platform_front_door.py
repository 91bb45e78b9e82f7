"""The platform's front door against hostile clients, over real HTTP on PostgreSQL:
oversized bodies, junk that would be echoed, slow clients, floods, and the
administrators' statistics."""

from __future__ import annotations

import json
import math
import socket
import threading
import time

import httpx
import pytest

from kiosk import limits as L

from platformkit import Server, ServerProcess

API = "/api/v1"
MB = 1024 * 1024


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


class RawClient:
    """A raw TCP client whose answers are collected by a reader thread, so a server
    closing mid-upload can neither hide its answer nor block the test."""

    def __init__(self, port: int, timeout: float = 15) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.received = b""
        self.closed_at: float | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            while chunk := self.sock.recv(65536):
                self.received += chunk
        except OSError:
            pass
        self.closed_at = time.monotonic()

    def send(self, data: bytes) -> bool:
        """False once the server has stopped reading (closed or reset)."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def wait_closed(self, within: float) -> float | None:
        self._reader.join(within)
        return self.closed_at

    def status(self) -> int | None:
        line = self.received.split(b"\r\n", 1)[0].split()
        return int(line[1]) if len(line) > 1 else None

    def body(self) -> dict:
        return json.loads(self.received.split(b"\r\n\r\n", 1)[1])

    def close(self) -> None:
        self.sock.close()


def _headers(path: str, extra: str = "") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"{extra}\r\n").encode()


@pytest.fixture
def process(platform):
    """The platform in its own process (its memory measured alone)."""
    server = ServerProcess(platform.db_url())
    yield server
    server.stop()


def test_a_declared_50_mb_body_is_refused_at_once_without_reading_it(process):
    client = RawClient(process.port)
    try:
        started = time.monotonic()
        assert client.send(_headers(API + "/push", f"Content-Length: {50 * MB}\r\n"))
        closed = client.wait_closed(5)
        assert closed is not None and closed - started < 2
        assert client.status() == 413
        body = client.body()
        assert body["error"] == "too_large" and body["detail"]["limit"] == L.PUSH_BODY_MAX
        assert "message" in body
    finally:
        client.close()


@pytest.mark.parametrize("path, limit", [(API + "/push", L.PUSH_BODY_MAX),
                                         (API + "/reservations", L.REQUEST_BODY_MAX)])
def test_a_streamed_50_mb_body_is_cut_off_past_the_limit_and_never_held(process, path, limit):
    """Chunked, with no length declared: the server counts bytes as they come and stops."""
    rss_before = _rss_kb(process.proc.pid)
    client = RawClient(process.port)
    chunk = b"x" * (64 * 1024)
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    try:
        started = time.monotonic()
        assert client.send(_headers(path, "Transfer-Encoding: chunked\r\n"))
        while sent < 50 * MB and client.closed_at is None and client.send(framed):
            sent += len(chunk)
        client.send(b"0\r\n\r\n")
        assert client.wait_closed(10) is not None
        assert time.monotonic() - started < 10
        assert client.status() == 413 and client.body()["detail"]["limit"] == limit
        # Stopped reading soon past the limit: what was sent beyond it sits in socket buffers.
        assert sent < limit + 16 * MB, sent
        grown_mb = (_rss_kb(process.proc.pid) - rss_before) / 1024
        assert grown_mb < 20, f"the server grew by {grown_mb:.0f} MB"
    finally:
        client.close()


@pytest.mark.parametrize("body", [
    {"kiosk_id": "J" * MB, "events": []},
    {"kiosk_id": "GN01-k1", "events": "J" * MB},
    {"kiosk_id": "GN01-k1", "events": [{"event_id": "J" * MB}] * 3},
])
def test_a_422_answer_names_the_fields_without_echoing_a_megabyte_of_junk(platform, body):
    r = httpx.post(platform.url + API + "/push", json=body, timeout=30)
    assert r.status_code == 422
    assert len(r.content) < 8 * 1024, len(r.content)
    answer = r.json()
    assert answer["error"] == "invalid" and answer["message"]
    assert "J" * (L.ECHO_MAX + 1) not in r.text
    assert all(e["loc"][0] == "body" for e in answer["detail"]["errors"])


def test_a_client_that_stalls_or_trickles_its_body_is_dropped_within_the_bounds(platform):
    from sync.hub.app import create_app
    from sync.hub.guard import GuardSettings

    bounds = GuardSettings(chunk_timeout_s=0.5, body_timeout_s=2.0)
    server = Server(create_app(platform.db, guard=bounds))
    stalled, trickling = RawClient(server.port), RawClient(server.port)
    try:
        started = time.monotonic()
        # Headers, then nothing: dropped one chunk timeout later.
        assert stalled.send(_headers(API + "/reservations", "Content-Length: 1000\r\n") + b"{")
        # One byte every 0.2 s, each pause well under the chunk timeout: dropped at the body's deadline.
        assert trickling.send(_headers(API + "/reservations", "Content-Length: 1000\r\n"))
        while trickling.closed_at is None and time.monotonic() - started < 8:
            trickling.send(b" ")
            time.sleep(0.2)  # the client's pace, not a clock: the server's own timers decide
        assert stalled.wait_closed(5) is not None and trickling.wait_closed(5) is not None
        assert stalled.closed_at - started < bounds.chunk_timeout_s + 1.5
        assert bounds.body_timeout_s - 0.5 < trickling.closed_at - started < bounds.body_timeout_s + 1.5
        assert stalled.status() == trickling.status() == 408
        assert trickling.body()["error"] == "timeout"
    finally:
        stalled.close()
        trickling.close()
        server.stop()


def test_a_client_that_never_finishes_its_headers_is_dropped(platform):
    from sync.hub.app import create_app
    from sync.hub.guard import HeaderDeadline

    quick = type("QuickHeaderDeadline", (HeaderDeadline,), {"timeout_s": 1.0})
    server = Server(create_app(platform.db), http=quick)
    silent, slow = RawClient(server.port), RawClient(server.port)
    try:
        started = time.monotonic()
        assert slow.send(b"GET /api/v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for _ in range(3):
            time.sleep(0.3)  # the client's pace
            slow.send(b"X-Slow: 1\r\n")
        assert silent.wait_closed(5) is not None and slow.wait_closed(5) is not None
        assert silent.closed_at - started < 2.5 and slow.closed_at - started < 2.5
        # A client that sends its request in time is served on the same server.
        assert httpx.get(server.url + API + "/info").status_code == 200
    finally:
        silent.close()
        slow.close()
        server.stop()


def test_the_deployed_server_bounds_idle_and_slow_connections():
    from sync.hub.guard import UVICORN_OPTIONS, GuardSettings, HeaderDeadline

    assert UVICORN_OPTIONS["timeout_keep_alive"] == L.KEEP_ALIVE_TIMEOUT_S
    assert issubclass(UVICORN_OPTIONS["http"], HeaderDeadline)
    assert HeaderDeadline.timeout_s == L.HEADER_TIMEOUT_S
    assert GuardSettings().chunk_timeout_s == L.BODY_CHUNK_TIMEOUT_S
    assert GuardSettings().body_timeout_s == L.BODY_READ_TIMEOUT_S


def test_a_flood_is_answered_429_per_credential_and_per_address(platform):
    platform.site("GN01")
    flooder, other = platform.credential("GN01-k1", "GN01"), platform.credential("GN01-k2", "GN01")
    with httpx.Client(base_url=platform.url + API) as http:
        auth = {"Authorization": f"Bearer {flooder}"}
        codes = [http.get("/sites/GN01/reservations", headers=auth).status_code
                 for _ in range(L.RATE_PER_CREDENTIAL)]
        assert set(codes) == {200}
        refused = http.get("/sites/GN01/reservations", headers=auth)
        assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= L.RATE_WINDOW_S
        assert refused.json()["message"]
        # Another kiosk's credential is not slowed by this one's flood.
        assert http.get("/sites/GN01/reservations",
                        headers={"Authorization": f"Bearer {other}"}).status_code == 200
        # Made-up credentials do not get a fresh allowance each: the address has its own limit.
        used = L.RATE_PER_CREDENTIAL + 2
        codes = [http.get("/info", headers={"Authorization": f"Bearer nkc1_made-up-{n}"}).status_code
                 for n in range(L.RATE_PER_ADDRESS - used)]
        assert set(codes) == {200}
        refused = http.get("/info")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert http.get("/sites/GN01/reservations",
                        headers={"Authorization": f"Bearer {other}"}).status_code == 429


def test_city_statistics_need_an_administrators_token(platform):
    from sync.hub import admin

    platform.site("GN01")
    kiosk_credential = platform.credential("GN01-k1", "GN01")
    url = platform.url + API + "/stats"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {kiosk_credential}"}).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer nka1_guessed"}).status_code == 401
    token = platform.admin_token("ops")
    ok = httpx.get(url, headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and "loans" in ok.json()
    with platform.session() as s:
        from sync.hub.models import Administrator

        assert s.get(Administrator, "ops").token_hash != token  # stored hashed
    admin.revoke_admin(platform.db, "ops")
    assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_an_operator_can_change_or_lift_the_rates_for_a_platform_behind_a_remote_proxy():
    from sync.hub.guard import GuardSettings, RateLimits

    settings = GuardSettings.from_env({"NANUM_HUB_RATE_PER_ADDRESS": "0", "NANUM_HUB_RATE_PER_CREDENTIAL": "2"})
    assert (settings.per_address, settings.per_credential) == (0, 2)
    rates = RateLimits(settings)
    assert [rates.hit("10.0.0.1", None) for _ in range(L.RATE_PER_ADDRESS + 1)] == [None] * (L.RATE_PER_ADDRESS + 1)
    assert [rates.hit("10.0.0.1", "nkc1_a") is None for _ in range(3)] == [True, True, False]
    assert GuardSettings.from_env({}) == GuardSettings()


class Seconds:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_refused_client_is_let_in_again_as_its_oldest_requests_leave_the_window():
    from sync.hub.guard import GuardSettings, RateLimits

    clock = Seconds()
    rates = RateLimits(GuardSettings(), clock=clock)
    for _ in range(L.RATE_PER_CREDENTIAL):
        assert rates.hit("10.0.0.1", "nkc1_a") is None
        clock.now += 0.1
    waited = clock.now - 1000.0
    wait = rates.hit("10.0.0.1", "nkc1_a")
    assert wait == math.ceil(L.RATE_WINDOW_S - waited)  # until the first request is a window old
    clock.now += wait - 1
    assert rates.hit("10.0.0.1", "nkc1_a") is not None
    clock.now += 1
    assert rates.hit("10.0.0.1", "nkc1_a") is None
    assert rates.hit("10.0.0.1", "nkc1_a") is not None  # one more left the window, one came in


def test_made_up_credentials_cannot_grow_the_counters_without_bound():
    from sync.hub.guard import MovingWindow

    clock = Seconds()
    window = MovingWindow(2, 60, clock=clock, max_keys=1000)
    for n in range(5000):
        window.hit(f"made-up-{n}")
    assert len(window) == 1000
    assert window.hit("made-up-4999") is None and window.hit("made-up-4999") is not None


def test_nanum_hub_serve_drops_a_silent_connection_and_guards_its_bodies(tmp_path):
    """The server as deployed: 'nanum hub serve' in its own process."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from pg import free_port

    port = free_port()
    env = dict(os.environ, NANUM_HUB_DB=f"sqlite:///{tmp_path / 'platform.sqlite3'}",
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "hub", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert b"127.0.0.1" in proc.stdout.readline()
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/info")
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        silent = RawClient(port, timeout=L.HEADER_TIMEOUT_S + 10)
        big = RawClient(port)
        started = time.monotonic()
        big.send(_headers(API + "/push", f"Content-Length: {50 * MB}\r\n"))
        assert big.wait_closed(5) is not None and big.status() == 413
        assert silent.wait_closed(L.HEADER_TIMEOUT_S + 5) is not None
        assert L.HEADER_TIMEOUT_S - 1 < silent.closed_at - started < L.HEADER_TIMEOUT_S + 3
        silent.close()
        big.close()
    finally:
        proc.terminate()
        proc.wait(10)
