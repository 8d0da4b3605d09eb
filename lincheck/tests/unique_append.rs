//! Unique-append inference: histories of distinct appended values are decided from their reads,
//! with the verdict the search gives. Generated histories with known verdicts (linearizable
//! ones from a real linearization, and four ways of breaking them) get those verdicts, and the
//! plain search agrees wherever it finishes; small histories of values that spell each other
//! (where reads can be read several ways) agree with the plain search too; the lab's large
//! histories are decided in a moment; a violation names the operations that conflict; and the
//! check stops at the first failing key unless told to explain every one.

use std::time::{Duration, Instant};

use lincheck::{
    check, CheckOptions, CheckReport, History, KvInput, KvModel, KvOutput, Operation, Outcome,
    PartitionOutcome, Stamp, Verdict,
};

mod generator;
mod validity;

use generator::{generate, Break, Rng, Shape};
use validity::assert_valid;

/// The plain search's time limit when it is only compared: far more than small histories need.
const SEARCH_LIMIT: Duration = Duration::from_millis(500);

/// Its memory limit: two tests search side by side, and the process stays well under 256 MB.
const SEARCH_MEMORY: usize = 48 << 20;

/// The checker without inference, within the limits above.
fn plain_search_within(history: &History<KvInput, KvOutput>, time: Duration) -> CheckReport {
    let options = CheckOptions::default()
        .without_inference()
        .with_time_limit(time)
        .with_max_memory(Some(SEARCH_MEMORY));
    check(&KvModel, history, &options)
}

fn plain_search(history: &History<KvInput, KvOutput>) -> CheckReport {
    plain_search_within(history, SEARCH_LIMIT)
}

// ---- generated histories with known verdicts ------------------------------------------------

/// 3000 small generated histories (600 seeds, each way of breaking them): every verdict is the
/// known one, every partition was inferred, and the plain search agrees wherever it finishes
/// (nearly always: a failing key of a dozen concurrent appends can take it seconds).
#[test]
fn small_generated_histories_get_their_verdicts() {
    let (mut compared, mut finished) = (0, 0);
    for seed in 0..600 {
        let shape = Shape::small(&mut Rng::new(seed));
        for how in Break::ALL {
            let Some(generated) = generate(seed, &shape, how) else { continue };
            let history = &generated.history;
            let report = check(&KvModel, history, &CheckOptions::default().with_every_violation());
            let context =
                || format!("seed {seed}, {how:?}, {shape:?}:\n{}", report.explain(&KvModel, history));
            assert_eq!(report.verdict, generated.expected, "{}", context());
            assert!(report.partitions.iter().all(|p| p.inferred), "a partition was searched: {}", context());
            assert_valid(&KvModel, history, &report);
            compared += 1;
            let searched = plain_search(history);
            if searched.verdict != Verdict::Unknown {
                finished += 1;
                assert_eq!(searched.verdict, report.verdict, "the plain search disagrees: {}", context());
            }
        }
    }
    println!("{compared} generated histories got their known verdicts; the plain search agreed on all {finished} it finished");
    assert!(compared > 2000, "most seeds should allow every way of breaking: {compared}");
    assert!(finished * 100 > compared * 99, "the plain search finished only {finished} of {compared}");
}

/// Larger histories (up to 8 clients, 3 keys, 12 calls each): the known verdict always, and
/// the plain search's wherever it finishes within its limits.
#[test]
fn medium_generated_histories_agree_with_the_search_where_it_finishes() {
    let (mut compared, mut finished) = (0, 0);
    for seed in 1000..1060 {
        let mut rng = Rng::new(seed);
        let shape = Shape {
            clients: 3 + rng.below(6),
            keys: 1 + rng.below(3),
            calls: 6 + rng.below(7),
            read_percent: 10 + rng.below(30),
            pending_percent: rng.below(10),
            longest_call: 2 + rng.below(15),
            final_reads: rng.chance(50),
            broken_keys: 1 + rng.below(2),
        };
        for how in Break::ALL {
            let Some(generated) = generate(seed, &shape, how) else { continue };
            let history = &generated.history;
            let report = check(&KvModel, history, &CheckOptions::default());
            assert_eq!(report.verdict, generated.expected, "seed {seed}, {how:?}, {shape:?}");
            assert_valid(&KvModel, history, &report);
            compared += 1;
            let searched = plain_search_within(history, Duration::from_millis(200));
            if searched.verdict != Verdict::Unknown {
                finished += 1;
                assert_eq!(
                    searched.verdict, report.verdict,
                    "seed {seed}, {how:?}: the plain search disagrees"
                );
            }
        }
    }
    println!("{compared} histories got their verdicts; the plain search finished and agreed on {finished}");
    assert!(compared > 240 && finished > compared / 2, "{finished} of {compared} searches finished");
}

