"""The fleet view in a real browser (Debian's headless Chromium through Selenium and
Debian's chromium-driver, nothing downloaded at run time): a district officer signs
in and sees only their district's kiosks, flagged ones marked; axe-core checks the
pages. ``NANUM_SHOTS`` names a folder for screenshots."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from test_resident_browser import _audit, _press, _shot, axe_source, browser  # noqa: F401 (a fixture)

from platformkit import Clock

PLATFORM_CLOCK = Clock()


def _beat(platform, kiosk_id: str, at: dt.datetime, **health) -> None:
    from sync.round import sync_round

    PLATFORM_CLOCK.now = at
    [(k, client)] = [(k, c) for k, c in platform._opened if k.kiosk_id == kiosk_id]
    sync_round(k, client, health=lambda: {"camera": "ok", "printer": "ok", **health})


@pytest.mark.platform_options(clock=PLATFORM_CLOCK)
def test_a_district_officer_sees_only_their_districts_kiosks(platform, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    from kiosk.i18n import translate
    from sync.hub import admin, fleet, roles

    axe = axe_source()
    for site, name, district in (("GN01", "역삼 나눔센터", "강남구"), ("GN02", "대치 나눔센터", "강남구"),
                                 ("MP01", "망원 나눔센터", "마포구")):
        platform.site(site, name)
        roles.set_district(platform.db, site, district)
        platform.kiosk(site, f"{site}-k1")
    now = dt.datetime.now(dt.UTC)
    _beat(platform, "GN01-k1", now - dt.timedelta(hours=3))
    _beat(platform, "GN02-k1", now, camera="missing", last_error="플랫폼에 연결할 수 없습니다.",
          last_error_at="2026-12-06T00:10:00Z")
    _beat(platform, "MP01-k1", now)
    token = admin.add_admin(platform.db, "gangnam-officer", role="district", district="강남구")

    b = browser
    b.set_window_size(1400, 900)
    b.get(platform.url + "/admin/fleet?lang=ko")  # not signed in: the sign-in page, then back here
    assert "/admin/signin" in b.current_url
    _audit(b, axe, "admin sign-in")
    b.find_element(By.ID, "name").send_keys("gangnam-officer")
    b.find_element(By.ID, "token").send_keys("nka1_wrong")
    _press(b, "form button[type=submit]")
    refused = b.find_element(By.CSS_SELECTOR, "[role=status]")  # refused, and told so
    assert "err" in refused.get_attribute("class") and "/admin/signin" in b.current_url
    assert not b.get_cookie("nanum_admin")
    b.find_element(By.ID, "name").send_keys("gangnam-officer")
    b.find_element(By.ID, "token").send_keys(token)
    _press(b, "form button[type=submit]")
    assert b.current_url.endswith("/admin/fleet?lang=ko")
    _audit(b, axe, "fleet ko")
    _shot(b, "fleet-ko")

    rows = {r.get_attribute("data-kiosk"): r for r in b.find_elements(By.CSS_SELECTOR, "tbody tr")}
    assert set(rows) == {"GN01-k1", "GN02-k1"}  # not MP01-k1: another district
    assert rows["GN01-k1"].get_attribute("data-problems") == "silent"
    assert rows["GN02-k1"].get_attribute("data-problems") == "camera"
    assert "플랫폼에 연결할 수 없습니다." in rows["GN02-k1"].text
    assert translate(fleet.STATES["missing"], "ko") in rows["GN02-k1"].text  # the camera, in words
    assert "강남구" in b.find_element(By.TAG_NAME, "header").text
    page = b.find_element(By.TAG_NAME, "main").text
    assert "망원" not in page and "MP01" not in page

    # the page's session reads the API too; another district is refused there as on the page
    cookie = b.get_cookie("nanum_admin")["value"]
    jar = {"nanum_admin": cookie}
    seen = httpx.get(platform.url + "/api/v1/fleet", cookies=jar)
    assert {k["kiosk_id"] for k in seen.json()["kiosks"]} == {"GN01-k1", "GN02-k1"}
    assert httpx.get(platform.url + "/api/v1/fleet", params={"district": "마포구"}, cookies=jar).status_code == 403
    b.get(platform.url + "/admin/fleet?lang=ko&district=마포구")
    assert "MP01" not in b.page_source

    b.get(platform.url + "/admin/fleet?lang=en")
    _audit(b, axe, "fleet en")
    _press(b, "header form button")  # sign out
    assert "/admin/signin" in b.current_url
    b.get(platform.url + "/admin/fleet")
    assert "/admin/signin" in b.current_url
