//! RPC and byte counters.

mod common;

use common::{start_echo, Blob, Echo};
use labrpc::Network;

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
    assert_eq!(net.rpc_count("unknown"), 0);
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
