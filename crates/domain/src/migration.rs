//! The one migration runner's pure half, shared by the device store and both planner stores.
//!
//! Migrations are append-only: a file that has landed never changes. Each store keeps a
//! `MANIFEST` beside its migrations (`0001_init.sql <sha256>` per line) and records the hash of
//! every migration it applies. This module compares what a database applied with what a build
//! carries, and says what is pending or why the database must not be opened; each store does its
//! own reading and writing.

use sha2::{Digest, Sha256};

/// One migration file as a build carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// The file's name, e.g. `0003_territory.sql`; its leading number is the version.
    pub file: &'static str,
    pub sql: &'static str,
}

impl Migration {
    /// The version is the file name's leading number (`0003_territory.sql` → 3).
    pub fn version(&self) -> i64 {
        self.file
            .bytes()
            .take_while(u8::is_ascii_digit)
            .fold(0, |v, d| v * 10 + i64::from(d - b'0'))
    }

    /// The name after the number, without `.sql` (`0003_territory.sql` → `territory`).
    pub fn name(&self) -> &'static str {
        let rest = self.file.trim_start_matches(|c: char| c.is_ascii_digit());
        let rest = rest.strip_prefix('_').unwrap_or(rest);
        rest.strip_suffix(".sql").unwrap_or(rest)
    }

    /// The SHA-256 of the file's bytes, lowercase hex.
    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(self.sql.as_bytes()))
    }
}

/// A migration a database says it applied, with the hash it recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub version: i64,
    pub sha256: String,
}

/// Why a database cannot be opened by this build, or why a manifest disagrees with the files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "this database was migrated with a different {file} than this build has \
         (database sha256 {database}, build {build}); it was made by another build and \
         cannot be opened safely"
    )]
    Drifted {
        file: &'static str,
        database: String,
        build: String,
    },
    #[error(
        "this database has migration {version} applied, which this build does not know; it \
         was made by a newer build and cannot be opened by this one"
    )]
    Newer { version: i64 },
    #[error("the migration manifest, line {line}, is unreadable: \"{text}\"")]
    ManifestUnreadable { line: usize, text: String },
    #[error(
        "{file} has changed since it landed (manifest sha256 {manifest}, file {file_sha}); \
         migrations are append-only: put the change in a new migration"
    )]
    Changed {
        file: String,
        manifest: String,
        file_sha: String,
    },
    #[error(
        "the manifest lists {file} as migration {position}, but the build has no such file \
         there; a landed migration must never be removed, renamed or reordered"
    )]
    Missing { file: String, position: usize },
    #[error(
        "{file} is not in the manifest; append the line \"{file} {sha}\" to it (new migrations \
         go at the end)"
    )]
    Unlisted { file: &'static str, sha: String },
    #[error(
        "{file} is migration {position} in the build but its number says {version}; versions \
         count up from 1 with no gap"
    )]
    OutOfOrder {
        file: &'static str,
        position: usize,
        version: i64,
    },
    #[error(
        "{file} sits in the migrations folder but the build does not apply it; add it to the \
         store's list of migrations"
    )]
    NotApplied { file: String },
    #[error(
        "the migrations folder holds {folder:?} but the build applies {build:?}, in that order"
    )]
    FolderDiffers {
        folder: Vec<String>,
        build: Vec<&'static str>,
    },
}

/// Compares what a database applied with the build's migrations: the ones still to apply, in
/// order, or why the database was made by another build.
pub fn pending<'a>(
    build: &'a [Migration],
    applied: &[Applied],
) -> Result<Vec<&'a Migration>, MigrationError> {
    for a in applied {
        let Some(m) = build.iter().find(|m| m.version() == a.version) else {
            return Err(MigrationError::Newer { version: a.version });
        };
        let sha = m.sha256();
        if sha != a.sha256 {
            return Err(MigrationError::Drifted {
                file: m.file,
                database: a.sha256.clone(),
                build: sha,
            });
        }
    }
    Ok(build
        .iter()
        .filter(|m| !applied.iter().any(|a| a.version == m.version()))
        .collect())
}

