"""A private O2O platform on the partner API, end to end over HTTP on PostgreSQL.

A fake partner app listens on loopback: it is where the member's browser comes
back with the authorisation code and where the platform's job worker posts the
signed webhooks. The partner's verifier below is written from
docs/partner-guide.md, not from the platform's code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from sync.hub import partners
from sync.hub.models import Reservation
from sync.hub.partners_models import PartnerAudit, PartnerAvailability

from platformkit import drain, stock


class FakePartner:
    """The partner's own server: the OAuth redirect and the webhook receiver."""

    def __init__(self, fail_first: int = 1) -> None:
        self.deliveries: list[tuple[int, dict[str, str], bytes]] = []  # (answer, headers, body)
        self.fail_left = fail_first
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                answer = 200
                if owner.fail_left > 0:  # the partner is down for a moment: the platform retries
                    owner.fail_left -= 1
                    answer = 503
                owner.deliveries.append((answer, dict(self.headers), body))
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def accepted(self) -> list[dict]:
        return [json.loads(body) for answer, _h, body in self.deliveries if answer == 200]

    def stop(self) -> None:
        self.server.shutdown()


def partner_verifies(secret: str, headers: dict[str, str], body: bytes, seen: set[str], now: int,
                     tolerance: int = 300) -> str:
    """The partner's check, as the guide describes it: ok, stale, forged or replayed."""
    fields = dict(p.split("=", 1) for p in headers.get("Nanum-Signature", "").split(",") if "=" in p)
    if not fields.get("t", "").isdigit():
        return "forged"
    t = int(fields["t"])
    if abs(now - t) > tolerance:
        return "stale"
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, fields.get("v1", "")):
        return "forged"
    event_id = json.loads(body)["id"]
    if event_id in seen:
        return "replayed"
    seen.add(event_id)
    return "ok"


