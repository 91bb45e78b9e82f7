"""The resident's own page shows their membership fee: paid until a day, due, or exempt
(the reason stays at the centre), from the fee events their centre's kiosk synced."""

from __future__ import annotations

import httpx

from platformkit import drain


def _page(platform, number: str, pin: str, lang: str = "en") -> str:
    with httpx.Client(base_url=platform.url) as web:
        assert web.post(f"/me/signin?lang={lang}", data={"member": number, "secret": pin}).status_code == 303
        page = web.get("/me", params={"lang": lang})
        assert page.status_code == 200
        return page.text


def test_the_resident_page_says_paid_until_due_or_exempt(platform):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    k.rules.set_fee_plan("standard", 10_000)
    payer, due, exempt = (k.members.add(name)[0] for name in ("김납부", "이미납", "박면제"))
    free = k.members.add("최무료", "senior")[0]  # no fee is asked of seniors here
    for m in (payer, due, exempt, free):
        k.members.set_pin(m.number, "2468")
    receipt = k.rules.record_payment(payer.number, 10_000, "cash", staff="김관리")
    k.rules.set_exemption(exempt.number, "기초생활수급자", staff="김관리")
    drain(k, client)

    paid = _page(platform, payer.number, "2468")
    assert "Membership fee" in paid and f"Paid until {receipt.paid_until.isoformat()}." in paid
    owed = _page(platform, due.number, "2468")
    assert "Due: 10,000 won for 12 months. You can pay it at your sharing centre" in owed
    free_of_it = _page(platform, exempt.number, "2468")
    assert "Exempt: you pay no membership fee." in free_of_it
    assert "기초생활수급자" not in free_of_it  # the reason never left the centre
    assert "Membership fee" not in _page(platform, free.number, "2468")
    # The exemption ended at the centre: the fee is due again.
    k.rules.set_exemption(exempt.number, None, staff="김관리")
    drain(k, client)
    assert "Due: 10,000 won" in _page(platform, exempt.number, "2468")
