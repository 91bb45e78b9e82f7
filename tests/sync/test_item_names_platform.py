"""Chinese and Vietnamese item names reach the platform, its resident pages and the
centre's other kiosks; without them, pages in those languages show the Korean name."""

from __future__ import annotations

import httpx

from sync.hub.models import Item as HubItem

from platformkit import drain

PARTS = [{"name_ko": "배터리", "name_en": "battery", "name_zh": "电池", "name_vi": "pin", "count": 2}]


def test_the_names_reach_the_platform_its_pages_and_the_other_kiosk(platform):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    k.catalogue.add_item("T-1", "전동드릴", name_en="Power drill", name_zh="电钻", name_vi="Máy khoan điện",
                         parts=PARTS)
    k.catalogue.add_item("T-2", "수평계", name_en="Spirit level")
    drain(k, client)
    with platform.session() as s:
        drill = s.get(HubItem, "GN01/T-00001")
        assert (drill.name_zh, drill.name_vi) == ("电钻", "Máy khoan điện")
        assert drill.parts[0]["name_zh"] == "电池"

    def page(code: str, lang: str) -> str:
        answer = httpx.get(f"{platform.url}/i/GN01/{code}", params={"lang": lang})
        assert answer.status_code == 200
        return answer.text

    assert "电钻" in page("T-00001", "zh") and "Power drill" not in page("T-00001", "zh")
    assert "Máy khoan điện" in page("T-00001", "vi") and "pin × 2" in page("T-00001", "vi")
    assert "Power drill" in page("T-00001", "en")
    # No Vietnamese name: the Korean one, not the English.
    level = page("T-00002", "vi")
    assert "수평계" in level and "Spirit level" not in level

    other, other_client, _ = platform.kiosk("GN01", "GN01-b")
    drain(other, other_client)
    copy = other.catalogue.get("T-00001")
    assert (copy.name("zh"), copy.name("vi"), copy.parts[0].name("zh")) == ("电钻", "Máy khoan điện", "电池")
