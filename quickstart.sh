#!/usr/bin/env bash
# Install liftwatch into ./.venv and serve the demo district on http://127.0.0.1:8000.
#   bash quickstart.sh                 install, load the demo once, serve
#   bash quickstart.sh --install-only  install and stop (tests/run.sh uses this)
set -euo pipefail
cd "$(dirname "$0")"

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "liftwatch needs Python 3.11 or newer; python3 is $(python3 -V 2>&1)" >&2
  exit 1
fi
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  # Debian and Ubuntu ship venv support as a separate package.
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q python3-venv
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# The faces extra: face matching for technician check-ins (docs/faces.md).
.venv/bin/python -m pip install -q -e '.[embedded,faces]'

[ "${1:-}" = "--install-only" ] && exit 0
# The demo's notifications are printed here unless SMTP and the other channels are configured
# (LIFTWATCH_NOTIFY_CONSOLE=0 sends them for real; README, Notifications).
export LIFTWATCH_NOTIFY_CONSOLE="${LIFTWATCH_NOTIFY_CONSOLE:-1}"
exec .venv/bin/liftwatch serve --demo
