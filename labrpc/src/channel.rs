//! Channels, for labrpc inside (a call's reply, the signal of a death or a shutdown: a channel
//! whose sender is dropped, the worker pool's queue of jobs) and for test code (the harness's
//! threads report to the test through them).
//!
//! In the plain build they are crossbeam's. In simulation mode they are built here on the
//! facade's lock and condition variable, so every wait is one the seeded scheduler sees and a
//! timeout runs on the virtual clock. Use only what both offer: [`unbounded`], [`bounded`] (its
//! capacity is not enforced when simulated), `send`, `recv`, `try_recv` and `recv_timeout`.

#[cfg(not(feature = "simulation"))]
pub use crossbeam_channel::{
    bounded, unbounded, Receiver, RecvError, RecvTimeoutError, SendError, Sender, TryRecvError,
};

#[cfg(feature = "simulation")]
pub use simulated::{
    bounded, unbounded, Receiver, RecvError, RecvTimeoutError, SendError, Sender, TryRecvError,
};

/// Blocks until `first` has a message or is disconnected, or any of `others` is disconnected
/// (the death and shutdown signals carry no messages). Returns `first`'s message if that is what
/// ended the wait; `None` if a signal did (or `first` was disconnected): the caller then settles
/// the outcome in its own fixed order.
#[cfg(not(feature = "simulation"))]
pub(crate) fn wait_for_any<T>(first: &Receiver<T>, others: [&Receiver<()>; 2]) -> Option<T> {
    crossbeam_channel::select! {
        recv(first) -> message => message.ok(),
        recv(others[0]) -> _ => None,
        recv(others[1]) -> _ => None,
    }
}

/// See the real mode's `wait_for_any`.
#[cfg(feature = "simulation")]
pub(crate) fn wait_for_any<T>(first: &Receiver<T>, others: [&Receiver<()>; 2]) -> Option<T> {
    simulated::wait_for_any(first, others)
}

#[cfg(feature = "simulation")]
#[allow(unreachable_pub)]
mod simulated {
    //! Channels on the facade's `Mutex` and `Condvar`. A send never blocks (labrpc's bounded
    //! channels never fill: one reply per call, no message on a signal); dropping the last sender
    //! disconnects. A waiter on several channels registers a watch with each, which every send
    //! and disconnection bumps.

    use std::collections::VecDeque;
    use std::sync::Arc;
    use std::time::Duration;

    use crate::sync::{Condvar, Mutex};
    use crate::time::Instant;

    /// Why a send failed: every receiver is gone. Holds the message.
    #[derive(Debug)]
    pub struct SendError<T>(pub T);

    /// Why `try_recv` returned nothing.
    #[derive(Debug, PartialEq, Eq)]
    pub enum TryRecvError {
        /// Nothing is queued.
        Empty,
        /// Nothing is queued and every sender is gone.
        Disconnected,
    }

    /// Why `recv_timeout` returned nothing.
    #[derive(Debug, PartialEq, Eq)]
    pub enum RecvTimeoutError {
        /// Nothing came in time.
        Timeout,
        /// Nothing is queued and every sender is gone.
        Disconnected,
    }

    /// Why `recv` returned nothing: every sender is gone.
    #[derive(Debug, PartialEq, Eq)]
    pub struct RecvError;

    /// A waiter's doorbell: a counter of events on the channels it watches.
    struct Watch {
        rung: Mutex<u64>,
        bell: Condvar,
    }

    impl Watch {
        fn ring(&self) {
            *self.rung.lock() += 1;
            self.bell.notify_all();
        }
    }

    struct State<T> {
        queue: VecDeque<T>,
        senders: usize,
        receivers: usize,
        watches: Vec<Arc<Watch>>,
    }

    struct Chan<T> {
        state: Mutex<State<T>>,
        /// Receivers blocked in `recv_timeout`.
        arrived: Condvar,
    }

    impl<T> Chan<T> {
        /// Wakes everyone waiting on this channel: after a send or a disconnection.
        fn wake(&self, state: &State<T>) {
            self.arrived.notify_all();
            for watch in &state.watches {
                watch.ring();
            }
        }
    }

    /// The sending half.
    pub struct Sender<T> {
        chan: Arc<Chan<T>>,
    }

    /// The receiving half.
    pub struct Receiver<T> {
        chan: Arc<Chan<T>>,
    }

