"""The indicator page in a real browser (Debian's headless Chromium through Selenium and
Debian's chromium-driver): a district officer signs in and sees only their district's
figures; axe-core checks the page. ``NANUM_SHOTS`` names a folder for screenshots."""

from __future__ import annotations

import httpx
from test_indicators import build_city
from test_resident_browser import _audit, _press, _shot, axe_source, browser  # noqa: F401 (a fixture)


def test_a_district_officer_opens_the_indicator_page_of_their_district(platform, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    axe = axe_source()
    tokens = build_city(platform)
    b = browser
    b.set_window_size(1280, 1000)
    b.get(platform.url + "/indicators?lang=ko&from=2026-01&to=2026-03")
    assert "/admin/signin" in b.current_url  # not signed in: the sign-in page, then back here
    b.find_element(By.ID, "name").send_keys("gangnam")
    b.find_element(By.ID, "token").send_keys(tokens["gangnam"])
    _press(b, "form button[type=submit]")
    assert "/indicators" in b.current_url
    _audit(b, axe, "indicators ko")
    _shot(b, "indicators-ko")

    assert b.find_element(By.ID, "scope").text.startswith("강남구")
    assert b.find_element(By.ID, "loans").text == "5"
    assert b.find_element(By.ID, "active").text == "3"
    assert len(b.find_elements(By.CSS_SELECTOR, "figure svg")) == 2
    names = [r.find_elements(By.TAG_NAME, "td")[0].text
             for r in b.find_elements(By.CSS_SELECTOR, "#breakdown tr") if r.find_elements(By.TAG_NAME, "td")]
    assert names == ["GN01 나눔센터", "GN02 나눔센터"]
    page = b.find_element(By.TAG_NAME, "main").text
    assert "MP01" not in page and "마포구" not in page
    assert not b.find_elements(By.ID, "district")  # a district officer has no district to choose

    # the same officer's session: another district is refused on the page and in the API
    b.get(platform.url + "/indicators?lang=ko&district=마포구")
    assert "MP01" not in b.page_source and "err" in b.find_element(By.CSS_SELECTOR, "[role=status]").get_attribute(
        "class")
    jar = {"nanum_admin": b.get_cookie("nanum_admin")["value"]}
    assert httpx.get(platform.url + "/api/v1/indicators", params={"district": "마포구"},
                     cookies=jar).status_code == 403
    assert httpx.get(platform.url + "/api/v1/indicators", cookies=jar).json()["scope"]["districts"] == ["강남구"]
