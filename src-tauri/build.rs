//! Declares the app's own commands so capabilities can grant them per window, and keeps the
//! capabilities in src-tauri/ although tauri.conf.json sits at the repository root.

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(&[
                "route_today",
                "stop_detail",
                "advance_stop",
                "import_photo",
                "record_pod",
                "record_failed_attempt",
                "record_condition_note",
                "sync_state",
                "enroll",
                "sync_now",
                "rejections",
                "mark_rejections_seen",
                "territories",
                "territory_day",
                "delivery_detail",
                "account_card",
                "record_resolution",
                "photo",
                "map_settings",
            ])),
    )
    .expect("tauri-build failed");
}
