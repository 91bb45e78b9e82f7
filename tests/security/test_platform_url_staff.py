"""Staff mode's platform address follows the sync client's rule: https, or http to
this computer only when that is allowed explicitly."""

import pytest

from kiosk.errors import BadInput
from kiosk.platform_url import INSECURE_HTTP_ENV, INSECURE_SETTING
from kiosk.services.desk import Desk
from kiosk.services.staff import Staff


@pytest.fixture
def kiosk_and_boss(make_kiosk, monkeypatch):
    monkeypatch.delenv(INSECURE_HTTP_ENV, raising=False)
    k, _clock = make_kiosk()
    return k, Staff(k).create_first_manager("김관리", "2580")


@pytest.mark.parametrize("url", ["http://platform.example/", "http://10.1.2.3:8000/",
                                 "http://127.0.0.1:8000/"])
def test_staff_mode_refuses_plain_http(kiosk_and_boss, url):
    k, boss = kiosk_and_boss
    with pytest.raises(BadInput) as refused:
        Desk(k).save_settings({"sync_url": url}, by=boss)
    assert "https://" in refused.value.render("en")
    k.forget_cached_settings()
    assert k.setting("sync_url") is None


def test_http_to_this_computer_only_once_allowed(kiosk_and_boss):
    k, boss = kiosk_and_boss
    with k.transaction() as s:
        k.set_setting(s, INSECURE_SETTING, True)
    k.forget_cached_settings()
    Desk(k).save_settings({"sync_url": "http://127.0.0.1:8000/"}, by=boss)
    with pytest.raises(BadInput):
        Desk(k).save_settings({"sync_url": "http://platform.example/"}, by=boss)
    k.forget_cached_settings()
    assert k.setting("sync_url") == "http://127.0.0.1:8000/"
    Desk(k).save_settings({"sync_url": "https://platform.example/"}, by=boss)
