//! The event trace: off by default, and when on, the story of every call and fault.

mod common;

use common::{start_echo, Echo};
use labrpc::{EventKind, Network};

#[test]
fn tracing_is_off_by_default() {
    common::init_log();
    let net = Network::with_seed(10);
    start_echo(&net, "server");
    net.endpoint("client").call::<Echo>("server", &"x".into()).unwrap();
    assert!(net.trace().is_empty());
}

#[test]
fn the_trace_tells_sends_deliveries_replies_faults_and_notes_in_order() {
    common::init_log();
    let net = Network::with_seed(10);
    net.set_tracing(true);
    start_echo(&net, "server");
    let client = net.endpoint("client");
    client.call::<Echo>("server", &"x".into()).unwrap();
    net.cut("client", "server");
    assert!(client.call::<Echo>("server", &"y".into()).is_err());
    net.kill("server");
    client.note("view 1: primary server");

    let kinds: Vec<&str> = net
        .trace()
        .iter()
        .map(|e| match &e.what {
            EventKind::Register { .. } => "register",
            EventKind::Send { .. } => "send",
            EventKind::Deliver { .. } => "deliver",
            EventKind::Reply { .. } => "reply",
            EventKind::Cut { .. } => "cut",
            EventKind::Drop { .. } => "drop",
            EventKind::Kill { .. } => "kill",
            EventKind::Note { .. } => "note",
            other => panic!("unexpected event {other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["register", "send", "deliver", "reply", "cut", "send", "drop", "kill", "note"]);
    let times: Vec<u64> = net.trace().iter().map(|e| e.at_us).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "timestamps never go back: {times:?}");

    let mut out = Vec::new();
    net.write_trace(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert_eq!(lines.len(), kinds.len());
    assert_eq!(lines[1]["event"], "send");
    assert_eq!(lines[1]["method"], "Test.Echo");
    assert_eq!(lines[1]["from"], "client");
    assert_eq!(lines[8]["text"], "view 1: primary server");
}

#[test]
fn a_traced_call_shows_its_arguments_and_reply_as_json_cut_short_when_long() {
    common::init_log();
    let net = Network::with_seed(10);
    net.set_tracing(true);
    start_echo(&net, "server");
    let client = net.endpoint("client");
    client.call::<Echo>("server", &"hello".into()).unwrap();
    let long = "z".repeat(10 * labrpc::SUMMARY_LIMIT);
    client.call::<Echo>("server", &long).unwrap();

    let shown: Vec<(String, Option<String>)> = net
        .trace()
        .into_iter()
        .filter_map(|e| match e.what {
            EventKind::Send { args, .. } => Some(("args".to_string(), args)),
            EventKind::Reply { reply, .. } => Some(("reply".to_string(), reply)),
            _ => None,
        })
        .collect();
    assert_eq!(shown[0], ("args".to_string(), Some("\"hello\"".to_string())));
    assert_eq!(shown[1], ("reply".to_string(), Some("\"hello\"".to_string())));
    let cut = shown[2].1.as_deref().expect("a long argument is still shown");
    assert!(cut.chars().count() < labrpc::SUMMARY_LIMIT + 40, "cut to about the limit: {} chars", cut.len());
    assert!(cut.ends_with(&format!("({} bytes in all)", long.len() + 2)), "says how long it was: {cut}");
}