/// The lab's shapes: 1,200 appends by 20 clients to one key, linearizable and broken each way,
/// and the 20 s crash test's two clients and one read, are each decided by inference.
#[test]
fn large_histories_are_decided_by_inference() {
    for (name, shape) in [("20 clients", Shape::one_key(20, 1200)), ("crash test", Shape::crash_test())] {
        for how in Break::ALL {
            if name == "crash test" && how != Break::None {
                continue;
            }
            let generated = generate(7, &shape, how).expect("a large history has room for every break");
            let history = &generated.history;
            let started = Instant::now();
            let report = check(&KvModel, history, &CheckOptions::default());
            let took = started.elapsed();
            assert_eq!(
                report.verdict,
                generated.expected,
                "{name}, {how:?}:\n{}",
                report.explain(&KvModel, history)
            );
            assert!(
                report.partitions.iter().all(|p| p.inferred),
                "{name}, {how:?}: a partition was searched"
            );
            assert_valid(&KvModel, history, &report);
            // The bench holds the real target (50 ms, release build); this catches a search.
            assert!(
                took < Duration::from_secs(2),
                "{name}, {how:?}: {} operations took {took:?}",
                history.len()
            );
            println!("{name}, {how:?}: {} operations, {} in {took:.1?}", history.len(), report.verdict);
        }
    }
}

// ---- values that spell each other -------------------------------------------------------------

/// A small random history of one key whose appends carry distinct values from a few letters
/// ("a", "ab", "ba", ...), so that reads may spell appends in several ways; reads are then
/// corrupted at random (a letter dropped, a value added or repeated, two halves swapped).
fn tangled_history(rng: &mut Rng) -> History<KvInput, KvOutput> {
    const VALUES: [&str; 8] = ["a", "b", "c", "ab", "ba", "bc", "abc", "ca"];
    let mut pool: Vec<&str> = VALUES.to_vec();
    for i in (1..pool.len()).rev() {
        pool.swap(i, rng.below(i as u64 + 1) as usize);
    }
    struct Planned {
        client: u64,
        value: Option<&'static str>,
        call: u64,
        ret: Option<u64>,
        effect: u64,
        applied: bool,
    }
    let mut planned = Vec::new();
    for client in 0..1 + rng.below(3) {
        let mut t = rng.below(3);
        for _ in 0..1 + rng.below(4) {
            let value = if rng.chance(55) { pool.pop() } else { None };
            let duration = 1 + rng.below(5);
            let pending = rng.chance(12);
            let effect = t * 2 + rng.below(duration * 2 + 1);
            let applied = !pending || rng.chance(50);
            planned.push(Planned {
                client,
                value,
                call: t,
                ret: (!pending).then_some(t + duration),
                effect,
                applied,
            });
            t += duration + rng.below(3);
        }
    }
    let mut order: Vec<usize> = (0..planned.len()).collect();
    order.sort_by_key(|&i| planned[i].effect);
    let mut state = String::new();
    let mut reads = vec![String::new(); planned.len()];
    for i in order {
        let p = &planned[i];
        match p.value {
            Some(value) if p.applied => state.push_str(value),
            Some(_) => {}
            None => {
                let mut read = state.clone();
                if rng.chance(30) {
                    match rng.below(4) {
                        0 if !read.is_empty() => {
                            read.remove(rng.below(read.len() as u64) as usize);
                        }
                        1 => read.push_str(VALUES[rng.below(VALUES.len() as u64) as usize]),
                        2 => read = format!("{read}{read}"),
                        _ => {
                            let half = read.len() / 2;
                            read = format!("{}{}", &read[half..], &read[..half]);
                        }
                    }
                }
                reads[i] = read;
            }
        }
    }
    let ops = planned
        .into_iter()
        .zip(reads)
        .map(|(p, read)| {
            let key = "k".to_string();
            let (input, output) = match p.value {
                Some(value) => (KvInput::Append { key, value: value.to_string() }, KvOutput::Ok),
                None => (KvInput::Get { key }, KvOutput::Value(read)),
            };
            let outcome = match p.ret {
                Some(at) => Outcome::Returned { output, at: Stamp(at) },
                None => Outcome::Pending,
            };
            Operation { client: p.client, input, call: Stamp(p.call), outcome }
        })
        .collect();
    History::new(ops).unwrap_or_else(|e| panic!("the test's history is malformed: {e}"))
}

