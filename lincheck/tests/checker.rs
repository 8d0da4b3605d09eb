//! The checker on hand-made histories: the corner cases one by one (concurrent operations in
//! either order, operations that never returned, stale reads, lost appends, ties in time, the
//! time limit), then random small histories judged against a brute-force search of every order.

use std::time::{Duration, Instant};

use lincheck::{
    check, CheckOptions, CheckReport, History, KvInput, KvModel, KvOutput, Limit, Model, Operation, Outcome,
    PartitionOutcome, RegisterInput, RegisterModel, RegisterOutput, Stamp, Verdict,
};

mod validity;
use validity::assert_valid;

// ---- building histories -------------------------------------------------------------------

fn op<I, O>(client: u64, input: I, call: u64, ret: Option<(u64, O)>) -> Operation<I, O> {
    let outcome = match ret {
        Some((at, output)) => Outcome::Returned { output, at: Stamp(at) },
        None => Outcome::Pending,
    };
    Operation { client, input, call: Stamp(call), outcome }
}

fn get(client: u64, key: &str, call: u64, ret: u64, read: &str) -> Operation<KvInput, KvOutput> {
    op(client, KvInput::Get { key: key.into() }, call, Some((ret, KvOutput::Value(read.into()))))
}

fn put(client: u64, key: &str, value: &str, call: u64, ret: u64) -> Operation<KvInput, KvOutput> {
    op(client, KvInput::Put { key: key.into(), value: value.into() }, call, Some((ret, KvOutput::Ok)))
}

fn append(client: u64, key: &str, value: &str, call: u64, ret: u64) -> Operation<KvInput, KvOutput> {
    op(client, KvInput::Append { key: key.into(), value: value.into() }, call, Some((ret, KvOutput::Ok)))
}

fn pending_append(client: u64, key: &str, value: &str, call: u64) -> Operation<KvInput, KvOutput> {
    op(client, KvInput::Append { key: key.into(), value: value.into() }, call, None)
}

fn pending_put(client: u64, key: &str, value: &str, call: u64) -> Operation<KvInput, KvOutput> {
    op(client, KvInput::Put { key: key.into(), value: value.into() }, call, None)
}

fn kv(ops: Vec<Operation<KvInput, KvOutput>>) -> History<KvInput, KvOutput> {
    History::new(ops).unwrap_or_else(|e| panic!("the test's history is malformed: {e}"))
}

/// Checks with and without partitioning; both must agree. Returns the partitioned report.
fn judge(history: &History<KvInput, KvOutput>) -> CheckReport {
    let report = check(&KvModel, history, &CheckOptions::default());
    let whole = check(&KvModel, history, &CheckOptions::default().without_partitioning());
    assert_eq!(
        report.verdict,
        whole.verdict,
        "partitioned and unpartitioned checks disagree on\n{}",
        report.explain(&KvModel, history)
    );
    assert_valid(&KvModel, history, &report);
    report
}

fn expect(history: Vec<Operation<KvInput, KvOutput>>, verdict: Verdict) -> CheckReport {
    let history = kv(history);
    let report = judge(&history);
    assert_eq!(report.verdict, verdict, "wrong verdict:\n{}", report.explain(&KvModel, &history));
    report
}

// ---- the corner cases -----------------------------------------------------------------------

/// Sequential operations read what was written; a missing key reads "".
#[test]
fn sequential_reads_see_the_latest_write() {
    expect(
        vec![
            get(0, "k", 0, 1, ""),
            put(0, "k", "a", 2, 3),
            append(0, "k", "b", 4, 5),
            get(0, "k", 6, 7, "ab"),
            append(0, "new", "x", 8, 9),
            get(0, "new", 10, 11, "x"),
        ],
        Verdict::Linearizable,
    );
}

/// A get concurrent with a put may see the value before it or after it.
#[test]
fn a_read_concurrent_with_a_write_may_see_either_value() {
    for read in ["", "v"] {
        expect(vec![put(0, "k", "v", 0, 10), get(1, "k", 2, 8, read)], Verdict::Linearizable);
    }
    expect(vec![put(0, "k", "v", 0, 10), get(1, "k", 2, 8, "w")], Verdict::NotLinearizable);
}

