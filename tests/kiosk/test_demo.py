"""Demo data (kiosk.demo)."""

from __future__ import annotations

import datetime as dt

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from kiosk import demo, i18n
from kiosk.demo import DEMO_PIN, load_demo_data
from kiosk.errors import BadInput
from kiosk.services.core import open_kiosk

FRAGMENT = i18n.LOCALE_DIR / "ko" / "LC_MESSAGES" / "_import.po"


def events(k) -> int:
    return k.maintenance.verify_log().count


def test_demo_centre_is_consistent_and_tells_its_story(kiosk, clock):
    summary = load_demo_data(kiosk)
    assert kiosk.clock is clock  # the real clock is back
    report = kiosk.maintenance.check()
    assert report.ok, report.problems
    assert report.chain.ok

    assert 55 <= len(summary.items) == len(kiosk.catalogue.list()) <= 65
    assert len(summary.members) == len(kiosk.members.list()) == 20
    drill = kiosk.catalogue.get("8801002003011")  # a legacy EAN on the drill
    assert drill.code == "T-00001" and drill.name_en and drill.safe_use_ko and drill.parts_total == 14
    assert kiosk.catalogue.get("K-00001").parts_total == 120
    assert kiosk.catalogue.get("K-00004").age_max_months == 12

    overdue = kiosk.circulation.loans(overdue_only=True)
    assert summary.overdue_loans == len(overdue) >= 3
    by_number = {c.number: c for c in summary.members}
    assert {by_number[loan.member_number].situation for loan in overdue} == {"overdue"}
    assert summary.open_loans > summary.overdue_loans  # some loans are not late
    assert sorted(summary.held) == ["BG-00002", "C-00003"] and summary.waiting == ["T-00011"]
    assert {i.code: i.status for i in kiosk.catalogue.list() if i.code in ("T-00006", "BG-00001")} \
        == {"T-00006": "repair", "BG-00001": "inspection"}

    # The stored demo cards are the summary's, and they work at the kiosk.
    kiosk.forget_cached_settings()
    assert kiosk.setting("demo_cards") == [c.to_json() for c in summary.members]
    for c in summary.members:
        assert kiosk.members.identify(c.card).number == c.number
    assert any(c.language == "en" for c in summary.members)


def test_demo_members_meet_the_kiosk_rules(kiosk):
    summary = load_demo_data(kiosk)
    card = {c.name: c for c in summary.members}
    pin_holder = next(c for c in summary.members if c.pin == DEMO_PIN)
    assert kiosk.members.identify_by_pin(pin_holder.number, DEMO_PIN).number == pin_holder.number

    def refusal(name: str, code: str) -> str | None:
        return kiosk.circulation.checkout(card[name].card, [code]).outcomes[0].reason

    expired = next(c.name for c in summary.members if c.situation == "expired")
    suspended = next(c.name for c in summary.members if c.situation == "suspended")
    overdue = next(c.name for c in summary.members if c.situation == "overdue")
    assert refusal(expired, "T-00002") == "member_expired"
    assert refusal(suspended, "T-00002") == "member_suspended"
    assert refusal(overdue, "T-00002") == "overdue"
    assert refusal("권태양", "C-00003") == "held_for_other"
    assert refusal("조현우", "C-00003") is None  # the hold is picked up
    assert kiosk.maintenance.check().ok


def test_loading_twice_is_refused_and_changes_nothing(kiosk):
    load_demo_data(kiosk)
    before = events(kiosk)
    with pytest.raises(BadInput) as exc:
        load_demo_data(kiosk)
    assert exc.value.render("en") == "Demo data is already loaded on this kiosk."
    assert events(kiosk) == before


def test_demo_codes_taken_by_the_real_catalogue_are_refused(kiosk):
    kiosk.catalogue.add_item("T-00009", "우리 센터 사다리")
    before = events(kiosk), len(kiosk.members.list())
    with pytest.raises(BadInput) as exc:
        load_demo_data(kiosk)
    assert exc.value.render("en") == ("Item code T-00009 is already in the catalogue, "
                                      "so demo data cannot be loaded.")
    assert (events(kiosk), len(kiosk.members.list())) == before


def test_clock_is_put_back_when_the_story_cannot_be_played(kiosk, clock):
    # A centre lending one item at a time cannot play the demo's two-item loan.
    policy = kiosk.policy.to_dict()
    policy["max_open_loans"] = dict.fromkeys(policy["max_open_loans"], 1)
    with kiosk.transaction() as s:
        kiosk.set_setting(s, "policy", policy)
    with pytest.raises(BadInput, match="Demo data could not lend C-00003"):
        load_demo_data(kiosk)
    assert kiosk.clock is clock and kiosk.today() == dt.date(2026, 3, 10)


def test_an_uninitialised_kiosk_is_refused(tmp_path):
    k = open_kiosk(tmp_path / "new")
    try:
        with pytest.raises(BadInput, match="Set up the kiosk"):
            load_demo_data(k)
    finally:
        k.close()


@pytest.mark.parametrize("now", [
    dt.datetime(2025, 10, 10, 1, tzinfo=dt.UTC),  # just after the Chuseok closure
    dt.datetime(2026, 12, 31, 14, 59, tzinfo=dt.UTC),  # 23:59 in Seoul, year end
])
def test_demo_holds_around_long_holidays(kiosk, clock, now):
    clock.now = now
    summary = load_demo_data(kiosk)
    assert summary.overdue_loans >= 3 and len(summary.held) == 2
    assert kiosk.maintenance.check().ok


def test_every_demo_message_has_a_korean_translation():
    with FRAGMENT.open("rb") as fh:
        translations = {m.id: m.string for m in read_po(fh, locale="ko") if m.id and m.string}
    msgids = {msg for _, msg, _, _ in extract_from_file("python", demo.__file__,
                                                          keywords={"N_": None})}
    assert msgids and msgids <= translations.keys(), msgids - translations.keys()