/// On 4000 tangled histories the checker with inference agrees with the plain search, whether
/// the inference decided (reads spelled one way) or left the partition to the search.
#[test]
fn values_that_spell_each_other_agree_with_the_search() {
    let mut rng = Rng::new(0x07a1_91ed);
    let (mut inferred, mut searched, mut verdicts) = (0, 0, [0usize; 2]);
    for round in 0..4000 {
        let history = tangled_history(&mut rng);
        let report = check(&KvModel, &history, &CheckOptions::default());
        let plain = plain_search(&history);
        assert_eq!(
            report.verdict,
            plain.verdict,
            "round {round}: with inference\n{}\nwithout\n{}\n{:#?}",
            report.explain(&KvModel, &history),
            plain.explain(&KvModel, &history),
            history.operations()
        );
        assert_valid(&KvModel, &history, &report);
        if report.partitions.iter().all(|p| p.inferred) {
            inferred += 1;
        } else {
            searched += 1;
        }
        verdicts[usize::from(report.verdict == Verdict::Linearizable)] += 1;
    }
    println!("{inferred} decided by inference, {searched} searched; {verdicts:?} (not / linearizable)");
    assert!(inferred > 1000 && searched > 100, "both ways should be taken often: {inferred} / {searched}");
    assert!(verdicts[0] > 500 && verdicts[1] > 500, "both verdicts should be common: {verdicts:?}");
}

// ---- explanations -----------------------------------------------------------------------------

fn op(client: u64, input: KvInput, call: u64, ret: Option<(u64, KvOutput)>) -> Operation<KvInput, KvOutput> {
    let outcome = match ret {
        Some((at, output)) => Outcome::Returned { output, at: Stamp(at) },
        None => Outcome::Pending,
    };
    Operation { client, input, call: Stamp(call), outcome }
}

fn append(client: u64, value: &str, call: u64, ret: u64) -> Operation<KvInput, KvOutput> {
    op(client, KvInput::Append { key: "k".into(), value: value.into() }, call, Some((ret, KvOutput::Ok)))
}

fn get(client: u64, call: u64, ret: u64, read: &str) -> Operation<KvInput, KvOutput> {
    op(client, KvInput::Get { key: "k".into() }, call, Some((ret, KvOutput::Value(read.into()))))
}

/// Checks `ops` and returns the one partition's violation: prefix, unplaced and reason.
fn violation(ops: Vec<Operation<KvInput, KvOutput>>) -> (Vec<usize>, Vec<usize>, String) {
    let history = History::new(ops).expect("a well-formed history");
    let report = check(&KvModel, &history, &CheckOptions::default());
    assert_eq!(plain_search(&history).verdict, Verdict::NotLinearizable, "the search agrees");
    assert_valid(&KvModel, &history, &report);
    assert!(report.partitions[0].inferred);
    let text = report.explain(&KvModel, &history);
    match report.partitions[0].outcome.clone() {
        PartitionOutcome::Violation { longest_prefix, unplaced, reason: Some(reason) } => {
            assert!(text.contains(&format!("Why: {reason}")), "the explanation gives the reason:\n{text}");
            (longest_prefix, unplaced, reason)
        }
        other => panic!("expected a violation with a reason, got {other:?}"),
    }
}

