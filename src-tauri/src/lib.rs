//! The Doorstep app shell: registers the commands over the `field` engine and opens the store.

pub mod commands;
pub mod error;

use std::path::PathBuf;
use std::sync::Arc;

use doorstep_domain::Clock;
use doorstep_field::sync::{background, LoopSettings, SyncLoop};
use doorstep_field::{Store, SystemClock};
use tauri::{Manager, Runtime};

use commands::Engine;

include!("command_list.rs");

/// Every command's name, as the UI invokes it: the one list (src/command_list.rs).
pub const COMMANDS: &[&str] = {
    macro_rules! names {
        ($($c:ident),* $(,)?) => {
            &[$(stringify!($c)),*]
        };
    }
    with_commands!(names)
};

/// The app's commands and state on any runtime, so tests run the real commands on
/// `tauri::test::mock_builder()`.
pub fn build<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    macro_rules! handler {
        ($($c:ident),* $(,)?) => {
            tauri::generate_handler![$(commands::$c),*]
        };
    }
    builder.invoke_handler(with_commands!(handler))
}

/// Opens the device store in `dir` on `clock` (the system's in the app, a fake one in tests)
/// and hands it to the app.
pub fn manage_store<R: Runtime>(
    app: &tauri::App<R>,
    dir: &std::path::Path,
    clock: Arc<dyn Clock>,
) -> Result<(), String> {
    let store = Store::open(dir, clock)
        .map_err(|e| format!("could not open the store in {}: {e}", dir.display()))?;
    store
        .sweep_orphan_photos()
        .map_err(|e| format!("could not tidy the photo folder in {}: {e}", dir.display()))?;
    app.manage(Engine::new(store));
    Ok(())
}

/// Starts the background sync: `field`'s one loop (the same `doorstep-field work` runs) on its
/// own connection to the same store, woken after every save, on a timer, and retried with
/// backoff and jitter after a failure. It never blocks the UI: no transaction stays open
/// across a network call.
pub fn start_sync<R: Runtime>(app: &tauri::App<R>, dir: &std::path::Path) -> Result<(), String> {
    let store = Store::open(dir, Arc::new(SystemClock))
        .map_err(|e| format!("could not open the store for sync: {e}"))?;
    let handle = SyncLoop::new(store, LoopSettings::default(), background::http)
        .spawn(|_| {})
        .map_err(|e| format!("could not start the sync thread: {e}"))?;
    *app.state::<Engine>()
        .sync
        .lock()
        .map_err(|_| "sync bell poisoned")? = Some(handle);
    Ok(())
}

/// Where the store lives: `DOORSTEP_DATA_DIR` when set (tests, `make run`), else the
/// platform's app-data folder.
fn data_dir<R: Runtime>(app: &tauri::App<R>) -> Result<PathBuf, String> {
    match std::env::var_os("DOORSTEP_DATA_DIR") {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => app
            .path()
            .app_data_dir()
            .map_err(|e| format!("no app data folder on this device: {e}")),
    }
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    build(tauri::Builder::default())
        .setup(|app| {
            let dir = data_dir(app)?;
            manage_store(app, &dir, Arc::new(SystemClock))?;
            start_sync(app, &dir)?;
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running the Doorstep app");
}
