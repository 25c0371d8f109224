//! The embedded planner store: one SQLite file, WAL, `synchronous=FULL`, one writer at a time.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::Connection;

use super::sql::{instant_text, sqlite_sql, Db, Dialect, Row, Val};
use super::Backend;
use crate::{PlannerError, Result};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_scope_exits.sql"),
    ),
    (
        3,
        include_str!("../../migrations/sqlite/0003_customers.sql"),
    ),
    (
        4,
        include_str!("../../migrations/sqlite/0004_ops_name_their_event.sql"),
    ),
    (
        5,
        include_str!("../../migrations/sqlite/0005_territories.sql"),
    ),
    (
        6,
        include_str!("../../migrations/sqlite/0006_replacement_orders.sql"),
    ),
    (7, include_str!("../../migrations/sqlite/0007_accounts.sql")),
];

pub struct Sqlite {
    conn: Mutex<Connection>,
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                PlannerError::Invalid(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)",
        )?;
        for (version, sql) in MIGRATIONS {
            let tx = conn.transaction()?;
            let done: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
                [version],
                |r| r.get(0),
            )?;
            if !done {
                tx.execute_batch(sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version) VALUES (?1)",
                    [version],
                )?;
            }
            tx.commit()?;
        }
        Ok(Sqlite {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| PlannerError::Internal("storage lock poisoned".into()))
    }
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
                .map_err(|e| PlannerError::Internal(format!("stored text is not UTF-8: {e}")))?
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
