"""Demo data: a realistic Korean sharing centre to train volunteers and try the kiosk.

Everything is created through the services, so every record comes with its
event and the log verifies. To have loans that are already overdue, the
services run on the kiosk's clock set back (``_Backdate``): the story is
played oldest first, from six weeks ago up to today, and the real clock is
put back afterwards even when something fails.

Card tokens are otherwise stored only hashed, so the demo cards' payloads are
kept in the ``demo_cards`` setting for the staff screen's demo panel, which
"shows" them to the virtual camera.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from kiosk.errors import BadInput
from kiosk.i18n import N_

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

DEMO_PIN = "1234"
ACTOR = "demo"

_DRILL_SAFE = ("보안경을 쓰고, 비트를 바꿀 때는 배터리를 빼 주세요.",
               "Wear safety glasses and take the battery out before changing bits.")
_BLADE_SAFE = ("보안경과 장갑을 쓰고, 날 덮개를 떼지 마세요. 날을 바꿀 때는 전원을 뽑아 주세요.",
               "Wear glasses and gloves, keep the blade guard on, unplug before changing blades.")
_WASHER_SAFE = ("사람·동물·전기 콘센트에 물줄기를 향하지 마세요.",
                "Never point the jet at people, animals or power sockets.")
_MOWER_SAFE = ("작업 전에 돌을 치우고, 긴 바지와 보안경을 착용하세요.",
               "Clear stones first; wear long trousers and safety glasses.")
_HEAT_SAFE = ("사용 후 10분 동안 뜨거우니 불에 타는 물건 가까이 두지 마세요.",
              "Stays hot for 10 minutes after use; keep it away from anything that burns.")
_GAS_SAFE = ("실내와 텐트 안에서는 쓰지 마세요. 가스는 함께 빌려드리지 않습니다.",
             "Never use indoors or in a tent. Gas canisters are not lent.")


# Parts' Chinese and Vietnamese names, by their Korean name.
PART_NAMES: dict[str, tuple[str, str]] = {
    "드릴 본체": ("电钻主机", "thân máy khoan"), "배터리": ("电池", "pin"), "충전기": ("充电器", "sạc"),
    "드릴 비트": ("钻头", "mũi khoan"), "망치": ("锤子", "búa"), "드라이버": ("螺丝刀", "tua vít"),
    "렌치": ("扳手", "cờ lê"), "펜치": ("钳子", "kìm"), "줄자": ("卷尺", "thước dây"),
    "공구함": ("工具箱", "hộp dụng cụ"), "본체": ("主机", "thân máy"), "호스": ("软管", "ống nước"),
    "건": ("喷枪", "súng phun"), "노즐": ("喷嘴", "đầu phun"), "모종삽": ("小铲子", "xẻng nhỏ"),
    "호미": ("小锄头", "cuốc nhỏ"), "전지가위": ("修枝剪", "kéo cắt cành"), "장갑": ("手套", "găng tay"),
    "텐트 본체": ("内帐", "lều trong"), "플라이": ("外帐", "bạt phủ lều"), "폴대": ("帐篷杆", "cọc chống lều"),
    "팩": ("地钉", "cọc đóng lều"), "가방": ("收纳袋", "túi đựng"), "냄비": ("锅", "nồi"),
    "프라이팬": ("平底锅", "chảo"), "주머니": ("收纳袋", "túi đựng"), "발판": ("脚踏板", "bàn đạp"),
    "노루발": ("压脚", "chân vịt"), "주방 본체": ("厨房主体", "bếp đồ chơi"), "냄비·그릇": ("锅碗", "nồi và bát"),
    "음식 모형": ("仿真食物", "đồ ăn đồ chơi"), "숫자 타일": ("数字牌", "ô số"), "타일 받침": ("牌架", "giá đỡ ô số"),
    "카드": ("卡牌", "thẻ bài"), "종": ("铃", "chuông"), "윷": ("柶", "que Yut"), "말": ("棋子", "quân cờ"),
    "말판": ("棋盘", "bàn cờ"), "바둑판": ("棋盘", "bàn cờ"), "흑돌": ("黑子", "quân đen"),
    "백돌": ("白子", "quân trắng"),
}


def _parts(*rows: tuple[str, str, int]) -> list[dict[str, Any]]:
    return [{"name_ko": ko, "name_en": en, "name_zh": PART_NAMES[ko][0], "name_vi": PART_NAMES[ko][1],
             "count": n} for ko, en, n in rows]


# (code, Korean name, English name, category, replacement value in won, parts, extra)
ITEMS: tuple[tuple[str, str, str, str, int, Any, dict[str, Any]], ...] = (
    ("T-00001", "전동드릴", "Power drill", "tool", 120000,
     _parts(("드릴 본체", "drill body", 1), ("배터리", "battery", 2), ("충전기", "charger", 1),
            ("드릴 비트", "drill bits", 10)), {"safe": _DRILL_SAFE, "alias": "8801002003011"}),
    ("T-00002", "충전드릴", "Cordless drill", "tool", 90000,
     _parts(("드릴 본체", "drill body", 1), ("배터리", "battery", 1), ("충전기", "charger", 1)),
     {"safe": _DRILL_SAFE}),
    ("T-00003", "임팩트 드라이버", "Impact driver", "tool", 110000, 3, {"safe": _DRILL_SAFE}),
    ("T-00004", "전동 원형톱", "Circular saw", "tool", 150000, 2, {"safe": _BLADE_SAFE}),
    ("T-00005", "직소", "Jigsaw", "tool", 80000, 4, {"safe": _BLADE_SAFE}),
    ("T-00006", "그라인더", "Angle grinder", "tool", 70000, 3, {"safe": _BLADE_SAFE}),
    ("T-00007", "샌더", "Orbital sander", "tool", 60000, 6, {"safe": _DRILL_SAFE}),
    ("T-00008", "공구세트", "Tool set", "tool", 50000,
     _parts(("망치", "hammer", 1), ("드라이버", "screwdrivers", 6), ("렌치", "spanners", 2),
            ("펜치", "pliers", 1), ("줄자", "tape measure", 1), ("공구함", "case", 1)), {}),
    ("T-00009", "사다리", "Step ladder", "tool", 80000, 1, {"alias": "8801002003189"}),
    ("T-00010", "접이식 사다리", "Folding ladder", "tool", 120000, 1, {}),
    ("T-00011", "고압세척기", "Pressure washer", "tool", 200000,
     _parts(("본체", "washer", 1), ("호스", "hose", 1), ("건", "gun", 1), ("노즐", "nozzles", 3)),
     {"safe": _WASHER_SAFE, "alias": "8801002003257"}),
    ("T-00012", "글루건", "Glue gun", "tool", 15000, 1, {"safe": _HEAT_SAFE}),
    ("T-00013", "수평계", "Spirit level", "tool", 20000, 1, {}),
    ("T-00014", "레이저 거리측정기", "Laser distance meter", "tool", 60000, 1, {}),
    ("T-00015", "스터드 탐지기", "Stud finder", "tool", 30000, 1, {}),
    ("T-00016", "열풍기", "Heat gun", "tool", 45000, 3, {"safe": _HEAT_SAFE}),
    ("T-00017", "타카", "Staple gun", "tool", 25000, 1, {}),
    ("T-00018", "실리콘 건", "Caulking gun", "tool", 10000, 1, {}),
    ("T-00019", "파이프 렌치", "Pipe wrench", "tool", 30000, 1, {}),
    ("T-00020", "전선릴 (20m)", "Extension reel (20 m)", "tool", 40000, 1, {}),
    ("G-00001", "원예 도구", "Garden hand tools", "garden", 30000,
     _parts(("모종삽", "trowel", 1), ("호미", "hand hoe", 1), ("전지가위", "pruners", 1),
            ("장갑", "gloves", 2)), {}),
    ("G-00002", "전지가위", "Pruning shears", "garden", 25000, 1, {}),
    ("G-00003", "전기 잔디깎이", "Electric lawn mower", "garden", 250000, 2, {"safe": _MOWER_SAFE}),
    ("G-00004", "예초기", "Grass trimmer", "garden", 180000, 2, {"safe": _MOWER_SAFE}),
    ("G-00005", "삽", "Shovel", "garden", 15000, 1, {}),
    ("G-00006", "갈퀴", "Rake", "garden", 12000, 1, {}),
    ("G-00007", "외발수레", "Wheelbarrow", "garden", 70000, 1, {}),
    ("G-00008", "분무기", "Garden sprayer", "garden", 30000, 2, {}),
    ("C-00001", "텐트 (4인용)", "Tent (4 people)", "camping", 300000,
     _parts(("텐트 본체", "inner tent", 1), ("플라이", "fly sheet", 1), ("폴대", "poles", 4),
            ("팩", "pegs", 12), ("가방", "bag", 1)), {"alias": "8801002003325"}),
    ("C-00002", "텐트 (2인용)", "Tent (2 people)", "camping", 150000,
     _parts(("텐트 본체", "inner tent", 1), ("폴대", "poles", 2), ("팩", "pegs", 8)), {}),
    ("C-00003", "캠핑의자", "Camping chair", "camping", 40000, 1, {}),
    ("C-00004", "캠핑의자", "Camping chair", "camping", 40000, 1, {}),
    ("C-00005", "캠핑 테이블", "Camping table", "camping", 60000, 1, {}),
    ("C-00006", "코펠 세트", "Camping cookware set", "camping", 50000,
     _parts(("냄비", "pots", 3), ("프라이팬", "frying pan", 1), ("주머니", "bag", 1)), {}),
    ("C-00007", "캠핑 버너", "Camping stove", "camping", 45000, 2, {"safe": _GAS_SAFE}),
    ("C-00008", "아이스박스", "Cool box", "camping", 50000, 1, {}),
    ("C-00009", "침낭", "Sleeping bag", "camping", 70000, 2, {}),
    ("C-00010", "랜턴", "Lantern", "camping", 30000, 1, {}),
    ("H-00001", "재봉틀", "Sewing machine", "household", 250000,
     _parts(("본체", "machine", 1), ("발판", "foot pedal", 1), ("노루발", "presser feet", 3)), {}),
    ("H-00002", "습식 청소기", "Wet and dry vacuum", "household", 150000, 4, {}),
    ("H-00003", "카펫 청소기", "Carpet cleaner", "household", 200000, 3, {}),
    ("H-00004", "제습기", "Dehumidifier", "household", 180000, 1, {}),
    ("H-00005", "여행가방", "Suitcase", "household", 90000, 1, {}),
    ("H-00006", "접이식 카트", "Folding trolley", "household", 35000, 1, {}),
    ("H-00007", "대형 찜솥", "Large steamer pot", "household", 60000, 3, {}),
    ("K-00001", "블록 장난감", "Building blocks", "toy", 35000, 120,
     {"ages": (36, 120), "alias": "8801002003493"}),
    ("K-00002", "유아 블록", "Soft baby blocks", "toy", 25000, 24, {"ages": (6, 36)}),
    ("K-00003", "모양 맞추기", "Shape sorter", "toy", 20000, 13, {"ages": (12, 36)}),
    ("K-00004", "아기 체육관", "Baby play gym", "toy", 50000, 6, {"ages": (0, 12)}),
    ("K-00005", "흔들말", "Rocking horse", "toy", 70000, 1, {"ages": (18, 60)}),
    ("K-00006", "주방놀이 세트", "Play kitchen", "toy", 90000,
     _parts(("주방 본체", "kitchen", 1), ("냄비·그릇", "pots and dishes", 8),
            ("음식 모형", "play food", 16)), {"ages": (24, 72)}),
    ("K-00007", "자석 블록", "Magnetic tiles", "toy", 60000, 60, {"ages": (36, 96)}),
    ("K-00008", "나무 기차 세트", "Wooden train set", "toy", 55000, 40, {"ages": (24, 72)}),
    ("K-00009", "붕붕카", "Ride-on car", "toy", 45000, 1, {"ages": (12, 48)}),
    ("K-00010", "퍼즐 (48조각)", "Jigsaw puzzle (48 pieces)", "toy", 15000, 48, {"ages": (48, 96)}),
    ("BG-00001", "보드게임 (숫자 타일)", "Board game: number tiles", "game", 35000,
     _parts(("숫자 타일", "tiles", 106), ("타일 받침", "racks", 4)), {}),
    ("BG-00002", "보드게임 (종 치기 카드)", "Board game: bell and cards", "game", 20000,
     _parts(("카드", "cards", 56), ("종", "bell", 1)), {"alias": "8801002003561"}),
    ("BG-00003", "나무 블록 쌓기 게임", "Wooden tower game", "game", 20000, 54, {}),
    ("BG-00004", "윷놀이 세트", "Yut-nori set", "game", 10000,
     _parts(("윷", "yut sticks", 4), ("말", "tokens", 8), ("말판", "board", 1)), {}),
    ("BG-00005", "바둑·오목 세트", "Baduk and omok set", "game", 30000,
     _parts(("바둑판", "board", 1), ("흑돌", "black stones", 181), ("백돌", "white stones", 180)), {}),
    ("BK-00001", "그림책 꾸러미", "Picture book bundle", "book", 60000, 10, {"ages": (24, 84)}),
    ("BK-00002", "집수리 공구 안내서", "Home repair tool guide", "book", 20000, 1, {}),
)

# Items' Chinese and Vietnamese names, by code: residents reading those languages see them.
ITEM_NAMES: dict[str, tuple[str, str]] = {
    "T-00001": ("电钻", "Máy khoan điện"), "T-00002": ("充电钻", "Máy khoan pin"),
    "T-00003": ("冲击起子", "Máy bắn vít"), "T-00004": ("电圆锯", "Máy cưa đĩa"),
    "T-00005": ("曲线锯", "Máy cưa lọng"), "T-00006": ("角磨机", "Máy mài góc"),
    "T-00007": ("砂光机", "Máy chà nhám"), "T-00008": ("工具套装", "Bộ dụng cụ"),
    "T-00009": ("梯子", "Thang"), "T-00010": ("折叠梯", "Thang gấp"),
    "T-00011": ("高压清洗机", "Máy rửa áp lực"), "T-00012": ("热熔胶枪", "Súng bắn keo"),
    "T-00013": ("水平仪", "Thước thủy"), "T-00014": ("激光测距仪", "Máy đo khoảng cách laser"),
    "T-00015": ("墙体探测仪", "Máy dò vật trong tường"), "T-00016": ("热风枪", "Máy khò nhiệt"),
    "T-00017": ("码钉枪", "Súng bắn ghim"), "T-00018": ("打胶枪", "Súng bắn silicon"),
    "T-00019": ("管钳", "Mỏ lết ống"), "T-00020": ("电线卷盘（20米）", "Ru-lô dây điện (20 m)"),
    "G-00001": ("园艺工具", "Dụng cụ làm vườn"), "G-00002": ("修枝剪", "Kéo cắt cành"),
    "G-00003": ("电动割草机", "Máy cắt cỏ điện"), "G-00004": ("割灌机", "Máy cắt cỏ cầm tay"),
    "G-00005": ("铁锹", "Xẻng"), "G-00006": ("耙子", "Cào"),
    "G-00007": ("独轮手推车", "Xe cút kít"), "G-00008": ("喷雾器", "Bình phun"),
    "C-00001": ("帐篷（4人）", "Lều (4 người)"), "C-00002": ("帐篷（2人）", "Lều (2 người)"),
    "C-00003": ("露营椅", "Ghế cắm trại"), "C-00004": ("露营椅", "Ghế cắm trại"),
    "C-00005": ("露营桌", "Bàn cắm trại"), "C-00006": ("野营炊具套装", "Bộ nồi cắm trại"),
    "C-00007": ("露营炉", "Bếp cắm trại"), "C-00008": ("保温箱", "Thùng giữ lạnh"),
    "C-00009": ("睡袋", "Túi ngủ"), "C-00010": ("露营灯", "Đèn cắm trại"),
    "H-00001": ("缝纫机", "Máy may"), "H-00002": ("干湿两用吸尘器", "Máy hút bụi khô và ướt"),
    "H-00003": ("地毯清洗机", "Máy giặt thảm"), "H-00004": ("除湿机", "Máy hút ẩm"),
    "H-00005": ("行李箱", "Vali"), "H-00006": ("折叠手推车", "Xe đẩy gấp"),
    "H-00007": ("大蒸锅", "Nồi hấp lớn"), "K-00001": ("积木", "Đồ chơi xếp hình"),
    "K-00002": ("婴儿软积木", "Khối xếp hình mềm cho bé"), "K-00003": ("形状配对玩具", "Đồ chơi thả hình khối"),
    "K-00004": ("婴儿健身架", "Thảm chơi cho bé"), "K-00005": ("摇摇马", "Ngựa bập bênh"),
    "K-00006": ("厨房玩具套装", "Bộ đồ chơi nhà bếp"), "K-00007": ("磁力片", "Khối nam châm xếp hình"),
    "K-00008": ("木制火车套装", "Bộ tàu hỏa gỗ"), "K-00009": ("儿童滑行车", "Xe chòi chân"),
    "K-00010": ("拼图（48片）", "Tranh ghép hình (48 mảnh)"), "BG-00001": ("桌游（数字牌）", "Trò chơi ô số"),
    "BG-00002": ("桌游（拍铃卡牌）", "Trò chơi chuông và thẻ bài"), "BG-00003": ("木制叠叠乐", "Trò chơi rút gỗ"),
    "BG-00004": ("掷柶游戏套装", "Bộ trò chơi Yut"), "BG-00005": ("围棋·五子棋套装", "Bộ cờ vây và cờ caro"),
    "BK-00001": ("绘本套装", "Bộ sách tranh"), "BK-00002": ("居家维修工具指南", "Sách hướng dẫn dụng cụ sửa nhà"),
}

# (display name, membership type, language, PIN, what the member shows off on the kiosk)
MEMBERS: tuple[tuple[str, str, str, str | None, str], ...] = (
    ("김민준", "standard", "ko", DEMO_PIN, "borrowing"),
    ("이서연", "family", "ko", None, "borrowing"),
    ("박지훈", "standard", "ko", None, "borrowing"),
    ("최수아", "standard", "ko", None, "waiting"),
    ("정우진", "standard", "ko", None, "overdue"),
    ("강하은", "family", "ko", None, "overdue"),
    ("Daniel Kim", "standard", "en", None, "overdue"),
    ("조현우", "standard", "ko", None, "hold_ready"),
    ("Emily Carter", "family", "en", DEMO_PIN, "hold_ready"),
    ("윤지우", "standard", "ko", None, ""),
    ("한도윤", "standard", "ko", None, ""),
    ("박순자", "senior", "ko", DEMO_PIN, ""),
    ("이영수", "senior", "ko", DEMO_PIN, ""),
    ("Nguyen Thi Lan", "family", "en", None, ""),
    ("오예린", "standard", "ko", None, "expired"),
    ("서지호", "standard", "ko", None, "suspended"),
    ("신유나", "family", "ko", None, ""),
    ("권태양", "standard", "ko", None, ""),
    ("안소희", "standard", "ko", None, ""),
    ("역삼동 주민자치회", "organisation", "ko", None, ""),
)


@dataclass(frozen=True)
class DemoCard:
    number: str
    name: str
    card: str  # the card's QR payload
    language: str
    pin: str | None
    situation: str  # "", borrowing, overdue, waiting, hold_ready, expired, suspended

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DemoSummary:
    members: list[DemoCard]
    items: list[str]  # item codes
    open_loans: int
    overdue_loans: int
    held: list[str]  # item codes on the reservation shelf
    waiting: list[str]  # item codes with someone on the waiting list

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "members": [m.to_json() for m in self.members]}


class _Backdate:
    """Runs the services as if it were ``days`` ago; ``restore()`` puts the clock back."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.k, self.clock = kiosk, kiosk.clock
        self.now = self.clock()

    def __call__(self, days: float) -> None:
        when = self.now - dt.timedelta(days=days)
        self.k.clock = lambda: when

    def restore(self) -> None:
        self.k.clock = self.clock


