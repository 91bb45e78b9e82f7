"""Entry point of ``nanum-kiosk.exe`` (Windows): the kiosk without a console window.

Shell Launcher starts it as the kiosk user's shell; it is ``nanum run`` with
the configured camera, and any extra arguments after it.
"""

import sys

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
