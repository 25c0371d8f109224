//! Files a test writes from the real engine and the repository holds (the UI's TypeScript
//! contract, its fixtures): regenerated on every run and compared with what is checked in.
//! `UPDATE_GENERATED=1 cargo test -p doorstep --test app` rewrites them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The repository's root (the app package's folder).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` whose name ends with `ext`, by path relative to `dir`.
pub fn read_tree(dir: &Path, ext: &str) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let path = e.expect("a readable folder entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.to_string_lossy().ends_with(ext) {
                let text = std::fs::read_to_string(&path).expect("a readable generated file");
                out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), text);
            }
        }
    }
    out
}

/// Compares `fresh` (relative path → text) with the files ending in `ext` under `checked_in`;
/// with `UPDATE_GENERATED=1` rewrites them instead (removing stale ones).
pub fn check_or_update(
    what: &str,
    checked_in: &Path,
    ext: &str,
    fresh: &BTreeMap<PathBuf, String>,
) {
    let held = read_tree(checked_in, ext);
    if std::env::var("UPDATE_GENERATED").is_ok_and(|v| v == "1") {
        for stale in held.keys().filter(|p| !fresh.contains_key(*p)) {
            std::fs::remove_file(checked_in.join(stale))
                .expect("a stale generated file is removed");
        }
        for (path, text) in fresh {
            let to = checked_in.join(path);
            std::fs::create_dir_all(to.parent().unwrap()).expect("the generated folder is made");
            if held.get(path) != Some(text) {
                std::fs::write(&to, text).expect("a generated file is written");
            }
        }
        return;
    }
    let differ: Vec<String> = fresh
        .keys()
        .chain(held.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|p| fresh.get(*p) != held.get(*p))
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        differ.is_empty(),
        "{what} in {} is not what the engine generates now ({}); run \
         `UPDATE_GENERATED=1 cargo test -p doorstep --test app` and commit the result",
        checked_in.display(),
        differ.join(", ")
    );
}
