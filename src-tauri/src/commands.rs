//! The app's commands: each parses its input, calls `field`, maps the error. No business rules
//! live here or in the UI that the engine does not enforce.

use std::sync::{Mutex, MutexGuard};

use doorstep_domain::{NewConditionNote, NewFailedAttempt, NewPod, StopStatus};
use doorstep_field::photos::prepare;
use doorstep_field::views::{PhotoRef, RouteView, Saved, StopDetail, SyncState};
use doorstep_field::Store;
use tauri::ipc::{InvokeBody, Request};
use tauri::State;
use uuid::Uuid;

use crate::error::CommandError;

/// The device engine, shared by every window.
pub struct Engine(pub Mutex<Store>);

impl Engine {
    fn store(&self) -> Result<MutexGuard<'_, Store>, CommandError> {
        Ok(self.0.lock()?)
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
    Ok(engine.store()?.stops().advance(stop_id, status)?)
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
    Ok(engine.store()?.pods().record(input)?)
}

#[tauri::command]
pub async fn record_failed_attempt(
    engine: State<'_, Engine>,
    input: NewFailedAttempt,
) -> Answer<Saved> {
    Ok(engine.store()?.failed_attempts().record(input)?)
}

#[tauri::command]
pub async fn record_condition_note(
    engine: State<'_, Engine>,
    input: NewConditionNote,
) -> Answer<Saved> {
    Ok(engine.store()?.condition_notes().record(input)?)
}

#[tauri::command]
pub fn sync_state(engine: State<'_, Engine>) -> Answer<SyncState> {
    Ok(engine.store()?.sync_state()?)
}
