#!/usr/bin/env bash
# `make gradescope-check`: the Gradescope flow, run on this machine. It lays out an autograder
# root as Gradescope does, runs setup.sh in it, then run_autograder on two submissions, and checks
# each results.json with `grade check-results` (Gradescope's fields, then the score):
#   1. the reference itself, inside a top folder: the full score;
#   2. the fixture does_not_compile, at the top: score 0, the compiler's error in the output;
#   3. the fixture reads_the_reference: refused by the API check; with the check off, with
#      bubblewrap and without, it runs and every read of a secret fails.
# In between, it checks that the reference and the cache stay closed to the uids tests run as:
# their modes, a read tried as such a uid, and no warning of the grader about what tests could
# read.
# As root, like Gradescope (setup.sh installs what is missing; builds and tests run as
# unprivileged uids).
#
# AUTOGRADER_ROOT: the root to use as is (created if missing, kept at the end; its cache is
# reused). Empty or unset: a fresh one from `mktemp -d`, removed at the end unless KEEP=1.
# GRADE_RUNS and GRADE_FLAGS, if set, reach run_autograder as they would on Gradescope.
set -euo pipefail

say() { printf 'gradescope-check: %s\n' "$*"; }
die() {
    printf 'gradescope-check: FAILED: %s\n' "$*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || die "run it as root (sudo make gradescope-check): Gradescope runs setup.sh and \
run_autograder as root, setup.sh may install packages, and the grader builds and tests as unprivileged uids only as root"
# zip and unzip make and unpack the autograder zip: installed where apt-get can, else named.
for tool in git zip unzip; do
    if ! command -v "$tool" >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
        say "installing $tool with apt-get"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null; } || true
    fi
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: install it (apt-get install $tool) and rerun"
done

REPO=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel) \
    || die "grading/gradescope/check.sh must run from a git checkout of the lab (it archives HEAD)"
FIXTURE=does_not_compile
# The compiler's own words for the fixture's type error (mismatched types).
COMPILER_ERROR='error[E0308]'
# Marks a root this check laid out, so that a root given again may be emptied.
MARKER=.gradescope-check
started=$SECONDS

if [ -z "${AUTOGRADER_ROOT:-}" ]; then
    ROOT=$(mktemp -d)
    temporary=1
else
    mkdir -p "$AUTOGRADER_ROOT"
    ROOT=$(cd "$AUTOGRADER_ROOT" && pwd)
    temporary=0
    if [ -n "$(ls -A "$ROOT")" ] && [ ! -e "$ROOT/$MARKER" ]; then
        die "AUTOGRADER_ROOT=$ROOT is not empty and was not laid out by this check (no $MARKER): \
give an empty or new directory, or leave AUTOGRADER_ROOT empty for a temporary one"
    fi
fi
touch "$ROOT/$MARKER"

finish() {
    local status=$?
    if [ "$temporary" = 1 ] && [ "${KEEP:-}" != 1 ]; then
        rm -rf "$ROOT" || say "could not remove $ROOT: remove it by hand"
        [ "$status" = 0 ] || say "the root was removed; KEEP=1 keeps it to look at"
    else
        say "the root is kept: $ROOT (logs and results in $ROOT/check/)"
    fi
}
trap finish EXIT
say "autograder root: $ROOT"

# Gradescope's layout, fresh each time (a given root keeps only its cache).
rm -rf "$ROOT/source" "$ROOT/submission" "$ROOT/results" "$ROOT/check" \
    "$ROOT/run_autograder" "$ROOT/reference-grade.txt"
mkdir -p "$ROOT/check"
LOG=$ROOT/check

# source/: the autograder zip made by the README's recipe, unpacked as Gradescope does. That is
# `git archive` of HEAD (committed files only: no target/, no .git, no uncommitted edits) with
# setup.sh and run_autograder of the working tree added at its top. Unpacked files get the time
# of unpacking (-DD), so a cache kept in a given root never takes them for older than its builds.
if [ -n "$(git -C "$REPO" status --porcelain --untracked-files=no)" ]; then
    say "note: uncommitted changes are not checked (the zip holds HEAD), except in setup.sh and run_autograder"
fi
git -C "$REPO" archive --format=zip -o "$LOG/autograder.zip" HEAD
zip -q -j "$LOG/autograder.zip" "$REPO/grading/gradescope/setup.sh" "$REPO/grading/gradescope/run_autograder"
unzip -q -DD "$LOG/autograder.zip" -d "$ROOT/source"
# Gradescope runs run_autograder from the root.
cp "$ROOT/source/run_autograder" "$ROOT/run_autograder"
say "source/: $(git -C "$REPO" rev-parse --short HEAD) (git archive HEAD) with setup.sh and run_autograder at its top"

