"""Print /etc/nanum-kiosk/config.toml as the Debian package installs it.

Every option documented from the code (kiosk.config), with the data and the
logs where a system service keeps them. packaging/build-deb.sh runs this.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.config import render_default_config  # noqa: E402

PACKAGE_OVERRIDES = {
    ("kiosk", "data_dir"): "/var/lib/nanum-kiosk",
    ("kiosk", "log_dir"): "/var/log/nanum-kiosk",
}


def package_config() -> str:
    return render_default_config(PACKAGE_OVERRIDES)


if __name__ == "__main__":
    sys.stdout.write(package_config())
