#!/usr/bin/env bash
# Install everything the tests need (Debian packages, a virtualenv, the project) and run them all.
# Extra arguments go to pytest. Set LIFTWATCH_TEST_MONGODB_URI to test against a real MongoDB.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
# A CJK font so that screenshots taken by the browser tests are readable (the phones have their own).
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || packages+=(fonts-wqy-zenhei)
python3 -c "import ensurepip" >/dev/null 2>&1 || packages+=(python3-venv)
if [ ${#packages[@]} -gt 0 ]; then
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