step=$SECONDS
say "running setup.sh (builds grade, grades the reference to warm the cache; log: $LOG/setup.log)"
(cd "$ROOT/source" && AUTOGRADER_ROOT=$ROOT bash ./setup.sh) > "$LOG/setup.log" 2>&1 || {
    tail -40 "$LOG/setup.log" >&2
    die "setup.sh failed (last lines above)"
}
tail -3 "$LOG/setup.log" | sed 's/^/    /'
say "setup.sh done in $((SECONDS - step)) s"
GRADE=$ROOT/source/target/debug/grade
[ -x "$GRADE" ] || die "setup.sh did not build $GRADE"

# What a test process without bubblewrap could reach: nothing of the reference or the cache.
for dir in source cache; do
    mode=$(stat -c %a "$ROOT/$dir")
    [ "$mode" = 700 ] || die "$dir/ has mode $mode after setup.sh: it must be 700 (root's alone), or tests \
without bubblewrap could read it"
done
# A uid of no account, as the grader's sandbox uids are.
OUTSIDER=61999
outsider() { setpriv --reuid="$OUTSIDER" --regid="$OUTSIDER" --clear-groups "$@" >/dev/null 2>&1; }
if command -v setpriv >/dev/null 2>&1 && outsider ls /; then
    refused() {
        if outsider "$@"; then
            die "as uid $OUTSIDER, \`$*\` worked: test processes without bubblewrap could do it too"
        fi
    }
    refused cat "$ROOT/source/pbservice/src/server.rs"
    refused ls "$ROOT/cache"
    refused ls "$ROOT"
    say "as uid $OUTSIDER, the reference, the cache and the root's listing are unreadable"
else
    say "note: setpriv (util-linux) is missing or cannot switch uids here, so no read was tried as another uid"
fi

# Runs run_autograder on what is in submission/ and keeps its results.json as check/NAME.json.
# FLAGS: grader flags added to GRADE_FLAGS for this run.
autograde() {
    local name=$1 flags=${2:-} step=$SECONDS
    rm -rf "$ROOT/results"
    (cd "$ROOT" && AUTOGRADER_ROOT=$ROOT GRADE_FLAGS="${GRADE_FLAGS:-} $flags" ./run_autograder) > "$LOG/$name.log" 2>&1 || {
        tail -40 "$LOG/$name.log" >&2
        die "run_autograder failed on the $name submission (last lines above)"
    }
    [ -s "$ROOT/results/results.json" ] || die "run_autograder wrote no results.json for the $name submission"
    cp "$ROOT/results/results.json" "$LOG/$name.json"
    grep -E '^(Tests passed|Points):' "$LOG/$name.log" | sed 's/^/    /' || true
    say "run_autograder on the $name submission done in $((SECONDS - step)) s"
}

# Checks check/NAME.json with grade check-results ARGS.
check() {
    local name=$1
    shift
    "$GRADE" check-results "$LOG/$name.json" "$@" \
        || die "the $name submission's results.json fails the check (problems above; the file: $LOG/$name.json)"
}

# 1. The reference as a submission, inside a top folder as a student uploading a repository has.
rm -rf "$ROOT/submission"
for krate in viewservice pbservice; do
    mkdir -p "$ROOT/submission/lab/$krate"
    cp -R "$ROOT/source/$krate/src" "$ROOT/submission/lab/$krate/src"
done
say "submission 1: the reference's viewservice/src and pbservice/src in submission/lab/"
autograde reference
check reference --expect-full
if grep -q "they could read" "$LOG/reference.log"; then
    grep "they could read" "$LOG/reference.log" >&2
    die "the grader warns that tests could read what they must not (above)"
fi

# 2. The fixture: the reference with its append/ files appended (see grading/src/materialize.rs).
fixture=$ROOT/source/grading/fixtures/$FIXTURE
if [ ! -d "$fixture/append" ] || [ -e "$fixture/patch.diff" ] || [ -e "$fixture/overlay" ]; then
    die "$fixture must hold append/ only (this check does not apply patches or overlays)"
fi
rm -rf "$ROOT/submission"
for krate in viewservice pbservice; do
    mkdir -p "$ROOT/submission/$krate"
    cp -R "$ROOT/source/$krate/src" "$ROOT/submission/$krate/src"
