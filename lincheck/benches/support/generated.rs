//! The checker on generated histories shaped like the lab's workloads (the tests' seeded
//! generator): many clients appending distinct tokens to one key, linearizable and broken each
//! way; the crash test's two clients and one read; and 50 clients over 10 keys with most keys
//! broken. Each against the targets of the unique-append issue; then, once every peak was
//! measured (a search leaves its heap to the process), the plain search (no inference, a time
//! limit) on the same histories, for comparison.

use std::time::{Duration, Instant};

use super::generator::{generate, Break, Generated, Shape};
use super::peak;
use super::{median, ms, target, RUNS};
use lincheck::{check, CheckOptions, KvModel, Verdict};

/// The plain search's time limit: its table shows what the checker does without inference.
const SEARCH_LIMIT: Duration = Duration::from_secs(2);

/// And its memory limit, below the default: the bench runs every check in one process, whose
/// allocator keeps some of what the earlier searches freed.
const SEARCH_MEMORY: usize = 64 << 20;

/// The seed of every generated history.
const SEED: u64 = 7;

struct Case {
    name: String,
    generated: Generated,
    /// Check time target.
    within: Duration,
    /// Peak memory target, in MB.
    memory_mb: Option<f64>,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for how in Break::ALL {
        let generated = generate(SEED, &Shape::one_key(20, 1200), how).expect("room for every break");
        cases.push(Case {
            name: format!("1,200 appends, 20 clients, one key: {how:?}"),
            generated,
            within: Duration::from_millis(50),
            memory_mb: None,
        });
    }
    let generated = generate(SEED, &Shape::crash_test(), Break::None).expect("a linearizable history");
    cases.push(Case {
        name: "crash test: 1,200 appends, 2 clients, one read".into(),
        generated,
        within: Duration::from_millis(50),
        memory_mb: None,
    });
    let shape = Shape { keys: 10, broken_keys: 8, ..Shape::one_key(50, 2000) };
    let generated = generate(SEED, &shape, Break::SkipAppend).expect("room to break 8 keys");
    cases.push(Case {
        name: "50 clients, 10 keys, 8 broken".into(),
        generated,
        within: Duration::from_millis(100),
        memory_mb: Some(64.0),
    });
    cases
}

/// Prints the table and the targets; returns (every target holds, every verdict agrees).
pub fn run() -> (bool, bool) {
    println!("Generated unique-append histories (seed {SEED}; median of {RUNS} checks):");
    println!();
    println!("| history | ops | verdict | ms | peak MB |");
    println!("|---|---:|---|---:|---:|");
    let mut holds = true;
    let mut agree = true;
    let mut lines = Vec::new();
    for case in cases() {
        let history = &case.generated.history;
        let (samples, peak) = peak::during(|| {
            (0..RUNS)
                .map(|_| {
                    let started = Instant::now();
                    let report = check(&KvModel, history, &CheckOptions::default());
                    (started.elapsed(), report.verdict)
                })
                .collect::<Vec<_>>()
        });
        let verdict = samples.last().map_or(Verdict::Unknown, |s| s.1);
        let took = median(samples.iter().map(|s| s.0).collect());
        let right = verdict == case.generated.expected;
        agree &= right;
        println!(
            "| {} | {} | {} | {} | {} |",
            case.name,
            history.len(),
            if right { verdict.to_string() } else { format!("DISAGREES ({verdict})") },
            ms(took),
            peak::shown(peak),
        );
        lines.push((case, took, peak));
    }
    println!();
    println!("Targets (generated):");
    for (case, took, peak) in lines {
        holds &= target(&case.name, took, case.within);
        if let Some(limit) = case.memory_mb {
            let within = peak.is_some_and(|mb| mb < limit);
            let verdict = if within { "holds" } else { "MISSED" };
            println!("- {}: peak {} MB (target < {limit} MB): {verdict}", case.name, peak::shown(peak));
            holds &= within;
        }
    }
    (holds, agree)
}

/// The plain search on the same histories, once each: what the checker did without inference.
pub fn run_plain_search() {
    println!(
        "The same histories searched without inference (time limit {SEARCH_LIMIT:?}, memory {} MiB, once each):",
        SEARCH_MEMORY >> 20
    );
    println!();
    println!("| history | verdict | ms | configurations |");
    println!("|---|---|---:|---:|");
    for case in cases() {
        let options = CheckOptions::default()
            .without_inference()
            .with_time_limit(SEARCH_LIMIT)
            .with_max_memory(Some(SEARCH_MEMORY));
        let started = Instant::now();
        let report = check(&KvModel, &case.generated.history, &options);
        let took = started.elapsed();
        let limits = report.limits_hit();
        let verdict =
            if limits.is_empty() { report.verdict.to_string() } else { format!("unknown: {limits}") };
        let configurations: usize = report.partitions.iter().map(|p| p.configurations).sum();
        println!("| {} | {verdict} | {} | {configurations} |", case.name, ms(took));
    }
}
