#!/bin/bash
# Deliberately starves one graded test process, to show that the grader reports a starved run
# as inconclusive and runs it again instead of failing the submission. For the lab's maintainers;
# needs root and the cgroup v1 cpu controller (/sys/fs/cgroup/cpu).
#
#   scripts/starve-test.sh TEST AFTER_MS STARVE_MS CPU_MS_PER_SECOND [TIMES]
#
# Waits for a test process running TEST (as `grade` starts it: `<binary> TEST --exact`), and
# AFTER_MS after it appears gives it CPU_MS_PER_SECOND of processor time per second for STARVE_MS;
# then does the same to the next attempt, TIMES times in all (default 1). Example, in a second
# terminal while `make grade GRADE_FLAGS='--only pbservice_rules::rule_4'` builds:
#
#   scripts/starve-test.sh rule_4_backup_answers_client_request_with_wrong_server 300 8000 1 2
set -euo pipefail
if [ $# -lt 4 ]; then
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
test=$1 after_ms=$2 starve_ms=$3 cpu_ms=$4 times=${5:-1}
root=/sys/fs/cgroup/cpu
if [ ! -w "$root/cgroup.procs" ]; then
    echo "starve-test: needs root and the cgroup v1 cpu controller at $root" >&2
    exit 1
fi
group=$root/lab-starve
mkdir -p "$group"
echo 1000000 > "$group/cpu.cfs_period_us"
echo $((cpu_ms * 1000)) > "$group/cpu.cfs_quota_us"
seconds() { echo "scale=3; $1/1000" | bc; }
for attempt in $(seq "$times"); do
    pid=
    for _ in $(seq 60000); do
        pid=$(ps -eo pid=,args= | awk -v t="$test --exact" '$2 ~ /\/bin\/(viewservice|pbservice)[a-z_]*-[0-9a-f]+$/ && index($0, t) {print $1; exit}')
        [ -n "$pid" ] && break
        sleep 0.005
    done
    [ -n "$pid" ] || { echo "starve-test: no process runs $test" >&2; exit 1; }
    sleep "$(seconds "$after_ms")"
    echo "$pid" > "$group/cgroup.procs"
    echo "starve-test: attempt $attempt: pid $pid gets $cpu_ms ms of CPU per second for $starve_ms ms" >&2
    sleep "$(seconds "$starve_ms")"
    echo "$pid" > "$root/cgroup.procs" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
done
