#!/bin/bash
#
# Installs the browser of the web UI's functional tests
# (pumphouse/tests/functional/ui): Debian's Chromium, driven headless by
# the Python playwright package (test-requirements.txt) through
# executable_path, so that no browser build is downloaded. bindep.txt
# lists it (profile browser); tools/test-setup.sh and tox's functional
# environment run this script. Nothing is done when chromium is there.

set -o errexit

if command -v chromium >/dev/null 2>&1; then
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    SUDO=""
else
    SUDO="sudo -H -E"
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is missing: install Debian's or your distribution's" \
        "chromium package (bindep browser)" >&2
    exit 1
fi

set -o xtrace
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q --no-install-recommends chromium || {
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends chromium
}
chromium --version
