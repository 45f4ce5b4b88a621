#!/usr/bin/env bash
# Install everything the tests need (Debian packages, a virtualenv, the project) and run them all.
# Extra arguments go to pytest. Set LIFTWATCH_TEST_MONGODB_URI to test against a real MongoDB.
set -euo pipefail
cd "$(dirname "$0")/.."

bash quickstart.sh --install-only

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
packages=()
# Debian's Chromium, driven by Playwright (no browser download). On Ubuntu, where "chromium"
# is a snap, point LIFTWATCH_TEST_CHROMIUM at a Chromium or Chrome binary instead.
[ -x "${LIFTWATCH_TEST_CHROMIUM:-/usr/bin/chromium}" ] || packages+=(chromium)
# A CJK font, so that screenshots the browser tests take are readable (phones have their own).
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || packages+=(fonts-wqy-zenhei)
if [ ${#packages[@]} -gt 0 ]; then
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

.venv/bin/python -m pip install -q -e '.[test,faces]'
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