/// Two concurrent appends take effect in either order, but both take effect.
#[test]
fn concurrent_appends_in_either_order() {
    for read in ["ab", "ba"] {
        expect(
            vec![append(0, "k", "a", 0, 10), append(1, "k", "b", 1, 9), get(2, "k", 11, 12, read)],
            Verdict::Linearizable,
        );
    }
}

/// An append that returned is never lost.
#[test]
fn a_lost_append_is_a_violation() {
    let report = expect(
        vec![append(0, "k", "a", 0, 10), append(1, "k", "b", 1, 9), get(2, "k", 11, 12, "a")],
        Verdict::NotLinearizable,
    );
    let failing: Vec<_> = report.violations().collect();
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0].label, "key \"k\"");
}

/// A read that returns an older value after a newer one was written and returned is stale; the
/// report's prefix ends with the write, and the stale read is what could not be placed.
#[test]
fn a_stale_read_is_a_violation_and_the_report_says_which() {
    let report = expect(
        vec![put(0, "k", "1", 0, 1), put(0, "k", "2", 2, 3), get(1, "k", 4, 5, "1")],
        Verdict::NotLinearizable,
    );
    match &report.partitions[0].outcome {
        PartitionOutcome::Violation { longest_prefix, unplaced, .. } => {
            assert_eq!(longest_prefix, &vec![0, 1], "the two puts are the longest prefix");
            assert_eq!(unplaced, &vec![2], "the stale read could not be placed");
        }
        other => panic!("expected a violation, got {other:?}"),
    }
}

/// A read cannot see a write that had not been called yet.
#[test]
fn a_read_cannot_see_the_future() {
    expect(vec![get(0, "k", 0, 1, "v"), put(1, "k", "v", 2, 3)], Verdict::NotLinearizable);
}

/// An operation that never returned may take effect (at any time after its call) or not.
#[test]
fn a_pending_operation_may_take_effect_or_not() {
    for read in ["", "x"] {
        expect(vec![pending_append(0, "k", "x", 0), get(1, "k", 5, 6, read)], Verdict::Linearizable);
    }
    // Once seen, it stays.
    expect(
        vec![pending_append(0, "k", "x", 0), get(1, "k", 5, 6, "x"), get(1, "k", 7, 8, "")],
        Verdict::NotLinearizable,
    );
    // Not before its call.
    expect(vec![get(1, "k", 0, 1, "x"), pending_append(0, "k", "x", 2)], Verdict::NotLinearizable);
    // Late: after a later write.
    expect(
        vec![pending_put(0, "k", "old", 0), put(1, "k", "new", 1, 2), get(1, "k", 3, 4, "old")],
        Verdict::Linearizable,
    );
}

/// Pending operations that ask the same thing may stand for each other: two identical pending
/// appends can explain a value that holds the suffix twice, but not three times.
#[test]
fn identical_pending_operations_each_count() {
    let base = || vec![pending_append(0, "k", "x", 0), pending_append(1, "k", "x", 1)];
    for (read, verdict) in
        [("xx", Verdict::Linearizable), ("x", Verdict::Linearizable), ("xxx", Verdict::NotLinearizable)]
    {
        let mut ops = base();
        ops.push(get(2, "k", 5, 6, read));
        expect(ops, verdict);
    }
}

/// A call and a return at the same stamp count as concurrent.
#[test]
fn operations_that_touch_in_time_are_concurrent() {
    expect(vec![put(0, "k", "v", 0, 5), get(1, "k", 5, 6, "")], Verdict::Linearizable);
    expect(vec![put(0, "k", "v", 0, 5), get(1, "k", 6, 7, "")], Verdict::NotLinearizable);
}

/// A get that returned no value (or a put that returned one) is not something the service does.
#[test]
fn outputs_of_the_wrong_kind_are_rejected() {
    let odd_get = op(0, KvInput::Get { key: "k".into() }, 0, Some((1, KvOutput::Ok)));
    expect(vec![odd_get], Verdict::NotLinearizable);
    let odd_put =
        op(0, KvInput::Put { key: "k".into(), value: "v".into() }, 0, Some((1, KvOutput::Value("".into()))));
    expect(vec![odd_put], Verdict::NotLinearizable);
}

/// An empty history, and one with only pending operations, are linearizable.
#[test]
fn empty_and_all_pending_histories_are_linearizable() {
    expect(vec![], Verdict::Linearizable);
    expect(vec![pending_put(0, "a", "1", 0), pending_append(1, "b", "2", 1)], Verdict::Linearizable);
}

