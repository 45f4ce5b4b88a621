#!/usr/bin/env bash
# Install everything the tests need (Debian packages, a virtualenv, the project) and run them all.
# Extra arguments go to pytest. Set LIFTWATCH_TEST_MONGODB_URI to test against a real MongoDB.
set -euo pipefail
cd "$(dirname "$0")/.."

cat <<'EOF_SIZES'
tests/run.sh installs what is missing (measured on Debian 12):
  apt: python3-venv; chromium with chromium-common (about 360 MB); fonts-wqy-zenhei (16 MB)
  pip, into .venv: liftwatch and its dependencies (about 180 MB) and the test tools pytest,
       pytest-asyncio, playwright (165 MB, no browser download), opencv-contrib-python-headless
       (175 MB) and pypdfium2: about 610 MB in all
EOF_SIZES
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

.venv/bin/python -m pip install -q -e '.[embedded,faces,test]'
# MongoDB's CRUD spec test files, from the installed pymongo's source distribution (once;
# kept in .cache/crud-unified/<version>/, not in the repository).
.venv/bin/python -m tests.crud_spec.fetch
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
