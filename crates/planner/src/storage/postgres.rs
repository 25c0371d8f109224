//! The production store: PostgreSQL through a small pool of synchronous clients (storage calls
//! already run on blocking threads). Writers take row locks where they read before they write,
//! and retry on serialisation failures and deadlocks.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

use bytes::BytesMut;
use doorstep_domain::migration::{self, Applied, Migration};
use postgres::error::SqlState;
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, IsolationLevel, NoTls, Statement};

use super::sql::{Db, Dialect, Row, Val};
use super::Backend;
use super::{Result, StorageError};

/// One migration file of `crates/planner/migrations/postgres`.
macro_rules! migration {
    ($file:literal) => {
        Migration {
            file: $file,
            sql: include_str!(concat!("../../migrations/postgres/", $file)),
        }
    };
}

/// Append-only: never edit one that has landed; each file's SHA-256 is in
/// `migrations/postgres/MANIFEST`, and a database that applied another version is refused.
pub const MIGRATIONS: &[Migration] = &[
    migration!("0001_init.sql"),
    migration!("0002_customers.sql"),
    migration!("0003_territories.sql"),
    migration!("0004_replacement_orders.sql"),
    migration!("0005_accounts.sql"),
];
const RETRIES: usize = 8;

pub struct Postgres {
    config: postgres::Config,
    max: usize,
    pool: Mutex<Pool>,
    freed: Condvar,
}

/// A connection and the statements it has prepared (each is parsed once per connection).
struct Conn {
    client: Client,
    prepared: HashMap<String, Statement>,
}

#[derive(Default)]
struct Pool {
    idle: Vec<Conn>,
    open: usize,
}

/// A client borrowed from the pool; goes back when dropped.
struct Lease<'a> {
    owner: &'a Postgres,
    conn: Option<Conn>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if let Ok(mut pool) = self.owner.pool.lock() {
            if conn.client.is_closed() {
                pool.open -= 1;
            } else {
                pool.idle.push(conn);
            }
        }
        self.owner.freed.notify_one();
    }
}

/// A database made before migrations were hashed has no `sha256` column. Nothing recorded
/// which files it ran, so it takes this build's hashes of the versions it has.
fn adopt_unhashed(tx: &mut postgres::Transaction<'_>) -> Result<()> {
    let hashed = tx
        .query_opt(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = 'schema_migrations' AND column_name = 'sha256'",
            &[],
        )?
        .is_some();
    if !hashed {
        tx.batch_execute("ALTER TABLE schema_migrations ADD COLUMN sha256 text")?;
        for m in MIGRATIONS {
            tx.execute(
                "UPDATE schema_migrations SET sha256 = $1 WHERE version = $2",
                &[&m.sha256(), &m.version()],
            )?;
        }
    }
    Ok(())
}