/// Keys are independent: a violation on one key is reported for that key alone.
#[test]
fn partitions_report_the_failing_key() {
    let history = kv(vec![
        put(0, "good", "1", 0, 1),
        get(1, "good", 2, 3, "1"),
        put(0, "bad", "1", 4, 5),
        get(1, "bad", 6, 7, ""),
    ]);
    let report = judge(&history);
    assert_eq!(report.verdict, Verdict::NotLinearizable);
    let labels: Vec<&str> = report.violations().map(|p| p.label.as_str()).collect();
    assert_eq!(labels, ["key \"bad\""]);
    assert_eq!(report.partitions.len(), 2);
    let text = report.explain(&KvModel, &history);
    assert!(text.contains("key \"bad\" (2 operations) has no linearization"), "{text}");
    assert!(text.contains("get(\"bad\") -> \"\""), "{text}");
}

/// The register model: compare-and-set that swaps or does not, reads of unknown result, and
/// compare-and-set calls that never returned.
#[test]
fn register_compare_and_set() {
    use RegisterInput::{Cas, Read, Write};
    use RegisterOutput as Out;
    let reg = |ops: Vec<Operation<RegisterInput, RegisterOutput>>| History::new(ops).expect("well-formed");
    let verdict = |history: &History<RegisterInput, RegisterOutput>| {
        let report = check(&RegisterModel, history, &CheckOptions::default());
        assert_valid(&RegisterModel, history, &report);
        report.verdict
    };
    let base = vec![
        op(0, Read, 0, Some((1, Out::Read(None)))),
        op(0, Write { value: 1 }, 2, Some((3, Out::Written))),
        op(0, Cas { expect: 1, new: 2 }, 4, Some((5, Out::Cas(true)))),
        op(0, Cas { expect: 1, new: 3 }, 6, Some((7, Out::Cas(false)))),
        op(0, Read, 8, Some((9, Out::Unknown))),
    ];
    let mut ok = base.clone();
    ok.push(op(0, Read, 10, Some((11, Out::Read(Some(2))))));
    assert_eq!(verdict(&reg(ok)), Verdict::Linearizable);
    let mut bad = base.clone();
    bad.push(op(0, Read, 10, Some((11, Out::Read(Some(3))))));
    assert_eq!(verdict(&reg(bad)), Verdict::NotLinearizable);
    // A timed-out compare-and-set may swap...
    let mut maybe = base.clone();
    maybe.push(op(1, Cas { expect: 2, new: 9 }, 10, None));
    maybe.push(op(0, Read, 12, Some((13, Out::Read(Some(9))))));
    assert_eq!(verdict(&reg(maybe)), Verdict::Linearizable);
    // ...but only if it finds its expected value.
    let mut never = base;
    never.push(op(1, Cas { expect: 7, new: 9 }, 10, None));
    never.push(op(0, Read, 12, Some((13, Out::Read(Some(9))))));
    assert_eq!(verdict(&reg(never)), Verdict::NotLinearizable);
}

/// Concurrent appends of distinct values, all overlapping, and a read nobody wrote: proving that
/// no order works means trying n! orders, far beyond any time limit. (The unique-append inference
/// sees at once that the read is impossible: the tests of limits search without it.)
fn hopeless_history(key: &str, appends: u64) -> Vec<Operation<KvInput, KvOutput>> {
    let mut ops: Vec<_> = (0..appends).map(|i| append(i, key, &format!("<{i}>"), i, 1000 + i)).collect();
    ops.push(get(appends, key, 2000, 2001, "nobody wrote this"));
    ops
}

/// The time limit gives "unknown" instead of hanging, and the report says which partition.
#[test]
fn the_time_limit_gives_unknown() {
    let history = kv(hopeless_history("k", 14));
    let limit = Duration::from_millis(100);
    let started = Instant::now();
    let report =
        check(&KvModel, &history, &CheckOptions::default().without_inference().with_time_limit(limit));
    let took = started.elapsed();
    assert_eq!(report.verdict, Verdict::Unknown, "{}", report.explain(&KvModel, &history));
    assert!(matches!(report.partitions[0].outcome, PartitionOutcome::GaveUp { limit: Limit::Time, .. }));
    // Generous: the limit is looked at every thousand steps, and the machine may be busy.
    assert!(took < Duration::from_secs(5), "a 100 ms limit took {took:?}");
    assert!(report.explain(&KvModel, &history).contains("is undecided: the search ran out of time"));
}

