//! Declares the app's own commands so capabilities can grant them per window, and keeps the
//! capabilities in src-tauri/ although tauri.conf.json sits at the repository root. The names
//! come from the one list in src/command_list.rs.

include!("src/command_list.rs");

macro_rules! names {
    ($($c:ident),* $(,)?) => {
        &[$(stringify!($c)),*]
    };
}

const COMMANDS: &[&str] = with_commands!(names);

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/src/command_list.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
