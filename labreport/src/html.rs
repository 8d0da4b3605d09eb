//! The report page: one self-contained HTML file (styles, script and data inline; nothing is
//! fetched). The header (test, failure, seed, re-run command, verdict) is written here as
//! escaped HTML; the space-time diagram is drawn by `report.js` from the data embedded as JSON:
//! a lane per node, RPC arrows between lanes styled by outcome, fault markers, view bands and
//! client operations as bars, with zoom, filters by node, method and outcome, and tooltips.
//! No label is drawn over another (`labels.js` places them): a method name or a fault word
//! that finds no free spot near its mark is left out (hovering the mark tells), and a view's or
//! an operation's label keeps to the visible part of its band or bar, shortened with `…` (the
//! whole text its `<title>`, shown on hover) when that part is narrow.
//!
//! What the page marks, for tools that read the rendered page (all built synchronously while
//! the page loads, so Chromium's `--dump-dom` shows them):
//!
//! | element | class | attributes |
//! |---|---|---|
//! | a node's lane (its label) | `lane` | `data-lane`, `data-kind` (`view_service`, `server`, `clerk`, `other`) |
//! | an RPC's arrows | `msg` + its outcome | `data-id`, `data-from`, `data-to`, `data-method`, `data-outcome` (snake case) |
//! | a view band | `view` | `data-viewnum`, `data-primary`, `data-backup` |
//! | a fault marker | `fault` | `data-kind` (snake case), `data-nodes` (comma-separated) |
//! | a client operation | `op` (+ `flagged`, `pending`) | `data-client`, `data-kind`, `data-key`, `data-flagged="true"` when flagged |
//! | filters | `filter-node`, `filter-method`, `filter-outcome` | `data-lane`, `data-method`, `data-outcome` |
//!
//! and the ids `failure`, `verdict`, `verdict-detail` (when there is a detail), `rerun`,
//! `seed`, `elided` (when set), `count-msgs`, `count-ops`, `count-faults`, `count-views` (how
//! many of each the script made), with `<body data-ready="true">` once drawing finished.
//! Elements filtered out carry the class `hidden`. A `msg` group holds its lines only once it
//! has been drawn: messages outside the visible window (widened by a screen each side) are
//! left undrawn with the class `off`, and when arrows are packed closer than a few pixels (the
//! overview of a long run) they are drawn together in a few paths instead, every `msg` `off`.
//!
//! In the embedded JSON the messages are rows (arrays, method names interned) rather than
//! objects: the report keeps up to about 20,000 of them, and rows make their part 40% smaller
//! (a page at the cap: 4.3 MB rather than 6.5 MB). `report.js` names the columns.

use std::collections::HashMap;

use serde::Serialize;

use super::data::{ClientOp, Fault, Lane, Message, MessageOutcome, ReportData, ViewBand};
use lincheck::timeline::escape_html;

const STYLE: &str = include_str!("report.css");
/// The drawing script: the label placement it uses (`labels.js`), then the drawing itself.
const SCRIPT: &str = concat!(include_str!("labels.js"), include_str!("report.js"));

/// The data the script draws from. Borrowed from the report; messages as [`MessageRow`]s.
#[derive(Serialize)]
struct PageData<'a> {
    duration_us: u64,
    lanes: &'a [Lane],
    /// Every distinct method, in order of first use; a row's method is an index into this.
    methods: Vec<&'a str>,
    messages: Vec<MessageRow<'a>>,
    faults: &'a [Fault],
    views: &'a [ViewBand],
    ops: &'a [ClientOp],
}

/// One message as an array: `[id, from, to, method index, sent_us, delivered_us, ended_us,
/// outcome, reason, args, reply]` (the order `report.js` reads).
#[derive(Serialize)]
struct MessageRow<'a>(
    u64,
    &'a str,
    &'a str,
    usize,
    u64,
    Option<u64>,
    Option<u64>,
    MessageOutcome,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

/// The self-contained HTML page showing `data`.
pub fn render(data: &ReportData) -> String {
    let title = format!("{} — {}", data.test, status_word(data));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n{header}\n<main>\n\
         {TOOLBAR}\n{LEGEND}\n\
         <div id=\"diagram\"><div id=\"lane-labels\"></div><div id=\"diagram-scroll\"></div></div>\n\
         </main>\n<div id=\"tooltip\"></div>\n\
         <script type=\"application/json\" id=\"report-data\">{json}</script>\n\
         <script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        title = escape_html(&title),
        header = header(data),
        json = page_json(data),
    )
}