/// Checks a store's `MANIFEST` against the build's migrations: every listed file is still there,
/// at its place, byte for byte; every file is listed; versions count up from 1.
pub fn check_manifest(manifest: &str, build: &[Migration]) -> Result<(), MigrationError> {
    for (i, m) in build.iter().enumerate() {
        if m.version() != i as i64 + 1 {
            return Err(MigrationError::OutOfOrder {
                file: m.file,
                position: i + 1,
                version: m.version(),
            });
        }
    }
    let mut listed = 0;
    for (line, text) in manifest.lines().enumerate() {
        if text.trim().is_empty() || text.starts_with('#') {
            continue;
        }
        let Some((file, sha)) = text.split_once(' ') else {
            return Err(MigrationError::ManifestUnreadable {
                line: line + 1,
                text: text.to_owned(),
            });
        };
        let (file, sha) = (file.trim(), sha.trim());
        match build.get(listed) {
            Some(m) if m.file == file => {
                let file_sha = m.sha256();
                if file_sha != sha {
                    return Err(MigrationError::Changed {
                        file: file.to_owned(),
                        manifest: sha.to_owned(),
                        file_sha,
                    });
                }
            }
            _ => {
                return Err(MigrationError::Missing {
                    file: file.to_owned(),
                    position: listed + 1,
                })
            }
        }
        listed += 1;
    }
    match build.get(listed) {
        Some(m) => Err(MigrationError::Unlisted {
            file: m.file,
            sha: m.sha256(),
        }),
        None => Ok(()),
    }
}

/// Checks a store's migrations folder: its `MANIFEST` against the build ([`check_manifest`]),
/// and that the `.sql` files in it (`files`: the folder's entries, as the caller listed them)
/// are exactly the ones the build applies, in order, so none is forgotten in the store's list.
pub fn check_folder(
    manifest: &str,
    files: &[String],
    build: &[Migration],
) -> Result<(), MigrationError> {
    check_manifest(manifest, build)?;
    let mut folder: Vec<String> = files
        .iter()
        .filter(|f| f.ends_with(".sql"))
        .cloned()
        .collect();
    folder.sort_unstable();
    let applies: Vec<&'static str> = build.iter().map(|m| m.file).collect();
    if let Some(file) = folder.iter().find(|f| !applies.contains(&f.as_str())) {
        return Err(MigrationError::NotApplied { file: file.clone() });
    }
    if folder != applies {
        return Err(MigrationError::FolderDiffers {
            folder,
            build: applies,
        });
    }
    Ok(())
}