/// The limit on configurations bounds the search's memory the same way.
#[test]
fn the_configuration_limit_gives_unknown() {
    let history = kv(hopeless_history("k", 14));
    let options = CheckOptions::default().without_inference().with_max_configurations(Some(10_000));
    let report = check(&KvModel, &history, &options);
    assert_eq!(report.verdict, Verdict::Unknown, "{}", report.explain(&KvModel, &history));
    assert!(matches!(
        report.partitions[0].outcome,
        PartitionOutcome::GaveUp { limit: Limit::Configurations, .. }
    ));
    assert_eq!(
        report.partitions[0].configurations, 10_001,
        "the search stops at the first configuration too many"
    );
    assert!(report.explain(&KvModel, &history).contains("explored as many configurations as allowed"));
}

/// A violation found in one partition is definite even if another partition runs out of time.
#[test]
fn a_violation_beats_a_time_out() {
    let mut ops = hopeless_history("slow", 14);
    ops.extend([put(20, "fast", "1", 0, 1), get(21, "fast", 2, 3, "")]);
    let history = kv(ops);
    let options = CheckOptions::default().without_inference().with_time_limit(Duration::from_millis(100));
    let report = check(&KvModel, &history, &options);
    assert_eq!(report.verdict, Verdict::NotLinearizable, "{}", report.explain(&KvModel, &history));
    assert_eq!(report.violations().count(), 1);
}

/// The limit on memory gives "unknown" too, names itself, and keeps the process small.
#[test]
fn the_memory_limit_gives_unknown() {
    let history = kv(hopeless_history("k", 14));
    let options = CheckOptions::default().without_inference().with_max_memory(Some(8 << 20));
    let report = check(&KvModel, &history, &options);
    assert_eq!(report.verdict, Verdict::Unknown, "{}", report.explain(&KvModel, &history));
    assert_eq!(report.partitions[0].limit(), Some(Limit::Memory));
    assert_eq!(report.limits_hit(), "used as much memory as allowed on key \"k\"");
    // Some 150 bytes a configuration: 8 MiB is tens of thousands of them, not millions.
    let configurations = report.partitions[0].configurations;
    assert!((10_000..200_000).contains(&configurations), "8 MiB held {configurations} configurations");
}

/// The lab's random workloads on a fast machine: four clients doing Puts, Appends and Gets on
/// three keys, 72,000 operations, each overlapping the other clients' (about 24,000 to a key, as
/// in a run of the lone-primary test that once ended "unknown"). Puts leave the reads no unique
/// order of appends to infer, so this is the search's work; its memory must not grow with the
/// square of the history (a set of 24,000 calls is 3 KB), or the default budget runs out.
#[test]
fn a_long_history_of_puts_and_appends_is_decided_within_the_default_memory() {
    let (clients, keys, calls) = (4u64, 3usize, 72_000u64);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut values = vec![String::new(); keys];
    let mut ops = Vec::new();
    // Operation i takes effect at 10 i; its interval reaches 15 either side, so it overlaps its
    // neighbours but never its own client's previous call (40 earlier).
    for i in 0..calls {
        let (client, key) = (i % clients, (rng.next() % keys as u64) as usize);
        let name = format!("k{key}");
        let (call, ret) = (10 * i + 100 - rng.next() % 16, 10 * i + 100 + rng.next() % 16);
        let token = format!("c{client}.{i};");
        ops.push(match rng.next() % 3 {
            0 => get(client, &name, call, ret, &values[key]),
            1 => {
                values[key] = token.clone();
                put(client, &name, &token, call, ret)
            }
            _ => {
                values[key].push_str(&token);
                append(client, &name, &token, call, ret)
            }
        });
    }
    let history = kv(ops);
    let report = check(&KvModel, &history, &CheckOptions::default());
    assert_eq!(report.verdict, Verdict::Linearizable, "{}", report.limits_hit());
}

// ---- random histories against brute force -----------------------------------------------------

