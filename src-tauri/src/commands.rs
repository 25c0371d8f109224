//! The app's commands: each parses its input, calls `field`, maps the error. No business rules
//! live here or in the UI that the engine does not enforce.

use std::sync::{Mutex, MutexGuard};

use doorstep_domain::resolution::Resolution;
use doorstep_domain::{NewConditionNote, NewFailedAttempt, NewPod, StopStatus};
use doorstep_field::photos::prepare;
use doorstep_field::store::RepFilter;
use doorstep_field::sync::{self, Enrolled, HttpTransport, SyncHandle};
use doorstep_field::views::{
    AccountCard, DeliveryDetail, MapSettings, PhotoRef, RejectionView, RouteView, Saved,
    StopDetail, SyncState, TerritoryDay, TerritorySummary,
};
use doorstep_field::Store;
use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Manager, Runtime, State};
use uuid::Uuid;

use crate::error::CommandError;

/// The device engine, shared by every window, and the bell of the background sync.
pub struct Engine {
    pub store: Mutex<Store>,
    pub sync: Mutex<Option<SyncHandle>>,
}

impl Engine {
    pub fn new(store: Store) -> Engine {
        Engine {
            store: Mutex::new(store),
            sync: Mutex::new(None),
        }
    }

    fn store(&self) -> Result<MutexGuard<'_, Store>, CommandError> {
        Ok(self.store.lock()?)
    }

    /// Wakes the sync thread, if one runs; a save never waits for the network.
    pub fn wake_sync(&self) {
        if let Ok(guard) = self.sync.lock() {
            if let Some(sync) = guard.as_ref() {
                sync.wake();
            }
        }
    }
}

type Answer<T> = Result<T, CommandError>;

/// Today's route: every stop, or the page from `offset` (0 when absent) of at most `limit` stops;
/// the route list asks for what it shows, progress and the next stop cover the whole route.
#[tauri::command]
pub fn route_today(
    engine: State<'_, Engine>,
    offset: Option<u32>,
    limit: Option<u32>,
) -> Answer<RouteView> {
    Ok(engine
        .store()?
        .routes()
        .today_page(offset.unwrap_or(0), limit)?)
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

/// The sales rep's territories, with their areas for the map.
#[tauri::command]
pub fn territories(engine: State<'_, Engine>) -> Answer<Vec<TerritorySummary>> {
    Ok(engine.store()?.territory().list()?)
}

/// The deliveries of a day in the rep's territory (today when `date` is null), late first.
#[tauri::command]
pub fn territory_day(
    engine: State<'_, Engine>,
    date: Option<chrono::NaiveDate>,
    territory_id: Option<Uuid>,
    filter: Option<RepFilter>,
) -> Answer<TerritoryDay> {
    Ok(engine
        .store()?
        .rep()
        .day(date, territory_id, &filter.unwrap_or_default())?)
}

#[tauri::command]
pub fn delivery_detail(engine: State<'_, Engine>, stop_id: Uuid) -> Answer<DeliveryDetail> {
    Ok(engine.store()?.rep().delivery(stop_id)?)
}

#[tauri::command]
pub fn account_card(engine: State<'_, Engine>, account_id: Uuid) -> Answer<AccountCard> {
    Ok(engine.store()?.rep().account(account_id)?)
}

/// Records what the rep did about a late or short delivery; it syncs like every record.
#[tauri::command]
pub fn record_resolution(
    engine: State<'_, Engine>,
    stop_id: Uuid,
    resolution: Resolution,
) -> Answer<Saved> {
    let saved = engine.store()?.rep().resolve(stop_id, resolution)?;
    engine.wake_sync();
    Ok(saved)
}

/// A photo's JPEG bytes: from the phone, or fetched from the planner once and kept. The
/// download runs on a blocking thread without the store's lock.
#[tauri::command]
pub async fn photo<R: Runtime>(app: AppHandle<R>, sha256: String) -> Answer<tauri::ipc::Response> {
    tauri::async_runtime::spawn_blocking(move || {
        let engine = app.state::<Engine>();
        let sync = sync::SyncEngine::default();
        let (source, url) = {
            let mut store = engine.store()?;
            let source = sync.photo_source(&mut store, &sha256)?;
            (source, store.sync_state()?.planner_url)
        };
        let token = match source {
            sync::PhotoSource::OnPhone(bytes) => return Ok(tauri::ipc::Response::new(bytes)),
            sync::PhotoSource::Planner { token } => token,
        };
        let url = url.ok_or_else(|| {
            CommandError::invalid("this photo is not on the phone, and no planner is connected")
        })?;
        let transport = HttpTransport::new(&url).map_err(|e| {
            CommandError::invalid(format!("the planner address does not work: {e}"))
        })?;
        // The download runs without the store's lock: other screens stay responsive.
        let bytes = sync.fetch_photo(&transport, &token, &sha256)?;
        sync.keep_photo(&mut *engine.store()?, &sha256, &bytes)?;
        Ok(tauri::ipc::Response::new(bytes))
    })
    .await
    .map_err(|_| CommandError::internal())?
}

/// How the map is drawn: territories and deliveries always; tiles only when configured.
#[tauri::command]
pub fn map_settings() -> MapSettings {
    MapSettings {
        tile_url: std::env::var("DOORSTEP_TILE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty()),
    }
}
