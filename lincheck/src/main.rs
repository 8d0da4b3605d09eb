//! `lincheck`: checks recorded or published histories for linearizability, for course staff.
//!
//! ```text
//! lincheck [--model kv|register] [--no-partition] [--no-inference] [--every-violation]
//!          [--html OUT] [--time-limit SECONDS] [--max-memory MB] FILE...
//! ```
//!
//! Prints one line per file (verdict, size, time) and exits non-zero if any file is not
//! linearizable; see `lincheck --help` for the exit codes.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use lincheck::formats::{load, Loaded, LoadedHistory};
use lincheck::timeline;
use lincheck::{
    check, CheckOptions, CheckReport, History, KvModel, Model, RegisterModel, Verdict,
    DEFAULT_MAX_CONFIGURATIONS, DEFAULT_MAX_MEMORY,
};

/// Checks histories for linearizability.
///
/// Reads the recorder's JSON Lines, the key/value logs and the Jepsen etcd logs of the external
/// linearizability data (the format is told from the text), checks each history, and prints
/// one line per file with the verdict and the time the check took.
#[derive(Parser, Debug)]
#[command(
    name = "lincheck",
    after_help = "Exit status: 0 every file is linearizable; 1 at least one is not; 2 a file could not be read \
                  or the arguments are wrong (and none is not linearizable); 3 a limit (--time-limit, \
                  --max-configurations or --max-memory) left a verdict unknown (and nothing worse happened)."
)]
struct Args {
    /// The model to check against. Without it, the file's format decides (a key/value log is kv, a
    /// Jepsen etcd log is register, a recorder file names its model); with it, a file of another
    /// model is an error.
    #[arg(long, value_enum)]
    model: Option<ModelName>,
    /// Check the whole history as one search instead of per key (much slower; for comparison).
    #[arg(long)]
    no_partition: bool,
    /// Search every partition, even one whose appends carry distinct values and whose order the
    /// reads give (slower, same verdicts; for comparison).
    #[arg(long)]
    no_inference: bool,
    /// Decide and explain every partition that has no linearization, instead of stopping at the
    /// first.
    #[arg(long)]
    every_violation: bool,
    /// Write the HTML timeline: to this file if one history is given, else into this directory
    /// (created if missing) as FILE_NAME.html for each history.
    #[arg(long, value_name = "OUT")]
    html: Option<PathBuf>,
    /// Give up on a history after this many seconds, and call its verdict unknown.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    time_limit: f64,
    /// Give up on a partition after exploring this many configurations (each takes memory: a
    /// few hundred bytes for a key/value history), and call its verdict unknown.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONFIGURATIONS)]
    max_configurations: usize,
    /// Give up when the searches of a history hold about this many megabytes (MiB), and call
    /// its verdict unknown.
    #[arg(long, value_name = "MB", default_value_t = DEFAULT_MAX_MEMORY >> 20)]
    max_memory: usize,
    /// Under each history that is not linearizable, print the longest linearizable prefix and
    /// the operations that could not be placed after it.
    #[arg(long)]
    explain: bool,
    /// The history files.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ModelName {
    /// The lab's key/value service (Get / Put / Append).
    Kv,
    /// A register with read / write / compare-and-set.
    Register,
}

impl ModelName {
    fn name(self) -> &'static str {
        match self {
            ModelName::Kv => KvModel::NAME,
            ModelName::Register => RegisterModel::NAME,
        }
    }
}

/// Standard output that tolerates a reader who stopped reading (`lincheck ... | head`): after
/// the first failed write it prints nothing more, and the exit status still gives the verdict.
struct Printer {
    out: std::io::Stdout,
    closed: bool,
}

impl Printer {
    fn new() -> Self {
        Printer { out: std::io::stdout(), closed: false }
    }

    fn line(&mut self, text: &str) {
        if !self.closed {
            self.closed = writeln!(self.out.lock(), "{text}").is_err();
        }
    }
}

