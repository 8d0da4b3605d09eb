//! A primary/backup key/value server.
//!
//! Every server pings the view service from its tick thread, and plays the role the view gives
//! it. The course glue (`service.rs`) calls [`PbServer::new`], the three handlers
//! ([`PbServer::execute`], [`PbServer::forward`], [`PbServer::transfer`]), [`PbServer::tick`]
//! every ping interval, and [`PbServer::value`] and [`PbServer::view`] for the tests; everything
//! else here is one design among many.
//!
//! The five rules of primary/backup replication, each enforced where its number is named:
//!
//! 1. **The primary of view i+1 was primary or backup of view i.** The view service guarantees
//!    it, and the servers keep it meaningful: a primary does not acknowledge a view with a new
//!    backup until that backup holds its state, so the view service never promotes an empty
//!    backup; and a server that restarted never acts as the primary its earlier life was.
//!    ([`PbServer::tick`]) Two more guards make the view service's picture of restarts true:
//!    - **Only a first life starts the service.** The primary of view 1 takes its empty store
//!      for the service's data only in its first life ([`Endpoint::incarnation`] is 0): a
//!      restarted server named primary of view 1 cannot know whether its earlier life served
//!      writes, so it serves nothing.
//!    - **A backup takes the state only once the view service knows this life.** It accepts a
//!      state transfer only after the view service has answered a ping of *this life* that
//!      carried a nonzero viewnum. So a backup that holds state and restarts is always seen to
//!      restart (its next ping carries 0, rule 3 of the view service), and is never promoted
//!      or kept as an up-to-date backup by a view service that missed it. To cost no ping
//!      interval, a server pings again at once whenever it takes on a new view.
//!      ([`PbServer::transfer`], [`PbServer::tick`])
//! 2. **The primary waits for the backup to accept each operation before doing it and
//!    replying**, Gets included: a Get forwarded to the backup proves this server is still the
//!    primary, so a stale primary cannot answer with stale data. ([`PbServer::execute`])
//! 3. **The backup accepts forwarded requests only if the view is correct**: they must come
//!    from the primary of the view the backup believes current. ([`PbServer::forward`],
//!    [`PbServer::transfer`])
//! 4. **A non-primary rejects client requests** with [`PbError::WrongServer`].
//!    ([`PbServer::execute`])
//! 5. **Every operation is before or after a state transfer, never during one.** The primary
//!    orders operations under one lock, and transfers its state to a new backup under the same
//!    lock, before it serves anything else. ([`PbServer::execute`], [`PbServer::tick`])
//!
//! At-most-once: every write carries its client's id and sequence number; primary and backup
//! keep the latest number applied per client (the duplicate table), which travels with the
//! data in a state transfer.

use labrpc::sync::Mutex;
use labrpc::Endpoint;
use viewservice::View;

use crate::common::{Forward, ForwardArgs, Op, PbError, Request, Response, Transfer, TransferArgs};
// BEGIN PRIVATE: your own modules and types
use crate::store::Store;
// END PRIVATE

/// One primary/backup server.
pub struct PbServer {
    // BEGIN PRIVATE: your server's state
    // Its role, its data, and the locks that keep them consistent.
    me: Endpoint,
    vs: viewservice::Clerk,
    /// Held by the primary from ordering an operation to applying it, and during a state
    /// transfer (rules 2 and 5). Never held while waiting for `state`'s holder.
    order: Mutex<()>,
    state: Mutex<State>,
    // END PRIVATE
}