/// Each kind of conflict is named with the operations in it, in the order of the history.
#[test]
fn a_violation_names_the_operations_that_conflict() {
    // Appends 0 then 1 in real time, a read that holds them the other way round.
    let (prefix, unplaced, reason) =
        violation(vec![append(0, "<a>", 0, 1), append(0, "<b>", 2, 3), get(1, 4, 5, "<b><a>")]);
    assert_eq!((prefix, unplaced), (vec![], vec![0, 1]));
    assert_eq!(
        reason,
        r#"the reads hold append("k", "<b>") (client 0) before append("k", "<a>") (client 0), but the latter returned before the former was called"#
    );

    // A read that misses an append that returned before it was called.
    let (prefix, unplaced, reason) =
        violation(vec![append(0, "<a>", 0, 1), append(1, "<b>", 0, 5), get(2, 2, 3, "<b>")]);
    assert_eq!((prefix, unplaced), (vec![1], vec![0, 2]));
    assert!(
        reason.contains("does not hold append(\"k\", \"<a>\") (client 0), which returned before the read")
    );

    // A read that holds an append called after the read returned.
    let (_, unplaced, reason) = violation(vec![get(0, 0, 1, "<a>"), append(1, "<a>", 2, 3)]);
    assert_eq!(unplaced, vec![0, 1]);
    assert!(reason.contains("which was called after the read returned"), "{reason}");

    // A read that holds an append twice.
    let (_, unplaced, reason) = violation(vec![append(0, "<a>", 0, 1), get(1, 2, 3, "<a><a>")]);
    assert_eq!(unplaced, vec![1]);
    assert!(reason.contains("holds append(\"k\", \"<a>\") (client 0) twice"), "{reason}");

    // Two reads that disagree, and a read nobody's appends spell.
    let (_, unplaced, reason) = violation(vec![
        append(0, "<a>", 0, 10),
        append(1, "<b>", 0, 10),
        get(2, 1, 9, "<a><b>"),
        get(3, 1, 9, "<b>"),
    ]);
    assert_eq!(unplaced, vec![3]);
    assert!(reason.starts_with("two reads disagree"), "{reason}");
    let (_, unplaced, reason) = violation(vec![append(0, "<a>", 0, 1), get(1, 2, 3, "<a><z>")]);
    assert_eq!(unplaced, vec![1]);
    assert!(reason.contains("no sequence of the appended values spells"), "{reason}");
}

/// A read of a very long value is shortened in the reason, keeping both ends.
#[test]
fn long_reads_are_shortened_in_the_reason() {
    let mut ops: Vec<_> = (0..200).map(|i| append(0, &format!("<{i}>"), 2 * i, 2 * i + 1)).collect();
    let all: String = (0..=200).map(|i| format!("<{i}>")).collect();
    ops.push(get(1, 1000, 1001, &all));
    ops.push(append(0, "<200>", 2000, 2001));
    let (_, unplaced, reason) = violation(ops);
    assert_eq!(unplaced, vec![200, 201]);
    assert!(reason.contains(" … ") && reason.contains("<199><200>") && reason.len() < 300, "{reason}");
}

// ---- stopping at the first violation ------------------------------------------------------------

/// 50 clients over 10 keys, 8 keys broken: by default one violation is explained and the rest
/// is left unchecked or found linearizable; with every violation asked for, exactly the broken
/// keys fail.
#[test]
fn the_check_stops_at_the_first_violation_unless_asked_for_all() {
    let shape = Shape { broken_keys: 8, ..Shape { keys: 10, ..Shape::one_key(50, 2000) } };
    let generated = generate(11, &shape, Break::SkipAppend).expect("room to break 8 keys");
    assert_eq!(generated.broken.len(), 8);
    let history = &generated.history;

    let first = check(&KvModel, history, &CheckOptions::default());
    assert_eq!(first.verdict, Verdict::NotLinearizable);
    assert_eq!(first.violations().count(), 1, "{}", first.explain(&KvModel, history));
    let unchecked = first.partitions.iter().filter(|p| p.outcome == PartitionOutcome::Unchecked).count();
    assert!(unchecked > 0, "the partitions after the first violation are not checked");
    assert!(first
        .explain(&KvModel, history)
        .contains(&format!("{unchecked} other partition(s) were not checked")));
    let again = check(&KvModel, history, &CheckOptions::default());
    assert_eq!(
        first.violations().next().map(|p| &p.label),
        again.violations().next().map(|p| &p.label),
        "the same violation is explained every time"
    );

    let every = check(&KvModel, history, &CheckOptions::default().with_every_violation());
    let mut failing: Vec<String> = every
        .violations()
        .map(|p| p.label.trim_start_matches("key ").trim_matches('"').to_string())
        .collect();
    failing.sort();
    let mut broken = generated.broken.clone();
    broken.sort();
    assert_eq!(failing, broken, "exactly the broken keys fail");
    assert!(every.partitions.iter().all(|p| p.outcome != PartitionOutcome::Unchecked));
    assert_valid(&KvModel, history, &every);
}