/// What happened to one file.
enum Outcome {
    Checked(Verdict),
    Failed,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !(args.time_limit.is_finite() && args.time_limit > 0.0) {
        eprintln!("lincheck: --time-limit must be a positive number of seconds, got {}", args.time_limit);
        return ExitCode::from(2);
    }
    let options = CheckOptions {
        partition: !args.no_partition,
        time_limit: Some(Duration::from_secs_f64(args.time_limit)),
        max_configurations: Some(args.max_configurations),
        max_memory: Some(args.max_memory.saturating_mul(1 << 20)),
        infer_unique_appends: !args.no_inference,
        stop_at_first_violation: !args.every_violation,
    };
    if let Some(dir) = args.html.as_deref().filter(|_| args.files.len() > 1) {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("lincheck: cannot create the directory {} for the timelines: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    let width = args.files.iter().map(|f| f.display().to_string().chars().count()).max().unwrap_or(0);
    let mut used_names = HashSet::new();
    let mut printer = Printer::new();
    let outcomes: Vec<Outcome> = args
        .files
        .iter()
        .map(|file| {
            let html =
                args.html.as_deref().map(|out| html_path(out, file, args.files.len(), &mut used_names));
            check_file(file, &args, &options, html.as_deref(), width, &mut printer)
        })
        .collect();

    let count = |wanted: Verdict| {
        outcomes.iter().filter(|o| matches!(o, Outcome::Checked(v) if *v == wanted)).count()
    };
    let failed = outcomes.iter().filter(|o| matches!(o, Outcome::Failed)).count();
    let (good, bad, unknown) =
        (count(Verdict::Linearizable), count(Verdict::NotLinearizable), count(Verdict::Unknown));
    let files = if outcomes.len() == 1 { "file" } else { "files" };
    printer.line(&format!(
        "{} {files}: {good} linearizable, {bad} not linearizable, {unknown} unknown, {failed} unreadable",
        outcomes.len()
    ));
    ExitCode::from(if bad > 0 {
        1
    } else if failed > 0 {
        2
    } else if unknown > 0 {
        3
    } else {
        0
    })
}

/// Where the timeline of `file` goes.
fn html_path(out: &Path, file: &Path, files: usize, used: &mut HashSet<String>) -> PathBuf {
    if files == 1 {
        return out.to_path_buf();
    }
    let base = file.file_name().map_or_else(|| "history".to_string(), |n| n.to_string_lossy().into_owned());
    let mut name = format!("{base}.html");
    let mut n = 2;
    while !used.insert(name.clone()) {
        name = format!("{base}.{n}.html");
        n += 1;
    }
    out.join(name)
}

fn check_file(
    file: &Path,
    args: &Args,
    options: &CheckOptions,
    html: Option<&Path>,
    width: usize,
    printer: &mut Printer,
) -> Outcome {
    let shown = file.display().to_string();
    let Loaded { format, history } = match load(file) {
        Ok(loaded) => loaded,
        Err(e) => {
            printer.line(&format!("{:<18} {e}", "error"));
            return Outcome::Failed;
        }
    };
    if let Some(wanted) = args.model.filter(|m| m.name() != history.model_name()) {
        printer.line(&format!(
            "{:<18} {shown}: this {format} holds a {} history, but --model {} was given",
            "error",
            history.model_name(),
            wanted.name()
        ));
        return Outcome::Failed;
    }
    let title = file.file_name().map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
    let (report, explanation, page) = match &history {
        LoadedHistory::Kv(h) => judge(&KvModel, h, options, args.explain, html.map(|_| title.as_str())),
        LoadedHistory::Register(h) => {
            judge(&RegisterModel, h, options, args.explain, html.map(|_| title.as_str()))
        }
    };
    let partitions = match report.partitions.len() {
        1 => "1 partition ".to_string(),
        n => format!("{n} partitions"),
    };
    let mut line = format!(
        "{:<18} {shown:<width$}  {:>6} ops  {partitions:>14}  {:>10.2?}",
        report.verdict.to_string(),
        history.len(),
        report.elapsed
    );
    if let (Some(path), Some(page)) = (html, page) {
        match std::fs::write(path, page) {
            Ok(()) => line.push_str(&format!("  timeline: {}", path.display())),
            Err(e) => {
                printer.line(&line);
                printer.line(&format!("{:<18} {}: cannot write the timeline: {e}", "error", path.display()));
                return Outcome::Failed;
            }
        }
    }
    printer.line(&line);
    if report.verdict != Verdict::Linearizable {
        for partition in report.partitions.iter().filter(|p| p.is_violation()) {
            printer.line(&format!("{:<18} {}: no linearization", "", partition.label));
        }
        let limits = report.limits_hit();
        if !limits.is_empty() {
            printer.line(&format!("{:<18} the search {limits}", ""));
        }
        if args.explain {
            for text_line in explanation.lines() {
                printer.line(&format!("    {text_line}"));
            }
        }
    }
    Outcome::Checked(report.verdict)
}

/// Checks one history; returns the report, its explanation if `explain` (else an empty
/// string: describing every operation of a violation costs more than checking a small history)
/// and, if asked, the timeline page.
fn judge<M: Model>(
    model: &M,
    history: &History<M::Input, M::Output>,
    options: &CheckOptions,
    explain: bool,
    title: Option<&str>,
) -> (CheckReport, String, Option<String>) {
    let report = check(model, history, options);
    let explanation = if explain { report.explain(model, history) } else { String::new() };
    let page = title.map(|title| timeline::render(model, history, &report, title));
    (report, explanation, page)
}
