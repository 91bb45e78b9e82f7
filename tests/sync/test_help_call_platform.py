"""A resident's call for help reaches the centre's duty volunteer by e-mail through the platform."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes
from email.header import decode_header, make_header

from sqlalchemy import select

from kiosk.services.help import answer_help, cancel_help, request_help
from sync.hub import fleet
from sync.hub.notices import EmailChannel

from platformkit import drain


def test_a_call_for_help_is_e_mailed_once_to_the_duty_volunteer_and_a_closed_one_not(
        platform, monkeypatch):
    from test_notices import FakeSmtp

    platform.site("GN01", "강남 나눔센터")
    k, client, _ = platform.kiosk("GN01", "GN01-k1")
    other, other_client, _ = platform.kiosk("MP01", "MP01-k1")
    monkeypatch.setenv(fleet.DUTY_ENV, "GN01=duty@gangnam.example; XX01=someone@else.example")
    smtp = FakeSmtp()
    try:
        channel = EmailChannel(host="127.0.0.1", port=smtp.port, sender="nanum@seoul.example")
        call = request_help(k, "borrow")
        gone = request_help(k, "giveback")
        assert cancel_help(k, gone.call_id)  # the resident no longer needs it
        late = request_help(k, "home")
        elsewhere = request_help(other, "home")  # a centre with no duty volunteer set
        drain(k, client)
        drain(other, other_client)
        now = dt.datetime.now(dt.UTC)
        fresh = fleet.check(platform.db, now, 30)
        with platform.session() as s:
            incidents = {i.state: i for i in s.execute(select(fleet.FleetIncident).where(
                fleet.FleetIncident.kind == fleet.HELP)).scalars()}
        assert set(incidents) == {call.call_id, gone.call_id, late.call_id, elsewhere.call_id}
        # The cancelled call is closed and never queued; the others wait for their e-mail.
        assert incidents[gone.call_id].closed_at is not None and incidents[gone.call_id].id not in fresh
        assert {incidents[c.call_id].id for c in (call, late, elsewhere)} <= set(fresh)
        # Staff reach the kiosk before the e-mail goes: it is not sent.
        assert answer_help(k, late.call_id, by="김관리")
        drain(k, client)

        def notify(c):
            return fleet.notify(platform.db, incidents[c.call_id].id, channel, [], now)
        assert notify(call) == "sent"
        assert notify(call) == "already told"  # the job queue's retry sends nothing more
        assert notify(late) == "closed before it was sent"
        assert notify(elsewhere) == "no e-mail configured"
        # The heartbeat check does not close a call for help as if it were a device problem.
        fleet.check(platform.db, now, 30)
        with platform.session() as s:
            assert s.get(fleet.FleetIncident, incidents[call.call_id].id).closed_at is None
    finally:
        smtp.stop()
    assert len(smtp.messages) == 1
    mail = message_from_bytes(next(iter(smtp.messages.values())))
    assert mail["To"] == "duty@gangnam.example"
    assert "강남 나눔센터" in str(make_header(decode_header(mail["Subject"])))
    body = mail.get_payload(decode=True).decode()
    assert "GN01-k1" in body and "도움" in body
