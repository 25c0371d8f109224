//! Problems of an import, each at its row or path, and the refusal that lists them.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use crate::PlannerError;

use super::*;

/// Where a problem sits: a line of a CSV file (the header is line 1) or a path into a JSON
/// document. Written as a number or a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum At {
    Line(u64),
    Path(String),
}

impl At {
    pub(super) fn path(s: impl Into<String>) -> At {
        At::Path(s.into())
    }

    pub(super) fn child(&self, key: &str) -> At {
        match self {
            At::Path(p) if p.is_empty() => At::path(key),
            At::Path(p) => At::path(format!("{p}.{key}")),
            At::Line(n) => At::Line(*n),
        }
    }

    pub(super) fn item(&self, key: &str, i: usize) -> At {
        match self {
            At::Path(_) => At::path(format!("{}[{i}]", self.child(key))),
            At::Line(n) => At::Line(*n),
        }
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Line(n) => write!(f, "line {n}"),
            At::Path(p) => f.write_str(p),
        }
    }
}

/// `routes[10]` after `routes[2]`, and a parent before its children.
fn natural(s: &str) -> Vec<(String, Option<u64>)> {
    let mut out = vec![];
    let mut text = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(d) = c.to_digit(10) {
            let mut n = u64::from(d);
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(u64::from(d));
                chars.next();
            }
            out.push((std::mem::take(&mut text), Some(n)));
        } else {
            text.push(c);
        }
    }
    if !text.is_empty() {
        out.push((text, None));
    }
    out
}

impl Ord for At {
    fn cmp(&self, other: &At) -> Ordering {
        match (self, other) {
            (At::Line(a), At::Line(b)) => a.cmp(b),
            (At::Line(_), At::Path(_)) => Ordering::Less,
            (At::Path(_), At::Line(_)) => Ordering::Greater,
            (At::Path(a), At::Path(b)) => natural(a).cmp(&natural(b)),
        }
    }
}

impl PartialOrd for At {
    fn partial_cmp(&self, other: &At) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One row of a refused import and everything wrong with it, in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    pub row: At,
    pub message: String,
}

/// Every problem found so far, grouped by the row it sits on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problems {
    rows: Vec<(At, Vec<String>)>,
    index: HashMap<At, usize>,
}

impl Problems {
    pub fn add(&mut self, at: &At, message: impl Into<String>) {
        let message = message.into();
        match self.index.get(at) {
            Some(&i) => {
                let messages = &mut self.rows[i].1;
                if !messages.contains(&message) {
                    messages.push(message);
                }
            }
            None => {
                self.index.insert(at.clone(), self.rows.len());
                self.rows.push((at.clone(), vec![message]));
            }
        }
    }

    pub(super) fn extend(&mut self, at: &At, messages: Vec<String>) {
        for m in messages {
            self.add(at, m);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// How many rows have a problem.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The rows in file order, each with its messages joined.
    pub fn rows(&self) -> Vec<RowProblem> {
        let mut rows: Vec<RowProblem> = self
            .rows
            .iter()
            .map(|(at, messages)| RowProblem {
                row: at.clone(),
                message: messages.join("; "),
            })
            .collect();
        rows.sort_by(|a, b| a.row.cmp(&b.row));
        rows
    }

    /// The refusal: "3 rows have errors; nothing was imported", with the rows.
    pub fn into_error(self, format: Format) -> PlannerError {
        let (message, rows) = self.refusal(format);
        PlannerError::InvalidImport { message, rows }
    }

    /// The refusal's message and the rows it lists (at most [`MAX_LISTED_ROWS`]).
    pub fn refusal(self, format: Format) -> (String, Vec<RowProblem>) {
        let n = self.len();
        let (one, many) = match format {
            Format::Csv => ("row", "rows"),
            Format::Json => ("entry", "entries"),
        };
        let mut message = if n == 1 {
            format!("1 {one} has an error; nothing was imported")
        } else {
            format!("{n} {many} have errors; nothing was imported")
        };
        let mut rows = self.rows();
        if rows.len() > MAX_LISTED_ROWS {
            rows.truncate(MAX_LISTED_ROWS);
            message.push_str(&format!(" (the first {MAX_LISTED_ROWS} are listed)"));
        }
        (message, rows)
    }
}
