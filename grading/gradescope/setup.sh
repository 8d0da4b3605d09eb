#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built (network allowed).
# The autograder zip is this repository (make gradescope-zip, see grading/README.md) with this
# file and run_autograder at its top; Gradescope unpacks it to /autograder/source.
set -euo pipefail

SOURCE=/autograder/source
CACHE=/autograder/cache
TOOLCHAIN=${GRADE_TOOLCHAIN:-stable}

apt-get update -qq
# bubblewrap: the grader's filesystem/PID isolation (used when the container allows user
# namespaces; otherwise the grader says so and isolates by uid and rlimits alone).
apt-get install -y -qq --no-install-recommends ca-certificates curl build-essential git bubblewrap

if ! command -v cargo >/dev/null 2>&1; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain "$TOOLCHAIN"
fi
# shellcheck disable=SC1091
source "$HOME/.cargo/env"

cd "$SOURCE"
cargo fetch --locked
cargo build -q --locked -p grading --bin grade

# Builds run as an unprivileged uid, which must pass through /autograder to the cache (the
# grader keeps the cache itself closed to every other uid).
chmod 755 /autograder "$SOURCE"
mkdir -p "$CACHE" && chmod 755 "$CACHE"

# Warm the cache: grading the reference builds every dependency once, so each submission only
# rebuilds its own crates and the test binaries. The score must be 100%.
./target/debug/grade --offline --quiet --cache "$CACHE" --fail-under 100 > /autograder/reference-grade.txt \
    || { cat /autograder/reference-grade.txt; echo "setup.sh: the reference does not score 100%" >&2; exit 1; }
tail -3 /autograder/reference-grade.txt