/// `FAILED` or `PASSED`.
fn status_word(data: &ReportData) -> &'static str {
    if data.failed {
        "FAILED"
    } else {
        "PASSED"
    }
}

/// The page data as JSON that is safe inside `<script>`: `<`, `>` and `&` are written as
/// `\u003c`, `\u003e`, `\u0026` (the same characters to JSON), so no string can end the
/// element (`</script>`) or open a comment (`<!--`).
fn page_json(data: &ReportData) -> String {
    let json = serde_json::to_string(&page_data(data)).expect("report data serializes to JSON");
    escape_script_json(&json)
}

/// JSON text made safe to embed in a `<script>` element.
fn escape_script_json(json: &str) -> String {
    json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// The report as the script reads it: messages as rows, method names interned.
fn page_data(data: &ReportData) -> PageData<'_> {
    let mut methods: Vec<&str> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let messages = data
        .messages
        .iter()
        .map(|m| {
            let method = *index.entry(&m.method).or_insert_with(|| {
                methods.push(&m.method);
                methods.len() - 1
            });
            message_row(m, method)
        })
        .collect();
    PageData {
        duration_us: data.duration_us,
        lanes: &data.lanes,
        methods,
        messages,
        faults: &data.faults,
        views: &data.views,
        ops: &data.ops,
    }
}

/// `m` as a row, with its method's index.
fn message_row(m: &Message, method: usize) -> MessageRow<'_> {
    MessageRow(
        m.id,
        &m.from,
        &m.to,
        method,
        m.sent_us,
        m.delivered_us,
        m.ended_us,
        m.outcome,
        m.reason.as_deref(),
        m.args.as_deref(),
        m.reply.as_deref(),
    )
}

/// The page's header: what failed, how to re-run it, and the linearizability verdict.
fn header(data: &ReportData) -> String {
    let status = status_word(data);
    let failure = match (&data.failure, data.failed) {
        (Some(text), _) => format!("<pre id=\"failure\" class=\"failure\">{}</pre>", escape_html(text)),
        (None, true) => "<pre id=\"failure\" class=\"failure\">(no failure message)</pre>".to_string(),
        (None, false) => "<pre id=\"failure\" class=\"failure none\"></pre>".to_string(),
    };
    let run_note = data.run_note.as_deref().map_or(String::new(), |text| {
        format!("<p id=\"run-note\" class=\"note\">{}</p>\n", escape_html(text))
    });
    let elided = data.elided.as_deref().map_or(String::new(), |text| {
        format!("<p id=\"elided\" class=\"note elided\">Left out: {}</p>\n", escape_html(text))
    });
    format!(
        "<header>\n<div class=\"title\"><span id=\"status\" class=\"status {class}\">{status}</span>\
         <h1 id=\"test\">{test}</h1></div>\n{failure}\n\
         <div class=\"facts\"><span>seed <b id=\"seed\">{seed}</b></span>\
         <span>re-run <code id=\"rerun\">{rerun}</code> <button id=\"copy-rerun\" type=\"button\">copy</button></span>\
         <span>ran {ran}{clock}</span></div>\n\
         <p id=\"seed-note\" class=\"note\">{seed_note}</p>\n{run_note}{elided}{verdict}\n\
         <p id=\"summary\" class=\"note\">Drew <span id=\"count-msgs\">0</span> messages, \
         <span id=\"count-ops\">0</span> client operations, <span id=\"count-faults\">0</span> markers of faults, knobs and notes, and \
         <span id=\"count-views\">0</span> views.</p>\n</header>",
        class = status.to_ascii_lowercase(),
        test = escape_html(&data.test),
        seed = data.seed,
        rerun = escape_html(&data.rerun),
        ran = show_duration(data.duration_us),
        clock = if data.virtual_time { " of virtual time (simulated: every time on this page is virtual)" } else { "" },
        seed_note = escape_html(&data.seed_note),
        verdict = verdict(data),
    )
}

/// The linearizability verdict, coloured by what it says, and the checker's explanation.
fn verdict(data: &ReportData) -> String {
    let class = match data.verdict.verdict.as_str() {
        "linearizable" => "linearizable",
        "not linearizable" => "violation",
        "unknown" => "unknown",
        _ => "unchecked",
    };
    let shown = if data.verdict.verdict.is_empty() { "not checked" } else { &data.verdict.verdict };
    let detail = if data.verdict.detail.is_empty() {
        String::new()
    } else {
        format!("<pre id=\"verdict-detail\">{}</pre>", escape_html(&data.verdict.detail))
    };
    format!(
        "<div class=\"verdict-box\">Client operations: <b id=\"verdict\" class=\"verdict {class}\">{}</b>{detail}</div>",
        escape_html(shown)
    )
}

