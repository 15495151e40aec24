#!/usr/bin/env bash
# THE test command: bash scripts/test.sh [pytest args...]
# Installs what the tests need on a fresh Debian machine (Chromium from Debian
# for the e2e tests, Python dev requirements), then runs pytest and exits with
# pytest's exit code. Non-interactive: never reads stdin.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec </dev/null

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1

log() { printf '[test.sh] %s\n' "$*" >&2; }

# --- system packages: headless Chromium (+ fonts for readable screenshots)
apt_pkgs=()
[ -x /usr/bin/chromium ] || apt_pkgs+=(chromium)
# nginx: the reverse-proxy tests (tests/e2e/test_proxy.py, tests/deploy/) run the deploy/ recipe for real.
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || apt_pkgs+=(nginx)
# Leaflet asks for Helvetica/Arial: fontconfig must find a sans-serif font.
if ! { command -v fc-match >/dev/null && fc-match -f '%{file}' sans-serif 2>/dev/null | grep -q .; }; then
    apt_pkgs+=(fonts-liberation fonts-dejavu-core)
fi
if [ "${#apt_pkgs[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        log "apt-get install ${apt_pkgs[*]}"
        for attempt in 1 2 3; do
            if apt-get -o DPkg::Lock::Timeout=300 update -qq &&
               apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${apt_pkgs[@]}" >/dev/null; then
                break
            fi
            [ "$attempt" = 3 ] && { log "apt-get failed"; exit 1; }
            log "apt-get failed (attempt $attempt), retrying"; sleep 10
        done
    else
        log "not root: cannot install ${apt_pkgs[*]} (the e2e tests skip without /usr/bin/chromium, or fail under CI=true)"
    fi
fi

# --- Python packages (pinned). Playwright's own browser download is never used.
log "pip install -r requirements-dev.txt"
python -m pip install -q -r requirements-dev.txt

# --- tests, in two parts, each with its wall time in the log (the closing note cites them):
# 1. everything but the end-to-end tests; 2. the e2e tests (marker e2e: Chromium and app servers).
# The e2e part runs on E2E_WORKERS pytest-xdist workers (default 2): its tests mostly wait on a
# server or the browser, so one worker keeps ~1 of 2 cores busy. --dist loadfile keeps each file on
# one worker (its module-scoped servers and data copies are started once), in the order
# tests/e2e/conftest.py gives (files starting servers of their own first). E2E_WORKERS=1: one process.
# pytest's "no tests collected" (5) in one part is fine when the arguments select the other part only;
# arguments with -m (a marker expression) run as given, in one part.
part() {  # part NAME PYTEST-ARGS...: run pytest, log its wall time and the load; sets rc_part
    local name=$1 t0=$SECONDS
    shift
    log "$name: python -m pytest $*"
    set +e
    python -m pytest "$@"
    rc_part=$?
    set -e
    log "$name: $((SECONDS - t0)) s wall (exit $rc_part), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
}
for arg in "$@"; do  # the caller chose the tests by marker: one pytest run, as asked
    case $arg in -m|-m*) part "tests" "$@"; exit "$rc_part";; esac
done
workers=${E2E_WORKERS:-2}
xdist=()
[ "$workers" -gt 1 ] && xdist=(-n "$workers" --dist loadfile --no-loadscope-reorder)
t_all=$SECONDS
part "tests (not e2e)" -m "not e2e" "$@"; rc_unit=$rc_part
part "e2e tests" -m e2e "${xdist[@]}" "$@"; rc_e2e=$rc_part
log "all tests: $((SECONDS - t_all)) s wall"
if [ "$rc_unit" = 5 ] && [ "$rc_e2e" = 5 ]; then exit 5; fi
for rc in "$rc_unit" "$rc_e2e"; do
    if [ "$rc" != 0 ] && [ "$rc" != 5 ]; then exit "$rc"; fi
done
exit 0
