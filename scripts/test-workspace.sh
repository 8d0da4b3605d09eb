#!/usr/bin/env bash
# `make test`'s test run (after the format check and clippy): every test of the workspace, then
# labrpc's and the graded suites' tests again in simulation mode (scripts/test-sim.sh), then once
# more with the leak check (LAB_LEAK_CHECK=1: each simulated scenario runs twice on its schedule
# and fails if anything outside the simulation made the second run differ).
#
# With cargo-nextest installed, the test binaries run side by side, each test in a process of its
# own (.config/nextest.toml), then the doc tests, which nextest does not run. Without it, plain
# `cargo test`, one test binary after another: the same tests, slower.
# Both go on after a failure and exit non-zero if any test failed.
set -uo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}

if "$CARGO" nextest --version >/dev/null 2>&1; then
    status=0
    "$CARGO" nextest run --workspace || status=$?
    "$CARGO" test --workspace --doc || status=$?
    CARGO="$CARGO" bash scripts/test-sim.sh || status=$?
    LAB_LEAK_CHECK=1 CARGO="$CARGO" bash scripts/test-sim.sh || status=$?
    exit "$status"
fi
echo "test-workspace: cargo-nextest is not installed, so the tests run one binary at a time" >&2
echo "test-workspace: (cargo install cargo-nextest --locked runs them side by side)" >&2
status=0
"$CARGO" test --workspace --no-fail-fast || status=$?
CARGO="$CARGO" bash scripts/test-sim.sh || status=$?
LAB_LEAK_CHECK=1 CARGO="$CARGO" bash scripts/test-sim.sh || status=$?
exit "$status"
