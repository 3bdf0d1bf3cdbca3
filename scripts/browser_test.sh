#!/usr/bin/env bash
# Browser test of the `loom serve` web playground: starts the server on a free port with the bundled models
# and runs scripts/browser_test.py in headless Chromium (Selenium + chromedriver): model list, classify
# (positive/negative, Ctrl+Enter), streamed generation, a narrow window, no console errors. Screenshots go
# to $LOOM_SCREENSHOTS. Exits non-zero on any failure.
#
# Run from anywhere on Debian 12 (installs chromium, chromium-driver and python3-venv when missing); ~10 s:
#   scripts/browser_test.sh
# Environment: LOOM_BIN (default .build/debug/loom), LOOM_TEST_VENV (default .build/test-venv),
#   LOOM_SCREENSHOTS (default .build/screenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
loom=${LOOM_BIN:-.build/debug/loom}
venv=${LOOM_TEST_VENV:-.build/test-venv}
export LOOM_SCREENSHOTS=${LOOM_SCREENSHOTS:-.build/screenshots}
[ -x "$loom" ] || { echo "FAIL: no loom binary at $loom (swift build, or set LOOM_BIN)"; exit 1; }
if ! dpkg -s chromium chromium-driver python3-venv >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver python3-venv
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check selenium

# Start the server on a free port; always stop it.
. scripts/test_server.sh

"$venv/bin/python" scripts/browser_test.py "$url"
