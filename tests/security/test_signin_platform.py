"""PIN guessing against the platform over HTTP: 429 with a growing Retry-After,
then a lockout, counted per (membership number, client address); the card code
still works; other members and other addresses are not affected."""

from __future__ import annotations

import math

import httpx
import pytest

from kiosk.i18n import translate
from kiosk.throttle import MEMBER_PIN
from sync.hub import reservations as resv

PIN = "2468"


@pytest.fixture
def hub(platform):
    """The platform served on a clock the test moves: (url, clock, member, card, other member)."""
    from sync.hub import admin
    from sync.hub.app import create_app

    from platformkit import Clock, Server

    platform.site("GN01")
    number, card = admin.add_member(platform.db, "GN01", "온라인 회원", pin=PIN)
    other, _ = admin.add_member(platform.db, "GN01", "다른 회원", pin=PIN)
    clock = Clock()
    server = Server(create_app(platform.db, clock=clock))
    yield server.url, clock, number, card, other
    server.stop()


def _client(address: str = "127.0.0.1") -> httpx.Client:
    # Loopback answers on every 127.x address: a second client address without a network.
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


def _ask(client: httpx.Client, url: str, number: str, secret: str) -> httpx.Response:
    return client.post(url + "/api/v1/members/reservations", json={"member": number, "secret": secret})


def test_wrong_pins_get_429_with_growing_retry_after_then_a_lockout(hub):
    url, clock, number, card, other = hub
    with _client() as c:
        for _ in range(MEMBER_PIN.free_tries - 1):
            r = _ask(c, url, number, "1111")
            assert r.status_code == 401, r.text
        waits = []
        for _ in range(MEMBER_PIN.lockout_after - MEMBER_PIN.free_tries + 1):
            if waits:
                clock.advance(seconds=waits[-1])
            r = _ask(c, url, number, "1111")
            assert r.status_code == 429, r.text
            waits.append(int(r.headers["Retry-After"]))
            wait = waits[-1]
            msgid = resv.PIN_LOCKED if wait >= MEMBER_PIN.lockout_s else resv.PIN_WAIT
            assert r.json()["message"] == translate(msgid, "ko", seconds=wait, minutes=math.ceil(wait / 60))
            # While waiting even the right PIN is refused unchecked, with the time left.
            clock.advance(seconds=1)
            held = _ask(c, url, number, PIN)
            assert held.status_code == 429 and int(held.headers["Retry-After"]) == waits[-1] - 1
            clock.advance(seconds=-1)
        assert waits == sorted(waits) and waits[0] < waits[-2] < waits[-1]
        assert waits[-1] >= 3600  # locked out
        # The member's card code still works, and so does another member from the same address.
        assert _ask(c, url, number, card).status_code == 200
        assert _ask(c, url, other, PIN).status_code == 200
    # The same member from another address is not locked.
    with _client("127.0.0.2") as c2:
        assert _ask(c2, url, number, PIN).status_code == 200
    # After the lockout the right PIN opens again.
    clock.advance(seconds=waits[-1])
    with _client() as c:
        assert _ask(c, url, number, PIN).status_code == 200


def test_an_unknown_number_waits_like_a_known_one(hub):
    url, _clock, number, _card, _other = hub
    seen = {}
    with _client() as c:
        for who in (number, "M-999998"):
            seen[who] = [(r.status_code, r.headers.get("Retry-After"))
                         for r in (_ask(c, url, who, "1111") for _ in range(MEMBER_PIN.free_tries + 1))]
    a, b = seen.values()
    assert a == b and a[-1][0] == 429


def test_the_reserve_form_is_throttled_too(hub, platform):
    from sync.hub import admin

    url, _clock, number, _card, _other = hub
    admin.add_item(platform.db, "T-00001", "드릴", "GN01")
    with _client() as c:
        statuses = [c.post(url + "/i/T-00001/reserve", data={"member": number, "secret": "1111"})
                    for _ in range(MEMBER_PIN.free_tries)]
    assert [r.status_code for r in statuses[:-1]] == [409] * (MEMBER_PIN.free_tries - 1)
    assert statuses[-1].status_code == 429
    assert int(statuses[-1].headers["Retry-After"]) == MEMBER_PIN.first_wait_s


def test_concurrent_wrong_pins_are_counted_before_they_are_checked(hub):
    from concurrent.futures import ThreadPoolExecutor

    url, _clock, number, _card, other = hub

    def guess(pin: str) -> int:
        with _client() as c:
            return _ask(c, url, number, pin).status_code

    with ThreadPoolExecutor(21) as pool:
        codes = list(pool.map(guess, [f"{1000 + i}" for i in range(21)]))
    # Only the free tries were checked and told "wrong"; the one that reached the wait
    # and every later one answer 429.
    assert codes.count(401) == MEMBER_PIN.free_tries - 1, codes
    assert codes.count(429) == 21 - (MEMBER_PIN.free_tries - 1), codes
    with _client() as c:
        assert _ask(c, url, other, PIN).status_code == 200


def test_housekeeping_forgets_wrong_pin_counts_the_throttle_no_longer_counts(platform):
    import datetime as dt

    from kiosk.clock import to_iso
    from kiosk.throttle import MEMBER_PIN
    from sync.hub import admin
    from sync.hub.models import PinAttempt

    now = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)
    old = now - dt.timedelta(seconds=MEMBER_PIN.forget_after_s + 1)
    recent = now - dt.timedelta(seconds=MEMBER_PIN.forget_after_s - 60)
    with platform.session() as s:
        s.add_all([PinAttempt(subject="M-000001", address="127.0.0.1", failures=4, last_failure=to_iso(old)),
                   PinAttempt(subject="M-000002", address="127.0.0.1", failures=4, last_failure=to_iso(recent))])
    done = admin.compact(platform.db, now=now)
    assert done["pin_attempts"] == 1
    with platform.session() as s:
        assert [r.subject for r in s.query(PinAttempt)] == ["M-000002"]
