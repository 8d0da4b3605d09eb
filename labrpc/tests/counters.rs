//! RPC and byte counters.

mod common;

use common::{start_echo, Blob, Echo};
use labrpc::{Network, RpcError};

/// bincode's size for a byte vector of `len` (< 65536) bytes: a 3-byte length prefix.
fn blob_size(len: usize) -> u64 {
    assert!((251..65536).contains(&len));
    len as u64 + 3
}

#[test]
fn rpc_counts_are_per_node_and_total() {
    common::init_log();
    let net = Network::with_seed(8);
    start_echo(&net, "s1");
    start_echo(&net, "s2");
    let client = net.endpoint("client");
    for _ in 0..5 {
        client.call::<Echo>("s1", &"x".into()).unwrap();
    }
    for _ in 0..3 {
        client.call::<Echo>("s2", &"x".into()).unwrap();
    }
    net.kill("s2");
    assert!(client.call::<Echo>("s2", &"x".into()).is_err());
    assert_eq!(net.rpc_count("s1"), 5);
    assert_eq!(net.rpc_count("s2"), 3, "an undelivered call is not counted at the server");
    assert_eq!(net.rpc_count("client"), 0);
    assert_eq!(net.total_rpcs(), 9, "every call sent is counted in the total");
}

#[test]
fn bytes_are_counted_per_node_and_per_directed_link() {
    common::init_log();
    let net = Network::with_seed(8);
    start_echo(&net, "server");
    let a = net.endpoint("a");
    let b = net.endpoint("b");
    for _ in 0..10 {
        a.call::<Blob>("server", &vec![7u8; 1000]).unwrap();
    }
    b.call::<Blob>("server", &vec![7u8; 300]).unwrap();
    assert_eq!(net.link_bytes("a", "server"), 10 * blob_size(1000));
    assert_eq!(net.link_bytes("b", "server"), blob_size(300));
    assert_eq!(net.bytes_sent("a"), 10 * blob_size(1000));
    // The reply to Blob is a u64 length: 1000 and 300 each take 3 bytes as bincode varints.
    assert_eq!(net.link_bytes("server", "a"), 10 * 3);
    assert_eq!(net.link_bytes("server", "b"), 3);
    assert_eq!(net.bytes_sent("server"), 33);
    assert_eq!(net.link_bytes("a", "b"), 0);
}

/// Bytes count what a node sent onto the network, both ways alike: a request lost to a cut
/// counts, and so does a reply lost to a cut (it used to count only once delivered).
#[test]
fn bytes_lost_on_the_way_count_as_sent_both_ways() {
    common::init_log();
    let net = Network::with_seed(8);
    start_echo(&net, "server");
    let client = net.endpoint("client");
    net.cut("server", "client");
    let lost_reply = client.call::<Blob>("server", &vec![7u8; 1000]);
    assert!(matches!(lost_reply, Err(RpcError::ReplyLost { .. })), "{lost_reply:?}");
    assert_eq!(net.rpc_count("server"), 1, "the handler ran");
    assert_eq!(net.link_bytes("client", "server"), blob_size(1000));
    assert_eq!(net.link_bytes("server", "client"), 3, "the lost reply was sent");
    net.heal();
    net.cut("client", "server");
    let lost_request = client.call::<Blob>("server", &vec![7u8; 300]);
    assert!(matches!(lost_request, Err(RpcError::Unreachable { .. })), "{lost_request:?}");
    assert_eq!(net.rpc_count("server"), 1, "the handler did not run");
    assert_eq!(
        net.link_bytes("client", "server"),
        blob_size(1000) + blob_size(300),
        "the lost request was sent"
    );
    assert_eq!(net.bytes_sent("server"), 3, "no reply to a request that never arrived");
}

/// `total_rpcs` counts the calls sent: to a live server or a dead one (sent, then lost), never
/// a call to a name that never served. Such a call used to count when some endpoint had made
/// the name known, and not otherwise: the same mistake counted or not by accident.
#[test]
fn total_rpcs_counts_the_calls_sent_and_no_others() {
    common::init_log();
    let net = Network::with_seed(8);
    start_echo(&net, "s1");
    start_echo(&net, "s2");
    net.kill("s2");
    net.endpoint("bystander");
    let client = net.endpoint("client");
    let x = "x".to_string();
    assert!(client.call::<Echo>("s1", &x).is_ok());
    assert!(client.call::<Echo>("s1", &x).is_ok());
    assert_eq!(client.call::<Echo>("s2", &x), Err(RpcError::ServerDead { to: "s2".into() }));
    assert_eq!(client.call::<Echo>("nobody", &x), Err(RpcError::NoSuchServer { to: "nobody".into() }));
    assert_eq!(client.call::<Echo>("bystander", &x), Err(RpcError::NoSuchServer { to: "bystander".into() }));
    assert_eq!(net.total_rpcs(), 3, "two delivered, one sent to a dead server");
    assert_eq!(net.rpc_count("s1") + net.rpc_count("s2"), 2);
    // Each request: the string's one-byte length prefix and its one byte.
    assert_eq!(net.bytes_sent("client"), 3 * 2, "the bytes of the calls sent, and only those");
    assert_eq!(net.link_bytes("client", "bystander"), 0);
}