/// A duration in microseconds, in the unit that reads best (`850 µs`, `12.3 ms`, `20.41 s`).
fn show_duration(us: u64) -> String {
    match us {
        0..=999 => format!("{us} µs"),
        1_000..=999_999 => format!("{:.1} ms", us as f64 / 1e3),
        _ => format!("{:.2} s", us as f64 / 1e6),
    }
}

/// Zoom, the visible window, the jump to a flagged operation, and the filters (filled by the
/// script).
const TOOLBAR: &str = "<div class=\"controls toolbar\">\
<button id=\"zoom-out\" type=\"button\" title=\"zoom out (or Ctrl + wheel)\">−</button>\
<button id=\"zoom-in\" type=\"button\" title=\"zoom in (or Ctrl + wheel)\">+</button>\
<button id=\"zoom-fit\" type=\"button\">fit</button>\
<label>window <input id=\"window-from\" type=\"number\" min=\"0\" step=\"any\"> to \
<input id=\"window-to\" type=\"number\" min=\"0\" step=\"any\"> ms</label>\
<button id=\"window-show\" type=\"button\">show</button>\
<button id=\"next-flagged\" type=\"button\">next flagged op</button>\
<span id=\"window-shown\" class=\"note\"></span></div>\n\
<div class=\"controls filters\"><span class=\"filter-title\">Nodes</span><span id=\"node-filters\"></span></div>\n\
<div class=\"controls filters\"><span class=\"filter-title\">Methods</span><span id=\"method-filters\"></span></div>\n\
<div class=\"controls filters\"><span class=\"filter-title\">Outcomes</span><span id=\"outcome-filters\"></span></div>";

