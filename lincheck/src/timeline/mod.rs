//! The HTML timeline of a history and its check: one self-contained file (styles, script and
//! data inline; nothing is fetched) that draws a lane per client and each operation as a bar
//! from call to return, with its input and output; operations that never returned are drawn
//! open-ended. The operations of a failing partition are highlighted, the longest linearizable
//! prefix is numbered in order (and listed with the state after each step), and the operations
//! that could not be placed after it are marked. Hovering a bar shows its details.
//!
//! The page marks what it drew, for tools that read the rendered page: each bar is an element
//! with class `op` (plus `pending`, `in-failing`, `prefix`, `unplaced` as they apply) and
//! `data-op` (the operation's index in the history), and `<body data-drawn>` counts the bars.

use std::path::Path;

use serde::Serialize;

use super::checker::{CheckReport, PartitionOutcome, Verdict};
use super::history::History;
use super::model::Model;

const STYLE: &str = include_str!("timeline.css");
const SCRIPT: &str = include_str!("timeline.js");

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageData {
    operations: Vec<OpData>,
    partitions: Vec<PartitionData>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OpData {
    id: usize,
    client: u64,
    label: String,
    /// The position of the call among all events (calls before returns at equal stamps).
    call_seq: usize,
    ret_seq: Option<usize>,
    call_shown: String,
    ret_shown: Option<String>,
}

#[derive(Serialize)]
struct PartitionData {
    label: String,
    status: &'static str,
    operations: Vec<usize>,
    prefix: Vec<usize>,
    /// The state after each operation of the prefix.
    states: Vec<String>,
    unplaced: Vec<usize>,
    /// Why there is no linearization, when the checker knows.
    reason: Option<String>,
}

/// Renders the timeline page of `history` and its check `report` under `model`.
pub fn render<M: Model>(
    model: &M,
    history: &History<M::Input, M::Output>,
    report: &CheckReport,
    title: &str,
) -> String {
    let ops = history.operations();
    let unit = history.stamp_unit();
    // Event order as the checker sees it: by stamp, calls before returns at equal stamps.
    let mut events: Vec<(u64, u8, usize)> = Vec::with_capacity(ops.len() * 2);
    for (id, op) in ops.iter().enumerate() {
        events.push((op.call.0, 0, id));
        if let Some(at) = op.returned_at() {
            events.push((at.0, 1, id));
        }
    }
    events.sort_unstable();
    let mut call_seq = vec![0; ops.len()];
    let mut ret_seq = vec![None; ops.len()];
    for (seq, &(_, kind, id)) in events.iter().enumerate() {
        if kind == 0 {
            call_seq[id] = seq;
        } else {
            ret_seq[id] = Some(seq);
        }
    }
    let operations = ops
        .iter()
        .enumerate()
        .map(|(id, op)| OpData {
            id,
            client: op.client,
            label: model.describe_operation(&op.input, op.output()),
            call_seq: call_seq[id],
            ret_seq: ret_seq[id],
            call_shown: unit.show(op.call),
            ret_shown: op.returned_at().map(|at| unit.show(at)),
        })
        .collect();
    let partitions = report
        .partitions
        .iter()
        .map(|partition| {
            let (status, prefix, unplaced, reason) = match &partition.outcome {
                PartitionOutcome::Linearizable { .. } => ("linearizable", Vec::new(), Vec::new(), None),
                PartitionOutcome::Violation { longest_prefix, unplaced, reason } => {
                    ("violation", longest_prefix.clone(), unplaced.clone(), reason.clone())
                }
                PartitionOutcome::GaveUp { longest_prefix, .. } => {
                    ("undecided", longest_prefix.clone(), Vec::new(), None)
                }
                PartitionOutcome::Unchecked => ("unchecked", Vec::new(), Vec::new(), None),
            };
            let mut state = model.init();
            let states = prefix
                .iter()
                .map(|&id| {
                    if let Some(next) = model.step(&state, &ops[id].input, ops[id].output()) {
                        state = next;
                    }
                    model.describe_state(&state)
                })
                .collect();
            PartitionData {
                label: partition.label.clone(),
                status,
                operations: partition.operations.clone(),
                prefix,
                states,
                unplaced,
                reason,
            }
        })
        .collect();
    let data = serde_json::to_string(&PageData { operations, partitions }).expect("page data serializes");
    // Inside <script>, "</script>" or "<!--" in a string would end the element: escape the
    // characters that could start them (the escapes mean the same in JSON).
    let data = data.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");

    let failing = report
        .partitions
        .iter()
        .filter(|p| !matches!(p.outcome, PartitionOutcome::Linearizable { .. } | PartitionOutcome::Unchecked))
        .count();
    let verdict_class = match report.verdict {
        Verdict::Linearizable => "linearizable",
        Verdict::NotLinearizable => "violation",
        Verdict::Unknown => "unknown",
    };
    let summary = format!(
        "{} from {} in {}; {failing} failing; checked in {:.1?}",
        plural(ops.len(), "operation"),
        plural(history.clients().len(), "client"),
        plural(report.partitions.len(), "partition"),
        report.elapsed
    );
    let focus = if failing > 0 { " class=\"has-violation\"" } else { "" };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — {verdict}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header>\n<h1>{title}</h1>\n<p class=\"verdict {verdict_class}\">{verdict}</p>\n\
         <p class=\"summary\">{summary}</p>\n</header>\n<main>\n<div id=\"explanation\"></div>\n\
         <div class=\"controls\"><label>Show <select id=\"focus\"><option value=\"all\">every operation</option>\
         <option value=\"failing\">the failing partitions</option></select></label> \
         &nbsp;Hover over an operation for its details; click a listed operation to find it.</div>\n\
         <div class=\"controls legend\"><span><i style=\"background:#3f7fd9\"></i>operation</span>\
         <span><i style=\"background:#8b97ad\"></i>in a failing partition</span>\
         <span><i style=\"background:#2e9e6b\"></i>longest linearizable prefix (numbered)</span>\
         <span><i style=\"background:#d23c3c\"></i>could not be placed after it</span>\
         <span><i style=\"background:linear-gradient(to right,#9a7bd1,#fff)\"></i>never returned</span></div>\n\
         <div id=\"timeline-scroll\"{focus}><div id=\"timeline\"></div></div>\n</main>\n\
         <div id=\"tooltip\"></div>\n\
         <script type=\"application/json\" id=\"lincheck-data\">{data}</script>\n\
         <script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        title = escape_html(title),
        verdict = report.verdict,
    )
}

/// Renders the timeline page and writes it to `path`.
pub fn write<M: Model>(
    path: &Path,
    model: &M,
    history: &History<M::Input, M::Output>,
    report: &CheckReport,
    title: &str,
) -> std::io::Result<()> {
    std::fs::write(path, render(model, history, report, title))
}

/// `n thing` or `n things`.
fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// Text made safe for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}
