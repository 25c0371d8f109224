//! Photos, uploaded in chunks and kept once their SHA-256 matches.

use doorstep_domain::sha256_hex;
use uuid::Uuid;

use super::sql::{p, Db};
use super::{Result, StorageError};

pub const MAX_BLOB_BYTES: u64 = 25 * 1024 * 1024;

fn blob_len(db: &mut dyn Db, tenant: Uuid, sha256: &str) -> Result<Option<u64>> {
    db.one(
        "SELECT length(data) FROM blobs WHERE tenant_id = $1 AND sha256 = $2",
        p![tenant, sha256],
    )?
    .map(|r| r.uint(0))
    .transpose()
}

pub fn blob_offset(db: &mut dyn Db, tenant: Uuid, sha256: &str) -> Result<u64> {
    if let Some(len) = blob_len(db, tenant, sha256)? {
        return Ok(len);
    }
    db.row(
        "SELECT COALESCE(SUM(length(data)), 0) FROM blob_chunks WHERE tenant_id = $1 AND sha256 = $2",
        p![tenant, sha256],
    )?
    .uint(0)
}

/// Appends a chunk. `Ok(None)`: the blob completed with the wrong hash and was dropped.
pub fn blob_append(
    db: &mut dyn Db,
    tenant: Uuid,
    sha256: &str,
    offset: u64,
    total: u64,
    bytes: &[u8],
) -> Result<Option<u64>> {
    db.lock(&format!("blob:{tenant}:{sha256}"))?;
    if let Some(len) = blob_len(db, tenant, sha256)? {
        return Ok(Some(len));
    }
    let row = db.row(
        "SELECT COALESCE(SUM(length(data)), 0), MAX(total) FROM blob_chunks WHERE tenant_id = $1 AND sha256 = $2",
        p![tenant, sha256],
    )?;
    let held = row.uint(0)?;
    if row.0[1] != super::sql::Val::Null && row.uint(1)? != total {
        return Err(StorageError::Conflict(format!(
            "Upload-Length {total} differs from the one given before"
        )));
    }
    if offset != held {
        return Err(StorageError::Conflict(format!(
            "the planner holds {held} bytes of this photo; send from there"
        )));
    }
    if !bytes.is_empty() {
        db.exec(
            "INSERT INTO blob_chunks (tenant_id, sha256, \"offset\", total, data) VALUES ($1, $2, $3, $4, $5)",
            p![tenant, sha256, offset, total, bytes],
        )?;
    }
    let held = held + bytes.len() as u64;
    if held < total {
        return Ok(Some(held));
    }
    let mut data = Vec::with_capacity(total as usize);
    for r in db.query(
        "SELECT data FROM blob_chunks WHERE tenant_id = $1 AND sha256 = $2 ORDER BY \"offset\"",
        p![tenant, sha256],
    )? {
        data.extend_from_slice(&r.bytes(0)?);
    }
    db.exec(
        "DELETE FROM blob_chunks WHERE tenant_id = $1 AND sha256 = $2",
        p![tenant, sha256],
    )?;
    if sha256_hex(&data) != sha256 {
        return Ok(None); // the partial bytes are dropped; the caller hears why
    }
    db.exec(
        "INSERT INTO blobs (tenant_id, sha256, data) VALUES ($1, $2, $3)",
        p![tenant, sha256, data],
    )?;
    Ok(Some(held))
}

pub fn blob(db: &mut dyn Db, tenant: Uuid, sha256: &str) -> Result<Option<Vec<u8>>> {
    db.one(
        "SELECT data FROM blobs WHERE tenant_id = $1 AND sha256 = $2 AND complete",
        p![tenant, sha256],
    )?
    .map(|r| r.bytes(0))
    .transpose()
}