def load_demo_data(kiosk: Kiosk) -> DemoSummary:
    """Fill an initialised kiosk with a demo centre; refuses to do it twice.

    Meant for a fresh kiosk used for training or trying things out: the demo
    cards' payloads are kept readable in the ``demo_cards`` setting.
    """
    if not kiosk.initialised:
        raise BadInput(N_("Set up the kiosk before loading demo data."))
    if kiosk.setting("demo_cards"):
        raise BadInput(N_("Demo data is already loaded on this kiosk."))
    taken = sorted({i.code for i in kiosk.catalogue.list()} & {row[0] for row in ITEMS})
    if taken:
        raise BadInput(N_("Item code {code} is already in the catalogue, so demo data "
                          "cannot be loaded."), code=taken[0])
    today = kiosk.today()
    at = _Backdate(kiosk)
    try:
        at(days=42)
        cards = _add_catalogue_and_members(kiosk, today)
        waiting = _play_loans(kiosk, at, {c.name: c.card for c in cards})
    finally:
        at.restore()
    with kiosk.transaction() as s:
        kiosk.set_setting(s, "demo_cards", [c.to_json() for c in cards])
        # The event says what was loaded, never the card tokens.
        kiosk.record(s, "demo.loaded", {"items": len(ITEMS), "members": len(cards)}, ACTOR)
    return DemoSummary(
        members=cards, items=[row[0] for row in ITEMS],
        open_loans=len(kiosk.circulation.loans(open_only=True)),
        overdue_loans=len(kiosk.circulation.loans(overdue_only=True)),
        held=[i.code for i in kiosk.catalogue.list(status="held")], waiting=waiting)


