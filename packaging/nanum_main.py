"""Entry point of the frozen bundle: the ``nanum`` command."""

import sys

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main())
