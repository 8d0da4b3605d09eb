#!/usr/bin/env bash
# The simulated suites: `make test-sim` (all of them) and `make test-sim T=name` (the tests whose
# name contains `name`, output shown). labrpc and the graded suites built with the `simulation`
# feature: every thread a task of one seeded scheduler, on a virtual clock, so LAB_SEED=N
# replays a run exactly. `make test` runs them after the plain suites.
#
#   scripts/test-sim.sh [FILTER]
#
# CARGO names the cargo to run (default `cargo`).
set -uo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
filter=${1:-}
# labrpc's own simulation tests are three files (its other tests run on real threads, outside a
# simulated run, and belong to the plain build); the graded crate's tests all run simulated.
packages=(-p labrpc -p labtests --features labtests/simulation)
selected='package(labtests) | binary(sim_clock) | binary(sim_network) | binary(sim_leaks)'

if "$CARGO" nextest --version >/dev/null 2>&1; then
    if [ -n "$filter" ]; then
        escaped=$(printf '%s' "$filter" | sed 's/[][\\.*+?(){}|^$/]/\\&/g')
        exec "$CARGO" nextest run "${packages[@]}" --no-capture -E "($selected) & test(/$escaped/)"
    fi
    exec "$CARGO" nextest run "${packages[@]}" -E "$selected"
fi
status=0
"$CARGO" test -p labtests --features simulation --no-fail-fast -- ${filter:+--nocapture "$filter"} || status=$?
"$CARGO" test -p labrpc --features simulation --test sim_clock --test sim_network --test sim_leaks --no-fail-fast -- \
    ${filter:+--nocapture "$filter"} || status=$?
exit "$status"
