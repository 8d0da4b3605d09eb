//! The life of one call: checks and fault decisions at the caller, delivery on a worker, and
//! the way back.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::channel::Receiver;

/// What a message costs on the clock beyond its faults: nothing on real threads (the work takes
/// real time), [`timing::SIMULATED_HOP`](crate::timing::SIMULATED_HOP) in a simulated run.
#[cfg(not(feature = "simulation"))]
const SIMULATED_HOP: Duration = Duration::ZERO;
#[cfg(feature = "simulation")]
const SIMULATED_HOP: Duration = crate::timing::SIMULATED_HOP;

use crate::core::Core;
use crate::departure::{Call, Departure, ReplySender};
use crate::error::RpcError;
use crate::faults::{Fate, Plan};
use crate::hold::HeldCall;
use crate::hold_off::HeldWork;
use crate::node::{Incarnation, Node};
use crate::pool::Refused;
use crate::service::{HandlerFailure, Replied};
use crate::trace::EventKind;

/// A call on its way to a handler: what a worker needs to run it and send the reply back.
struct Delivery {
    call: Call,
    plan: Plan,
    /// `None` when the caller has already been told the reply is lost.
    reply: Option<ReplySender>,
}

/// A call its fate does not deliver: the caller hears `error` after `after`.
struct Undelivered {
    after: Duration,
    error: RpcError,
    reply: ReplySender,
}

impl Core {
    /// Sends `args` to `method` on `to` and waits for the reply: the whole call path.
    pub(crate) fn call(
        self: &Arc<Self>,
        from: &Arc<Node>,
        from_life: &Arc<Incarnation>,
        to: &str,
        method: &'static str,
        args: Vec<u8>,
        shown_args: Option<String>,
    ) -> Result<Vec<u8>, RpcError> {
        if self.is_shut_down() {
            return Err(RpcError::Shutdown);
        }
        if !from_life.is_alive() {
            return Err(RpcError::CallerDead { caller: from.name.to_string() });
        }
        // A name that never served is a mistake the caller finds at once: nothing is sent, so
        // nothing is counted (whether or not the name is known as a client's or declared).
        let Some(to_node) = self.lookup(to).filter(|node| node.ever_served()) else {
            log::debug!("{} called {to}, which never served: {method} not sent", from.name);
            return Err(RpcError::NoSuchServer { to: to.to_string() });
        };
        // Sent from here on: counted in the total and the caller's bytes, whatever becomes of it.
        let id = self.next_call_id.fetch_add(1, Ordering::Relaxed);
        self.total_rpcs.fetch_add(1, Ordering::Relaxed);
        from.count_sent(to_node.id, args.len());
        log::debug!("rpc #{id} {method} {} -> {to} ({} bytes)", from.name, args.len());
        self.trace.record(|| EventKind::Send {
            id,
            from: from.name.to_string(),
            to: to.to_string(),
            method,
            bytes: args.len(),
            args: shown_args,
        });

        let to_life = to_node.current();
        if !to_life.is_alive() || to_life.service().is_none() {
            let error = RpcError::ServerDead { to: to.to_string() };
            return self.fail_after(id, self.faults.failure_delay(from, &to_node), error);
        }

        let (reply_tx, reply_rx) = crate::channel::bounded(1);
        let link = (from.id, to_node.id);
        let call = Call {
            id,
            from: Arc::clone(from),
            from_life: Arc::clone(from_life),
            to: to_node,
            to_life: Arc::clone(&to_life),
            method,
            args,
            ready_at: std::time::Instant::now(),
        };
        let departure = Departure { call, reply: reply_tx, abandoned: false };
        // A held link holds every call, whatever the faults would do to it: the call's fate is
        // drawn only when it leaves, now or at its release (so a release sees the cuts of then).
        let held = || HeldCall { id, from: from.name.to_string(), to: to.to_string(), method };
        if let Err(departure) = self.holds.try_hold(link, held, departure) {
            if let Err(undelivered) = self.depart(departure) {
                return self.fail_after(id, undelivered.after, undelivered.error);
            }
        }

        match self.wait_for_reply(&reply_rx, from_life, &to_life) {
            Some(reply) => reply,
            None => self.settle(id, &reply_rx, from, from_life, to, &to_life, method),
        }
    }

    /// Waits for the reply, or for either end of the call to die: the reply if it came first,
    /// `None` if a death woke the caller (then [`settle`](Core::settle) decides the outcome).
    fn wait_for_reply(
        &self,
        reply_rx: &Receiver<Result<Vec<u8>, RpcError>>,
        from_life: &Incarnation,
        to_life: &Incarnation,
    ) -> Option<Result<Vec<u8>, RpcError>> {
        if let Some(Ok(reply)) = self.spin.poll(reply_rx) {
            return Some(reply);
        }
        // Whichever arm a seedless select picks when several are ready, the outcome is settled
        // in a fixed order: a reply it takes is first in that order anyway.
        crate::channel::wait_for_any(reply_rx, [&to_life.death_rx, &from_life.death_rx])
    }

