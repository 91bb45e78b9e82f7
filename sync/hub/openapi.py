"""Write the platform's OpenAPI document (generated from the code) to docs/openapi.json.

    python -m sync.hub.openapi [path]

A test fails when the committed document differs from what the code generates.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def document() -> dict[str, Any]:
    """The OpenAPI document of the platform app (no database is opened)."""
    from sync.hub.app import create_app

    class _NoDatabase:
        postgres = False

    return create_app(_NoDatabase()).openapi()  # type: ignore[arg-type]


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_PATH
    path.write_text(render(), encoding="utf-8")
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