def _worker(platform):
    env = {**os.environ, "NANUM_QUIET_HOURS": "", "NANUM_NOTICE_SWEEP_CRON": "* * * * * */1",
           "NANUM_WORKER_HEARTBEAT_S": "0.5"}
    return subprocess.Popen([sys.executable, "-m", "sync.hub.jobs", "--db", platform.db_url()], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _until(what, worker, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return
        if worker.poll() is not None:
            raise AssertionError(worker.stderr.read().decode()[-2000:])
        time.sleep(0.1)
    raise AssertionError("timed out")


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _status(platform, uid):
    with platform.session() as s:
        return s.get(Reservation, uid).status


def test_a_partner_reserves_for_a_linked_member_and_hears_every_step_signed_and_in_order(platform):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    codes, _ = stock(k, items=3, members=0)
    member, card = k.members.add("김나눔")
    k.members.set_pin(member.number, "2468")
    drain(k, client)
    app = FakePartner(fail_first=1)
    reg = partners.register(platform.db, "동네장터", redirect_uris=[app.url + "/cb"],
                            scopes=["catalogue", "reservations"], webhook_url=app.url + "/hook",
                            quota_per_minute=100)
    worker = _worker(platform)
    web = httpx.Client(base_url=platform.url)
    try:
        # the worker's first sweep records every item's availability (nothing to tell yet)
        def seen_items():
            with platform.session() as s:
                return len(s.execute(select(PartnerAvailability)).all()) == 3
        _until(seen_items, worker)

        # client credentials: the public catalogue with live availability
        assert web.post("/oauth/token", data={"grant_type": "client_credentials"},
                        auth=(reg.client_id, "wrong")).status_code == 401
        got = web.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "catalogue"},
                       auth=(reg.client_id, reg.client_secret))
        assert got.status_code == 200, got.text
        own = {"Authorization": "Bearer " + got.json()["access_token"]}
        items = web.get("/api/v1/partner/sites/GN01/items", headers=own)
        assert items.status_code == 200 and {i["code"]: i["available"] for i in items.json()} == \
            {c: True for c in codes}
        assert web.post("/api/v1/partner/reservations", json={"item": f"GN01/{codes[1]}"},
                        headers=own).status_code == 403  # its own token acts for nobody

        # the member links their account: number + PIN, the partner's name and scopes, allow
        verifier, challenge = _pkce()
        ask = {"response_type": "code", "client_id": reg.client_id, "redirect_uri": app.url + "/cb",
               "scope": "reservations", "state": "s-42", "code_challenge": challenge,
               "code_challenge_method": "S256"}
        no_pkce = {k_: v for k_, v in ask.items() if not k_.startswith("code_")}
        assert web.get("/oauth/authorize", params={**no_pkce, "lang": "en"}).status_code == 400
        page = web.get("/oauth/authorize", params={**ask, "lang": "en"})
        assert page.status_code == 200
        assert "동네장터 asks to use your membership" in page.text
        assert "make, see and cancel reservations in your name" in page.text
        denied = web.post("/oauth/authorize?lang=en", data={**ask, "decision": "deny"})
        assert denied.status_code == 302
        assert parse_qs(urlsplit(denied.headers["location"]).query)["error"] == ["access_denied"]
        wrong = web.post("/oauth/authorize?lang=en", data={**ask, "member": member.number, "secret": "1111",
                                                           "decision": "allow"})
        assert wrong.status_code == 401 and "Could not sign in" in wrong.text
        ok = web.post("/oauth/authorize?lang=en", data={**ask, "member": member.number, "secret": "2468",
                                                        "decision": "allow"})
        assert ok.status_code == 302, ok.text
        back = urlsplit(ok.headers["location"])
        assert back.path == "/cb" and parse_qs(back.query)["state"] == ["s-42"]
        code = parse_qs(back.query)["code"][0]
        exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": app.url + "/cb"}
        stolen = web.post("/oauth/token", data={**exchange, "code_verifier": _pkce()[0]},
                          auth=(reg.client_id, reg.client_secret))
        assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
        got = web.post("/oauth/token", data={**exchange, "code_verifier": verifier},
                       auth=(reg.client_id, reg.client_secret))
        assert got.status_code == 200 and got.json()["scope"] == "reservations", got.text
        mine = {"Authorization": "Bearer " + got.json()["access_token"]}

        # the partner reserves for the member; the kiosk holds the item after its sync
        made = web.post("/api/v1/partner/reservations", json={"item": f"GN01/{codes[1]}"}, headers=mine)
        assert made.status_code == 201 and made.json()["status"] == "requested", made.text
        uid = made.json()["uid"]
        other = web.post("/api/v1/partner/reservations", json={"item": f"GN01/{codes[2]}"}, headers=mine)
        assert other.status_code == 201
        listed = web.get("/api/v1/partner/reservations", headers=mine)
        assert sorted(r["uid"] for r in listed.json()) == sorted([uid, other.json()["uid"]])
        cancelled = web.post(f"/api/v1/partner/reservations/{other.json()['uid']}/cancel", headers=mine)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        drain(k, client)
        assert k.catalogue.get(codes[1]).status == "held" and _status(platform, uid) == "held"

        # the member picks it up at the kiosk
        assert k.circulation.checkout(card, [codes[1]]).outcomes[0].ok
        drain(k, client)
        assert _status(platform, uid) == "fulfilled"

        def told(kind, subject):
            return any(e["type"] == kind and e["subject"] == subject for e in app.accepted())
        _until(lambda: told("reservation.collected", uid) and told("reservation.cancelled", other.json()["uid"])
               and told("item.availability", f"GN01/{codes[1]}"), worker)
        steps = [(e["seq"], e["type"]) for e in app.accepted() if e["subject"] == uid]
        assert steps == [(1, "reservation.held"), (2, "reservation.ready"), (3, "reservation.collected")]
        assert app.deliveries[0][0] == 503  # the first delivery failed and came again
        assert any(e["type"] == "item.availability" and e["data"]["item"] == f"GN01/{codes[1]}"
                   and e["data"]["available"] is False for e in app.accepted())

        # the partner's verifier accepts each signed delivery once, and refuses replays and forgeries
        seen: set[str] = set()
        now = int(time.time())
        firsts = [(h, b) for answer, h, b in app.deliveries if answer == 200]
        assert all(partner_verifies(reg.webhook_secret, h, b, seen, now) == "ok" for h, b in firsts)
        h, b = firsts[0]
        assert partner_verifies(reg.webhook_secret, h, b, seen, now) == "replayed"
        assert partner_verifies(reg.webhook_secret, h, b, set(), now + 3600) == "stale"
        forged = b.replace(b'"seq": ', b'"seq": 9', 1)  # a later number, to skip ahead
        assert forged != b
        assert partner_verifies(reg.webhook_secret, h, forged, set(), now) == "forged"
        assert partner_verifies("not-the-secret", h, b, set(), now) == "forged"

        # the member takes the link back on their page; the partner's next call is refused
        assert web.post("/me/signin?lang=en", data={"member": member.number, "secret": "2468"}).status_code == 303
        me = web.get("/me", params={"lang": "en"})
        assert "동네장터" in me.text and "Take back what 동네장터 may do" in me.text
        grant = re.search(r'action="/me/partners/(\d+)/revoke', me.text).group(1)
        csrf = re.search(r'name="csrf" value="([^"]+)"', me.text).group(1)
        gone = web.post(f"/me/partners/{grant}/revoke?lang=en", data={"csrf": csrf})
        assert gone.status_code == 200 and "동네장터 can no longer act for you" in gone.text
        refused = web.get("/api/v1/partner/reservations", headers=mine)
        assert refused.status_code == 401 and refused.json()["error"] == "unauthorised"

        # the city reads the partner's figures; the audit log names each action
        admin = {"Authorization": "Bearer " + platform.admin_token()}
        assert web.get("/api/v1/partners/usage", headers=own).status_code == 401
        from sync.hub import admin as hub_admin
        officer = hub_admin.add_admin(platform.db, "gangnam-officer", role="district", district="강남구")
        refused = web.get("/api/v1/partners/usage", headers={"Authorization": "Bearer " + officer})
        assert refused.status_code == 403  # partners serve the whole city: its figures are the city's
        read = web.get("/api/v1/partners/usage", headers=admin)
        assert read.status_code == 200, read.text
        usage = {u["client_id"]: u for u in read.json()}
        figures = usage[reg.client_id]
        assert (figures["reservations"], figures["pickups"], figures["cancelled"]) == (2, 1, 1)
        assert figures["members_linked"] == 0 and figures["refused_calls"] == 1  # its own token's reserve
        with platform.session() as s:
            actions = [a.action for a in s.execute(select(PartnerAudit).where(
                PartnerAudit.partner_id == reg.client_id).order_by(PartnerAudit.id)).scalars()]
        assert {"token", "consent.granted", "reserve", "cancel", "consent.revoked"} <= set(actions)
    finally:
        web.close()
        worker.send_signal(signal.SIGTERM)
        worker.wait(10)
        app.stop()