// BEGIN PRIVATE: your own types for that state
struct State {
    /// The latest view this server has heard of.
    view: View,
    /// The latest view this server has fully taken on, which its pings acknowledge. A primary
    /// takes on a view with a new backup only once that backup holds its state.
    adopted: u64,
    /// For the primary: whether the backup of `view` holds this server's state.
    /// For the backup: whether it received the state for `view`.
    in_sync: bool,
    /// Whether this server's store holds the service's data: it was the first primary, or it
    /// received a state transfer. A server that restarted has not, and must never act as the
    /// primary its earlier life was (rule 1).
    has_state: bool,
    /// Whether the view service has answered a ping of this life that carried a nonzero
    /// viewnum: from then on, a restart of this server shows as a Ping(0) (rule 1's second
    /// guard).
    known_to_vs: bool,
    /// A write the backup may have applied although its acceptance never arrived. It is
    /// finished before any other operation, so both servers apply operations in one order.
    unfinished: Option<Request>,
    store: Store,
}
// END PRIVATE

impl PbServer {
    /// A fresh, empty server calling through `me`, pinging the view service `vs`.
    pub fn new(me: Endpoint, vs: &str) -> PbServer {
        // BEGIN SOLUTION: a server that knows no view yet and holds no data
        let vs = viewservice::Clerk::with_endpoint(me.clone(), vs);
        let state = State {
            view: View::default(),
            adopted: 0,
            in_sync: false,
            has_state: false,
            known_to_vs: false,
            unfinished: None,
            store: Store::default(),
        };
        PbServer { me, vs, order: Mutex::new(()), state: Mutex::new(state) }
        // END SOLUTION
    }

    /// Handles a client's Get, Put or Append.
    pub fn execute(&self, request: Request) -> Response {
        // BEGIN SOLUTION: as the primary, serve the request (rules 2, 4 and 5; at most once)
        // Rule 5: operations are ordered one at a time, and never overlap a state transfer.
        let _order = self.order.lock();
        let (view, acting_primary, in_sync) = {
            let state = self.state.lock();
            (state.view.clone(), state.is_acting_primary(self.name()), state.in_sync)
        };
        // Rule 4: only the primary serves clients.
        if !acting_primary {
            return Err(PbError::WrongServer);
        }
        if !in_sync {
            self.transfer_to_new_backup(&view)?;
        }
        let unfinished = self.state.lock().unfinished.clone();
        if let Some(unfinished) = unfinished {
            self.replicate(&view, &unfinished)?;
            let mut state = self.state.lock();
            let _ = state.store.apply(&unfinished);
            state.unfinished = None;
        }
        if self.state.lock().store.is_duplicate(&request) {
            return Ok(String::new());
        }
        self.replicate(&view, &request)?;
        self.state.lock().store.apply(&request)
        // END SOLUTION
    }

    /// Handles a primary's forward of one request (the backup's side of rule 2).
    pub fn forward(&self, args: ForwardArgs) -> Result<(), PbError> {
        // BEGIN SOLUTION: as the backup, carry out the primary's forward, or refuse it (rule 3)
        let mut state = self.state.lock();
        // Rule 3: only the primary of the view this server believes current may forward.
        if !state.is_from_my_primary(self.name(), args.viewnum, &args.primary) {
            return Err(PbError::WrongServer);
        }
        if !state.in_sync {
            return Err(PbError::NotReady);
        }
        // A Get changes nothing, but the acceptance tells the primary it is still primary.
        let _ = state.store.apply(&args.request);
        Ok(())
        // END SOLUTION
    }

    /// Handles a primary's state transfer: the whole state replaces this backup's.
    pub fn transfer(&self, args: TransferArgs) -> Result<(), PbError> {
        // BEGIN SOLUTION: as the new backup, take the primary's state, or refuse it (rules 1 and 3)
        let mut state = self.state.lock();
        // Rule 3 again: only from the primary of the view this server believes current.
        if !state.is_from_my_primary(self.name(), args.viewnum, &args.primary) {
            return Err(PbError::WrongServer);
        }
        // Rule 1: only a life the view service knows may hold the state, so that if it restarts,
        // the view service sees it.
        if !state.known_to_vs {
            return Err(PbError::NotReady);
        }
        // A repeated transfer for the same view (the primary retried after a lost reply) carries
        // the same state, but may land after forwards that followed the first: keep those.
        if state.in_sync {
            return Ok(());
        }
        state.store = Store::from_snapshot(args.snapshot);
        state.in_sync = true;
        state.has_state = true;
        log::debug!("{}: received the state of {} ({} keys)", self.name(), args.primary, state.store.len());
        Ok(())
        // END SOLUTION
    }