done
while IFS= read -r -d '' file; do
    target=$ROOT/submission/${file#"$fixture/append/"}
    [ -f "$target" ] || die "$file appends to ${target#"$ROOT/"}, which the reference lacks"
    cat "$file" >> "$target"
done < <(find "$fixture/append" -type f -print0)
say "submission 2: the fixture $FIXTURE (a type error appended to pbservice/src/lib.rs) in submission/"
autograde "$FIXTURE"
check "$FIXTURE" --expect-zero --output-contains "$COMPILER_ERROR" --output-contains "pbservice/src/lib.rs"

# 3. A hostile reader (grading/fixtures/reads_the_reference): its view service's start_server tries
# to read the reference, the mutants, the cache's build of the reference, the results and the
# root, then fails with one line per attempt (`SECRET-READ label: outcome @ path`). As Gradescope
# grades it, the API check refuses it before anything runs. With the check off (--no-api-check),
# with bubblewrap and without, it runs as a test does, and every attempt but its two controls (its
# own binary and run directory) must fail: what keeps the secret then is the modes setup.sh and
# run_autograder set, and the sandbox.
READER=reads_the_reference
reader=$ROOT/source/grading/fixtures/$READER
rm -rf "$ROOT/submission"
for krate in viewservice pbservice; do
    mkdir -p "$ROOT/submission/$krate"
    cp -R "$ROOT/source/$krate/src" "$ROOT/submission/$krate/src"
done
(cd "$ROOT/submission" && GIT_CEILING_DIRECTORIES=$ROOT git apply -p1 "$reader/patch.diff") \
    || die "$reader/patch.diff does not apply to the reference"
cp -R "$reader/overlay/." "$ROOT/submission/"
# What the reader is told, as an attacker learns it from the course's documentation (the reader
# also guesses /autograder/source, walks up, and finds the cache and the grader's tree itself).
SECRETS=(
    "reference-solution=$ROOT/source/pbservice/src/server.rs"
    "reference-mutants=$ROOT/source/grading/mutants"
    "autograder-root=$ROOT"
    "results-dir=$ROOT/results"
    "results-log=$ROOT/results/grade.txt"
)
targets=$ROOT/submission/viewservice/src/targets.rs
printf '//! Baked in by grading/gradescope/check.sh.\n\npub const BAKED: &[(&str, &str)] = &[\n' > "$targets"
for secret in "${SECRETS[@]}"; do
    case $secret in *'"'* | *\\*) die "the path in $secret holds a quote or a backslash: use a plainer AUTOGRADER_ROOT" ;; esac
    printf '    ("%s", "%s"),\n' "${secret%%=*}" "${secret#*=}" >> "$targets"
done
printf '];\n' >> "$targets"
# Every attempt that must fail: those baked in, and those the reader finds for itself.
REFUSED=(autograder-source walk-up cache-workspace cache-target shared-caches grader-tree)
for secret in "${SECRETS[@]}"; do REFUSED+=("${secret%%=*}"); done
ONE_TEST="--only viewservice::first_primary"
say "submission 3: the fixture $READER (reads what it must not) in submission/, one test graded"

autograde "$READER-api-check" "$ONE_TEST"
check "$READER-api-check" --expect-zero --output-contains "graded code may not use files"
say "as Gradescope grades it, the API check refuses $READER before it runs"

# Checks the reader's run NAME: it ran (its controls and its last line), and nothing else got in.
reader_ran() {
    local name=$1 args=(--expect-zero)
    args+=(--output-contains "SECRET-READ own-exe: read" --output-contains "SECRET-READ run-dir: listed")
    args+=(--output-contains "SECRET-READ done")
    # Each attempt reported (a label the reader no longer tries would pass the checks below
    # vacuously), and none of them got in.
    for label in "${REFUSED[@]}"; do
        args+=(--output-contains "SECRET-READ $label: ")
        args+=(--output-lacks "SECRET-READ $label: read" --output-lacks "SECRET-READ $label: listed")
    done
    # The grader's warnings reach staff (the log), not the student's output.
    grep -q "warning: the API check was off" "$LOG/$name.log" \
        || die "the grade of $name does not warn that the API check was off (log: $LOG/$name.log)"
    if grep "they could read" "$LOG/$name.log" >&2; then
        die "the grader warns that tests could read what they must not (above)"
    fi
    sed -n 's/^Isolation: /    isolation: /p' "$LOG/$name.log"
    # The reader's lines, out of the JSON string they travel in.
    sed 's/\\n/\n/g' "$LOG/$name.json" | grep -o 'SECRET-READ [a-z-]*: [a-z]*[^@]*@ [^ \]*' | sed 's/^/    /' || true
    check "$name" "${args[@]}"
}
autograde "$READER-bwrap" "--no-api-check $ONE_TEST"
reader_ran "$READER-bwrap"
autograde "$READER-no-bwrap" "--no-api-check --sandbox no-bwrap $ONE_TEST"
reader_ran "$READER-no-bwrap"
say "with the API check off, $READER ran and read nothing of the reference, the mutants, the cache, the results or the root (with bubblewrap if installed, and without)"

say "PASSED in $((SECONDS - started)) s: setup.sh, the reference scores full marks, $FIXTURE scores 0 with the compiler's error shown, $READER reads nothing secret"
