#!/usr/bin/env bash
# Makes sure the system tools the test suite uses are installed: bubblewrap (the grader's tests
# isolate test processes with it) and Chromium (the report page and timeline tests render pages
# in it, headless). As root on Debian it installs what is missing with apt-get; elsewhere it says
# what is missing and how to install it, and the tests that need a missing tool fail saying so.
# Called by `make test` and by .ci/run.
set -euo pipefail

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-tools: installing ${missing[*]} with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "test-tools: missing ${missing[*]}; install with: sudo apt-get install ${missing[*]}" >&2
    echo "test-tools: the tests that need them will fail until then" >&2
fi
