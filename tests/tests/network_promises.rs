//! The network's promises as the graded scenarios rely on them, shown on a running primary and
//! backup. A guided interleaving means what it claims only if labrpc does what its documentation
//! says: here, that a partition loses the calls still on their way, held ones included.
//!
//! Not graded (see grading/rubric.toml): it guards the network the graded suites stand on.

use labrpc::{EventKind, Method};
use labtests::bounds::{OP_LIMIT, VIEW_CHANGE};
use labtests::pb_harness::{Scenario, VS};
use pbservice::Forward;

/// A Put's forward is held on its way from the primary s1 to the backup s2; then s2 is
/// partitioned from s1 (and from the view service); then the forward is released. It is lost
/// with the partition, as `cut` promises for every message still on its way: s2's handler never
/// runs for it. The Put cannot complete in that view (s2 never accepted it), so it completes
/// only after the view service replaces s2 with the idle s3, and every replica the clerks can
/// reach agrees.
#[test]
fn a_forward_released_across_a_partition_never_reaches_the_backup() {
    labtests::in_this_mode(|| {
        let lab = Scenario::begin("A held forward released across a partition never reaches the backup");
        let before = lab.primary_and_backup("s1", "s2");
        lab.start_idle("s3");
        let clerk = lab.clerk();
        lab.put(&clerk, "k", "old");

        lab.net.hold("s1", "s2");
        lab.threads(|threads| {
            let put = threads.spawn(|| clerk.put("k", "new"));
            let forward = lab.held_calls("s1", "s2", 1)[0].clone();
            assert_eq!(
                forward.method,
                Forward::NAME,
                "the first call held on s1 -> s2 should be the Put's forward"
            );
            let delivered_to_s2 = lab.net.rpc_count("s2");

            lab.net.partition(&[&["s2"], &["s1", "s3", VS]]).expect("a valid partition");
            lab.release(&forward);
            lab.poll("the released forward to be lost to the partition", VIEW_CHANGE, || {
                let fate = lab.net.trace().into_iter().find_map(|e| match e.what {
                    EventKind::Drop { id, reason, .. } if id == forward.id => Some(Ok(reason)),
                    EventKind::Deliver { id } if id == forward.id => Some(Err(true)),
                    _ => None,
                });
                match fate {
                    Some(Ok(_)) => Ok(()),
                    Some(Err(_)) => panic!(
                        "the forward #{} released after s1 and s2 were partitioned was delivered to s2: \
                         a partition must lose the calls still on their way",
                        forward.id
                    ),
                    None => Err(format!("call #{} is neither lost nor delivered yet", forward.id)),
                }
            });
            assert_eq!(
                lab.net.rpc_count("s2"),
                delivered_to_s2,
                "s2's handlers ran a call while s2 was cut off from s1 and the view service"
            );

            // s1's retries of the forward now meet the partition, not the hold.
            lab.net.unhold("s1", "s2");
            let result = lab.join_within(put, OP_LIMIT, "the Put whose forward was lost to the partition");
            assert!(result.is_ok(), "the Put returned {result:?} once s3 could replace s2");
            let after = lab.view();
            assert!(
                after.viewnum > before.viewnum && after.is_primary("s1") && after.is_backup("s3"),
                "the Put completed in view {after}, but s2 (backup of {before}) never accepted it: it may \
                 complete only once a new view makes s3 the backup"
            );
        });
        lab.assert_value_on("s2", "k", "old");
        lab.assert_value_on("s1", "k", "new");
        lab.assert_value_on("s3", "k", "new");
        lab.check(&clerk, "k", "new");
    });
}