    fn channel<T>() -> (Sender<T>, Receiver<T>) {
        let chan = Arc::new(Chan {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                senders: 1,
                receivers: 1,
                watches: Vec::new(),
            }),
            arrived: Condvar::new(),
        });
        (Sender { chan: Arc::clone(&chan) }, Receiver { chan })
    }

    /// A channel; its capacity is not enforced (see the module's doc).
    pub fn bounded<T>(_capacity: usize) -> (Sender<T>, Receiver<T>) {
        channel()
    }

    /// A channel without a bound.
    pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
        channel()
    }

    impl<T> Sender<T> {
        /// Queues `message`, or gives it back if every receiver is gone.
        pub fn send(&self, message: T) -> Result<(), SendError<T>> {
            let mut state = self.chan.state.lock();
            if state.receivers == 0 {
                return Err(SendError(message));
            }
            state.queue.push_back(message);
            self.chan.wake(&state);
            Ok(())
        }
    }

    impl<T> Sender<T> {
        /// [`send`](Sender::send): a send never blocks here.
        pub fn try_send(&self, message: T) -> Result<(), SendError<T>> {
            self.send(message)
        }
    }

    impl<T> Clone for Sender<T> {
        fn clone(&self) -> Sender<T> {
            self.chan.state.lock().senders += 1;
            Sender { chan: Arc::clone(&self.chan) }
        }
    }

    impl<T> Drop for Sender<T> {
        fn drop(&mut self) {
            let mut state = self.chan.state.lock();
            state.senders -= 1;
            if state.senders == 0 {
                self.chan.wake(&state);
            }
        }
    }

    impl<T> Receiver<T> {
        /// A message if one is queued now.
        pub fn try_recv(&self) -> Result<T, TryRecvError> {
            let mut state = self.chan.state.lock();
            match state.queue.pop_front() {
                Some(message) => Ok(message),
                None if state.senders == 0 => Err(TryRecvError::Disconnected),
                None => Err(TryRecvError::Empty),
            }
        }

        /// The next message, waiting as long as it takes.
        pub fn recv(&self) -> Result<T, RecvError> {
            let mut state = self.chan.state.lock();
            loop {
                if let Some(message) = state.queue.pop_front() {
                    return Ok(message);
                }
                if state.senders == 0 {
                    return Err(RecvError);
                }
                self.chan.arrived.wait(&mut state);
            }
        }

        /// The next message, waiting up to `timeout` (of virtual time) for it.
        pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
            let deadline = Instant::now().checked_add(timeout);
            let mut state = self.chan.state.lock();
            loop {
                if let Some(message) = state.queue.pop_front() {
                    return Ok(message);
                }
                if state.senders == 0 {
                    return Err(RecvTimeoutError::Disconnected);
                }
                match deadline {
                    Some(deadline) => {
                        if self.chan.arrived.wait_until(&mut state, deadline).timed_out()
                            && state.queue.is_empty()
                            && state.senders > 0
                        {
                            return Err(RecvTimeoutError::Timeout);
                        }
                    }
                    None => self.chan.arrived.wait(&mut state),
                }
            }
        }

        fn watch(&self, watch: &Arc<Watch>) {
            self.chan.state.lock().watches.push(Arc::clone(watch));
        }

        fn unwatch(&self, watch: &Arc<Watch>) {
            self.chan.state.lock().watches.retain(|w| !Arc::ptr_eq(w, watch));
        }

        /// Whether a message is queued or every sender is gone.
        fn ready(&self) -> bool {
            let state = self.chan.state.lock();
            !state.queue.is_empty() || state.senders == 0
        }
    }

    impl<T> Drop for Receiver<T> {
        fn drop(&mut self) {
            self.chan.state.lock().receivers -= 1;
        }
    }

    /// See `channel::wait_for_any`.
    pub(crate) fn wait_for_any<T>(first: &Receiver<T>, others: [&Receiver<()>; 2]) -> Option<T> {
        let watch = Arc::new(Watch { rung: Mutex::new(0), bell: Condvar::new() });
        first.watch(&watch);
        for other in others {
            other.watch(&watch);
        }
        let outcome = loop {
            // Read the bell before looking, so that an event after the look rings it anew.
            let seen = *watch.rung.lock();
            match first.try_recv() {
                Ok(message) => break Some(message),
                Err(TryRecvError::Disconnected) => break None,
                Err(TryRecvError::Empty) => {}
            }
            if others.iter().any(|other| other.ready()) {
                break None;
            }
            let mut rung = watch.rung.lock();
            while *rung == seen {
                watch.bell.wait(&mut rung);
            }
        };
        first.unwatch(&watch);
        for other in others {
            other.unwatch(&watch);
        }
        outcome
    }
}
