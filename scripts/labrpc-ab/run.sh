#!/usr/bin/env bash
# Same-run A/B of labrpc's real-mode call path: labrpc at REV ("old") against the working tree's
# labrpc ("new"), with a control: REV's labrpc again, built as another crate. Each version is its
# own program (main.rs here, linked with one labrpc only), and the three run in turns, in a fresh
# random order every round, so that a slow spell of the machine falls on all of them alike.
#
# The control is the same code as "old": how far its median strays from old's is how far this
# machine's noise moves a row (its code layout and its scheduling, which decide how often a caller
# finds its reply while polling instead of sleeping). Read "new / old" against it.
#
# usage: scripts/labrpc-ab/run.sh REV      (make bench-ab REV=...)
#   ROUNDS=12 SECS=1 ROWS="null1 null2 null8 null32 kib1 kib64" change the measurement.
#   AB_RUSTFLAGS: the three are built with every function and jump target aligned to a cache line
#   (so that where the linker happens to place a hot loop moves a row less); AB_RUSTFLAGS=" "
#   builds them as cargo would.
# Run it on an otherwise idle machine; 12 rounds of every row take about 5 minutes.
set -euo pipefail
set -f  # ROWS is split on spaces, never expanded as a pattern

usage() { echo "usage: make bench-ab REV=<commit>, or scripts/labrpc-ab/run.sh <commit>: the commit whose labrpc to measure against the working tree's" >&2; exit 2; }
[ $# -eq 1 ] && [ -n "$1" ] && [ "${1#-}" = "$1" ] || usage
rev=$1
rounds=${ROUNDS:-12}
secs=${SECS:-1}
rows=${ROWS:-null1 null2 null8 null32 kib1 kib64}
[[ $rounds =~ ^[1-9][0-9]{0,3}$ ]] || { echo "labrpc-ab: ROUNDS must be a whole number from 1 to 9999, not '$rounds'" >&2; exit 2; }
[[ $secs =~ ^[0-9]{1,2}(\.[0-9]+)?$ && ! $secs =~ ^0+(\.0*)?$ ]] || { echo "labrpc-ab: SECS must be a number of seconds above 0 and below 100, not '$secs'" >&2; exit 2; }
for row in $rows; do
  case $row in null1|null2|null8|null32|kib1|kib64) ;; *) echo "labrpc-ab: no row '$row'; rows: null1 null2 null8 null32 kib1 kib64" >&2; exit 2;; esac
done

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
commit=$(git -C "$root" rev-parse --verify --quiet "$rev^{commit}") ||
  { echo "labrpc-ab: '$rev' is not a commit of this repository (a clone with its history is needed)" >&2; exit 2; }
git -C "$root" cat-file -e "$commit:labrpc/src/lib.rs" 2>/dev/null ||
  { echo "labrpc-ab: commit $commit has no labrpc" >&2; exit 2; }

work=$root/target/labrpc-ab
rm -rf "$work/src"
mkdir -p "$work/src/ab/src"

# One labrpc as a crate of its own: its source, a manifest without the workspace's inheritance
# (every dependency any version of labrpc has used), and a version that tells the three apart.
crate() {
  local dir=$work/src/$1 version=$2
  mkdir -p "$dir"
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "labrpc"
edition = "2021"
version = "$version"

[features]
simulation = ["dep:shuttle"]

[dependencies]
shuttle = { version = "=0.9.10", optional = true }
crossbeam-channel = "0.5.15"
parking_lot = "0.12"
rand = "0.10"
serde = { version = "1", features = ["derive"] }
bincode = { version = "=2.0.1", default-features = false, features = ["std", "serde"] }
log = "0.4"
serde_json = "1"
rustc-hash = "2"
TOML
}
for side_version in old:0.0.1 control:0.0.2; do
  side=${side_version%:*}
  crate "$side" "${side_version#*:}"
  git -C "$root" archive "$commit" labrpc | tar -x -C "$work/src/$side" --strip-components=1 --exclude=labrpc/Cargo.toml
done
crate new 0.0.3
cp -a "$root/labrpc/src" "$work/src/new/"
[ -f "$root/labrpc/README.md" ] && cp "$root/labrpc/README.md" "$work/src/new/"
for side in old control new; do rm -rf "$work/src/$side/benches" "$work/src/$side/tests"; done

cat > "$work/src/ab/Cargo.toml" <<'TOML'
[package]
name = "labrpc-ab"
version = "0.0.0"
edition = "2021"

[workspace]

[dependencies]
labrpc_old = { package = "labrpc", path = "../old", optional = true }
labrpc_control = { package = "labrpc", path = "../control", optional = true }
labrpc_new = { package = "labrpc", path = "../new", optional = true }

[features]
old = ["dep:labrpc_old"]
control = ["dep:labrpc_control"]
new = ["dep:labrpc_new"]
TOML
cp "$root/scripts/labrpc-ab/main.rs" "$work/src/ab/src/main.rs"
# The workspace's lock file: every version runs on the same versions of its dependencies.
cp "$root/Cargo.lock" "$work/src/ab/Cargo.lock"

echo "labrpc-ab: building labrpc at ${commit:0:10} (old, and again as the control) and the working tree's (new)"
export RUSTFLAGS=${AB_RUSTFLAGS:--C llvm-args=-align-all-functions=6 -C llvm-args=-align-all-nofallthru-blocks=5}
for side in old control new; do
  cargo build -q --release --manifest-path "$work/src/ab/Cargo.toml" --features $side \
    --target-dir "$work/target-$side"
done

results=$work/results.txt
: > "$results"
for row in $rows; do
  for round in $(seq 1 "$rounds"); do
    for side in $(printf '%s\n' old control new | shuf); do
      # Taken apart from the echo, so that a run that fails stops the A/B instead of leaving a
      # blank figure in the medians.
      figure=$("$work/target-$side/release/labrpc-ab" "$row" "$secs")
      echo "$side $figure" >> "$results"
    done
  done
  # Medians over the rounds (ns per call; a throughput row's is 1 / (calls/s) over all callers).
  awk -v row="$row" -v rev="${commit:0:10}" '
    $2 == row { ns[$1] = ns[$1] " " $3 }
    function median(list,   a, n, i, j, t) {
      n = split(list, a, " ")
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
      o = median(ns["old"]); c = median(ns["control"]); w = median(ns["new"])
      printf "%-7s old (%s) %7.0f ns   control %7.0f ns (%.3f)   new %7.0f ns (%.3f)\n", row, rev, o, c, c / o, w, w / o
    }' "$results"
done
echo "labrpc-ab: every round's figures: $results"