    /// Called every ping interval: the server's turn to ping the view service and to act on
    /// the view it answers.
    pub fn tick(&self) {
        // BEGIN SOLUTION: ping the view service and play the role the view gives this server
        // This server pings the latest view it has taken on, takes on the view the view
        // service answers, and brings a new backup up to date.
        let before = self.state.lock().adopted;
        let Ok(view) = self.ping(before) else {
            return;
        };
        if self.adopt(view) {
            self.bring_backup_up_to_date();
        }
        // Acknowledge a newly taken-on view at once: a primary's acknowledgement lets the view
        // service go on, and a backup's lets it take the state (rule 1).
        let after = self.state.lock().adopted;
        if after != before {
            let _ = self.ping(after);
        }
        // END SOLUTION
    }

    /// The value this server holds for `key` (for tests: comparing primary and backup).
    pub fn value(&self, key: &str) -> Option<String> {
        // BEGIN SOLUTION: the value this server holds for `key`, if any
        self.state.lock().store.value(key).map(String::from)
        // END SOLUTION
    }

    /// The view this server believes current.
    pub fn view(&self) -> View {
        // BEGIN SOLUTION: the view this server believes current
        self.state.lock().view.clone()
        // END SOLUTION
    }
}

// BEGIN PRIVATE: your helpers
impl PbServer {
    /// This server's name.
    fn name(&self) -> &str {
        self.me.name()
    }

