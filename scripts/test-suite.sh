#!/usr/bin/env bash
# Runs the named test suites: `make test S=...` calls it.
#
#   scripts/test-suite.sh SUITES [FILTER]
#
# A suite is one integration-test file, named after it:
#   NAME          tests/tests/NAME.rs, a graded suite of the crate labtests (S=viewservice);
#   CRATE:NAME    DIR/tests/NAME.rs of the crate CRATE in DIR (S=labrpc:kill, S=labtests:pbservice).
# SUITES holds one or more, separated by spaces or commas. FILTER, when given, runs only the
# tests whose name contains it, one at a time with their output shown, then a line saying how
# many matched and passed; if none matches, it names the closest and fails (as `make test
# T=...`: labreport's `lab-test` runs them, given the suites as cargo's `-p CRATE --test NAME`).
# An unknown suite runs nothing: the script lists the suites there are and exits with 2. The
# list comes from the files, so it follows the workspace (a handout has fewer suites); the test
# counts are the `#[graded]` and `#[test]` attributes in each file.
# CARGO names the cargo to run (default `cargo`). Written for bash 3.2 too.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
requested=$1 filter=${2:-}
cargo=${CARGO:-cargo}

# The package name of the crate in directory $1: the `name` of its [package] table.
package_of() {
    awk '/^\[/ { in_package = ($0 == "[package]") }
         in_package && $1 == "name" { gsub(/^[^"]*"|".*$/, ""); print; exit }' "$1/Cargo.toml"
}

# Every suite, as "CRATE NAME FILE", sorted by directory.
suites=()
for file in */tests/*.rs; do
    dir=${file%%/tests/*}
    if [ -f "$file" ] && [ -f "$dir/Cargo.toml" ]; then
        suites+=("$(package_of "$dir") $(basename "$file" .rs) $file")
    fi
done

if [ ${#suites[@]} -eq 0 ]; then
    echo "no test files here (tests/tests/*.rs, CRATE/tests/*.rs)" >&2
    exit 2
fi

# The name `make test S=...` knows the suite "CRATE NAME" by.
shown_name() {
    if [ "$1" = labtests ]; then echo "$2"; else echo "$1:$2"; fi
}

# "CRATE NAME" of the suite called $1, or nothing.
resolve() {
    local entry crate name file
    for entry in "${suites[@]}"; do
        read -r crate name file <<<"$entry"
        if [ "$1" = "$crate:$name" ] || [ "$1" = "$(shown_name "$crate" "$name")" ]; then
            echo "$crate $name"
            return
        fi
    done
}

# "NAME (N tests), ..." for the suites of the crate $1.
listing() {
    local entry crate name file count out=""
    for entry in "${suites[@]}"; do
        read -r crate name file <<<"$entry"
        if [ "$crate" = "$1" ]; then
            count=$(grep -cE '^[[:space:]]*#\[(graded|test)[](]' "$file" || true)
            out="$out${out:+, }$name ($count test$([ "$count" = 1 ] || echo s))"
        fi
    done
    echo "$out"
}

# The suites asked for, as cargo flags per crate (one cargo run per crate).
crates=() flags=() unknown=()
set -f # a suite name is no file pattern
for word in ${requested//,/ }; do
    found=$(resolve "$word")
    if [ -z "$found" ]; then
        unknown+=("\"$word\"")
        continue
    fi
    read -r crate name <<<"$found"
    at=0
    while [ $at -lt ${#crates[@]} ] && [ "${crates[at]}" != "$crate" ]; do
        at=$((at + 1))
    done
    crates[at]=$crate
    if [[ "${flags[at]:-} " != *" --test $name "* ]]; then
        flags[at]="${flags[at]:-} --test $name"
    fi
done
set +f
if [ ${#unknown[@]} -gt 0 ] || [ ${#crates[@]} -eq 0 ]; then
    if [ ${#unknown[@]} -gt 0 ]; then
        what="no suite ${unknown[*]}"
    else
        what="S names no suite"
    fi
    echo "$what; the suites are: $(listing labtests)" >&2
    others=$(for entry in "${suites[@]}"; do echo "${entry%% *}"; done | grep -vx labtests | uniq || true)
    if [ -n "$others" ]; then
        echo "and, named CRATE:NAME, the test files of the other crates:" >&2
        for crate in $others; do
            echo "  $crate: $(listing "$crate")" >&2
        done
    fi
    exit 2
fi

if [ -n "$filter" ]; then
    # One run over every suite asked for, so that one line sums them up.
    selection=()
    i=0
    while [ $i -lt ${#crates[@]} ]; do
        # The flags split into words on purpose: "--test a --test b".
        # shellcheck disable=SC2206
        selection+=(-p "${crates[$i]}" ${flags[$i]})
        i=$((i + 1))
    done
    exec "$cargo" run -q -p labreport --bin lab-test -- "$filter" "${selection[@]}"
fi

status=0
i=0
while [ $i -lt ${#crates[@]} ]; do
    # shellcheck disable=SC2206
    command=("$cargo" test -p "${crates[$i]}" ${flags[$i]} --no-fail-fast)
    echo "${command[*]}" >&2
    "${command[@]}" || status=$?
    i=$((i + 1))
done
exit "$status"