/// The server's own words when it sent any ("database \"x\" does not exist"), else the client's.
fn reason(e: &postgres::Error) -> String {
    if let Some(d) = e.as_db_error() {
        return d.message().to_owned();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

fn unreachable_db(e: postgres::Error) -> StorageError {
    StorageError::Unavailable(format!("cannot reach PostgreSQL: {}", reason(&e)))
}

impl Postgres {
    /// Connects to `url` (`postgres://user@host:port/db`) and brings the schema up to date.
    pub fn open(url: &str, max_connections: usize) -> Result<Postgres> {
        let config: postgres::Config = url.parse().map_err(|e| {
            StorageError::Invalid(format!("\"{url}\" is not a PostgreSQL URL: {e}"))
        })?;
        let pg = Postgres {
            config,
            max: max_connections.max(1),
            pool: Mutex::new(Pool::default()),
            freed: Condvar::new(),
        };
        pg.migrate()?;
        Ok(pg)
    }

    /// Brings the schema up to date, refusing a database another build migrated (a file's
    /// hash differs, or a version this build does not know).
    fn migrate(&self) -> Result<()> {
        let mut lease = self.lease()?;
        let client = &mut lease.conn.as_mut().expect("leased").client;
        // Planners starting together take turns.
        client.batch_execute(
            "SELECT pg_advisory_lock(7166); \
             CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, sha256 text)",
        )?;
        let result = (|| {
            let mut tx = client.transaction()?;
            adopt_unhashed(&mut tx)?;
            let applied = tx
                .query(
                    "SELECT version, sha256 FROM schema_migrations ORDER BY version",
                    &[],
                )?
                .iter()
                .map(|r| Applied {
                    version: r.get(0),
                    sha256: r.get::<_, Option<String>>(1).unwrap_or_default(),
                })
                .collect::<Vec<_>>();
            let pending = migration::pending(MIGRATIONS, &applied)
                .map_err(|e| StorageError::Invalid(e.to_string()))?;
            for m in pending {
                tx.batch_execute(m.sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, sha256) VALUES ($1, $2)",
                    &[&m.version(), &m.sha256()],
                )?;
            }
            tx.commit()?;
            Ok::<_, StorageError>(())
        })();
        client.batch_execute("SELECT pg_advisory_unlock(7166)")?;
        result
    }

    fn lease(&self) -> Result<Lease<'_>> {
        let mut pool = self
            .pool
            .lock()
            .map_err(|_| StorageError::Internal("pool lock poisoned".into()))?;
        loop {
            if let Some(conn) = pool.idle.pop() {
                return Ok(Lease {
                    owner: self,
                    conn: Some(conn),
                });
            }
            if pool.open < self.max {
                pool.open += 1;
                drop(pool);
                return match self.config.connect(NoTls) {
                    Ok(client) => Ok(Lease {
                        owner: self,
                        conn: Some(Conn {
                            client,
                            prepared: HashMap::new(),
                        }),
                    }),
                    Err(e) => {
                        if let Ok(mut pool) = self.pool.lock() {
                            pool.open -= 1;
                        }
                        self.freed.notify_one();
                        Err(unreachable_db(e))
                    }
                };
            }
            pool = self
                .freed
                .wait(pool)
                .map_err(|_| StorageError::Internal("pool lock poisoned".into()))?;
        }
    }

    fn run<T>(
        &self,
        level: IsolationLevel,
        read_only: bool,
        f: &mut dyn FnMut(&mut dyn Db) -> Result<T>,
    ) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut lease = self.lease()?;
            let conn = lease.conn.as_mut().expect("leased");
            let result = (|| {
                let mut tx = conn
                    .client
                    .build_transaction()
                    .isolation_level(level)
                    .read_only(read_only)
                    .start()?;
                let out = f(&mut PgDb {
                    tx: &mut tx,
                    prepared: &mut conn.prepared,
                })?;
                tx.commit()?;
                Ok(out)
            })();
            match result {
                Err(StorageError::Retry(why)) if attempt < RETRIES => {
                    tracing::debug!(attempt, %why, "retrying a PostgreSQL transaction");
                    std::thread::sleep(std::time::Duration::from_millis(2 << attempt));
                }
                Err(StorageError::Retry(why)) => {
                    return Err(StorageError::Unavailable(format!(
                        "the planner is too busy to save this now ({why}); try again"
                    )))
                }
                other => return other,
            }
        }
    }
}

impl Backend for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn write<T>(&self, f: &mut dyn FnMut(&mut dyn Db) -> Result<T>) -> Result<T> {
        self.run(IsolationLevel::ReadCommitted, false, f)
    }

    fn read<T>(&self, f: &mut dyn FnMut(&mut dyn Db) -> Result<T>) -> Result<T> {
        // One snapshot for the whole read: a pull sees routes and its cursor at one instant.
        self.run(IsolationLevel::RepeatableRead, true, f)
    }
}

