#!/bin/sh
# Runs inside a clean Debian 12 root (packaging/ci.sh makes it with mmdebstrap):
# install the .deb with apt resolving its Depends, run the self-test from the
# installed package offscreen, then upgrade it, roll it back to the first
# version (the upgrade's extra migration undone, the data kept), remove and
# purge it.
#   sh ci-in-root.sh FIRST.deb UPGRADE.deb
set -eu
first=$1
upgrade=$2
export DEBIAN_FRONTEND=noninteractive
step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

step "install $(basename "$first") into a clean Debian $(cat /etc/debian_version)"
apt-get install -y -q --no-install-recommends "$first" >/tmp/apt-install.log 2>&1 ||
  { tail -40 /tmp/apt-install.log; fail "apt-get install"; }
grep -E '^(Need to get|After this operation)' /tmp/apt-install.log || true
getent passwd nanum >/dev/null || fail "no nanum user"
[ -f /etc/nanum-kiosk/config.toml ] || fail "no /etc/nanum-kiosk/config.toml"
grep -q '^data_dir = "/var/lib/nanum-kiosk"' /etc/nanum-kiosk/config.toml || fail "config data_dir"
[ "$(stat -c %U /var/lib/nanum-kiosk)" = nanum ] || fail "/var/lib/nanum-kiosk not owned by nanum"
[ -f /lib/systemd/system/nanum-kiosk.service ] || fail "no systemd unit"
[ -L /etc/systemd/system/graphical.target.wants/nanum-kiosk.service ] || fail "unit not enabled"

step "nanum self-test from the installed package (offscreen, as the nanum user)"
rc=0
QT_QPA_PLATFORM=offscreen nanum --lang en self-test --json >/tmp/selftest.json || rc=$?
cat /tmp/selftest.json
[ "$rc" = 0 ] || fail "self-test --json (exit $rc)"
QT_QPA_PLATFORM=offscreen nanum --lang en self-test || fail "self-test"

step "a kiosk with a loan"
nanum --lang en init --site CI01 --site-name "CI centre" --kiosk-id CI01-root
nanum --lang en item add T-00001 "전동 드릴" --parts 3 >/dev/null
card=$(nanum --json member add "Tester" | sed -n 's/.*"card": "\(NKC1-[^"]*\)".*/\1/p')
[ -n "$card" ] || fail "no card code"
nanum --lang en checkout "$card" T-00001
events_before=$(nanum --json verify-log | sed -n 's/.*"events": \([0-9]*\).*/\1/p')

step "upgrade to $(basename "$upgrade"): the data stays and is migrated"
apt-get install -y -q --no-install-recommends "$upgrade" >/tmp/apt-upgrade.log 2>&1 ||
  { tail -40 /tmp/apt-upgrade.log; fail "upgrade"; }
grep -i "schema" /tmp/apt-upgrade.log || fail "postinst did not migrate"
ls -d /var/lib/nanum-kiosk/backups/before-* || fail "no backup before the upgrade"
nanum --lang en loans --open | grep -q T-00001 || fail "the open loan is gone after the upgrade"
events_after=$(nanum --json verify-log | sed -n 's/.*"events": \([0-9]*\).*/\1/p')
[ "$events_before" = "$events_after" ] || fail "events $events_before -> $events_after"
nanum --lang en check
# CI's upgrade carries an extra migration (packaging/rollback_probe.py), so the
# rollback below has a newer schema to undo.
grep -q "Database schema .* -> 9001" /tmp/apt-upgrade.log || fail "the upgrade's extra migration did not run"
nanum --lang en item add T-00002 "사다리" >/dev/null  # made under the newer version
events_upgraded=$(nanum --json verify-log | sed -n 's/.*"events": \([0-9]*\).*/\1/p')
cat /var/lib/nanum-kiosk/schema-versions

step "roll back to $(basename "$first"): the database goes back to its schema, the data stays"
apt-get install -y -q --no-install-recommends --allow-downgrades "$first" >/tmp/apt-rollback.log 2>&1 ||
  { tail -40 /tmp/apt-rollback.log; fail "rollback"; }
grep -i "schema" /tmp/apt-rollback.log
grep -q "Database schema 9001 -> " /tmp/apt-rollback.log || fail "the rollback did not migrate the database down"
ls -d /var/lib/nanum-kiosk/backups/before-*-rollback-from-* || fail "no backup before the rollback"
installed=$(dpkg-query -W -f='${Version}' nanum-kiosk)
[ "dist/nanum-kiosk_${installed}_amd64.deb" = "dist/$(basename "$first")" ] || fail "installed $installed"
nanum --lang en loans --open | grep -q T-00001 || fail "the open loan is gone after the rollback"
nanum --lang en items | grep -q T-00002 || fail "the item added under the newer version is gone"
events_back=$(nanum --json verify-log | sed -n 's/.*"events": \([0-9]*\).*/\1/p')
[ "$events_upgraded" = "$events_back" ] || fail "events $events_upgraded -> $events_back"
nanum --lang en check
QT_QPA_PLATFORM=offscreen nanum --lang en self-test || fail "self-test after the rollback"

step "remove keeps the data; purge deletes it"
apt-get remove -y -q nanum-kiosk >/dev/null 2>&1 || fail "remove"
[ -f /var/lib/nanum-kiosk/nanum.sqlite3 ] || fail "remove deleted the database"
[ -f /etc/nanum-kiosk/config.toml ] || fail "remove deleted the configuration"
[ ! -e /opt/nanum-kiosk ] || fail "remove left /opt/nanum-kiosk: $(find /opt/nanum-kiosk | head -5)"
apt-get purge -y -q nanum-kiosk >/dev/null 2>&1 || fail "purge"
for p in /var/lib/nanum-kiosk /var/log/nanum-kiosk /etc/nanum-kiosk; do
  [ ! -e "$p" ] || fail "purge left $p"
done
echo "clean-root checks passed"
