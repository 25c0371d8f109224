//! The small SQL layer both stores share: values, rows and one transaction handle.
//!
//! The business rules live once, in one module per subject (`users.rs`, `routes.rs`, `sync.rs`,
//! `blobs.rs`, `import.rs`, …), written against [`Db`]. SQL is written with
//! `$1`-style parameters and in the subset both SQLite and PostgreSQL speak (`ON CONFLICT DO
//! NOTHING`, `RETURNING`, `EXISTS`); where they differ, [`Dialect`] names the difference.

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use uuid::Uuid;

use super::{Result, StorageError};

/// One SQL value, typed the way the planner thinks of it. SQLite stores ids, instants, dates
/// and times of day as text; PostgreSQL as `uuid`, `timestamptz`, `date` and `time`.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
    Bool(bool),
    Id(Uuid),
    At(DateTime<Utc>),
    Date(NaiveDate),
    Clock(NaiveTime),
}

macro_rules! val_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl From<$t> for Val {
            fn from($v: $t) -> Val {
                $e
            }
        })*
    };
}

val_from! {
    i64 => |v| Val::Int(v),
    u64 => |v| Val::Int(v as i64),
    u32 => |v| Val::Int(v.into()),
    usize => |v| Val::Int(v as i64),
    f64 => |v| Val::Real(v),
    bool => |v| Val::Bool(v),
    &str => |v| Val::Text(v.to_owned()),
    String => |v| Val::Text(v),
    &String => |v| Val::Text(v.clone()),
    &[u8] => |v| Val::Bytes(v.to_vec()),
    Vec<u8> => |v| Val::Bytes(v),
    Uuid => |v| Val::Id(v),
    &Uuid => |v| Val::Id(*v),
    DateTime<Utc> => |v| Val::At(v),
    NaiveDate => |v| Val::Date(v),
    NaiveTime => |v| Val::Clock(v),
}

impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

impl From<&Option<String>> for Val {
    fn from(v: &Option<String>) -> Val {
        v.as_deref().into()
    }
}

/// Parameters for a statement: `p![a, b, c]`.
macro_rules! p {
    ($($x:expr),* $(,)?) => {
        &[$($crate::storage::sql::Val::from($x)),*]
    };
}
pub(crate) use p;

/// How an instant is written where it is stored as text (SQLite).
pub fn instant_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A result row; getters accept either store's representation.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Val>);

fn stored(what: &str, v: &Val) -> StorageError {
    StorageError::Internal(format!("a stored value is not {what}: {v:?}"))
}

impl Row {
    fn at(&self, i: usize) -> Result<&Val> {
        self.0
            .get(i)
            .ok_or_else(|| StorageError::Internal(format!("a query returned no column {i}")))
    }

    fn opt(&self, i: usize) -> Result<Option<&Val>> {
        Ok(Some(self.at(i)?).filter(|v| **v != Val::Null))
    }

    pub fn text(&self, i: usize) -> Result<String> {
        self.opt_text(i)?.ok_or_else(|| stored("text", &Val::Null))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self.opt(i)? {
            None => Ok(None),
            Some(Val::Text(s)) => Ok(Some(s.clone())),
            Some(v) => Err(stored("text", v)),
        }
    }

    pub fn id(&self, i: usize) -> Result<Uuid> {
        self.opt_id(i)?.ok_or_else(|| stored("an id", &Val::Null))
    }

    pub fn opt_id(&self, i: usize) -> Result<Option<Uuid>> {
        match self.opt(i)? {
            None => Ok(None),
            Some(Val::Id(u)) => Ok(Some(*u)),
            Some(v @ Val::Text(s)) => Uuid::parse_str(s).map(Some).map_err(|_| stored("an id", v)),
            Some(v) => Err(stored("an id", v)),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64> {
        match self.at(i)? {
            Val::Int(n) => Ok(*n),
            Val::Bool(b) => Ok(i64::from(*b)),
            v => Err(stored("a number", v)),
        }
    }

    pub fn uint(&self, i: usize) -> Result<u64> {
        let n = self.int(i)?;
        u64::try_from(n).map_err(|_| stored("a count", &Val::Int(n)))
    }

    pub fn real(&self, i: usize) -> Result<f64> {
        match self.at(i)? {
            Val::Real(x) => Ok(*x),
            Val::Int(n) => Ok(*n as f64),
            v => Err(stored("a decimal number", v)),
        }
    }

    pub fn flag(&self, i: usize) -> Result<bool> {
        match self.at(i)? {
            Val::Bool(b) => Ok(*b),
            Val::Int(n) => Ok(*n != 0),
            v => Err(stored("true or false", v)),
        }
    }

    pub fn bytes(&self, i: usize) -> Result<Vec<u8>> {
        match self.at(i)? {
            Val::Bytes(b) => Ok(b.clone()),
            v => Err(stored("bytes", v)),
        }
    }

    pub fn instant(&self, i: usize) -> Result<DateTime<Utc>> {
        self.opt_instant(i)?
            .ok_or_else(|| stored("an instant", &Val::Null))
    }

    pub fn opt_instant(&self, i: usize) -> Result<Option<DateTime<Utc>>> {
        match self.opt(i)? {
            None => Ok(None),
            Some(Val::At(t)) => Ok(Some(*t)),
            Some(v @ Val::Text(s)) => DateTime::parse_from_rfc3339(s)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|_| stored("an instant", v)),
            Some(v) => Err(stored("an instant", v)),
        }
    }

    pub fn date(&self, i: usize) -> Result<NaiveDate> {
        match self.at(i)? {
            Val::Date(d) => Ok(*d),
            v @ Val::Text(s) => {
                NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| stored("a date", v))
            }
            v => Err(stored("a date", v)),
        }
    }

