//! The embedded planner store: one SQLite file, WAL, `synchronous=FULL`, one writer at a time.

use std::path::Path;
use std::sync::Mutex;

use doorstep_domain::migration::{self, Applied, Migration};
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::Connection;

use super::sql::{instant_text, sqlite_sql, Db, Dialect, Row, Val};
use super::Backend;
use super::{Result, StorageError};

/// One migration file of `crates/planner/migrations/sqlite`.
macro_rules! migration {
    ($file:literal) => {
        Migration {
            file: $file,
            sql: include_str!(concat!("../../migrations/sqlite/", $file)),
        }
    };
}

/// Append-only: never edit one that has landed; each file's SHA-256 is in
/// `migrations/sqlite/MANIFEST`, and a database that applied another version is refused.
pub const MIGRATIONS: &[Migration] = &[
    migration!("0001_init.sql"),
    migration!("0002_scope_exits.sql"),
    migration!("0003_customers.sql"),
    migration!("0004_ops_name_their_event.sql"),
    migration!("0005_territories.sql"),
    migration!("0006_replacement_orders.sql"),
    migration!("0007_accounts.sql"),
];

pub struct Sqlite {
    conn: Mutex<Connection>,
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StorageError::Invalid(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        Ok(Sqlite {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| StorageError::Internal("storage lock poisoned".into()))
    }
}

/// Brings the schema up to date, refusing a database another build migrated (a file's hash
/// differs, or a version this build does not know).
fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, sha256 TEXT)",
    )?;
    // One writer at a time: a second process opening the file waits, then finds nothing to do.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    adopt_unhashed(&tx)?;
    let applied = tx
        .prepare("SELECT version, sha256 FROM schema_migrations ORDER BY version")?
        .query_map([], |r| {
            Ok(Applied {
                version: r.get(0)?,
                sha256: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let pending = migration::pending(MIGRATIONS, &applied)
        .map_err(|e| StorageError::Invalid(e.to_string()))?;
    for m in pending {
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, sha256) VALUES (?1, ?2)",
            rusqlite::params![m.version(), m.sha256()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// A database made before migrations were hashed has no `sha256` column. Nothing recorded
/// which files it ran, so it takes this build's hashes of the versions it has.
fn adopt_unhashed(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    let hashed: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('schema_migrations') WHERE name = 'sha256')",
        [],
        |r| r.get(0),
    )?;
    if !hashed {
        tx.execute_batch("ALTER TABLE schema_migrations ADD COLUMN sha256 TEXT")?;
        for m in MIGRATIONS {
            tx.execute(
                "UPDATE schema_migrations SET sha256 = ?1 WHERE version = ?2",
                rusqlite::params![m.sha256(), m.version()],
            )?;
        }
    }
    Ok(())
}

impl Backend for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn write<T>(&self, f: &mut dyn FnMut(&mut dyn Db) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&mut SqliteDb(&tx))?;
        tx.commit()?;
        Ok(out)
    }

    fn read<T>(&self, f: &mut dyn FnMut(&mut dyn Db) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        f(&mut SqliteDb(&tx))
    }
}

struct SqliteDb<'a>(&'a Connection);

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Owned(SqlValue::Null),
            Val::Int(n) => ToSqlOutput::Owned(SqlValue::Integer(*n)),
            Val::Real(x) => ToSqlOutput::Owned(SqlValue::Real(*x)),
            Val::Bool(b) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*b))),
            Val::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Val::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Val::Id(u) => ToSqlOutput::Owned(SqlValue::Text(u.to_string())),
            Val::At(t) => ToSqlOutput::Owned(SqlValue::Text(instant_text(*t))),
            Val::Date(d) => ToSqlOutput::Owned(SqlValue::Text(d.format("%Y-%m-%d").to_string())),
            Val::Clock(t) => ToSqlOutput::Owned(SqlValue::Text(t.format("%H:%M").to_string())),
        })
    }
}

fn value(v: ValueRef<'_>) -> Result<Val> {
    Ok(match v {
        ValueRef::Null => Val::Null,
        ValueRef::Integer(n) => Val::Int(n),
        ValueRef::Real(x) => Val::Real(x),
        ValueRef::Text(t) => Val::Text(
            std::str::from_utf8(t)
                .map_err(|e| StorageError::Internal(format!("stored text is not UTF-8: {e}")))?
                .to_owned(),
        ),
        ValueRef::Blob(b) => Val::Bytes(b.to_vec()),
    })
}

impl Db for SqliteDb<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64> {
        let mut stmt = self.0.prepare_cached(&sqlite_sql(sql))?;
        Ok(stmt.execute(rusqlite::params_from_iter(params))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>> {
        let mut stmt = self.0.prepare_cached(&sqlite_sql(sql))?;
        let width = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = vec![];
        while let Some(r) = rows.next()? {
            let mut vals = Vec::with_capacity(width);
            for i in 0..width {
                vals.push(value(r.get_ref(i)?)?);
            }
            out.push(Row(vals));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod migration_tests {
    use super::MIGRATIONS;
    use doorstep_domain::migration::check_folder;

    #[test]
    fn every_landed_migration_is_listed_unchanged_in_the_manifest() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        let manifest = std::fs::read_to_string(dir.join("MANIFEST")).expect("MANIFEST is there");
        let files: Vec<String> = std::fs::read_dir(&dir)
            .expect("the migrations folder is there")
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        if let Err(e) = check_folder(&manifest, &files, MIGRATIONS) {
            panic!("migrations/sqlite: {e}");
        }
    }
}
