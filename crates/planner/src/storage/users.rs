//! Tenants, users, enrolment codes and tokens, devices: who may call the planner.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{p, Db};
use super::{Principal, Role, User};
use super::{Result, StorageError};

pub fn create_tenant(db: &mut dyn Db, id: Uuid, name: &str) -> Result<()> {
    db.exec(
        "INSERT INTO tenants (id, name) VALUES ($1, $2)",
        p![id, name],
    )?;
    Ok(())
}

pub fn create_user(db: &mut dyn Db, tenant: Uuid, user: &User) -> Result<()> {
    db.exec(
        "INSERT INTO users (id, tenant_id, name, role) VALUES ($1, $2, $3, $4)",
        p![user.id, tenant, &user.name, user.role.as_str()],
    )?;
    Ok(())
}

pub fn add_enrolment_code(
    db: &mut dyn Db,
    tenant: Uuid,
    user: Uuid,
    code_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    db.exec(
        "INSERT INTO enrolment_codes (code_hash, tenant_id, user_id, expires_at) VALUES ($1, $2, $3, $4)",
        p![code_hash, tenant, user, expires_at],
    )?;
    Ok(())
}

pub fn add_user_token(
    db: &mut dyn Db,
    tenant: Uuid,
    user: Uuid,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    db.exec(
        "INSERT INTO user_tokens (token_hash, tenant_id, user_id, created_at) VALUES ($1, $2, $3, $4)",
        p![token_hash, tenant, user, now],
    )?;
    Ok(())
}

pub fn enroll(
    db: &mut dyn Db,
    code_hash: &str,
    device_id: Uuid,
    device_name: Option<&str>,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<(Principal, String)> {
    let sql = format!(
        "SELECT c.tenant_id, c.user_id, c.expires_at, c.used_at, u.name, u.role, t.name
         FROM enrolment_codes c JOIN users u ON u.id = c.user_id JOIN tenants t ON t.id = c.tenant_id
         WHERE c.code_hash = $1{}",
        db.dialect().for_update("c")
    );
    let Some(row) = db.one(&sql, p![code_hash])? else {
        return Err(StorageError::Unauthorized(
            "this enrolment code is not valid; ask dispatch for a new one".into(),
        ));
    };
    if row.opt_instant(3)?.is_some() {
        return Err(StorageError::Unauthorized(
            "this enrolment code was used already; ask dispatch for a new one".into(),
        ));
    }
    if row.instant(2)? < now {
        return Err(StorageError::Unauthorized(
            "this enrolment code has expired; ask dispatch for a new one".into(),
        ));
    }
    let (tenant, user) = (row.id(0)?, row.id(1)?);
    let known = db.one(
        "SELECT tenant_id, user_id FROM devices WHERE id = $1",
        p![device_id],
    )?;
    match known {
        // The same phone again, for the same person, with a fresh code: its earlier
        // enrolment's answer was lost on the way (or it was revoked and dispatch let it back
        // in). It gets a new token; the old one stops working; its ops keep their numbers.
        Some(d) if d.id(0)? == tenant && d.id(1)? == user => {
            db.exec(
                "UPDATE devices SET token_hash = $2, name = COALESCE($3, name), enrolled_at = $4,
                        revoked_at = NULL
                 WHERE id = $1",
                p![device_id, token_hash, device_name, now],
            )?;
        }
        Some(_) => {
            return Err(StorageError::Conflict(
                "this device is enrolled for someone else; reinstall the app to enrol it for this person".into(),
            ));
        }
        None => {
            db.exec(
                "INSERT INTO devices (id, tenant_id, user_id, name, token_hash, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6)",
                p![device_id, tenant, user, device_name, token_hash, now],
            )?;
        }
    }
    db.exec(
        "UPDATE enrolment_codes SET used_at = $2 WHERE code_hash = $1",
        p![code_hash, now],
    )?;
    Ok((
        Principal {
            tenant_id: tenant,
            user_id: user,
            user_name: row.text(4)?,
            role: Role::parse(&row.text(5)?)?,
            device_id: Some(device_id),
        },
        row.text(6)?,
    ))
}

pub fn principal(db: &mut dyn Db, token_hash: &str) -> Result<Option<Principal>> {
    let device = db.one(
        "SELECT d.tenant_id, d.user_id, u.name, u.role, d.id, d.revoked_at
         FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = $1",
        p![token_hash],
    )?;
    let row = match device {
        Some(row) => row,
        None => match db.one(
            "SELECT t.tenant_id, t.user_id, u.name, u.role, NULL, NULL
             FROM user_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
            p![token_hash],
        )? {
            Some(row) => row,
            None => return Ok(None),
        },
    };
    if row.opt_instant(5)?.is_some() {
        return Ok(None); // revoked
    }
    Ok(Some(Principal {
        tenant_id: row.id(0)?,
        user_id: row.id(1)?,
        user_name: row.text(2)?,
        role: Role::parse(&row.text(3)?)?,
        device_id: row.opt_id(4)?,
    }))
}

pub fn revoke_device(
    db: &mut dyn Db,
    tenant: Uuid,
    device_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let n = db.exec(
        "UPDATE devices SET revoked_at = COALESCE(revoked_at, $3) WHERE tenant_id = $1 AND id = $2",
        p![tenant, device_id, now],
    )?;
    if n == 0 {
        return Err(StorageError::NotFound(format!("no device {device_id}")));
    }
    Ok(())
}
