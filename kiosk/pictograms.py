"""Which pictogram stands for an item that has no photo.

The pictograms are outline icons from Tabler Icons (MIT licence, in
``assets/pictograms`` with ``LICENSE-tabler-icons.txt``): one per kind of thing a
centre lends. An item's names pick the closest (a drill, a saw, a ladder, a
puzzle...); otherwise its category does. This module only names the icon: the
screens draw it in their theme's colours, the platform's pages serve the file.
"""

from __future__ import annotations

import re

#: (pattern on the English name, substrings of the Korean name, pictogram), first match wins;
#: the order matters where words overlap ("jigsaw puzzle" is a puzzle, not a saw)
_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (r"puzzle", ("퍼즐",), "puzzle"),
    (r"\bcards?\b", ("카드",), "cards"),
    (r"board game|dice|yut", ("보드게임", "윷"), "dice"),
    (r"baduk|\bgo\b|omok", ("바둑", "오목"), "go-game"),
    (r"book|guide", ("책",), "book"),
    (r"drill|driver", ("드릴", "드라이버"), "hammer-drill"),
    (r"saw|grinder", ("톱", "그라인더"), "blade"),
    (r"hammer", ("망치",), "hammer"),
    (r"ladder", ("사다리",), "ladder"),
    (r"level|meter|finder|measure", ("수평계", "측정", "탐지기"), "ruler-measure"),
    (r"extension|reel|cable", ("전선",), "plug"),
    (r"heat gun|glue gun", ("열풍기", "글루건"), "flame"),
    (r"washer|sprayer", ("세척기", "분무기"), "spray"),
    (r"mower|trimmer", ("잔디", "예초기"), "lawn-mower"),
    (r"shovel|rake|trowel", ("삽", "갈퀴"), "shovel"),
    (r"wheelbarrow", ("수레",), "garden-cart"),
    (r"tent", ("텐트",), "tent"),
    (r"chair|table", ("의자", "테이블"), "chair-director"),
    (r"stove|burner|cookware", ("버너", "코펠"), "campfire"),
    (r"cool box|cooler", ("아이스박스",), "snowflake"),
    (r"sleeping bag", ("침낭",), "bed"),
    (r"lantern|lamp", ("랜턴",), "lamp"),
    (r"sewing", ("재봉",), "needle-thread"),
    (r"vacuum|carpet cleaner", ("청소기",), "vacuum-cleaner"),
    (r"dehumidifier", ("제습기",), "droplet"),
    (r"suitcase|luggage", ("여행가방",), "luggage"),
    (r"trolley", ("카트",), "trolley"),
    (r"\bpot\b|kitchen|steamer", ("찜솥", "주방"), "bowl"),
    (r"block|tiles|tower|shape", ("블록", "모양", "쌓기"), "blocks"),
    (r"horse", ("흔들말",), "horse-toy"),
    (r"train", ("기차",), "train"),
    (r"\bcar\b|ride-on", ("붕붕카",), "car"),
    (r"doll", ("인형",), "mood-kid"),
    (r"baby", ("아기", "유아"), "baby-carriage"),
    (r"tool set|tools", ("공구",), "tools"),
)
_COMPILED = tuple((re.compile(en), ko, icon) for en, ko, icon in _RULES)

#: a category's pictogram, for an item whose names match no rule
BY_CATEGORY = {"tool": "tools", "garden": "plant", "camping": "tent", "household": "home-2",
               "toy": "horse-toy", "game": "dice", "book": "book"}
#: an item of a category this table does not know
FALLBACK = "package"

#: every pictogram the rules can name (each has ``assets/pictograms/<name>.svg``)
NAMES = frozenset({icon for _, _, icon in _RULES} | set(BY_CATEGORY.values()) | {FALLBACK})


def pictogram_for(category: str, name_en: str = "", name_ko: str = "") -> str:
    """The pictogram's name (an SVG in ``assets/pictograms``) for an item without a photo."""
    en = name_en.lower()
    for pattern, ko_words, icon in _COMPILED:
        if (en and pattern.search(en)) or any(w in name_ko for w in ko_words):
            return icon
    return BY_CATEGORY.get(category, FALLBACK)
