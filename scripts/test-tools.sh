#!/usr/bin/env bash
# Makes sure the system tools the test suite uses are installed, asking only for what this
# checkout's tests need:
#   - bubblewrap (bwrap), when the grader's own tests are here (grading/tests/): they isolate
#     test processes with it;
#   - Chromium, when the report and timeline page tests are here (labreport/tests/,
#     lincheck/tests/): they render pages in it, headless.
# A checkout without those tests needs neither.
# As root on Debian it installs what is missing with apt-get; elsewhere it names what is missing
# and the command that installs it, and the tests that need a missing tool fail saying so.
# Called by `make test` and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
if [ -d grading/tests ] && ! command -v bwrap >/dev/null 2>&1; then
    missing+=(bubblewrap)
fi
if { [ -d labreport/tests ] || [ -d lincheck/tests ]; } && ! command -v chromium >/dev/null 2>&1; then
    missing+=(chromium)
fi
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-tools: installing ${missing[*]} with apt-get" >&2
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
        exit 0
    fi
    echo "test-tools: apt-get could not install ${missing[*]}" >&2
fi
for tool in "${missing[@]}"; do
    echo "test-tools: $tool is missing; install it with: sudo apt-get install -y $tool" >&2
done
echo "test-tools: the tests that need it will fail and say so until then" >&2
