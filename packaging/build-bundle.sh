#!/usr/bin/env bash
# Build the kiosk bundle (PyInstaller onedir) into dist/nanum-kiosk/.
#
#   bash packaging/build-bundle.sh
#
# Uses the project's .venv (scripts/setup makes it) and installs the pinned
# build tools from packaging/requirements-build.txt into it when missing.
# The result runs on any x86-64 Debian 12 (or newer) with the libraries the
# Debian package depends on: dist/nanum-kiosk/nanum self-test
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || bash scripts/setup
if ! "$PY" -m PyInstaller --version >/dev/null 2>&1; then
  "$PY" -m pip install -q -r packaging/requirements-build.txt
fi
rm -rf build/pyinstaller dist/nanum-kiosk
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --workpath build/pyinstaller --distpath dist packaging/nanum.spec
# Strip symbols the wheels and Python left in (libpython alone drops from 23 to 6 MB).
# Libraries vendored by auditwheel (*.libs/) are left alone: patchelf-edited
# files such as OpenBLAS no longer load once stripped again.
find dist/nanum-kiosk -type f \( -name '*.so' -o -name '*.so.*' \) -not -path '*.libs/*' -print0 |
  xargs -0 file | grep 'not stripped' | cut -d: -f1 | xargs -r strip --strip-unneeded
echo "bundle: dist/nanum-kiosk ($(du -sh dist/nanum-kiosk | cut -f1))"