impl From<postgres::Error> for StorageError {
    fn from(e: postgres::Error) -> StorageError {
        match e.code() {
            Some(c)
                if *c == SqlState::T_R_SERIALIZATION_FAILURE
                    || *c == SqlState::T_R_DEADLOCK_DETECTED =>
            {
                StorageError::Retry(e.to_string())
            }
            Some(c) if *c == SqlState::UNIQUE_VIOLATION => {
                StorageError::Conflict("this record exists already".into())
            }
            Some(c) if *c == SqlState::FOREIGN_KEY_VIOLATION => {
                StorageError::Invalid("this refers to something the planner does not hold".into())
            }
            None if e.is_closed() => unreachable_db(e),
            _ => StorageError::Database(reason(&e)),
        }
    }
}

impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(n) => match *ty {
                Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
                Type::FLOAT8 => (*n as f64).to_sql(ty, out),
                _ => n.to_sql(ty, out),
            },
            Val::Real(x) => x.to_sql(ty, out),
            Val::Text(s) => s.to_sql(ty, out),
            Val::Bytes(b) => b.to_sql(ty, out),
            Val::Bool(b) => b.to_sql(ty, out),
            Val::Id(u) => u.to_sql(ty, out),
            Val::At(t) => t.to_sql(ty, out),
            Val::Date(d) => d.to_sql(ty, out),
            Val::Clock(t) => t.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

struct PgDb<'a, 'b> {
    tx: &'a mut postgres::Transaction<'b>,
    prepared: &'a mut HashMap<String, Statement>,
}

impl PgDb<'_, '_> {
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.prepared.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

fn params(vals: &[Val]) -> Vec<&(dyn ToSql + Sync)> {
    vals.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

fn row(r: &postgres::Row) -> Result<Row> {
    let mut vals = Vec::with_capacity(r.len());
    for (i, column) in r.columns().iter().enumerate() {
        let t = column.type_();
        let v = match *t {
            Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(Val::Bool),
            Type::INT2 => r.try_get::<_, Option<i16>>(i)?.map(|n| Val::Int(n.into())),
            Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map(|n| Val::Int(n.into())),
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Val::Int),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Val::Real),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                r.try_get::<_, Option<String>>(i)?.map(Val::Text)
            }
            Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Val::Bytes),
            Type::UUID => r.try_get::<_, Option<uuid::Uuid>>(i)?.map(Val::Id),
            Type::TIMESTAMPTZ => r
                .try_get::<_, Option<chrono::DateTime<chrono::Utc>>>(i)?
                .map(Val::At),
            Type::DATE => r.try_get::<_, Option<chrono::NaiveDate>>(i)?.map(Val::Date),
            Type::TIME => r
                .try_get::<_, Option<chrono::NaiveTime>>(i)?
                .map(Val::Clock),
            Type::VOID => None,
            _ => {
                return Err(StorageError::Internal(format!(
                    "column {} has type {t}, which the planner does not read",
                    column.name()
                )))
            }
        };
        vals.push(v.unwrap_or(Val::Null));
    }
    Ok(Row(vals))
}

impl Db for PgDb<'_, '_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn exec(&mut self, sql: &str, vals: &[Val]) -> Result<u64> {
        let s = self.statement(sql)?;
        Ok(self.tx.execute(&s, &params(vals))?)
    }

    fn query(&mut self, sql: &str, vals: &[Val]) -> Result<Vec<Row>> {
        let s = self.statement(sql)?;
        self.tx.query(&s, &params(vals))?.iter().map(row).collect()
    }
}

#[cfg(test)]
mod migration_tests {
    use super::MIGRATIONS;
    use doorstep_domain::migration::check_folder;

    #[test]
    fn every_landed_migration_is_listed_unchanged_in_the_manifest() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
        let manifest = std::fs::read_to_string(dir.join("MANIFEST")).expect("MANIFEST is there");
        let files: Vec<String> = std::fs::read_dir(&dir)
            .expect("the migrations folder is there")
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        if let Err(e) = check_folder(&manifest, &files, MIGRATIONS) {
            panic!("migrations/postgres: {e}");
        }
    }
}
