"""The resident pages in a real browser: Debian's headless Chromium driven by Selenium
through Debian's chromium-driver, with axe-core checking every page (WCAG 2.2 A/AA,
the rules KWCAG 2.2 follows). ``NANUM_SHOTS`` names a folder for screenshots."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from kiosk.services.desk import Desk
from kiosk.services.staff import Staff
from sync.hub.models import Notice
from sync.hub.models import Reservation as HubReservation

from platformkit import drain, stock

# axe-core from the npm registry, pinned by version and by the registry's own integrity hash
AXE_VERSION = "4.10.3"
AXE_INTEGRITY = "sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg=="
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_source() -> str:
    cache = Path(os.environ.get("NANUM_BUILD_CACHE", Path.home() / ".cache" / "nanum-kiosk"))
    path = cache / f"axe-core-{AXE_VERSION}.min.js"
    if not path.is_file():
        url = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"
        data = urllib.request.urlopen(url, timeout=60).read()
        digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        assert digest == AXE_INTEGRITY, "axe-core from the registry is not the pinned one"
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            js = tar.extractfile("package/axe.min.js").read()
        cache.mkdir(parents=True, exist_ok=True)
        path.write_bytes(js)
    return path.read_text(encoding="utf-8")


@pytest.fixture
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.fail("Debian's chromium and chromium-driver are needed (scripts/setup installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=412,915",
                "--disable-dev-shm-usage"):
        opts.add_argument(arg)
    b = webdriver.Chrome(service=Service(driver), options=opts)
    b.set_page_load_timeout(30)
    yield b
    b.quit()


def _audit(b, axe: str, where: str) -> None:
    b.execute_script(axe)
    result = b.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}}).then(r => done(r.violations));",
        AXE_TAGS)
    problems = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result]
    assert problems == [], f"{where}: {problems}"


def _press(b, css: str, index: int = 0) -> None:
    """Press a form's button and wait for the page it leads to."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    old = b.find_element(By.TAG_NAME, "html")
    b.find_elements(By.CSS_SELECTOR, css)[index].click()
    WebDriverWait(b, 15).until(ec.staleness_of(old))
    # the new page is read only once it has loaded: reading nodes of a page still being
    # parsed can meet one that is replaced under the driver
    WebDriverWait(b, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _shot(b, name: str) -> None:
    folder = os.environ.get("NANUM_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        b.save_screenshot(str(Path(folder) / f"{name}.png"))


def test_a_resident_signs_in_cancels_reads_a_notice_and_opens_the_phone_card(platform, browser, tmp_path):
    from selenium.webdriver.common.by import By

    axe = axe_source()
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    platform.site("GN01", "강남 나눔센터")
    codes, _ = stock(k, items=3, members=0)
    member, card = k.members.add("김나눔")
    k.members.set_pin(member.number, "2468")
    assert k.circulation.checkout(card, [codes[2]]).outcomes[0].ok
    # The item page shows the photo staff took (it reaches the platform with the sync).
    photo = tmp_path / "drill.jpg"
    Image.new("RGB", (1200, 900), (30, 110, 170)).save(photo)
    Desk(k).set_photo(codes[1], photo, by=Staff(k).create_first_manager("김관리", "2580"))
    drain(k, client)
    import httpx
    for code in codes[:2]:
        made = httpx.post(platform.url + "/api/v1/reservations",
                          json={"member": member.number, "secret": "2468", "item": code})
        assert made.status_code == 201
    drain(k, client)  # held: a "ready for pickup" notice for each
    b = browser
    for lang in ("ko", "vi"):
        b.delete_all_cookies()
        b.get(platform.url + f"/me?lang={lang}")
        _audit(b, axe, f"sign-in {lang}")
        _shot(b, f"me-signin-{lang}")
        b.find_element(By.ID, "member").send_keys(member.number)
        b.find_element(By.ID, "secret").send_keys("2468")
        _press(b, "form button[type=submit]")
        assert member.number in b.find_element(By.TAG_NAME, "main").text
        _audit(b, axe, f"my page {lang}")
        _shot(b, f"me-account-{lang}")
        notices = b.find_elements(By.CSS_SELECTOR, "#notices ~ ul li")
        assert notices and codes[0] in " ".join(n.text for n in notices)  # the notice is read
        if lang == "ko":
            _press(b, "form[action*='/cancel'] button")
            assert "취소했어요" in b.find_element(By.CSS_SELECTOR, "[role=status]").text
            _audit(b, axe, "after a cancel")
            _shot(b, "me-cancelled-ko")
        _press(b, "form[action^='/me/card'] button")
        img = b.find_element(By.CSS_SELECTOR, "main img")
        assert img.get_attribute("src").startswith("data:image/png;base64,")
        _audit(b, axe, f"phone card {lang}")
        _shot(b, f"me-card-{lang}")
        if lang == "ko":
            # kept on the phone: the saved card opens without a connection
            deadline = time.monotonic() + 15
            while True:
                b.get(platform.url + "/me/card/saved")
                if b.find_elements(By.CSS_SELECTOR, "main img") or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            b.set_network_conditions(offline=True, latency=5, download_throughput=500 * 1024,
                                     upload_throughput=500 * 1024)
            try:
                b.refresh()
                assert b.find_element(By.CSS_SELECTOR, "main img").get_attribute("src").startswith("data:image")
            finally:
                b.delete_network_conditions()
        for path in ("/", "/centres/GN01"):
            b.get(platform.url + f"{path}?lang={lang}")
            _audit(b, axe, f"{path} {lang}")
        b.get(platform.url + f"/i/GN01/{codes[1]}?lang={lang}")
        shown = b.find_element(By.CSS_SELECTOR, "main img")
        assert shown.get_attribute("alt") and b.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth", shown) > 0  # loaded, with alt text
        _audit(b, axe, f"item page {lang}")
        _shot(b, f"item-{lang}")
    with platform.session() as s:
        states = sorted(s.execute(select(HubReservation.status)).scalars())
        assert states == ["cancelled", "held"]
        assert len(s.execute(select(Notice)).scalars().all()) >= 2