    pub fn clock(&self, i: usize) -> Result<NaiveTime> {
        match self.at(i)? {
            Val::Clock(t) => Ok(*t),
            v @ Val::Text(s) => NaiveTime::parse_from_str(s, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
                .map_err(|_| stored("a time of day", v)),
            v => Err(stored("a time of day", v)),
        }
    }
}

/// Where the two databases differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// Row locks for read-then-write. SQLite has one writer at a time and needs none.
    pub fn for_update(self, of: &str) -> String {
        match self {
            Dialect::Sqlite => String::new(),
            Dialect::Postgres => format!(" FOR UPDATE OF {of}"),
        }
    }
}

/// One open transaction on either store.
pub trait Db {
    fn dialect(&self) -> Dialect;
    /// Runs a statement; returns the number of rows it changed.
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64>;
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>>;

    fn one(&mut self, sql: &str, params: &[Val]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// A statement that always returns exactly one row (an aggregate, `EXISTS`).
    fn row(&mut self, sql: &str, params: &[Val]) -> Result<Row> {
        self.one(sql, params)?
            .ok_or_else(|| StorageError::Internal(format!("no row from: {sql}")))
    }

    /// Serialises writers on one key until commit (PostgreSQL); SQLite's writer lock does it.
    fn lock(&mut self, key: &str) -> Result<()> {
        match self.dialect() {
            Dialect::Sqlite => Ok(()),
            Dialect::Postgres => self
                .query(
                    "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                    p![key],
                )
                .map(drop),
        }
    }
}

/// `$1` → `?1` for SQLite (which would otherwise number `$N` names in order of appearance).
pub fn sqlite_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// A value stored as its serde name (a role, a status), read back.
pub(super) fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| StorageError::Internal(format!("stored value \"{s}\" is unknown")))
}

/// A value as the JSON text it is stored as.
pub(super) fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StorageError::Internal(e.to_string()))
}

/// `($s, $s+1, …)` groups for a multi-row statement: `rows` groups of `cols` parameters.
pub(super) fn groups(rows: usize, cols: usize, start: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("${}", start + r * cols + c));
        }
        out.push(')');
    }
    out
}

/// `$s, $s+1, …` for an `IN (…)` list of `n` parameters.
pub(super) fn list(n: usize, start: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `insert VALUES (…), (…) suffix` for `rows`, in statements of at most 1,000 rows (well under
/// both databases' parameter limits).
pub(super) fn insert_rows<const N: usize>(
    db: &mut dyn Db,
    insert: &str,
    suffix: &str,
    rows: &[[Val; N]],
) -> Result<()> {
    for chunk in rows.chunks(1000) {
        let sql = format!("{insert} VALUES {}{suffix}", groups(chunk.len(), N, 1));
        let params: Vec<Val> = chunk.iter().flatten().cloned().collect();
        db.exec(&sql, &params)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_parameters_become_sqlite_ones() {
        assert_eq!(
            sqlite_sql("UPDATE t SET a = $2 WHERE b = $1 AND c = '$x'"),
            "UPDATE t SET a = ?2 WHERE b = ?1 AND c = '$x'"
        );
    }

    #[test]
    fn getters_read_both_representations() {
        let id = Uuid::from_u128(7);
        let row = Row(vec![
            Val::Text(id.to_string()),
            Val::Id(id),
            Val::Int(1),
            Val::Bool(true),
            Val::Text("09:30".into()),
            Val::Null,
        ]);
        assert_eq!(row.id(0).unwrap(), id);
        assert_eq!(row.id(1).unwrap(), id);
        assert!(row.flag(2).unwrap() && row.flag(3).unwrap());
        assert_eq!(
            row.clock(4).unwrap(),
            NaiveTime::from_hms_opt(9, 30, 0).unwrap()
        );
        assert_eq!(row.opt_text(5).unwrap(), None);
        assert!(row.text(5).is_err());
        assert!(row.id(2).is_err());
    }
}
