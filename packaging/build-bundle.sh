#!/usr/bin/env bash
# Build the kiosk bundle (PyInstaller onedir) into dist/nanum-kiosk/.
#
#   bash packaging/build-bundle.sh
#
# Builds in its own environment, build/bundle-venv: the project's dependencies
# from PyPI except OpenCV, which is the lean build of packaging/opencv/ (four
# modules instead of the whole library; see build-opencv.sh), and the pinned
# build tools from packaging/requirements-build.txt. The project's .venv, which
# the tests use, keeps the PyPI wheel.
# The result runs on any x86-64 Debian 12 (or newer) with the libraries the
# Debian package depends on: dist/nanum-kiosk/nanum self-test
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup
wheel=$(bash packaging/opencv/build-opencv.sh)
venv=build/bundle-venv
# The wheel's content, not its name: a rebuild with other flags keeps the same file name.
stamp=$(cat pyproject.toml packaging/requirements-build.txt "$wheel" | sha256sum | cut -c1-16)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$venv"
  # The base interpreter of .venv, so the bundle's Python is the one the tests ran on.
  "$(.venv/bin/python -c 'import sys; print(sys._base_executable)')" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q "$wheel" -e . -r packaging/requirements-build.txt
  echo "$stamp" >"$venv/.stamp"
fi
PY=$venv/bin/python
"$PY" -c 'import cv2, sys; sys.exit(0 if not hasattr(cv2, "dnn") else "the bundle environment has the full OpenCV")'
rm -rf build/pyinstaller dist/nanum-kiosk
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --workpath build/pyinstaller --distpath dist packaging/nanum.spec
# Strip symbols the wheels and Python left in (libpython alone drops from 23 to 6 MB).
# Libraries vendored by auditwheel (*.libs/) are left alone: patchelf-edited
# files such as OpenBLAS no longer load once stripped again.
find dist/nanum-kiosk -type f \( -name '*.so' -o -name '*.so.*' \) -not -path '*.libs/*' -print0 |
  xargs -0 file | grep 'not stripped' | cut -d: -f1 | xargs -r strip --strip-unneeded
echo "bundle: dist/nanum-kiosk ($(du -sh dist/nanum-kiosk | cut -f1))"