def _add_catalogue_and_members(kiosk: Kiosk, today: dt.date) -> list[DemoCard]:
    for code, name_ko, name_en, category, value, parts, extra in ITEMS:
        safe_ko, safe_en = extra.get("safe", ("", ""))
        age_min, age_max = extra.get("ages", (None, None))
        name_zh, name_vi = ITEM_NAMES[code]
        kiosk.catalogue.add_item(code, name_ko, name_en=name_en, name_zh=name_zh, name_vi=name_vi,
                                 category=category, parts=parts,
                                 replacement_value=value, age_min_months=age_min,
                                 age_max_months=age_max, safe_use_ko=safe_ko, safe_use_en=safe_en,
                                 aliases=(extra["alias"],) if "alias" in extra else (), actor=ACTOR)
    cards = []
    for name, member_type, language, pin, situation in MEMBERS:
        expires_on = today - dt.timedelta(days=12) if situation == "expired" else None
        member, card = kiosk.members.add(name, member_type, expires_on=expires_on,
                                         language=language, pin=pin, actor=ACTOR)
        if situation == "suspended":
            kiosk.members.set_status(member.number, "suspended", actor=ACTOR)
        cards.append(DemoCard(member.number, name, card, language, pin, situation))
    return cards


def _play_loans(kiosk: Kiosk, at: _Backdate, card: dict[str, str]) -> list[str]:
    """Six weeks of lending, oldest first; returns the items with a waiting list."""
    circ = kiosk.circulation

    def lend(name: str, *codes: str) -> None:
        result = circ.checkout(card[name], list(codes))
        refused = [o for o in result.outcomes if not o.ok]
        if refused:  # the story below must hold under the default policy
            raise BadInput(N_("Demo data could not lend {item}: {reason}"),
                           item=refused[0].item, reason=str(refused[0].error or refused[0].reason))

    at(days=30)
    lend("김민준", "C-00001", "C-00003")
    lend("이서연", "T-00011")
    at(days=26)
    for code in ("C-00001", "C-00003", "T-00011"):
        circ.return_item(code)
    at(days=22)  # seven- and fourteen-day loans from now on are overdue today
    lend("정우진", "T-00004")
    lend("강하은", "K-00001", "K-00007")
    lend("Daniel Kim", "T-00009")
    at(days=12)
    lend("한도윤", "BG-00001")
    kiosk.catalogue.set_status("T-00006", "repair", actor=ACTOR, note="날 교체 / blade replacement")
    at(days=6)
    lend("윤지우", "C-00003")
    at(days=5)
    circ.reserve(card["조현우"], "C-00003")
    circ.return_item("BG-00001", parts_counted=108)  # two tiles missing: waits for staff
    at(days=4)
    lend("김민준", "T-00001", "T-00008")
    lend("이서연", "C-00001")
    at(days=2)
    lend("박지훈", "T-00011")
    waiting = ["T-00011"] if circ.reserve(card["최수아"], "T-00011") == "waiting" else []
    at(days=1)
    circ.return_item("C-00003")  # goes to the reservation shelf for 조현우
    circ.reserve(card["Emily Carter"], "BG-00002", source="platform")  # held at once
    return waiting
