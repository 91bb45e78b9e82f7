#!/usr/bin/env bash
# What CI runs after the tests: build the bundle (with the lean OpenCV of
# packaging/opencv/, checked against the kiosk's code) and the .deb, install the
# .deb into a clean Debian 12 root (mmdebstrap; apt resolves its Depends),
# run `nanum self-test` from the installed package offscreen there, and test
# upgrade, rollback (packaging/ci-in-root.sh), remove and purge. Fails on a missing library or Qt plugin. Prints
# the bundle size and its cold start time. Needs root (for the chroot).
#   bash packaging/ci.sh
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$SECONDS
log() { printf '\n=== %s (%ds)\n' "$*" $((SECONDS - T0)); }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

need=()
# cmake, g++, ninja and nasm build the bundle's lean OpenCV (packaging/opencv/).
for tool in mmdebstrap:mmdebstrap readelf:binutils file:file cmake:cmake g++:g++ ninja:ninja-build nasm:nasm; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -x .venv/bin/python ] || bash scripts/setup

log "lean OpenCV for the bundle"
bash packaging/opencv/build-opencv.sh

log "bundle"
bash packaging/build-bundle.sh
size_bytes=$(du -s --apparent-size -B1 dist/nanum-kiosk | cut -f1)
size_mb=$((size_bytes / 1000000))  # MB of 10^6 bytes, the file sizes themselves

log "the bundle's OpenCV: every name the kiosk uses, and the hardware tests on it"
QT_QPA_PLATFORM=offscreen build/bundle-venv/bin/python packaging/opencv/check_lean.py

log "cold start"
mkdir -p build/ci
cold="cold"
sync
echo 3 | $SUDO tee /proc/sys/vm/drop_caches >/dev/null 2>&1 || cold="page cache not dropped"
start_ms() {  # launch to first kiosk screen drawn (offscreen), wall clock in ms
  local t0 t1
  t0=$(date +%s%N)
  QT_QPA_PLATFORM=offscreen dist/nanum-kiosk/nanum --json self-test --only startup >build/ci/startup.json
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}
cold_ms=$(start_ms)
warm=$(for _ in 1 2 3; do start_ms; done | sort -n | sed -n 2p)  # median of three
window_ms=$(.venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["checks"][0]["data"]["ms"])' \
  <build/ci/startup.json)

log "Debian packages"
version=$(.venv/bin/python -c 'import kiosk; print(kiosk.__version__)')
NANUM_VERSION=$version bash packaging/build-deb.sh
# The same build as an upgrade, with one harmless extra migration so that the
# rollback in the clean root has a newer schema to undo (packaging/rollback_probe.py).
bundle_migrations=$(find dist/nanum-kiosk -type d -path '*/kiosk/store/migrations' | head -1)
[ -n "$bundle_migrations" ] || { echo "ci: no migrations in the bundle" >&2; exit 1; }
probe=$bundle_migrations/versions/$(.venv/bin/python packaging/rollback_probe.py "$bundle_migrations")_rollback_probe.py
trap 'rm -f "$probe"' EXIT
NANUM_VERSION=$version+ci1 bash packaging/build-deb.sh
rm -f "$probe"
trap - EXIT
first=dist/nanum-kiosk_${version}_amd64.deb
upgrade=dist/nanum-kiosk_${version}+ci1_amd64.deb
deb_mb=$(du -m "$first" | cut -f1)

log "clean Debian 12 root: install, self-test, upgrade, roll back, remove, purge"
$SUDO mmdebstrap --variant=apt --quiet \
  --customize-hook="copy-in $first $upgrade packaging/ci-in-root.sh /tmp" \
  --customize-hook="chroot \"\$1\" sh /tmp/ci-in-root.sh /tmp/$(basename "$first") /tmp/$(basename "$upgrade")" \
  bookworm /dev/null

log "summary"
cat <<SUMMARY
bundle size:  ${size_mb} MB, $((size_bytes / 1048576)) MiB (goal <= 250 MB)$([ "$size_mb" -le 250 ] || echo "  -- over the goal")
cold start:   ${cold_ms} ms from launch to the first kiosk screen drawn (${cold}); warm ${warm} ms (median of 3), of which building the window ${window_ms} ms
package:      ${first} (${deb_mb} MB)
clean root:   installed with its Depends, self-test passed, upgrade kept and migrated the data,
              rollback migrated it back and kept it (self-test passed), purge removed it
total time:   $((SECONDS - T0)) s
SUMMARY
# A bundle over its size goal fails CI: the dependency that grew is then found the day it grew.
[ "$size_mb" -le 250 ] || { echo "ci: the bundle is over 250 MB" >&2; exit 1; }