/// The manifest a build's migrations would have: `file sha256`, one per line.
pub fn manifest_of(build: &[Migration]) -> String {
    build
        .iter()
        .map(|m| format!("{} {}\n", m.file, m.sha256()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILD: &[Migration] = &[
        Migration {
            file: "0001_init.sql",
            sql: "CREATE TABLE a (x INTEGER);",
        },
        Migration {
            file: "0002_more.sql",
            sql: "CREATE TABLE b (y INTEGER);",
        },
    ];

    fn applied(m: &Migration) -> Applied {
        Applied {
            version: m.version(),
            sha256: m.sha256(),
        }
    }

    #[test]
    fn a_file_name_gives_the_version_and_the_name() {
        assert_eq!(BUILD[1].version(), 2, "the leading number is the version");
        assert_eq!(
            BUILD[1].name(),
            "more",
            "the name drops number and extension"
        );
    }

    #[test]
    fn a_fresh_database_has_everything_pending_and_an_up_to_date_one_nothing() {
        let all = pending(BUILD, &[]).unwrap();
        assert_eq!(all.len(), 2, "a fresh database applies every migration");
        let part = pending(BUILD, &[applied(&BUILD[0])]).unwrap();
        assert_eq!(
            part,
            vec![&BUILD[1]],
            "only the missing migration is pending"
        );
        let none = pending(BUILD, &[applied(&BUILD[0]), applied(&BUILD[1])]).unwrap();
        assert!(
            none.is_empty(),
            "nothing is pending on an up-to-date database"
        );
    }

    #[test]
    fn a_database_migrated_with_another_file_is_refused_naming_the_file() {
        let other = Applied {
            version: 2,
            sha256: "ab".repeat(32),
        };
        let err = pending(BUILD, &[applied(&BUILD[0]), other]).unwrap_err();
        assert!(
            matches!(
                err,
                MigrationError::Drifted {
                    file: "0002_more.sql",
                    ..
                }
            ),
            "the drifted file is named: {err}"
        );
        assert!(
            err.to_string().starts_with(
                "this database was migrated with a different 0002_more.sql than this build has"
            ),
            "the refusal is a plain sentence: {err}"
        );
    }

    #[test]
    fn a_database_from_a_newer_build_is_refused() {
        let newer = Applied {
            version: 3,
            sha256: "cd".repeat(32),
        };
        let err = pending(BUILD, &[applied(&BUILD[0]), newer]).unwrap_err();
        assert_eq!(
            err,
            MigrationError::Newer { version: 3 },
            "a version this build does not know means a newer build made the database"
        );
    }

    #[test]
    fn the_manifest_of_the_build_checks_clean() {
        assert_eq!(
            check_manifest(&manifest_of(BUILD), BUILD),
            Ok(()),
            "a manifest written from the files agrees with them"
        );
    }

    #[test]
    fn a_changed_file_a_removed_file_and_an_unlisted_file_are_each_caught() {
        let manifest = manifest_of(BUILD);
        let changed = manifest.replace(&BUILD[0].sha256(), &"00".repeat(32));
        assert!(
            matches!(
                check_manifest(&changed, BUILD),
                Err(MigrationError::Changed { .. })
            ),
            "a landed file whose hash differs from the manifest fails"
        );
        assert!(
            matches!(
                check_manifest(&manifest, &BUILD[..1]),
                Err(MigrationError::Missing { .. })
            ),
            "a listed file that is gone from the build fails"
        );
        let first_only = manifest_of(&BUILD[..1]);
        assert!(
            matches!(
                check_manifest(&first_only, BUILD),
                Err(MigrationError::Unlisted {
                    file: "0002_more.sql",
                    ..
                })
            ),
            "a new file must be appended to the manifest"
        );
        let swapped = [BUILD[1], BUILD[0]];
        assert!(
            matches!(
                check_manifest(&manifest, &swapped),
                Err(MigrationError::OutOfOrder { .. })
            ),
            "versions count up from 1 in the build's order"
        );
        assert!(
            matches!(
                check_manifest("0001_init.sql\n", BUILD),
                Err(MigrationError::ManifestUnreadable { line: 1, .. })
            ),
            "a line without a hash is unreadable"
        );
    }

    #[test]
    fn a_folder_checks_clean_only_when_it_holds_exactly_the_files_the_build_applies() {
        let manifest = manifest_of(BUILD);
        let folder = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(
            check_folder(
                &manifest,
                &folder(&["MANIFEST", "0002_more.sql", "0001_init.sql"]),
                BUILD
            ),
            Ok(()),
            "the folder's own listing order and its MANIFEST do not matter"
        );
        assert_eq!(
            check_folder(
                &manifest,
                &folder(&["0001_init.sql", "0002_more.sql", "0003_new.sql"]),
                BUILD
            ),
            Err(MigrationError::NotApplied {
                file: "0003_new.sql".into()
            }),
            "a file added to the folder but not to the store's list is caught"
        );
        assert!(
            matches!(
                check_folder(&manifest, &folder(&["0001_init.sql"]), BUILD),
                Err(MigrationError::FolderDiffers { .. })
            ),
            "a build applying a file the folder no longer holds is caught"
        );
        assert!(
            matches!(
                check_folder(
                    &manifest_of(&BUILD[..1]),
                    &folder(&["0001_init.sql"]),
                    BUILD
                ),
                Err(MigrationError::Unlisted { .. })
            ),
            "the manifest is checked first"
        );
    }
}