    /// The outcome of a call once something it waits on is ready, in a fixed order: a reply that
    /// has arrived (even if an end died since: it was on time); the caller's own death; the
    /// server's death; a worker that gave up without a word.
    #[allow(clippy::too_many_arguments)]
    fn settle(
        &self,
        id: u64,
        reply_rx: &Receiver<Result<Vec<u8>, RpcError>>,
        from: &Node,
        from_life: &Incarnation,
        to: &str,
        to_life: &Incarnation,
        method: &'static str,
    ) -> Result<Vec<u8>, RpcError> {
        if let Ok(reply) = reply_rx.try_recv() {
            return reply;
        }
        // Whatever woke us, a shut-down network is the reason worth reporting.
        let unless_shut_down =
            |error: RpcError| Err(if self.is_shut_down() { RpcError::Shutdown } else { error });
        if !from_life.is_alive() {
            let reason = format!("{} died while waiting", from.name);
            self.trace.record(|| EventKind::Drop { id, reason, dead: false });
            return unless_shut_down(RpcError::CallerDead { caller: from.name.to_string() });
        }
        if !to_life.is_alive() {
            self.trace.record(|| EventKind::Drop { id, reason: format!("{to} died"), dead: true });
            return unless_shut_down(RpcError::ServerDead { to: to.to_string() });
        }
        // Every worker that drops a call says why, or one of the ends is dead; only a shutdown
        // is left. Should anything else drop it, the handler may have run.
        unless_shut_down(RpcError::ReplyLost { to: to.to_string(), method })
    }

    /// Fails call `id` with `error`, after `delay` (long delays make failures slow).
    fn fail_after(&self, id: u64, delay: Duration, error: RpcError) -> Result<Vec<u8>, RpcError> {
        log::debug!("rpc #{id} not delivered: {error}");
        let dead = matches!(error, RpcError::ServerDead { .. } | RpcError::NoSuchServer { .. });
        self.trace.record(|| EventKind::Drop { id, reason: error.to_string(), dead });
        if !self.sleep(delay) {
            return Err(RpcError::Shutdown);
        }
        Err(error)
    }

    /// Draws the fate of a leaving call and sends it on its way (to a worker), or says why it is
    /// not delivered.
    fn depart(self: &Arc<Self>, departure: Departure) -> Result<(), Undelivered> {
        let Departure { call, reply, abandoned } = departure;
        let plan = self.faults.plan(&call.from, &call.to);
        let reply = match plan.fate {
            // Its caller already heard that the reply was lost (`Network::abandon`).
            Fate::Deliver if abandoned => None,
            Fate::Deliver => Some(reply),
            Fate::LoseReplyNow => {
                // 2015 semantics: the handler runs, but the caller hears at once that the reply
                // is gone, so a retry can overlap the original.
                let _ = reply
                    .send(Err(RpcError::ReplyLost { to: call.to.name.to_string(), method: call.method }));
                None
            }
            Fate::Unreachable { after } => {
                let error =
                    RpcError::Unreachable { from: call.from.name.to_string(), to: call.to.name.to_string() };
                return Err(Undelivered { after, error, reply });
            }
            Fate::DropRequest { after } => {
                let error = RpcError::RequestLost { to: call.to.name.to_string(), method: call.method };
                return Err(Undelivered { after, error, reply });
            }
        };
        self.dispatch(Delivery { call, plan, reply });
        Ok(())
    }

    /// Sends a call released from a held link on its way. Its fate is drawn now; an undelivered
    /// call's failure reaches its caller from a worker, after the failure's delay (at once if no
    /// worker can be started).
    pub(crate) fn depart_released(self: &Arc<Self>, mut departure: Departure) {
        // Its wait for delivery starts now: the time it was held was the test's doing.
        departure.call.ready_at = std::time::Instant::now();
        let id = departure.call.id;
        if let Err(undelivered) = self.depart(departure) {
            let core = Arc::clone(self);
            let failed = self.pool.submit_with(undelivered, move |undelivered: Undelivered| {
                let result = core.fail_after(id, undelivered.after, undelivered.error);
                let _ = undelivered.reply.send(result);
            });
            if let Err((Refused::NoThread { .. }, undelivered)) = failed {
                let _ = undelivered.reply.send(Err(undelivered.error));
            }
        }
    }

    /// Hands a delivery to a worker. If no worker can be started, the request is not delivered
    /// and its caller hears [`RpcError::RequestLost`] (the handler did not run); a closed pool
    /// (shutdown) drops it, which its caller hears as [`RpcError::Shutdown`].
    fn dispatch(self: &Arc<Self>, delivery: Delivery) {
        let core = Arc::clone(self);
        if let Err((Refused::NoThread { detail, .. }, delivery)) =
            self.pool.submit_with(delivery, move |delivery| core.deliver(delivery))
        {
            let Call { id, to, method, .. } = delivery.call;
            let reason = format!("no worker thread could be started to deliver it ({detail})");
            self.trace.record(|| EventKind::Drop { id, reason, dead: false });
            if let Some(reply) = delivery.reply {
                let _ = reply.send(Err(RpcError::RequestLost { to: to.name.to_string(), method }));
            }
        }
    }

