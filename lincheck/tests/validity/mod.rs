//! What every check report must satisfy, whichever way the checker decided: a linearization
//! real time and the model allow, holding every operation that returned; a violation's prefix
//! allowed as far as it goes, and operations named that could not be placed after it.

use std::collections::HashSet;

use lincheck::{CheckReport, History, Model, Operation, PartitionOutcome};

/// `order` respects real time: no operation comes after one that was called after it returned.
pub fn respects_real_time<I, O>(ops: &[Operation<I, O>], order: &[usize]) -> bool {
    order.iter().enumerate().all(|(i, &a)| {
        order[i + 1..].iter().all(|&b| ops[b].returned_at().is_none_or(|returned| returned >= ops[a].call))
    })
}

/// The model accepts `order` step by step.
pub fn model_accepts<M: Model>(model: &M, ops: &[Operation<M::Input, M::Output>], order: &[usize]) -> bool {
    let mut state = model.init();
    order.iter().all(|&i| match model.step(&state, &ops[i].input, ops[i].output()) {
        Some(next) => {
            state = next;
            true
        }
        None => false,
    })
}

/// A linearization holds every operation that returned, in an order real time and the model
/// allow; a violation's prefix is such an order too (as far as it goes) and something could not
/// be placed after it.
pub fn assert_valid<M: Model>(model: &M, history: &History<M::Input, M::Output>, report: &CheckReport) {
    let ops = history.operations();
    for partition in &report.partitions {
        match &partition.outcome {
            PartitionOutcome::Linearizable { order } => {
                assert!(respects_real_time(ops, order), "{}: the order breaks real time", partition.label);
                assert!(model_accepts(model, ops, order), "{}: the model rejects the order", partition.label);
                let placed: HashSet<usize> = order.iter().copied().collect();
                assert_eq!(placed.len(), order.len(), "{}: the order repeats an operation", partition.label);
                for &i in &partition.operations {
                    assert!(
                        ops[i].is_pending() || placed.contains(&i),
                        "{}: operation {i} is missing",
                        partition.label
                    );
                }
            }
            PartitionOutcome::Violation { longest_prefix, unplaced, .. } => {
                assert!(
                    model_accepts(model, ops, longest_prefix),
                    "{}: the model rejects the prefix",
                    partition.label
                );
                assert!(
                    respects_real_time(ops, longest_prefix),
                    "{}: the prefix breaks real time",
                    partition.label
                );
                assert!(
                    !unplaced.is_empty(),
                    "{}: a violation names no operation it could not place",
                    partition.label
                );
                assert!(unplaced.iter().all(|i| !longest_prefix.contains(i)));
                assert!(
                    longest_prefix.last().is_none_or(|&last| !ops[last].is_pending()),
                    "{}: the prefix ends with an operation that never returned",
                    partition.label
                );
            }
            PartitionOutcome::GaveUp { .. } | PartitionOutcome::Unchecked => {}
        }
    }
}
