//! Photos on the phone, named by SHA-256.

use rusqlite::params;

use super::{ts, Store};
use crate::photos::{path_for, prepare, write_atomically, PreparedPhoto};
use crate::views::PhotoRef;
use crate::{FieldError, Result};

pub struct Photos<'a> {
    pub(super) store: &'a mut Store,
}

impl Photos<'_> {
    /// Runs the photo pipeline on `input` and stores the result. The file is written, fsynced
    /// and renamed into place before its row commits, so a row always names a whole file.
    /// Importing the same picture twice gives the same name and stores it once.
    pub fn import(&mut self, input: &[u8]) -> Result<PhotoRef> {
        self.store_prepared(prepare(input)?)
    }

    /// Stores a photo that went through [`prepare`] already (the app decodes outside the
    /// store's lock, so other screens stay responsive meanwhile).
    pub fn store_prepared(&mut self, photo: PreparedPhoto) -> Result<PhotoRef> {
        let dest = path_for(&self.store.photo_dir, &photo.sha256);
        let row_first = crate::planted!("photo-row-before-file");
        let now = ts(self.store.clock.now());
        let insert_row = |conn: &rusqlite::Connection| {
            conn.execute(
                "INSERT OR IGNORE INTO photos (sha256, width, height, bytes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![photo.sha256, photo.width, photo.height, photo.jpeg.len() as u64, now],
            )
        };
        if row_first {
            insert_row(&self.store.conn)?;
            crate::failpoint::hit("photo.row_written");
        }
        if !dest.exists() {
            write_atomically(&dest, &photo.jpeg)?;
        }
        crate::failpoint::hit("photo.file_written");
        if !row_first {
            insert_row(&self.store.conn)?;
        }
        Ok(PhotoRef {
            sha256: photo.sha256,
            width: photo.width,
            height: photo.height,
            bytes: photo.jpeg.len() as u64,
        })
    }

    /// Reads a photo file from disk and imports it.
    pub fn import_file(&mut self, path: &std::path::Path) -> Result<PhotoRef> {
        let meta = std::fs::metadata(path).map_err(|e| FieldError::io(path, e))?;
        if meta.len() > crate::photos::MAX_INPUT_BYTES as u64 {
            return Err(FieldError::PhotoTooLarge {
                mb: meta.len() as f64 / (1024.0 * 1024.0),
            });
        }
        let bytes = std::fs::read(path).map_err(|e| FieldError::io(path, e))?;
        self.import(&bytes)
    }

    /// A photo's bytes, when the phone holds it.
    pub fn read(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        if !doorstep_domain::is_sha256_hex(sha256) {
            return Err(FieldError::Invalid(format!(
                "{sha256:?} is not a photo's name (64 lowercase hex digits)"
            )));
        }
        let path = self.path(sha256);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(FieldError::io(&path, e)),
        }
    }

    /// Keeps a photo downloaded from the planner (another person's, shown on a card): checked
    /// against its name, written whole, and marked as on the planner already.
    pub fn keep_downloaded(&mut self, sha256: &str, bytes: &[u8]) -> Result<()> {
        if doorstep_domain::sha256_hex(bytes) != sha256 {
            return Err(FieldError::Invalid(
                "the photo that arrived does not match its name; it was not kept".into(),
            ));
        }
        let (width, height) = image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .ok()
            .and_then(|r| r.into_dimensions().ok())
            .ok_or_else(|| FieldError::NotAnImage("the planner sent something else".into()))?;
        let dest = path_for(&self.store.photo_dir, sha256);
        if !dest.exists() {
            write_atomically(&dest, bytes)?;
        }
        let now = ts(self.store.clock.now());
        self.store.conn.execute(
            "INSERT OR IGNORE INTO photos (sha256, width, height, bytes, created_at, uploaded)
             VALUES (?1, ?2, ?3, ?4, ?5, 1)",
            params![sha256, width, height, bytes.len() as u64, now],
        )?;
        Ok(())
    }

    /// The stored JPEG of a photo.
    pub fn path(&self, sha256: &str) -> std::path::PathBuf {
        path_for(&self.store.photo_dir, sha256)
    }
}