    /// Rule 2: gets the backup of `view` (if any) to accept `request` before this server applies
    /// it or replies. If the outcome is unknown (the forward or its acceptance was lost), a
    /// write is remembered as unfinished, to be completed before anything else.
    fn replicate(&self, view: &View, request: &Request) -> Result<(), PbError> {
        // BEGIN SOLUTION: rule 2: the backup accepts first (Gets too); else `unfinished`
        let Some(backup) = view.backup.as_deref() else {
            return Ok(());
        };
        let args =
            ForwardArgs { viewnum: view.viewnum, primary: self.name().to_string(), request: request.clone() };
        match self.me.call::<Forward>(backup, &args) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(refusal)) => {
                log::debug!("{}: backup {backup} refused {}: {refusal}", self.name(), request.op);
                Err(PbError::BackupUnavailable)
            }
            Err(error) => {
                log::debug!("{}: forward of {} to {backup} failed: {error}", self.name(), request.op);
                if !matches!(request.op, Op::Get { .. }) {
                    self.state.lock().unfinished = Some(request.clone());
                }
                Err(PbError::BackupUnavailable)
            }
        }
        // END SOLUTION
    }

    /// Rule 5: sends the whole state to the backup of `view` while no operation runs (the
    /// caller holds `order`). Errors if the backup did not take it; nothing is served until it
    /// does.
    fn transfer_to_new_backup(&self, view: &View) -> Result<(), PbError> {
        // BEGIN SOLUTION: rule 5: send the whole store; once accepted: in sync, adopted
        let Some(backup) = view.backup.as_deref() else {
            self.state.lock().in_sync = true;
            return Ok(());
        };
        let snapshot = self.state.lock().store.snapshot();
        let keys = snapshot.data.len();
        let args = TransferArgs { viewnum: view.viewnum, primary: self.name().to_string(), snapshot };
        match self.me.call::<Transfer>(backup, &args) {
            Ok(Ok(())) => {
                let mut state = self.state.lock();
                if state.view.viewnum == view.viewnum {
                    state.in_sync = true;
                    // Rule 1: only now may the view service count on this backup.
                    state.adopted = view.viewnum;
                }
                drop(state);
                self.me.note(format!(
                    "sent its state ({keys} keys) to backup {backup} for view {}",
                    view.viewnum
                ));
                Ok(())
            }
            Ok(Err(refusal)) => {
                log::debug!("{}: backup {backup} refused the state: {refusal}", self.name());
                Err(PbError::BackupUnavailable)
            }
            Err(error) => {
                log::debug!("{}: state transfer to {backup} failed: {error}", self.name());
                Err(PbError::BackupUnavailable)
            }
        }
        // END SOLUTION
    }

    /// Pings the view service with `viewnum`; notes when it has heard a nonzero viewnum from
    /// this life (rule 1).
    fn ping(&self, viewnum: u64) -> Result<View, viewservice::ClerkError> {
        // BEGIN SOLUTION: rule 1: an answered nonzero ping makes this life known
        let view = self.vs.ping(viewnum)?;
        if viewnum != 0 {
            self.state.lock().known_to_vs = true;
        }
        Ok(view)
        // END SOLUTION
    }

    /// Transfers the state to a new backup unless an operation is running, which will do it
    /// itself before it goes on.
    fn bring_backup_up_to_date(&self) {
        // BEGIN SOLUTION: rule 5: unless an operation runs, give a new backup the state
        let Some(_order) = self.order.try_lock() else {
            return;
        };
        let (view, needs_transfer) = {
            let state = self.state.lock();
            (state.view.clone(), state.is_acting_primary(self.name()) && !state.in_sync)
        };
        if needs_transfer {
            // On failure, the next operation or tick tries again.
            let _ = self.transfer_to_new_backup(&view);
        }
        // END SOLUTION
    }

    /// Takes on `view` (if new). Returns whether this server is the primary of a backup that
    /// still needs its state.
    fn adopt(&self, view: View) -> bool {
        // BEGIN SOLUTION: take on a new view; rule 1: a restarted primary never acts
        let me = self.name();
        let mut state = self.state.lock();
        if view != state.view {
            let was_primary = state.view.is_primary(me);
            // The first primary starts the service, so its empty store is the service's data;
            // but only in its first life (rule 1): a restarted one may have lost writes.
            if view.viewnum == 1 && view.is_primary(me) && self.me.incarnation() == 0 {
                state.has_state = true;
            }
            // Whatever the backup of the old view may have applied no longer matters: a new
            // backup gets this server's state, and a new primary sends its own.
            state.unfinished = None;
            state.in_sync = if view.is_primary(me) {
                // A primary's backup holds its state only if it is the very backup it synced.
                view.backup.is_none() || (was_primary && view.backup == state.view.backup && state.in_sync)
            } else {
                // A backup needs the primary's state anew in every view.
                false
            };
            let role = if view.is_primary(me) && !state.has_state {
                // Rule 1: named primary by an earlier life, this server restarted and lost the
                // data. It keeps pinging 0 so the view service replaces it, and serves nothing.
                "primary in name only (it restarted and holds no state)"
            } else if view.is_primary(me) {
                "primary"
            } else if view.is_backup(me) {
                "backup"
            } else {
                "idle"
            };
            self.me.note(format!("{view}: {me} is {role}"));
            state.view = view;
            // Rule 1: a primary acknowledges a view with a new backup only after the transfer,
            // and a primary in name only never does.
            if !state.view.is_primary(me) || (state.has_state && state.in_sync) {
                state.adopted = state.view.viewnum;
            }
        }
        state.is_acting_primary(me) && !state.in_sync
        // END SOLUTION
    }
}

impl State {
    /// Whether this server is the primary of its view and holds the data to serve as one.
    fn is_acting_primary(&self, me: &str) -> bool {
        self.view.is_primary(me) && self.has_state
    }

    /// Rule 3's test: `from` is the primary of view `viewnum`, which is the view this server
    /// believes current, and in which it is the backup.
    fn is_from_my_primary(&self, me: &str, viewnum: u64, from: &str) -> bool {
        self.view.viewnum == viewnum && self.view.is_primary(from) && self.view.is_backup(me)
    }
}
// END PRIVATE