def test_a_partner_over_its_quota_is_told_when_to_come_back(platform):
    platform.site("GN01")
    reg = partners.register(platform.db, "작은앱", redirect_uris=[], scopes=["catalogue"], quota_per_minute=2)
    with httpx.Client(base_url=platform.url) as web:
        token = web.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "catalogue"},
                         auth=(reg.client_id, reg.client_secret)).json()["access_token"]
        answers = [web.get("/api/v1/partner/sites", headers={"Authorization": "Bearer " + token})
                   for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 60
    assert answers[2].json()["error"] == "too_many_tries"


def test_an_administrator_registers_lists_and_revokes_a_partner_from_the_command_line(tmp_path, monkeypatch,
                                                                                       capsys):
    from platform_fixtures import nanum_in_env

    nanum = nanum_in_env(tmp_path, monkeypatch, capsys)
    db = f"sqlite:///{tmp_path / 'platform.sqlite3'}"
    assert nanum("hub", "init", "--db", db)[0] == 0
    code, _, err = nanum("--lang", "en", "hub", "add-partner", "동네장터", "--scope", "catalogue",
                         "--webhook-url", "http://hooks.example.org/", "--db", db)
    assert code == 2 and "is not an https:// address" in err
    kept = tmp_path / "partner-secrets.json"
    code, out, _ = nanum("--json", "hub", "add-partner", "동네장터", "--scope", "catalogue", "--quota", "30",
                         "--webhook-url", "https://hooks.example.org/nanum", "--secrets-file", str(kept), "--db", db)
    client_id = json.loads(out)["client_id"]
    assert code == 0 and oct(kept.stat().st_mode & 0o777) == "0o600"
    assert set(json.loads(kept.read_text())) == {"client_secret", "webhook_secret"}
    code, out, _ = nanum("--json", "hub", "partners", "--db", db)
    assert code == 0 and [(u["client_id"], u["revoked"]) for u in json.loads(out)] == [(client_id, False)]
    assert nanum("hub", "revoke-partner", client_id, "--db", db)[0] == 0
    code, out, _ = nanum("--json", "hub", "partners", "--db", db)
    assert json.loads(out)[0]["revoked"] is True


def _link(web, reg, member, redirect):
    verifier, challenge = _pkce()
    ask = {"response_type": "code", "client_id": reg.client_id, "redirect_uri": redirect, "scope": "reservations",
           "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"}
    back = web.post("/oauth/authorize", data={**ask, "member": member.number, "secret": "2468", "decision": "allow"})
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    token = web.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
                                           "code_verifier": verifier}, auth=(reg.client_id, reg.client_secret))
    again = web.post("/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                           "redirect_uri": redirect, "code_verifier": verifier},
                     auth=(reg.client_id, reg.client_secret))
    assert again.status_code == 400  # a code is used once
    return {"Authorization": "Bearer " + token.json()["access_token"]}


