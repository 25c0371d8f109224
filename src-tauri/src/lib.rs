//! The Doorstep app shell: registers the commands over the `field` engine and opens the store.

pub mod commands;
pub mod error;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use doorstep_field::{Store, SystemClock};
use tauri::{Manager, Runtime};

use commands::Engine;

/// The app's commands and state on any runtime, so tests run the real commands on
/// `tauri::test::mock_builder()`.
pub fn build<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::route_today,
        commands::stop_detail,
        commands::advance_stop,
        commands::import_photo,
        commands::record_pod,
        commands::record_failed_attempt,
        commands::record_condition_note,
        commands::sync_state,
    ])
}

/// Opens the device store in `dir` and hands it to the app.
pub fn manage_store<R: Runtime>(app: &tauri::App<R>, dir: &std::path::Path) -> Result<(), String> {
    let store = Store::open(dir, Arc::new(SystemClock))
        .map_err(|e| format!("could not open the store in {}: {e}", dir.display()))?;
    app.manage(Engine(Mutex::new(store)));
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
            manage_store(app, &dir)?;
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running the Doorstep app");
}
