//! The one background sync loop: the app's sync thread and `doorstep-field work` both run it,
//! so the kill tests exercise the app's real code. A round runs at start, after every wake
//! (a save, an enrolment, "sync now"), when the idle timer runs out, and after a failure once
//! the backoff delay has passed. A phone not enrolled yet waits for a wake.
//!
//! Timing is an input ([`LoopSettings`]) and [`SyncLoop::turn`] runs one round without
//! waiting, so tests drive the loop round by round; [`SyncLoop::spawn`] adds only the waiting.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{Backoff, HttpTransport, SplitMix64, SyncEngine, SyncReport, Transport};
use crate::{FieldError, Store};

/// How the loop paces itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopSettings {
    /// How long the loop sleeps after a good round (or while not enrolled) when nothing wakes it.
    pub idle: Duration,
    /// Delays between failed rounds.
    pub backoff: Backoff,
    pub engine: SyncEngine,
}

impl Default for LoopSettings {
    fn default() -> LoopSettings {
        LoopSettings {
            idle: Duration::from_secs(30),
            backoff: Backoff::default(),
            engine: SyncEngine::default(),
        }
    }
}

/// Makes the transport to a planner's address (again when the address changes).
pub trait Connect {
    type Transport: Transport;
    fn connect(&mut self, url: &str) -> Result<Self::Transport, FieldError>;
}

impl<T: Transport, F: FnMut(&str) -> Result<T, FieldError>> Connect for F {
    type Transport = T;
    fn connect(&mut self, url: &str) -> Result<T, FieldError> {
        self(url)
    }
}

/// The app's connector: HTTPS to the enrolled planner.
pub fn http(url: &str) -> Result<HttpTransport, FieldError> {
    Ok(HttpTransport::new(url)?)
}

/// What one turn of the loop did, as it happens (the app ignores it; `work` prints it).
#[derive(Debug, Clone, PartialEq)]
pub enum LoopEvent {
    /// Not enrolled yet: no round; the loop waits for a wake.
    NotEnrolled,
    /// A round begins.
    Started,
    Synced(SyncReport),
    /// The round failed, in plain words; the next one waits for the backoff (or a wake).
    Failed(String),
}

/// The loop's state between rounds: its own connection to the store, the transport, the
/// count of failures in a row and the jitter's random source.
pub struct SyncLoop<C: Connect> {
    store: Store,
    settings: LoopSettings,
    connect: C,
    transport: Option<(String, C::Transport)>,
    failures: u32,
    random: SplitMix64,
}

impl<C: Connect> SyncLoop<C> {
    /// A loop over `store` (a connection of its own, never the one the screens use). The
    /// jitter is seeded from the store's clock, so a fake clock replays the same delays.
    pub fn new(store: Store, settings: LoopSettings, connect: C) -> SyncLoop<C> {
        let seed = store.clock().new_id().as_u128() as u64;
        SyncLoop {
            store,
            settings,
            connect,
            transport: None,
            failures: 0,
            random: SplitMix64::new(seed),
        }
    }

    /// Failed rounds in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    /// One turn: a round if the phone is enrolled, reported to `on` as it goes. Returns how
    /// long to wait before the next turn unless woken.
    pub fn turn(&mut self, on: &mut dyn FnMut(LoopEvent)) -> Duration {
        let url = match self.store.sync_state() {
            Ok(state) => state.planner_url,
            Err(e) => return self.failed(e.to_string(), on),
        };
        let Some(url) = url else {
            on(LoopEvent::NotEnrolled);
            return self.settings.idle;
        };
        on(LoopEvent::Started);
        if self.transport.as_ref().is_none_or(|(u, _)| *u != url) {
            match self.connect.connect(&url) {
                Ok(t) => self.transport = Some((url, t)),
                Err(e) => {
                    self.transport = None;
                    return self.failed(e.to_string(), on);
                }
            }
        }
        let (_, transport) = self.transport.as_ref().expect("connected above");
        match self.settings.engine.sync_once(&mut self.store, transport) {
            Ok(report) => {
                self.failures = 0;
                on(LoopEvent::Synced(report));
                self.settings.idle
            }
            Err(e) => self.failed(e.to_string(), on),
        }
    }

    fn failed(&mut self, why: String, on: &mut dyn FnMut(LoopEvent)) -> Duration {
        self.failures += 1;
        on(LoopEvent::Failed(why));
        self.settings
            .backoff
            .delay(self.failures - 1, &mut self.random)
    }
}

enum Bell {
    Wake,
    /// One last round, then the loop ends.
    Finish,
}

impl<C> SyncLoop<C>
where
    C: Connect + Send + 'static,
    C::Transport: Send,
{
    /// Runs the loop on its own thread: a turn now, then one after each wake or when the wait
    /// a turn asked for runs out. Wakes that pile up during a round count once. Dropping the
    /// handle ends the loop after the round under way.
    pub fn spawn(
        mut self,
        mut on: impl FnMut(LoopEvent) + Send + 'static,
    ) -> Result<SyncHandle, FieldError> {
        let (bell, rings) = mpsc::channel::<Bell>();
        let thread = std::thread::Builder::new()
            .name("doorstep-sync".into())
            .spawn(move || loop {
                let wait = self.turn(&mut on);
                let mut finish = match rings.recv_timeout(wait) {
                    Ok(Bell::Wake) | Err(RecvTimeoutError::Timeout) => false,
                    Ok(Bell::Finish) => true,
                    Err(RecvTimeoutError::Disconnected) => return,
                };
                while let Ok(more) = rings.try_recv() {
                    finish |= matches!(more, Bell::Finish);
                }
                if finish {
                    self.turn(&mut on);
                    return;
                }
            })
            .map_err(|e| FieldError::io(std::path::Path::new("doorstep-sync thread"), e))?;
        Ok(SyncHandle {
            bell,
            thread: Some(thread),
        })
    }
}

/// The bell of a running loop.
pub struct SyncHandle {
    bell: Sender<Bell>,
    thread: Option<JoinHandle<()>>,
}

impl SyncHandle {
    /// Asks for a round now; a save never waits for it.
    pub fn wake(&self) {
        let _ = self.bell.send(Bell::Wake);
    }

    /// Runs one last round and waits for the loop to end.
    pub fn finish(mut self) -> Result<(), FieldError> {
        let _ = self.bell.send(Bell::Finish);
        match self.thread.take().map(JoinHandle::join) {
            Some(Err(_)) => Err(FieldError::Invalid("the sync thread panicked".into())),
            _ => Ok(()),
        }
    }
}
