//! The app's commands: each parses its input, calls `field`, maps the error. No business rules
//! live here or in the UI that the engine does not enforce.

use std::sync::mpsc::Sender;
use std::sync::{Mutex, MutexGuard};

use doorstep_domain::{NewConditionNote, NewFailedAttempt, NewPod, StopStatus};
use doorstep_field::photos::prepare;
use doorstep_field::sync::{self, Enrolled, HttpTransport};
use doorstep_field::views::{PhotoRef, RejectionView, RouteView, Saved, StopDetail, SyncState};
use doorstep_field::Store;
use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Manager, Runtime, State};
use uuid::Uuid;

use crate::error::CommandError;

/// The device engine, shared by every window, and the bell of the background sync.
pub struct Engine {
    pub store: Mutex<Store>,
    pub wake: Mutex<Option<Sender<()>>>,
}

impl Engine {
    pub fn new(store: Store) -> Engine {
        Engine {
            store: Mutex::new(store),
            wake: Mutex::new(None),
        }
    }

    fn store(&self) -> Result<MutexGuard<'_, Store>, CommandError> {
        Ok(self.store.lock()?)
    }

    /// Wakes the sync thread, if one runs; a save never waits for the network.
    pub fn wake_sync(&self) {
        if let Ok(guard) = self.wake.lock() {
            if let Some(tx) = guard.as_ref() {
                let _ = tx.send(());
            }
        }
    }
}

type Answer<T> = Result<T, CommandError>;

#[tauri::command]
pub fn route_today(engine: State<'_, Engine>) -> Answer<RouteView> {
    Ok(engine.store()?.routes().today()?)
}

#[tauri::command]
pub fn stop_detail(engine: State<'_, Engine>, stop_id: Uuid) -> Answer<StopDetail> {
    Ok(engine.store()?.stops().detail(stop_id)?)
}

#[tauri::command]
pub fn advance_stop(engine: State<'_, Engine>, stop_id: Uuid, status: StopStatus) -> Answer<Saved> {
    let saved = engine.store()?.stops().advance(stop_id, status)?;
    engine.wake_sync();
    Ok(saved)
}

/// The photo's bytes arrive as the raw request body (no base64, no JSON array of numbers).
/// Decoding runs before the store's lock is taken.
#[tauri::command]
pub async fn import_photo(engine: State<'_, Engine>, request: Request<'_>) -> Answer<PhotoRef> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::invalid(
            "send the photo file's bytes as the request body",
        ));
    };
    let photo = prepare(bytes)?;
    Ok(engine.store()?.photos().store_prepared(photo)?)
}

#[tauri::command]
pub async fn record_pod(engine: State<'_, Engine>, input: NewPod) -> Answer<Saved> {
    let saved = engine.store()?.pods().record(input)?;
    engine.wake_sync();
    Ok(saved)
}

#[tauri::command]
pub async fn record_failed_attempt(
    engine: State<'_, Engine>,
    input: NewFailedAttempt,
) -> Answer<Saved> {
    let saved = engine.store()?.failed_attempts().record(input)?;
    engine.wake_sync();
    Ok(saved)
}

#[tauri::command]
pub async fn record_condition_note(
    engine: State<'_, Engine>,
    input: NewConditionNote,
) -> Answer<Saved> {
    let saved = engine.store()?.condition_notes().record(input)?;
    engine.wake_sync();
    Ok(saved)
}

#[tauri::command]
pub fn sync_state(engine: State<'_, Engine>) -> Answer<SyncState> {
    Ok(engine.store()?.sync_state()?)
}

/// Enrols this phone with a planner using the one-time code dispatch gave the courier.
///
/// The transport is reqwest's blocking client, which panics when it is built or used on an
/// async runtime's worker (as an async command runs): the whole exchange runs on a blocking
/// thread, and the UI's thread is never held up by the network.
#[tauri::command]
pub async fn enroll<R: Runtime>(
    app: AppHandle<R>,
    planner_url: String,
    code: String,
) -> Answer<Enrolled> {
    tauri::async_runtime::spawn_blocking(move || {
        let engine = app.state::<Engine>();
        let transport = HttpTransport::new(planner_url.trim()).map_err(|e| {
            CommandError::invalid(format!("the planner address does not work: {e}"))
        })?;
        let enrolled = sync::enroll(&mut *engine.store()?, &transport, &planner_url, &code)?;
        engine.wake_sync();
        Ok(enrolled)
    })
    .await
    .map_err(|_| CommandError::internal())?
}

/// Asks the background sync to run now (it also runs after every save and on a timer).
#[tauri::command]
pub fn sync_now(engine: State<'_, Engine>) -> Answer<SyncState> {
    engine.wake_sync();
    Ok(engine.store()?.sync_state()?)
}

#[tauri::command]
pub fn rejections(engine: State<'_, Engine>) -> Answer<Vec<RejectionView>> {
    Ok(engine.store()?.rejections().list()?)
}

#[tauri::command]
pub fn mark_rejections_seen(engine: State<'_, Engine>) -> Answer<usize> {
    Ok(engine.store()?.rejections().mark_seen()?)
}