def test_a_partner_acts_only_on_its_own_reservations_and_a_revoked_partner_on_none(platform):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    codes, _ = stock(k, items=2, members=0)
    member, _card = k.members.add("김나눔")
    k.members.set_pin(member.number, "2468")
    drain(k, client)
    first = partners.register(platform.db, "첫째앱", redirect_uris=["https://one.example/cb"],
                              scopes=["catalogue", "reservations"])
    second = partners.register(platform.db, "둘째앱", redirect_uris=["https://two.example/cb"],
                               scopes=["reservations"])
    with httpx.Client(base_url=platform.url) as web:
        # a partner cannot send the member's browser back to an address it did not register
        _v, challenge = _pkce()
        elsewhere = web.get("/oauth/authorize", params={
            "response_type": "code", "client_id": first.client_id, "redirect_uri": "https://evil.example/cb",
            "scope": "reservations", "code_challenge": challenge, "code_challenge_method": "S256"})
        assert elsewhere.status_code == 400 and "evil.example" not in elsewhere.headers.get("location", "")
        one = _link(web, first, member, "https://one.example/cb")
        two = _link(web, second, member, "https://two.example/cb")
        made = web.post("/api/v1/partner/reservations", json={"item": f"GN01/{codes[0]}"}, headers=one)
        assert made.status_code == 201
        uid = made.json()["uid"]
        assert web.get("/api/v1/partner/reservations", headers=two).json() == []
        assert web.post(f"/api/v1/partner/reservations/{uid}/cancel", headers=two).status_code == 404
        assert _status(platform, uid) == "requested"
        again = web.post("/api/v1/partner/reservations", json={"item": f"GN01/{codes[0]}"}, headers=one)
        assert again.status_code == 409 and again.json()["detail"]["reason"] == "already_reserved"
        # the second partner was not registered for the catalogue: no token of its own
        refused = web.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "catalogue"},
                           auth=(second.client_id, second.client_secret))
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
        partners.revoke(platform.db, first.client_id)
        assert web.get("/api/v1/partner/reservations", headers=one).status_code == 401
        assert web.post("/oauth/token", data={"grant_type": "client_credentials"},
                        auth=(first.client_id, first.client_secret)).status_code == 401
