"""The sync client checks the platform's answers against the protocol's models.

A proxy's page, a platform of another version or a broken one may answer 200
with JSON that is not what the protocol says. The kiosk must treat that as a
transient failure with a clear message (retried later, shown to staff), not
crash the round on a missing key. The platform is replaced here by a tiny
HTTP server that answers each path with a canned body.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk.i18n import Message
from sync.client import MALFORMED, SyncClient, SyncError, SyncRefused
from sync.round import sync_round
from sync.worker import SyncWorker

HLC = "000001773104400.00000"
GOOD = {
    "/api/v1/push": {"status": "ok", "held": 0, "accepted": 0, "duplicates": 0, "server_hlc": HLC},
    "/api/v1/changes": {"cursor": "c1", "more": False, "reset": True, "rows": [], "server_hlc": HLC},
    "/api/v1/events": {"events": [], "held": 0, "head_hash": "", "more": False},
    "/api/v1/heartbeat": {"ok": True, "server_time": "2026-03-10T01:00:00Z", "protocol": 1},
}


def _push_answer(request: dict) -> dict:
    """A platform that takes every pushed event."""
    held = max((e["seq"] for e in request["events"]), default=0)
    return {**GOOD["/api/v1/push"], "held": held, "accepted": len(request["events"])}


class FakePlatform:
    """Answers every request for a path with the JSON set for it in ``answers``
    (text, or a function of the request's JSON)."""

    def __init__(self) -> None:
        self.answers = {path: json.dumps(body) for path, body in GOOD.items()}
        self.answers["/api/v1/push"] = _push_answer
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                path = self.path.split("?")[0]
                fake.requests.append(path)
                answer = fake.answers.get(path, "{}")
                body = (answer if isinstance(answer, str) else json.dumps(answer(request))).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def client(self) -> SyncClient:
        return SyncClient(self.url, "credential", allow_insecure_http=True, keepalive=False)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake():
    f = FakePlatform()
    yield f
    f.close()


@pytest.fixture
def kiosk(make_kiosk):
    k, _ = make_kiosk()
    k.catalogue.add_item("T-1", "전동드릴")  # an event waiting in the outbox
    return k


MALFORMED_ANSWERS = {
    "push-without-held": ("/api/v1/push", {"status": "ok", "server_hlc": HLC}),
    "push-held-as-words": ("/api/v1/push", {"status": "ok", "held": "many", "server_hlc": HLC}),
    "push-quarantine-not-a-list": ("/api/v1/push", {**GOOD["/api/v1/push"], "quarantined": {"seq": 1}}),
    "pull-rows-not-a-list": ("/api/v1/changes", {**GOOD["/api/v1/changes"], "rows": {"kind": "item"}}),
    "pull-row-without-key": ("/api/v1/changes", {**GOOD["/api/v1/changes"], "rows": [{"kind": "item"}]}),
    "pull-without-cursor": ("/api/v1/changes", {"more": False, "reset": True, "rows": [], "server_hlc": HLC}),
    "heartbeat-ack-not-ok": ("/api/v1/heartbeat", {"ok": "yes"}),
}


@pytest.mark.parametrize("case", list(MALFORMED_ANSWERS))
def test_a_malformed_answer_fails_the_round_with_a_clear_retryable_error(fake, kiosk, case):
    path, body = MALFORMED_ANSWERS[case]
    fake.answers[path] = json.dumps(body)
    with fake.client() as client, pytest.raises(SyncError) as exc:
        sync_round(kiosk, client, heartbeat=True)
    assert not isinstance(exc.value, SyncRefused)  # retried later: the platform may be fixed
    assert exc.value.message == Message(MALFORMED, {})
    assert exc.value.message.render("en") == (
        "The city platform sent an answer this kiosk cannot use. Sync will try again.")
    assert path in fake.requests


def test_a_well_formed_answer_passes_unchanged_and_a_wrong_field_is_named(fake, kiosk):
    with fake.client() as client:
        report = sync_round(kiosk, client, heartbeat=True)
        assert report.pushed >= 1 and report.outbox == 0
        assert client.pull(None) == GOOD["/api/v1/changes"]
        fake.answers["/api/v1/push"] = json.dumps({"status": "ok", "held": "many", "server_hlc": HLC})
        with pytest.raises(SyncError) as exc:
            client.push(kiosk.kiosk_id, [])
    assert exc.value.detail == "PushResponse held: Input should be a valid integer"


def test_a_malformed_page_of_own_events_is_refused_before_recovery_reads_it(fake):
    fake.answers["/api/v1/events"] = json.dumps({"events": [], "held": 3, "more": False})  # no head_hash
    with fake.client() as client, pytest.raises(SyncError) as exc:
        client.own_events(0)
    assert exc.value.message.msgid == MALFORMED
    assert exc.value.detail == "OwnEventsResponse head_hash: Field required"


def test_the_worker_reports_a_malformed_answer_instead_of_crashing(fake, kiosk, caplog):
    fake.answers["/api/v1/push"] = json.dumps({"status": "ok"})
    caplog.set_level(logging.INFO, logger="sync.worker")
    worker = SyncWorker(kiosk, fake.client, interval_s=600, backoff_base_s=600, backoff_cap_s=600)
    worker.start()
    deadline = time.monotonic() + 30
    while worker.rounds < 1 and time.monotonic() < deadline:  # wait for the first round, not a time
        time.sleep(0.01)
    status = worker.status()
    worker.stop()
    assert worker.rounds >= 1
    assert (status.state, status.last_error) == ("retrying", Message(MALFORMED, {}))
    assert "sync round crashed" not in caplog.text
