//! `cargo bench -p lincheck --bench lincheck`: the checker's speed and peak memory on generated
//! histories shaped like the lab's workloads (`support/generated.rs`), then on every history of
//! the external linearizability data, with and without per-key partitioning, against the
//! targets of the checker's issues.
//!
//! Each figure is the median of several checks of the parsed history (parsing is timed apart);
//! "configurations" counts the (operations linearized, state) pairs the unpartitioned search
//! explored; "peak MB" is the process's peak resident memory while the file was checked (the
//! generated histories go first, before the searches of the data have grown the heap).
//! The table is Markdown, ready for a note. A missed speed target is reported, not fatal (timings
//! depend on the machine and its load); a verdict that disagrees with the data exits non-zero.

use std::time::{Duration, Instant};

use lincheck::formats::external_data::{catalog, default_dir, DataFile};
use lincheck::formats::{load, LoadedHistory};
use lincheck::{check, CheckOptions, KvModel, RegisterModel, Verdict};

#[path = "support/generated.rs"]
mod generated;
#[path = "../tests/generator/mod.rs"]
mod generator;
#[path = "support/peak.rs"]
mod peak;

/// Checks per figure; the median is reported.
const RUNS: usize = 5;

struct Row {
    file: DataFile,
    operations: usize,
    parse: Duration,
    partitioned: Duration,
    whole: Duration,
    /// Configurations the unpartitioned search explored.
    configurations: usize,
    /// Peak resident memory while the file was checked, in MB.
    peak: Option<f64>,
    verdicts_agree: bool,
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The median time of `RUNS` checks, and the verdict and configurations explored of the last.
fn time_check(history: &LoadedHistory, options: &CheckOptions) -> (Duration, Verdict, usize) {
    let mut samples = Vec::with_capacity(RUNS);
    let mut last = (Verdict::Unknown, 0);
    for _ in 0..RUNS {
        let started = Instant::now();
        let report = match history {
            LoadedHistory::Kv(h) => check(&KvModel, h, options),
            LoadedHistory::Register(h) => check(&RegisterModel, h, options),
        };
        samples.push(started.elapsed());
        last = (report.verdict, report.partitions.iter().map(|p| p.configurations).sum());
    }
    (median(samples), last.0, last.1)
}

fn measure(file: DataFile) -> Row {
    let started = Instant::now();
    let history = load(&file.path).unwrap_or_else(|e| panic!("{e}")).history;
    let parse = started.elapsed();
    let ((partitioned, with, _), first) = peak::during(|| time_check(&history, &CheckOptions::default()));
    let ((whole, without, configurations), second) =
        peak::during(|| time_check(&history, &CheckOptions::default().without_partitioning()));
    let peak = first.zip(second).map(|(a, b)| a.max(b));
    let verdicts_agree = with == file.expected && without == file.expected;
    Row { operations: history.len(), file, parse, partitioned, whole, configurations, peak, verdicts_agree }
}

fn ms(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64() * 1000.0)
}

/// One target line: what, the measured figure, the limit, and whether it holds.
fn target(what: &str, measured: Duration, limit: Duration) -> bool {
    let holds = measured < limit;
    let verdict = if holds { "holds" } else { "MISSED" };
    println!("- {what}: {} ms (target < {} ms): {verdict}", ms(measured), ms(limit));
    holds
}

fn main() {
    let files = catalog(&default_dir()).unwrap_or_else(|e| panic!("{e}"));
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!("lincheck bench: median of {RUNS} checks each, {cores} cores");
    println!();
    let (generated_hold, generated_agree) = generated::run();
    println!();
    println!("External data: {} files", files.len());
    println!();
    println!(
        "| file | model | ops | verdict | parse ms | partitioned ms | unpartitioned ms | configurations | peak MB |"
    );
    println!("|---|---|---:|---|---:|---:|---:|---:|---:|");
    let rows: Vec<Row> = files.into_iter().map(measure).collect();
    for row in &rows {
        let verdict =
            if row.verdicts_agree { row.file.expected.to_string() } else { "DISAGREES".to_string() };
        println!(
            "| {} | {} | {} | {verdict} | {} | {} | {} | {} | {} |",
            row.file.name(),
            row.file.model,
            row.operations,
            ms(row.parse),
            ms(row.partitioned),
            ms(row.whole),
            row.configurations,
            peak::shown(row.peak)
        );
    }
    let total = |model: &str, pick: fn(&Row) -> Duration| -> Duration {
        rows.iter().filter(|r| r.file.model == model).map(pick).sum()
    };
    for model in [KvModel::NAME, RegisterModel::NAME] {
        let count = rows.iter().filter(|r| r.file.model == model).count();
        println!(
            "| **total {model}** ({count} files) | | {} | | {} | {} | {} | | |",
            rows.iter().filter(|r| r.file.model == model).map(|r| r.operations).sum::<usize>(),
            ms(total(model, |r| r.parse)),
            ms(total(model, |r| r.partitioned)),
            ms(total(model, |r| r.whole))
        );
    }
    println!();
    println!("Targets:");
    let whole_of =
        |name: &str| rows.iter().find(|r| r.file.name() == name).map_or(Duration::MAX, |r| r.whole);
    let mut all_hold = target(
        "all kv files, partitioned",
        total(KvModel::NAME, |r| r.partitioned),
        Duration::from_millis(200),
    );
    all_hold &= target("c10-ok.txt, unpartitioned", whole_of("c10-ok.txt"), Duration::from_secs(1));
    all_hold &= target("c10-bad.txt, unpartitioned", whole_of("c10-bad.txt"), Duration::from_secs(1));
    all_hold &=
        target("all etcd files", total(RegisterModel::NAME, |r| r.partitioned), Duration::from_millis(500));
    let agree = rows.iter().filter(|r| r.verdicts_agree).count();
    println!("- verdicts agreeing with the data: {agree} of {}", rows.len());
    let highest = rows
        .iter()
        .filter_map(|r| r.peak)
        .fold(None, |top: Option<f64>, mb| Some(top.map_or(mb, |t| t.max(mb))));
    all_hold &= generated_hold;
    let under = highest.is_some_and(|mb| mb < 256.0);
    println!(
        "- peak memory of any data file: {} MB (target < 256 MB): {}",
        peak::shown(highest),
        if under { "holds" } else { "MISSED" }
    );
    all_hold &= under;
    println!();
    generated::run_plain_search();
    if !all_hold {
        println!("A target was missed: timings depend on the machine and its load; see the tables.");
    }
    if agree != rows.len() || !generated_agree {
        eprintln!("lincheck bench: a verdict disagrees with the data or the generator (see the tables)");
        std::process::exit(1);
    }
}
