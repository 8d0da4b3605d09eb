#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built (network allowed).
# The autograder zip is this repository (see "Gradescope" in grading/README.md) with this file
# and run_autograder at its top; Gradescope unpacks it to /autograder/source.
# AUTOGRADER_ROOT (default /autograder) moves the whole layout, as `make gradescope-check` does.
set -euo pipefail

ROOT=${AUTOGRADER_ROOT:-/autograder}
SOURCE=$ROOT/source
CACHE=$ROOT/cache
TOOLCHAIN=${GRADE_TOOLCHAIN:-stable}

# bubblewrap: the grader's filesystem/PID isolation (used when the container allows user
# namespaces; otherwise the grader says so and isolates by uid and rlimits alone).
PACKAGES=(ca-certificates curl build-essential git bubblewrap)
# All of them are installed (and upgraded) as soon as one is missing, as on a fresh image; a
# machine that has them all needs neither apt-get nor the network here.
missing=0
for package in "${PACKAGES[@]}"; do
    # shellcheck disable=SC2016
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null) || status=""
    [[ $status == *" installed" ]] || missing=1
done
if [ "$missing" = 1 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain "$TOOLCHAIN"
fi
# shellcheck disable=SC1091
source "$HOME/.cargo/env"

cd "$SOURCE"
cargo fetch --locked
cargo build -q --locked -p grading --bin grade

# The reference in source/ is root's alone: where bubblewrap cannot run (containers without
# user namespaces), a test process runs as a sandbox uid that may read whatever others may. The
# grader reaches none of it through source/ (it stages the binaries it runs elsewhere). Builds run
# as an unprivileged uid, which must pass through the root to the cache, but nobody may list the
# root; the cache is root's (the grader opens it to the build uid only while it builds).
chmod 711 "$ROOT"
chmod 700 "$SOURCE"
mkdir -p "$CACHE" && chmod 700 "$CACHE"

# Warm the cache: grading the reference builds every dependency once, so each submission only
# rebuilds its own crates and the test binaries. The score must be 100%.
./target/debug/grade --offline --quiet --cache "$CACHE" --fail-under 100 > "$ROOT/reference-grade.txt" \
    || { cat "$ROOT/reference-grade.txt"; echo "setup.sh: the reference does not score 100%" >&2; exit 1; }
tail -3 "$ROOT/reference-grade.txt"