    /// Runs on a worker: delays, the handler, and the reply's way back.
    fn deliver(&self, delivery: Delivery) {
        let Delivery { call: Call { id, from, from_life, to, to_life, method, args, ready_at }, plan, reply } =
            delivery;
        // Nothing planned stands between a call's departure and this moment (its planned delay
        // and any ingress queue come next): a long wait here is the machine's, not the test's,
        // and so is a planned delay that runs long.
        let held = || HeldWork::Delivery { id, from: from.name.to_string(), to: to.name.to_string(), method };
        self.note_hold_off(ready_at.elapsed(), held);
        if !self.sleep_noting(plan.request_delay + SIMULATED_HOP, held) {
            return;
        }
        if let Some(delay) = to.ingress_delay() {
            // One call at a time sits out the delay, like a proxy that forwards serially. The queue
            // belongs to this life of the server, and its death ends every wait in it: a restarted
            // server never waits behind calls to its dead life.
            if to_life.is_alive() {
                let _gate = to_life.ingress_gate.lock();
                to_life.sleep(delay);
            }
            if self.is_shut_down() {
                return;
            }
        }
        if self.faults.is_cut(from.id, to.id) {
            // A cut made while the request was on its way (delayed, or queued at the ingress)
            // loses it: a cut loses every message from one end to the other, including those in
            // flight.
            let error = RpcError::Unreachable { from: from.name.to_string(), to: to.name.to_string() };
            log::debug!(
                "rpc #{id} {method} request lost: link {} -> {} was cut on its way",
                from.name,
                to.name
            );
            self.trace.record(|| EventKind::Drop { id, reason: error.to_string(), dead: false });
            if let Some(reply) = reply {
                let _ = reply.send(Err(error));
            }
            return;
        }
        let Some(service) = to_life.service().filter(|_| to_life.is_alive()) else {
            log::debug!("rpc #{id} dropped: {} died before the call arrived", to.name);
            let reason = format!("{} is dead", to.name);
            self.trace.record(|| EventKind::Drop { id, reason, dead: true });
            if let Some(reply) = reply {
                let _ = reply.send(Err(RpcError::ServerDead { to: to.name.to_string() }));
            }
            return;
        };
        to.delivered.fetch_add(1, Ordering::Relaxed);
        self.trace.record(|| EventKind::Deliver { id });
        let result = service.dispatch(method, &args, self.trace.is_enabled());
        if let Err(HandlerFailure::Panicked(message)) = &result {
            // The caller hears of it as an error; the network records it too, so that a test
            // fails with it even when the caller retries or ignores the error.
            self.record_panic(
                to.name.to_string(),
                format!("handler of {method}"),
                Some(method),
                message.clone(),
            );
        }
        let result = result.map_err(|f| f.into_rpc_error(&to.name, method));

        let lost = |reason: String| {
            log::debug!("rpc #{id} {method} reply lost: {reason}");
            self.trace.record(|| EventKind::ReplyLost { id, reason });
        };
        if !to_life.is_alive() {
            return lost(format!("{} died while handling it", to.name));
        }
        // The server sends its reply now: counted as sent, whether or not it arrives (a request
        // is counted when its caller sends it, likewise).
        if let Ok(Replied { bytes, .. }) = &result {
            to.count_sent(from.id, bytes.len());
        }
        let Some(reply) = reply else {
            // An unreliable server's lost reply, or a call the test abandoned while held.
            return lost("its caller was already told the reply was lost".to_string());
        };
        if !self.sleep(plan.reply_delay + SIMULATED_HOP) {
            return;
        }
        if !from_life.is_alive() {
            return lost(format!("{} died while waiting", from.name));
        }
        if self.faults.is_cut(to.id, from.id) || plan.drop_reply {
            let reason = if plan.drop_reply {
                "the network is unreliable".to_string()
            } else {
                format!("link {} -> {} is cut", to.name, from.name)
            };
            lost(reason);
            let _ = reply.send(Err(RpcError::ReplyLost { to: to.name.to_string(), method }));
            return;
        }
        let result = match result {
            Ok(Replied { bytes, shown }) => {
                log::debug!("rpc #{id} {method} {} <- {} ({} bytes)", from.name, to.name, bytes.len());
                self.trace.record(|| EventKind::Reply { id, bytes: bytes.len(), reply: shown });
                Ok(bytes)
            }
            Err(error) => {
                log::debug!("rpc #{id} {method} failed: {error}");
                self.trace.record(|| EventKind::Failed { id, error: error.to_string() });
                Err(error)
            }
        };
        let _ = reply.send(result);
    }
}

#[cfg(test)]
#[path = "call_tests.rs"]
mod tests;