/// What the marks mean; the swatches are small inline drawings in the diagram's own classes.
const LEGEND: &str = "<div class=\"controls legend\">\
<span><svg width=\"26\" height=\"12\"><line class=\"req\" x1=\"1\" y1=\"6\" x2=\"25\" y2=\"6\"/></svg>request</span>\
<span><svg width=\"26\" height=\"12\"><line class=\"rep\" x1=\"1\" y1=\"6\" x2=\"25\" y2=\"6\"/></svg>reply</span>\
<span><svg width=\"26\" height=\"12\"><line class=\"req\" x1=\"1\" y1=\"6\" x2=\"18\" y2=\"6\"/>\
<path class=\"cross\" d=\"M15 2L23 10M15 10L23 2\"/></svg>dropped / reply lost</span>\
<span><svg width=\"26\" height=\"12\"><line class=\"req dead\" x1=\"1\" y1=\"6\" x2=\"25\" y2=\"6\"/></svg>to a dead server</span>\
<span><svg width=\"26\" height=\"12\"><line class=\"rep failed\" x1=\"1\" y1=\"6\" x2=\"25\" y2=\"6\"/></svg>failed</span>\
<span><svg width=\"26\" height=\"12\"><line class=\"wait\" x1=\"1\" y1=\"6\" x2=\"25\" y2=\"6\"/></svg>pending</span>\
<span><i class=\"swatch op-put\"></i>put</span><span><i class=\"swatch op-append\"></i>append</span>\
<span><i class=\"swatch op-get\"></i>get</span><span><i class=\"swatch op-flagged\"></i>flagged by the checker</span>\
<span><i class=\"swatch view-swatch\"></i>view</span>\
<span><i class=\"swatch dead-swatch\"></i>node dead</span>\
<span class=\"note\">Hover for details; Ctrl + wheel zooms.</span></div>";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{FaultKind, LaneKind, OpsVerdict};

    const HOSTILE: &str = "</script><script>document.body.dataset.ready='hacked'</script><!--";

    /// A report with `HOSTILE` in every string field the page shows.
    fn hostile() -> ReportData {
        ReportData {
            test: HOSTILE.into(),
            failed: true,
            failure: Some(HOSTILE.into()),
            seed: 7,
            rerun: HOSTILE.into(),
            seed_note: HOSTILE.into(),
            run_note: Some(HOSTILE.into()),
            duration_us: 1_000,
            virtual_time: false,
            lanes: vec![Lane { name: HOSTILE.into(), kind: LaneKind::Server }],
            messages: vec![Message {
                id: 1,
                from: HOSTILE.into(),
                to: HOSTILE.into(),
                method: HOSTILE.into(),
                sent_us: 1,
                delivered_us: Some(2),
                ended_us: Some(3),
                outcome: MessageOutcome::Delivered,
                reason: Some(HOSTILE.into()),
                args: Some(HOSTILE.into()),
                reply: Some(HOSTILE.into()),
            }],
            faults: vec![Fault {
                at_us: 5,
                kind: FaultKind::Note,
                nodes: vec![HOSTILE.into()],
                text: HOSTILE.into(),
            }],
            views: vec![ViewBand {
                viewnum: 1,
                primary: HOSTILE.into(),
                backup: HOSTILE.into(),
                from_us: 0,
                to_us: None,
            }],
            ops: vec![ClientOp {
                client: HOSTILE.into(),
                kind: "put".into(),
                key: HOSTILE.into(),
                value: HOSTILE.into(),
                call_us: 0,
                return_us: None,
                output: Some(HOSTILE.into()),
                flagged: true,
            }],
            verdict: OpsVerdict { verdict: HOSTILE.into(), detail: HOSTILE.into() },
            elided: Some(HOSTILE.into()),
        }
    }

    #[test]
    fn no_string_field_can_close_a_script_or_open_a_comment() {
        let page = render(&hostile());
        assert_eq!(page.matches("<script").count(), 2, "only the data and the drawing script");
        assert_eq!(page.matches("</script>").count(), 2, "only the two scripts' own ends");
        assert!(!page.contains("<!--"), "no comment opened");
        assert!(!page.contains("dataset.ready='hacked'</"), "the hostile text never appears raw");
    }

    #[test]
    fn the_embedded_json_reads_back_as_the_same_strings() {
        let page = render(&hostile());
        let start = page.find("id=\"report-data\">").expect("the data element") + "id=\"report-data\">".len();
        let end = start + page[start..].find("</script>").expect("the data element ends");
        let json: serde_json::Value = serde_json::from_str(&page[start..end]).expect("the data is JSON");
        assert_eq!(json["ops"][0]["key"], HOSTILE);
        assert_eq!(json["methods"][0], HOSTILE);
        let row = &json["messages"][0];
        assert_eq!(row[1], HOSTILE, "from");
        assert_eq!(row[7], "delivered", "outcome");
        assert_eq!(row[9], HOSTILE, "args");
    }

    #[test]
    fn header_text_is_escaped() {
        let page = render(&hostile());
        let escaped = escape_html(HOSTILE);
        for id in ["failure", "rerun", "test", "seed-note", "run-note", "verdict", "verdict-detail", "elided"]
        {
            assert!(
                page.contains(&format!("id=\"{id}\"")) && page.contains(&escaped),
                "{id} is shown, escaped"
            );
        }
        assert!(page.contains(&format!("<pre id=\"failure\" class=\"failure\">{escaped}</pre>")));
        assert!(!page.contains(HOSTILE), "the hostile text never appears unescaped");
    }

    #[test]
    fn methods_are_interned_in_order_of_first_use() {
        let message = |id, method: &str| Message {
            id,
            from: "c".into(),
            to: "s".into(),
            method: method.into(),
            sent_us: id,
            delivered_us: None,
            ended_us: None,
            outcome: MessageOutcome::Pending,
            reason: None,
            args: None,
            reply: None,
        };
        let data = ReportData {
            messages: vec![message(1, "B.x"), message(2, "A.y"), message(3, "B.x")],
            ..ReportData::default()
        };
        let page = page_data(&data);
        assert_eq!(page.methods, ["B.x", "A.y"]);
        let indices: Vec<usize> = page.messages.iter().map(|row| row.3).collect();
        assert_eq!(indices, [0, 1, 0]);
    }

    #[test]
    fn a_simulated_runs_page_says_its_times_are_virtual() {
        let real = ReportData { duration_us: 6_450_000, ..ReportData::default() };
        let simulated = ReportData { virtual_time: true, ..real.clone() };
        assert!(header(&real).contains("<span>ran 6.45 s</span>"), "{}", header(&real));
        assert!(
            header(&simulated).contains("ran 6.45 s of virtual time (simulated"),
            "{}",
            header(&simulated)
        );
    }

    #[test]
    fn durations_read_in_a_fitting_unit() {
        assert_eq!(show_duration(850), "850 µs");
        assert_eq!(show_duration(12_340), "12.3 ms");
        assert_eq!(show_duration(20_410_000), "20.41 s");
    }
}
