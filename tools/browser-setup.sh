#!/bin/bash
#
# Installs the browsers of the web UI's functional tests
# (pumphouse/tests/functional/ui): Debian's Chromium and Firefox ESR,
# driven headless by the Python playwright package (test-requirements.txt)
# through executable_path, so that no browser build is downloaded:
# Chromium over CDP, Firefox ESR over WebDriver BiDi (playwright's
# "moz-firefox" channel). bindep.txt lists them (profile browser);
# tools/test-setup.sh and tox's functional and ui environments run this
# script. Nothing is done when both are there.

set -o errexit

# Debian's packages, each named as the command it installs.
missing=()
for browser in chromium firefox-esr; do
    if ! command -v "$browser" >/dev/null 2>&1; then
        missing+=("$browser")
    fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    SUDO=""
else
    SUDO="sudo -H -E"
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing: ${missing[*]}: install Debian's or your distribution's" \
        "packages of them (bindep browser)" >&2
    exit 1
fi

set -o xtrace
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" || {
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
}
for browser in "${missing[@]}"; do
    "$browser" --version
done