/// A small deterministic generator (xorshift64*), so a failure repeats.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random history of up to three clients on two keys: each operation takes effect at a random
/// instant inside its interval (so the history is linearizable), then with some chance a read's
/// result is corrupted. Some last calls never return.
fn random_history(rng: &mut Rng) -> History<KvInput, KvOutput> {
    struct Planned {
        client: u64,
        input: KvInput,
        call: u64,
        ret: u64,
        effect: u64,
        pending: bool,
    }
    let mut planned = Vec::new();
    for client in 0..1 + rng.below(3) {
        let mut t = rng.below(4);
        let count = 1 + rng.below(3);
        for n in 0..count {
            let key = ["a", "b"][rng.below(2) as usize].to_string();
            let value = ["x", "y"][rng.below(2) as usize].to_string();
            let input = match rng.below(3) {
                0 => KvInput::Get { key },
                1 => KvInput::Put { key, value },
                _ => KvInput::Append { key, value },
            };
            let call = t;
            let ret = call + 1 + rng.below(6);
            let effect = call * 2 + rng.below((ret - call) * 2 + 1);
            let pending = n + 1 == count && rng.below(5) == 0;
            planned.push(Planned { client, input, call, ret, effect, pending });
            t = ret + rng.below(3);
        }
    }
    // Apply in effect order; a pending operation takes effect only sometimes.
    let mut order: Vec<usize> = (0..planned.len()).collect();
    order.sort_by_key(|&i| planned[i].effect);
    let mut state = KvModel.init();
    let mut outputs = vec![None; planned.len()];
    for i in order {
        let p = &planned[i];
        if p.pending && rng.below(2) == 0 {
            continue;
        }
        let output = match &p.input {
            KvInput::Get { key } => {
                let mut read = state.get(key).to_string();
                if rng.below(4) == 0 {
                    read = ["", "x", "y", "xy", "yx"][rng.below(5) as usize].to_string();
                }
                KvOutput::Value(read)
            }
            _ => KvOutput::Ok,
        };
        state = KvModel.step(&state, &p.input, Some(&output)).unwrap_or(state);
        outputs[i] = Some(output);
    }
    let ops = planned
        .into_iter()
        .zip(outputs)
        .map(|(p, output)| {
            let ret = match (p.pending, output) {
                (false, Some(output)) => Some((p.ret, output)),
                (false, None) => unreachable!("an operation that returned always takes effect"),
                (true, _) => None,
            };
            op(p.client, p.input, p.call, ret)
        })
        .collect();
    kv(ops)
}

/// Tries every order (leaving out any pending operations) that real time allows.
fn brute_force<M: Model>(model: &M, ops: &[Operation<M::Input, M::Output>]) -> bool {
    fn go<M: Model>(
        model: &M,
        ops: &[Operation<M::Input, M::Output>],
        done: &mut Vec<bool>,
        state: M::State,
    ) -> bool {
        if ops.iter().zip(done.iter()).all(|(op, &d)| d || op.is_pending()) {
            return true;
        }
        for i in 0..ops.len() {
            if done[i] {
                continue;
            }
            // i may go next unless some other remaining operation returned before i was called.
            let blocked = (0..ops.len()).any(|j| {
                j != i && !done[j] && ops[j].returned_at().is_some_and(|returned| returned < ops[i].call)
            });
            if blocked {
                continue;
            }
            if let Some(next) = model.step(&state, &ops[i].input, ops[i].output()) {
                done[i] = true;
                let found = go(model, ops, done, next);
                done[i] = false;
                if found {
                    return true;
                }
            }
        }
        false
    }
    go(model, ops, &mut vec![false; ops.len()], model.init())
}

/// On 3000 random small histories, the checker (partitioned and not) agrees with brute force,
/// and its linearizations and prefixes are valid.
#[test]
fn random_histories_agree_with_brute_force() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut seen = [0usize; 2];
    for round in 0..3000 {
        let history = random_history(&mut rng);
        let expected = brute_force(&KvModel, history.operations());
        let report = judge(&history);
        let got = report.verdict == Verdict::Linearizable;
        assert_eq!(
            got,
            expected,
            "round {round}: brute force says linearizable = {expected}; the checker:\n{}\n{:#?}",
            report.explain(&KvModel, &history),
            history.operations()
        );
        seen[usize::from(expected)] += 1;
    }
    println!("{} linearizable and {} not linearizable random histories agreed", seen[1], seen[0]);
    assert!(seen[0] > 300 && seen[1] > 300, "the generator should give plenty of both: {seen:?}");
}
