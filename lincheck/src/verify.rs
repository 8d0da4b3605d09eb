//! The one call a scenario test makes: check a recorded history and, unless it is
//! linearizable, leave its timeline where a student can open it and fail with a sentence.

use std::path::{Path, PathBuf};

use super::checker::{check, CheckOptions, CheckReport, Verdict};
use super::history::History;
use super::model::Model;
use super::timeline;

/// Checks `history` under `model`. If it is linearizable, returns the report. If not (or if the
/// time limit left the verdict unknown), writes the timeline to `timeline_dir/NAME.html` and
/// returns a message with the verdict, the explanation of each failing partition and the path
/// of the page, for the test to fail with:
///
/// ```no_run
/// # use lincheck::{verify, CheckOptions, KvModel, KvRecorder};
/// # let recorder = KvRecorder::new();
/// # let timelines = std::path::Path::new("target/timelines");
/// verify(&KvModel, &recorder.history(), &CheckOptions::default(), timelines, "concurrent_appends")
///     .unwrap_or_else(|failure| panic!("{failure}"));
/// ```
pub fn verify<M: Model>(
    model: &M,
    history: &History<M::Input, M::Output>,
    options: &CheckOptions,
    timeline_dir: &Path,
    name: &str,
) -> Result<CheckReport, String> {
    let report = check(model, history, options);
    if report.verdict == Verdict::Linearizable {
        return Ok(report);
    }
    let what = match report.verdict {
        Verdict::NotLinearizable => "the history of this test is not linearizable".to_string(),
        _ => format!(
            "the checker could not decide the history of this test: the search {}",
            report.limits_hit()
        ),
    };
    let page: PathBuf = timeline_dir.join(format!("{}.html", file_name(name)));
    let written = std::fs::create_dir_all(timeline_dir)
        .and_then(|()| timeline::write(&page, model, history, &report, name))
        .map_or_else(
            |e| format!("(the timeline could not be written to {}: {e})", page.display()),
            |()| format!("Open {} in a browser for the timeline.", page.display()),
        );
    Err(format!("{what}.\n{}\n\n{written}", report.explain(model, history)))
}

/// `name` with every character that is not safe in a file name replaced by `_`.
fn file_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect()
}
