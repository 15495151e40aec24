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

# --- tests
log "python -m pytest $*"
set +e
python -m pytest "$@"
rc=$?
set -e
exit "$rc"
