// The app's commands, in one list: build.rs declares them to Tauri (so the capability can
// grant them), `build` registers them as the invoke handler, and tests/app checks the
// capability (src-tauri/capabilities/default.json), docs/COMMANDS.md and the UI's generated
// names (ui/src/lib/generated/commands.ts) against it. Adding a command: write it in
// commands.rs, name it here, grant it in the capability, describe it in docs/COMMANDS.md.
//
// `with_commands!(m)` calls the macro `m!` with the names: `m![route_today, stop_detail, …]`.
// This file is `include!`d by build.rs too, so it holds nothing but the macro.

macro_rules! with_commands {
    ($m:ident) => {
        $m![
            route_today,
            stop_detail,
            advance_stop,
            import_photo,
            record_pod,
            record_failed_attempt,
            record_condition_note,
            sync_state,
            enroll,
            sync_now,
            rejections,
            mark_rejections_seen,
            territories,
            territory_day,
            delivery_detail,
            account_card,
            record_resolution,
            photo,
            map_settings
        ]
    };
}
