//! Dispatch's import of customers and routes, from JSON or CSV (docs/DISPATCH.md).
//!
//! Reading a file checks everything that needs no database and collects every problem with the
//! place it sits (a CSV line number, or a JSON path such as `routes[0].stops[3]`). The store
//! then checks what needs the database (couriers, known customers, route ids) and writes all of
//! it in one transaction, or nothing (`Storage::import`).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

use chrono::{NaiveDate, NaiveTime};
use doorstep_domain::event::{MAX_NAME_CHARS, MAX_TEXT_CHARS};
use doorstep_domain::{Clock, CustomerKind, OrderLine};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::{PlannerError, Result};

/// Rows listed in a refusal at most; the message still counts them all.
pub const MAX_LISTED_ROWS: usize = 500;

const MAX_KEY_CHARS: usize = 64;
const MAX_ADDRESS_CHARS: usize = 300;
const MAX_QTY: u32 = 1_000_000;
const MAX_POSITION: u32 = 10_000;

/// Where a problem sits: a line of a CSV file (the header is line 1) or a path into a JSON
/// document. Written as a number or a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum At {
    Line(u64),
    Path(String),
}

impl At {
    fn path(s: impl Into<String>) -> At {
        At::Path(s.into())
    }

    fn child(&self, key: &str) -> At {
        match self {
            At::Path(p) if p.is_empty() => At::path(key),
            At::Path(p) => At::path(format!("{p}.{key}")),
            At::Line(n) => At::Line(*n),
        }
    }

    fn item(&self, key: &str, i: usize) -> At {
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

    fn extend(&mut self, at: &At, messages: Vec<String>) {
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
        PlannerError::InvalidImport { message, rows }
    }
}

/// What the file was written in; it decides how rows are named in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

/// A customer as the file gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCustomer {
    /// The id it gets if the planner does not know its ref yet.
    pub id: Uuid,
    /// Dispatch's own key for the customer; unique per tenant.
    pub reference: Option<String>,
    pub name: String,
    pub kind: CustomerKind,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

impl NewCustomer {
    fn same_details(&self, other: &NewCustomer) -> bool {
        NewCustomer {
            id: other.id,
            ..self.clone()
        } == *other
    }
}

/// Who a stop is for: a customer by ref (defined in the file or already known), or one given
/// in full without a ref.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomerOf {
    Ref(String),
    Given(NewCustomer),
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewStop {
    pub at: At,
    pub id: Uuid,
    pub position: u32,
    pub customer: CustomerOf,
    pub window_start: NaiveTime,
    pub window_end: NaiveTime,
    pub instructions: Option<String>,
    pub lines: Vec<OrderLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewRoute {
    pub at: At,
    pub id: Uuid,
    pub date: NaiveDate,
    /// A courier's user name or id, as the file gives it.
    pub courier: String,
    pub stops: Vec<NewStop>,
}

/// A file read and checked as far as it can be without the database. Ids are made here, so
/// storing it is repeatable (a transaction that lost a race runs again with the same ids).
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub format: Format,
    /// Every customer with a ref the file defines, once each.
    pub customers: Vec<NewCustomer>,
    pub routes: Vec<NewRoute>,
    /// Couriers to find, by name or id.
    pub couriers: Vec<(At, String)>,
    /// Refs the file uses but does not define: the planner must know them.
    pub refs: Vec<(At, String)>,
    /// Route ids the file gives: they must be new.
    pub route_ids: Vec<(At, Uuid)>,
    pub problems: Problems,
}

/// What an import stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub customers: usize,
    pub routes: usize,
    pub stops: usize,
    pub lines: usize,
    /// The routes' ids, in the order the file gives them.
    pub route_ids: Vec<Uuid>,
}

// ---------------------------------------------------------------------------------------------
// Fields, whichever format they come from.

/// Trimmed, non-empty values of one row or one JSON object, by field name.
trait Fields {
    fn get(&self, key: &str) -> Option<&str>;
}

/// Reads typed values out of [`Fields`], collecting what is wrong in plain words.
struct Check<'a> {
    fields: &'a dyn Fields,
    messages: Vec<String>,
}

impl<'a> Check<'a> {
    fn new(fields: &'a dyn Fields) -> Check<'a> {
        Check {
            fields,
            messages: vec![],
        }
    }

    fn problem(&mut self, message: impl Into<String>) {
        self.messages.push(message.into());
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.fields.get(key)
    }

    fn opt_text(&mut self, key: &str, max: usize) -> Option<String> {
        let v = self.get(key)?;
        if v.chars().count() > max {
            self.problem(format!("{key} is too long (at most {max} characters)"));
            return None;
        }
        Some(v.to_owned())
    }

    fn text(&mut self, key: &str, max: usize) -> Option<String> {
        if self.get(key).is_none() {
            self.problem(format!("{key} is missing"));
            return None;
        }
        self.opt_text(key, max)
    }

    fn required(&mut self, key: &str) -> Option<&'a str> {
        let v = self.get(key);
        if v.is_none() {
            self.problem(format!("{key} is missing"));
        }
        v
    }

    fn number(&mut self, key: &str, lo: f64, hi: f64) -> Option<f64> {
        let raw = self.required(key)?;
        match raw.parse::<f64>() {
            Ok(x) if x.is_finite() && (lo..=hi).contains(&x) => Some(x),
            Ok(x) if x.is_finite() => {
                self.problem(format!("{key} {raw} is outside {lo}…{hi}"));
                None
            }
            _ if raw.contains(',') && raw.replace(',', ".").parse::<f64>().is_ok() => {
                self.problem(format!(
                    "{key} \"{raw}\" is not a number (write decimals with a dot)"
                ));
                None
            }
            _ => {
                self.problem(format!("{key} \"{raw}\" is not a number"));
                None
            }
        }
    }

    fn whole(&mut self, key: &str, lo: u32, hi: u32) -> Option<u32> {
        let raw = self.required(key)?;
        match raw.parse::<u32>() {
            Ok(n) if (lo..=hi).contains(&n) => Some(n),
            Ok(_) => {
                self.problem(format!("{key} {raw} is outside {lo}…{hi}"));
                None
            }
            Err(_) => {
                self.problem(format!(
                    "{key} \"{raw}\" is not a whole number from {lo} to {hi}"
                ));
                None
            }
        }
    }

    fn time(&mut self, key: &str) -> Option<NaiveTime> {
        let raw = self.required(key)?;
        let t = NaiveTime::parse_from_str(raw, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M:%S"));
        if t.is_err() {
            self.problem(format!("{key} \"{raw}\" is not a time of day (HH:MM)"));
        }
        t.ok()
    }

    fn date(&mut self, key: &str) -> Option<NaiveDate> {
        let raw = self.required(key)?;
        let d = NaiveDate::parse_from_str(raw, "%Y-%m-%d");
        if d.is_err() {
            self.problem(format!("{key} \"{raw}\" is not a date (YYYY-MM-DD)"));
        }
        d.ok()
    }

    fn kind(&mut self, key: &str) -> Option<CustomerKind> {
        let raw = self.required(key)?;
        let kind = raw.to_ascii_lowercase().parse().ok();
        if kind.is_none() {
            self.problem(format!(
                "{key} \"{raw}\" must be b2b (a business) or b2c (a consumer)"
            ));
        }
        kind
    }

    /// An international phone number, kept as digits after a "+" (E.164).
    fn phone(&mut self, key: &str) -> Option<String> {
        let raw = self.get(key)?;
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.' | '/'))
            .collect();
        let digits = compact.strip_prefix('+').unwrap_or("");
        let ok = (7..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !ok {
            self.problem(format!(
                "{key} \"{raw}\" is not an international number (write it like +31205550123)"
            ));
            return None;
        }
        Some(compact)
    }

    /// Runs `f`; `None` if it found any problem.
    fn all_or_none<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let before = self.messages.len();
        let v = f(self);
        v.filter(|_| self.messages.len() == before)
    }
}

/// Field names of a customer: CSV columns and JSON fields differ.
struct CustomerKeys {
    reference: &'static str,
    name: &'static str,
    kind: &'static str,
    address: &'static str,
    lat: &'static str,
    lon: &'static str,
    contact_name: &'static str,
    contact_phone: &'static str,
}

impl CustomerKeys {
    fn details(&self) -> [&'static str; 7] {
        [
            self.name,
            self.kind,
            self.address,
            self.lat,
            self.lon,
            self.contact_name,
            self.contact_phone,
        ]
    }
}

const CSV_CUSTOMER: CustomerKeys = CustomerKeys {
    reference: "customer_ref",
    name: "customer_name",
    kind: "customer_kind",
    address: "address",
    lat: "lat",
    lon: "lon",
    contact_name: "contact_name",
    contact_phone: "contact_phone",
};

const JSON_CUSTOMER: CustomerKeys = CustomerKeys {
    reference: "ref",
    name: "name",
    kind: "kind",
    address: "address",
    lat: "lat",
    lon: "lon",
    contact_name: "contact_name",
    contact_phone: "contact_phone",
};

fn read_customer(c: &mut Check, keys: &CustomerKeys, id: Uuid) -> Option<NewCustomer> {
    c.all_or_none(|c| {
        let reference = c.opt_text(keys.reference, MAX_KEY_CHARS);
        let name = c.text(keys.name, MAX_NAME_CHARS);
        let kind = c.kind(keys.kind);
        let address = c.text(keys.address, MAX_ADDRESS_CHARS);
        let lat = c.number(keys.lat, -90.0, 90.0);
        let lon = c.number(keys.lon, -180.0, 180.0);
        if lat == Some(0.0) && lon == Some(0.0) {
            c.problem(format!(
                "{} and {} are both 0: the address was probably not located on the map",
                keys.lat, keys.lon
            ));
        }
        let contact_name = c.opt_text(keys.contact_name, MAX_NAME_CHARS);
        let contact_phone = c.phone(keys.contact_phone);
        Some(NewCustomer {
            id,
            reference,
            name: name?,
            kind: kind?,
            address: address?,
            lat: lat?,
            lon: lon?,
            contact_name,
            contact_phone,
        })
    })
}

fn read_line(c: &mut Check, id: Uuid) -> Option<OrderLine> {
    c.all_or_none(|c| {
        let sku = c.text("sku", MAX_KEY_CHARS);
        let description = c.text("description", MAX_ADDRESS_CHARS);
        let qty = c.whole("qty", 1, MAX_QTY);
        let unit = c.text("unit", 32);
        let barcode = c.opt_text("barcode", MAX_KEY_CHARS);
        Some(OrderLine {
            id,
            sku: sku?,
            description: description?,
            ordered_qty: qty?,
            unit: unit?,
            barcode,
        })
    })
}

/// The time window and instructions of a stop.
fn read_visit(c: &mut Check) -> Option<(NaiveTime, NaiveTime, Option<String>)> {
    c.all_or_none(|c| {
        let start = c.time("window_start");
        let end = c.time("window_end");
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                c.problem(format!(
                    "window_end {} is not after window_start {}",
                    e.format("%H:%M"),
                    s.format("%H:%M")
                ));
            }
        }
        let instructions = c.opt_text("instructions", MAX_TEXT_CHARS);
        Some((start?, end?, instructions))
    })
}

/// Customers the file defines by ref and uses by ref, wherever they appear.
#[derive(Default)]
struct Customers {
    defined: Vec<(At, NewCustomer)>,
    used: Vec<(At, String)>,
}

impl Customers {
    /// Records a customer the file gives in full; a ref given twice must carry the same details.
    fn define(&mut self, at: &At, customer: NewCustomer, messages: &mut Vec<String>) -> CustomerOf {
        let Some(reference) = customer.reference.clone() else {
            return CustomerOf::Given(customer);
        };
        match self
            .defined
            .iter()
            .find(|(_, c)| c.reference.as_ref() == Some(&reference))
        {
            Some((first, known)) if !known.same_details(&customer) => messages.push(format!(
                "customer \"{reference}\" is given other details here than at {first}"
            )),
            Some(_) => {}
            None => self.defined.push((at.clone(), customer)),
        }
        CustomerOf::Ref(reference)
    }

    fn use_ref(&mut self, at: &At, reference: String) -> CustomerOf {
        self.used.push((at.clone(), reference.clone()));
        CustomerOf::Ref(reference)
    }

    /// The customers to store, and the refs the planner must already know.
    fn finish(self) -> (Vec<NewCustomer>, Vec<(At, String)>) {
        let defined: Vec<NewCustomer> = self.defined.into_iter().map(|(_, c)| c).collect();
        let unknown = self
            .used
            .into_iter()
            .filter(|(_, r)| !defined.iter().any(|c| c.reference.as_ref() == Some(r)))
            .collect();
        (defined, unknown)
    }
}

/// Checks that stop positions run 1, 2, 3… on a route: a repeat is reported on the later stop,
/// a gap on the route.
fn check_positions(route: &At, label: &str, stops: &[(At, Option<u32>)], problems: &mut Problems) {
    let mut seen: HashMap<u32, &At> = HashMap::new();
    let mut clean = true;
    for (at, position) in stops {
        let Some(p) = position else {
            clean = false;
            continue;
        };
        if let Some(first) = seen.get(p) {
            problems.add(
                at,
                format!("position {p} is taken by another stop of {label} ({first})"),
            );
            clean = false;
        } else {
            seen.insert(*p, at);
        }
    }
    if clean {
        let mut positions: Vec<u32> = seen.into_keys().collect();
        positions.sort_unstable();
        if positions
            .iter()
            .enumerate()
            .any(|(i, p)| *p as usize != i + 1)
        {
            let list: Vec<String> = positions.iter().map(u32::to_string).collect();
            problems.add(
                route,
                format!(
                    "the stops of {label} are at positions {}: number them 1, 2, 3… without gaps",
                    list.join(", ")
                ),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CSV

/// Every column a CSV import may have, in the order the sample file uses.
pub const CSV_COLUMNS: [&str; 21] = [
    "route",
    "date",
    "courier",
    "stop",
    "position",
    "customer_ref",
    "customer_name",
    "customer_kind",
    "address",
    "lat",
    "lon",
    "contact_name",
    "contact_phone",
    "window_start",
    "window_end",
    "instructions",
    "sku",
    "description",
    "qty",
    "unit",
    "barcode",
];

const CSV_REQUIRED: [&str; 10] = [
    "route",
    "date",
    "courier",
    "position",
    "window_start",
    "window_end",
    "sku",
    "description",
    "qty",
    "unit",
];

/// Columns every row of one route must agree on.
const CSV_ROUTE_COLUMNS: [&str; 2] = ["date", "courier"];

/// Columns every row of one stop must agree on.
const CSV_STOP_COLUMNS: [&str; 12] = [
    "position",
    "customer_ref",
    "customer_name",
    "customer_kind",
    "address",
    "lat",
    "lon",
    "contact_name",
    "contact_phone",
    "window_start",
    "window_end",
    "instructions",
];

/// A column name as people type it in a spreadsheet: "Customer Ref" is `customer_ref`.
fn column_name(raw: &str) -> String {
    raw.trim().to_lowercase().replace([' ', '-'], "_")
}

/// Checks the header; `None` (and problems on line 1) when rows cannot be read by it.
fn csv_columns(
    header: &csv::StringRecord,
    problems: &mut Problems,
) -> Option<HashMap<String, usize>> {
    let at = At::Line(1);
    let mut columns = HashMap::new();
    let mut unknown = vec![];
    for (i, raw) in header.iter().enumerate() {
        let name = column_name(raw);
        if name.is_empty() {
            problems.add(&at, format!("column {} has no name", i + 1));
        } else if !CSV_COLUMNS.contains(&name.as_str()) {
            unknown.push(format!("\"{}\"", raw.trim()));
        } else if columns.insert(name.clone(), i).is_some() {
            problems.add(&at, format!("column {name} appears twice"));
        }
    }
    if !unknown.is_empty() {
        problems.add(
            &at,
            format!(
                "unknown column{} {} (the columns are: {})",
                if unknown.len() == 1 { "" } else { "s" },
                unknown.join(", "),
                CSV_COLUMNS.join(", ")
            ),
        );
    }
    let has = |c: &str| columns.contains_key(c);
    let mut missing: Vec<&str> = CSV_REQUIRED.iter().copied().filter(|c| !has(c)).collect();
    let details = [
        CSV_CUSTOMER.name,
        CSV_CUSTOMER.kind,
        CSV_CUSTOMER.address,
        CSV_CUSTOMER.lat,
        CSV_CUSTOMER.lon,
    ];
    let any_detail = details.iter().any(|c| has(c));
    if any_detail {
        missing.extend(details.iter().copied().filter(|c| !has(c)));
    } else if !has(CSV_CUSTOMER.reference) {
        problems.add(
            &at,
            "missing column customer_ref (or customer_name, customer_kind, address, lat and lon to give each customer in full)",
        );
    }
    match missing.as_slice() {
        [] => {}
        [one] => problems.add(&at, format!("missing column {one}")),
        many => problems.add(&at, format!("missing columns {}", many.join(", "))),
    }
    problems.is_empty().then_some(columns)
}

struct CsvRow<'a> {
    columns: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
}

impl Fields for CsvRow<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        let i = *self.columns.get(key)?;
        Some(self.record.get(i)?.trim()).filter(|v| !v.is_empty())
    }
}

impl CsvRow<'_> {
    fn raw(&self, key: &str) -> &str {
        self.get(key).unwrap_or("")
    }
}

/// A route while its rows are read.
struct CsvRoute {
    at: At,
    label: String,
    id: Uuid,
    first: HashMap<&'static str, String>,
    date: Option<NaiveDate>,
    courier: String,
    stops: Vec<CsvStop>,
}

/// A stop while its rows are read.
struct CsvStop {
    at: At,
    key: String,
    first: HashMap<&'static str, String>,
    position: Option<u32>,
    visit: Option<(NaiveTime, NaiveTime, Option<String>)>,
    customer: Option<CustomerOf>,
    lines: Vec<OrderLine>,
    complete: bool,
}

/// Guesses the separator from the header: spreadsheets set to Dutch or German write ";".
fn csv_delimiter(bytes: &[u8]) -> u8 {
    let header = bytes.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let count = |c: u8| header.iter().filter(|b| **b == c).count();
    let (commas, semicolons, tabs) = (count(b','), count(b';'), count(b'\t'));
    if semicolons > commas && semicolons >= tabs {
        b';'
    } else if tabs > commas && tabs > semicolons {
        b'\t'
    } else {
        b','
    }
}

/// Differences between this row and the first row of its group, in the columns they share.
fn differs(
    row: &CsvRow,
    columns: &[&'static str],
    first: &HashMap<&'static str, String>,
    first_at: &At,
    what: &str,
) -> Vec<String> {
    columns
        .iter()
        .filter(|c| row.columns.contains_key(**c))
        .filter_map(|c| {
            let (mine, theirs) = (row.raw(c), first.get(c).map_or("", String::as_str));
            (mine != theirs).then(|| {
                format!(
                    "{c} \"{mine}\" differs from \"{theirs}\" on {first_at}, the first row of {what}"
                )
            })
        })
        .collect()
}

/// Reads a CSV import: a header row, then one row per order line. Rows with the same `route`
/// belong to one route; within it, rows with the same `stop` (or, without that column, the
/// same `position`) belong to one stop.
pub fn from_csv(bytes: &[u8], clock: &dyn Clock) -> Result<Import> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(PlannerError::Invalid(
            "the file is empty: send a header row and one row per order line".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(csv_delimiter(bytes))
        .flexible(true)
        .from_reader(bytes);
    let mut problems = Problems::default();
    let header = match reader.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(PlannerError::Invalid(format!(
                "the header row cannot be read: {e}"
            )))
        }
    };
    let header = csv::StringRecord::from_byte_record(header).map_err(|_| {
        PlannerError::Invalid("the header row is not UTF-8 text: save the file as CSV UTF-8".into())
    })?;
    let empty = Import {
        format: Format::Csv,
        customers: vec![],
        routes: vec![],
        couriers: vec![],
        refs: vec![],
        route_ids: vec![],
        problems: Problems::default(),
    };
    let Some(columns) = csv_columns(&header, &mut problems) else {
        return Ok(Import { problems, ..empty });
    };

    let mut routes: Vec<CsvRoute> = vec![];
    let mut customers = Customers::default();
    let mut couriers = vec![];
    let mut route_ids = vec![];
    let mut rows = 0usize;
    for result in reader.byte_records() {
        let byte_record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.add(&At::Line(line), format!("this row cannot be read: {e}"));
                continue;
            }
        };
        rows += 1;
        let at = At::Line(byte_record.position().map_or(0, |p| p.line()));
        let record = match csv::StringRecord::from_byte_record(byte_record) {
            Ok(r) => r,
            Err(_) => {
                problems.add(
                    &at,
                    "this row is not UTF-8 text: save the file as CSV UTF-8",
                );
                continue;
            }
        };
        if record.len() != header.len() {
            problems.add(
                &at,
                format!(
                    "this row has {} fields but the header has {} (a separator too many or too few?)",
                    record.len(),
                    header.len()
                ),
            );
            continue;
        }
        let row = CsvRow {
            columns: &columns,
            record: &record,
        };
        let mut c = Check::new(&row);

        // The route this row belongs to.
        let label = c.text("route", MAX_KEY_CHARS);
        let route =
            label.as_ref().map(
                |label| match routes.iter().position(|r| &r.label == label) {
                    Some(i) => {
                        let r = &routes[i];
                        let what = format!("route {label}");
                        for m in differs(&row, &CSV_ROUTE_COLUMNS, &r.first, &r.at, &what) {
                            c.problem(m);
                        }
                        i
                    }
                    None => {
                        let date = c.date("date");
                        let courier = c.text("courier", MAX_NAME_CHARS).unwrap_or_default();
                        if !courier.is_empty() {
                            couriers.push((at.clone(), courier.clone()));
                        }
                        let id = match Uuid::parse_str(label) {
                            Ok(id) => {
                                route_ids.push((at.clone(), id));
                                id
                            }
                            Err(_) => clock.new_id(),
                        };
                        routes.push(CsvRoute {
                            at: at.clone(),
                            label: label.clone(),
                            id,
                            first: CSV_ROUTE_COLUMNS
                                .iter()
                                .map(|k| (*k, row.raw(k).to_owned()))
                                .collect(),
                            date,
                            courier,
                            stops: vec![],
                        });
                        routes.len() - 1
                    }
                },
            );

        // The stop this row belongs to, read from its first row.
        let stop_key = row.get("stop").or_else(|| row.get("position"));
        let mut stop = None;
        if let (Some(r), Some(key)) = (route, stop_key) {
            let route = &mut routes[r];
            match route.stops.iter().position(|s| s.key == key) {
                Some(i) => {
                    let s = &route.stops[i];
                    let what = format!("stop {key} of route {}", route.label);
                    for m in differs(&row, &CSV_STOP_COLUMNS, &s.first, &s.at, &what) {
                        c.problem(m);
                    }
                    stop = Some(i);
                }
                None => {
                    let position = c.whole("position", 1, MAX_POSITION);
                    let visit = read_visit(&mut c);
                    let customer = read_stop_customer(&mut c, &at, &mut customers, clock);
                    route.stops.push(CsvStop {
                        at: at.clone(),
                        key: key.to_owned(),
                        first: CSV_STOP_COLUMNS
                            .iter()
                            .map(|k| (*k, row.raw(k).to_owned()))
                            .collect(),
                        position,
                        complete: position.is_some() && visit.is_some() && customer.is_some(),
                        visit,
                        customer,
                        lines: vec![],
                    });
                    stop = Some(route.stops.len() - 1);
                }
            }
        } else if route.is_some() {
            // No stop key: `position` is missing, and says so below.
            c.whole("position", 1, MAX_POSITION);
        }

        let line = read_line(&mut c, clock.new_id());
        if let (Some(r), Some(s)) = (route, stop) {
            let stop = &mut routes[r].stops[s];
            match line {
                Some(l) => stop.lines.push(l),
                None => stop.complete = false,
            }
        }
        problems.extend(&at, c.messages);
    }
    if rows == 0 {
        return Err(PlannerError::Invalid(
            "the file has a header but no rows: add one row per order line".into(),
        ));
    }

    let mut done = vec![];
    for route in routes {
        let label = format!("route {}", route.label);
        let positions: Vec<(At, Option<u32>)> = route
            .stops
            .iter()
            .map(|s| (s.at.clone(), s.position))
            .collect();
        check_positions(&route.at, &label, &positions, &mut problems);
        let mut stops = vec![];
        for s in route.stops {
            if let (true, Some(position), Some((ws, we, instructions)), Some(customer)) =
                (s.complete, s.position, s.visit, s.customer)
            {
                stops.push(NewStop {
                    at: s.at,
                    id: clock.new_id(),
                    position,
                    customer,
                    window_start: ws,
                    window_end: we,
                    instructions,
                    lines: s.lines,
                });
            }
        }
        if let Some(date) = route.date {
            stops.sort_by_key(|s| s.position);
            done.push(NewRoute {
                at: route.at,
                id: route.id,
                date,
                courier: route.courier,
                stops,
            });
        }
    }
    let (customers, refs) = customers.finish();
    Ok(Import {
        customers,
        routes: done,
        couriers,
        refs,
        route_ids,
        problems,
        ..empty
    })
}

/// A stop's customer from its row: by ref, or given in full (with or without a ref).
fn read_stop_customer(
    c: &mut Check,
    at: &At,
    customers: &mut Customers,
    clock: &dyn Clock,
) -> Option<CustomerOf> {
    let keys = &CSV_CUSTOMER;
    let given = keys.details().iter().any(|k| c.get(k).is_some());
    if given {
        let customer = read_customer(c, keys, clock.new_id())?;
        return Some(customers.define(at, customer, &mut c.messages));
    }
    match c.opt_text(keys.reference, MAX_KEY_CHARS) {
        Some(reference) => Some(customers.use_ref(at, reference)),
        None => {
            if c.get(keys.reference).is_none() {
                c.problem("give the customer: a customer_ref, or customer_name, customer_kind, address, lat and lon");
            }
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

const JSON_TOP: [&str; 2] = ["customers", "routes"];
const JSON_CUSTOMER_FIELDS: [&str; 8] = [
    "ref",
    "name",
    "kind",
    "address",
    "lat",
    "lon",
    "contact_name",
    "contact_phone",
];
const JSON_ROUTE_FIELDS: [&str; 4] = ["id", "date", "courier", "stops"];
const JSON_STOP_FIELDS: [&str; 6] = [
    "customer",
    "position",
    "window_start",
    "window_end",
    "instructions",
    "lines",
];
const JSON_LINE_FIELDS: [&str; 5] = ["sku", "description", "qty", "unit", "barcode"];

/// The scalar fields of one JSON object, as text: numbers are read as they are written.
struct JsonFields(HashMap<String, String>);

impl Fields for JsonFields {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Opens the object at `at`, refusing fields it does not know; collects its scalar fields.
fn json_object<'v>(
    v: &'v Value,
    at: &At,
    allowed: &[&str],
    nested: &[&str],
    problems: &mut Problems,
) -> Option<(&'v Map<String, Value>, JsonFields)> {
    let Some(map) = v.as_object() else {
        problems.add(at, "must be an object ({…})");
        return None;
    };
    let mut fields = HashMap::new();
    for (key, value) in map {
        if !allowed.contains(&key.as_str()) {
            problems.add(
                &at.child(key),
                format!(
                    "unknown field (the fields here are: {})",
                    allowed.join(", ")
                ),
            );
            continue;
        }
        if nested.contains(&key.as_str()) {
            continue;
        }
        match value {
            Value::Null => {}
            Value::String(s) => {
                fields.insert(key.clone(), s.trim().to_owned());
            }
            Value::Number(n) => {
                fields.insert(key.clone(), n.to_string());
            }
            _ => problems.add(&at.child(key), "must be text or a number"),
        }
    }
    Some((map, JsonFields(fields)))
}

/// The array under `key`; an absent key is an empty list.
fn json_array<'v>(
    map: &'v Map<String, Value>,
    key: &str,
    at: &At,
    problems: &mut Problems,
) -> &'v [Value] {
    match map.get(key) {
        None | Some(Value::Null) => &[],
        Some(Value::Array(items)) => items,
        Some(_) => {
            problems.add(&at.child(key), "must be a list ([…])");
            &[]
        }
    }
}

/// Reads a JSON import: `{"customers": [...], "routes": [...]}` (docs/DISPATCH.md).
pub fn from_json(bytes: &[u8], clock: &dyn Clock) -> Result<Import> {
    let doc: Value = serde_json::from_slice(bytes)
        .map_err(|e| PlannerError::Invalid(format!("the import is not valid JSON: {e}")))?;
    let mut problems = Problems::default();
    let top = At::path("");
    let Some((map, _)) = json_object(&doc, &top, &JSON_TOP, &JSON_TOP, &mut problems) else {
        return Err(PlannerError::Invalid(
            "the import must be a JSON object: {\"customers\": […], \"routes\": […]}".into(),
        ));
    };
    let customer_items = json_array(map, "customers", &top, &mut problems);
    let route_items = json_array(map, "routes", &top, &mut problems);
    if customer_items.is_empty() && route_items.is_empty() && problems.is_empty() {
        return Err(PlannerError::Invalid(
            "the import holds no customers and no routes".into(),
        ));
    }

    let mut customers = Customers::default();
    for (i, item) in customer_items.iter().enumerate() {
        let at = top.item("customers", i);
        let Some((_, fields)) = json_object(item, &at, &JSON_CUSTOMER_FIELDS, &[], &mut problems)
        else {
            continue;
        };
        let mut c = Check::new(&fields);
        if fields.get("ref").is_none() {
            c.problem("ref is missing (a customer in the list needs one, to be found again)");
        }
        if let Some(customer) = read_customer(&mut c, &JSON_CUSTOMER, clock.new_id()) {
            customers.define(&at, customer, &mut c.messages);
        }
        problems.extend(&at, c.messages);
    }

    let mut routes = vec![];
    let mut couriers = vec![];
    let mut route_ids: Vec<(At, Uuid)> = vec![];
    for (i, item) in route_items.iter().enumerate() {
        let at = top.item("routes", i);
        let Some((map, fields)) =
            json_object(item, &at, &JSON_ROUTE_FIELDS, &["stops"], &mut problems)
        else {
            continue;
        };
        let mut c = Check::new(&fields);
        let id = match fields.get("id") {
            None => Some(clock.new_id()),
            Some(raw) => match Uuid::parse_str(raw) {
                Ok(id) => {
                    if let Some((first, _)) = route_ids.iter().find(|(_, r)| *r == id) {
                        c.problem(format!("id {id} is given to another route too ({first})"));
                    } else {
                        route_ids.push((at.clone(), id));
                    }
                    Some(id)
                }
                Err(_) => {
                    c.problem(format!("id \"{raw}\" is not a route id (a UUID)"));
                    None
                }
            },
        };
        let date = c.date("date");
        if let Some(courier) = c.text("courier", MAX_NAME_CHARS) {
            couriers.push((at.clone(), courier));
        }
        let stop_items = json_array(map, "stops", &at, &mut problems);
        if stop_items.is_empty() && map.get("stops").is_none_or(|s| s.is_array()) {
            c.problem("the route has no stops");
        }
        let mut stops = vec![];
        let mut positions = vec![];
        for (j, item) in stop_items.iter().enumerate() {
            let stop_at = at.item("stops", j);
            let (stop, position) =
                read_json_stop(item, &stop_at, j, clock, &mut customers, &mut problems);
            positions.push((stop_at, position));
            stops.extend(stop);
        }
        check_positions(&at, "this route", &positions, &mut problems);
        problems.extend(&at, c.messages);
        if let (Some(id), Some(date), Some(courier)) = (id, date, fields.get("courier")) {
            stops.sort_by_key(|s| s.position);
            routes.push(NewRoute {
                at,
                id,
                date,
                courier: courier.to_owned(),
                stops,
            });
        }
    }
    let (customers, refs) = customers.finish();
    Ok(Import {
        format: Format::Json,
        customers,
        routes,
        couriers,
        refs,
        route_ids,
        problems,
    })
}

/// One stop of a JSON route, and its position (for the position check) when readable.
fn read_json_stop(
    item: &Value,
    at: &At,
    index: usize,
    clock: &dyn Clock,
    customers: &mut Customers,
    problems: &mut Problems,
) -> (Option<NewStop>, Option<u32>) {
    let Some((map, fields)) = json_object(
        item,
        at,
        &JSON_STOP_FIELDS,
        &["customer", "lines"],
        problems,
    ) else {
        return (None, None);
    };
    let mut c = Check::new(&fields);
    let position = if fields.get("position").is_some() {
        c.whole("position", 1, MAX_POSITION)
    } else {
        u32::try_from(index + 1).ok()
    };
    let visit = read_visit(&mut c);
    let customer_at = at.child("customer");
    let customer = match map.get("customer") {
        None | Some(Value::Null) => {
            c.problem(
                "customer is missing (a customer ref, or an object with the customer's details)",
            );
            None
        }
        Some(Value::String(r)) if !r.trim().is_empty() => {
            Some(customers.use_ref(at, r.trim().to_owned()))
        }
        Some(v @ Value::Object(_)) => {
            match json_object(v, &customer_at, &JSON_CUSTOMER_FIELDS, &[], problems) {
                Some((_, fields)) => {
                    let mut cc = Check::new(&fields);
                    let customer = read_customer(&mut cc, &JSON_CUSTOMER, clock.new_id())
                        .map(|cust| customers.define(&customer_at, cust, &mut cc.messages));
                    problems.extend(&customer_at, cc.messages);
                    customer
                }
                None => None,
            }
        }
        Some(_) => {
            problems.add(
                &customer_at,
                "must be a customer ref (text) or an object with the customer's details",
            );
            None
        }
    };
    let line_items = json_array(map, "lines", at, problems);
    if line_items.is_empty() && map.get("lines").is_none_or(|l| l.is_array()) {
        c.problem("the stop has no order lines");
    }
    let mut lines = vec![];
    let mut lines_ok = true;
    for (k, item) in line_items.iter().enumerate() {
        let line_at = at.item("lines", k);
        let Some((_, fields)) = json_object(item, &line_at, &JSON_LINE_FIELDS, &[], problems)
        else {
            lines_ok = false;
            continue;
        };
        let mut lc = Check::new(&fields);
        match read_line(&mut lc, clock.new_id()) {
            Some(l) => lines.push(l),
            None => lines_ok = false,
        }
        problems.extend(&line_at, lc.messages);
    }
    problems.extend(at, c.messages);
    let stop = match (position, visit, customer) {
        (Some(position), Some((window_start, window_end, instructions)), Some(customer))
            if lines_ok =>
        {
            Some(NewStop {
                at: at.clone(),
                id: clock.new_id(),
                position,
                customer,
                window_start,
                window_end,
                instructions,
                lines,
            })
        }
        _ => None,
    };
    (stop, position)
}

/// Reads territories from GeoJSON: a `FeatureCollection` (or one `Feature`) whose features
/// are Polygons or MultiPolygons with `properties.name` and, optionally, `properties.rep_id`.
/// Every problem is listed by its path; nothing is kept from a file that has one.
pub fn territories_from_geojson(
    body: &[u8],
    clock: &dyn Clock,
) -> Result<Vec<crate::storage::NewTerritory>> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| PlannerError::Invalid(format!("the territories are not valid JSON: {e}")))?;
    let features: Vec<(String, &serde_json::Value)> =
        match value.get("type").and_then(|t| t.as_str()) {
            Some("FeatureCollection") => value
                .get("features")
                .and_then(|f| f.as_array())
                .ok_or_else(|| {
                    PlannerError::Invalid("a FeatureCollection needs a \"features\" list".into())
                })?
                .iter()
                .enumerate()
                .map(|(i, f)| (format!("features[{i}]"), f))
                .collect(),
            Some("Feature") => vec![("feature".to_owned(), &value)],
            _ => {
                return Err(PlannerError::Invalid(
                    "territories come as a GeoJSON FeatureCollection (or one Feature), each feature a Polygon or MultiPolygon with properties.name".into(),
                ))
            }
        };
    if features.is_empty() {
        return Err(PlannerError::Invalid("the file holds no territory".into()));
    }
    let mut problems = Problems::default();
    let mut out = vec![];
    let mut names = HashMap::new();
    for (path, feature) in features {
        let at = At::Path(path.clone());
        let props = feature.get("properties");
        let name = props
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .map(str::trim)
            .unwrap_or("");
        if name.is_empty() {
            problems.add(&at, "properties.name: every territory needs a name");
        } else if let Some(first) = names.insert(name.to_owned(), path.clone()) {
            problems.add(&at, format!("the name \"{name}\" is used by {first} too"));
        }
        let rep_id = match props.and_then(|p| p.get("rep_id")) {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => match v.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
                Some(id) => Some(id),
                None => {
                    problems.add(&at, format!("properties.rep_id: {v} is not a user id"));
                    None
                }
            },
        };
        let area = if feature.get("type").and_then(|t| t.as_str()) != Some("Feature") {
            problems.add(&at, "each entry must be a GeoJSON Feature");
            None
        } else {
            match doorstep_domain::territory::Area::from_geojson(feature) {
                Ok(area) => Some(area),
                Err(e) => {
                    problems.add(&at, e.to_string());
                    None
                }
            }
        };
        if let Some(area) = area {
            out.push(crate::storage::NewTerritory {
                id: clock.new_id(),
                name: name.to_owned(),
                area,
                rep_id,
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems.into_error(Format::Json));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use doorstep_domain::FakeClock;

    use super::*;

    fn clock() -> FakeClock {
        FakeClock::at(Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap())
    }

    const HEADER: &str = "route,date,courier,stop,position,customer_ref,customer_name,customer_kind,address,lat,lon,contact_name,contact_phone,window_start,window_end,instructions,sku,description,qty,unit,barcode";

    fn csv(rows: &[&str]) -> Import {
        let text = format!("{HEADER}\n{}\n", rows.join("\n"));
        from_csv(text.as_bytes(), &clock()).unwrap()
    }

    fn lines_with_problems(import: &Import) -> Vec<u64> {
        import
            .problems
            .rows()
            .iter()
            .map(|r| match r.row {
                At::Line(n) => n,
                At::Path(_) => panic!("a CSV problem names a line"),
            })
            .collect()
    }

    #[test]
    fn rows_of_one_route_and_stop_group_together_in_position_order() {
        let import = csv(&[
            "R1,2026-11-26,Sam Courier,B,2,C2,Bakkerij Jansen,b2b,Prinsengracht 1,52.37,4.88,,,09:00,10:00,,SKU-2,Flour 25kg,2,bag,",
            "R1,2026-11-26,Sam Courier,A,1,C1,\"Ana de Vries\",b2c,\"Keizersgracht 2, 3hoog\",52.36,4.89,Ana,+31 6 1234 5678,08:00,09:00,\"Ring twice\",SKU-1,Coffee,1,box,871234",
            "R1,2026-11-26,Sam Courier,B,2,C2,Bakkerij Jansen,b2b,Prinsengracht 1,52.37,4.88,,,09:00,10:00,,SKU-3,Yeast,5,pack,",
            "R2,2026-11-26,Noor Courier,X,1,C1,,,,,,,,12:00,13:00,,SKU-1,Coffee,3,box,",
        ]);
        assert!(import.problems.is_empty(), "{:?}", import.problems.rows());
        assert_eq!(import.routes.len(), 2);
        let r1 = &import.routes[0];
        assert_eq!(r1.courier, "Sam Courier");
        assert_eq!(r1.at, At::Line(2), "a route is named by its first row");
        let positions: Vec<u32> = r1.stops.iter().map(|s| s.position).collect();
        assert_eq!(
            positions,
            [1, 2],
            "stops are in position order, not file order"
        );
        assert_eq!(
            r1.stops[1].lines.len(),
            2,
            "both rows of stop B are its lines"
        );
        assert_eq!(r1.stops[0].instructions.as_deref(), Some("Ring twice"));
        assert_eq!(import.customers.len(), 2, "C1 and C2 are defined once each");
        let ana = import
            .customers
            .iter()
            .find(|c| c.reference.as_deref() == Some("C1"))
            .unwrap();
        assert_eq!(
            ana.address, "Keizersgracht 2, 3hoog",
            "a quoted comma stays in the field"
        );
        assert_eq!(ana.contact_phone.as_deref(), Some("+31612345678"));
        assert_eq!(
            import.routes[1].stops[0].customer,
            CustomerOf::Ref("C1".into()),
            "a ref defined elsewhere in the file is enough"
        );
        assert!(
            import.refs.is_empty(),
            "no ref is left for the planner to know"
        );
        assert_eq!(import.couriers.len(), 2);
    }

    #[test]
    fn every_bad_row_is_reported_by_its_line_number() {
        let import = csv(&[
            "R1,2026-11-26,Sam Courier,A,1,C1,Ana,b2c,Keizersgracht 2,52.36,4.89,,,08:00,09:00,,SKU-1,Coffee,1,box,",
            "R1,2026-11-26,Sam Courier,B,2,C2,Jansen,b2b,Prinsengracht 1,north,4.88,,,09:00,10:00,,SKU-2,Flour,2,bag,",
            "R1,2026-11-26,Sam Courier,C,3,C3,Smit,b2c,Damrak 3,52.37,4.90,,,11:00,10:00,,SKU-3,Tea,1,box,",
            "R1,2026-11-26,Sam Courier,A,1,C1,Ana,b2c,Keizersgracht 2,52.36,4.89,,,08:00,09:00,,SKU-4,Milk,zero,l,",
            "R1,2026-11-27,Sam Courier,A,1,C1,Ana,b2c,Keizersgracht 2,52.36,4.89,,,08:00,09:00,,SKU-5,Sugar,1,kg,",
        ]);
        assert_eq!(lines_with_problems(&import), [3, 4, 5, 6]);
        let rows = import.problems.rows();
        assert!(
            rows[0].message.contains("lat \"north\" is not a number"),
            "{}",
            rows[0].message
        );
        assert!(rows[1]
            .message
            .contains("window_end 10:00 is not after window_start 11:00"));
        assert!(rows[2].message.contains("qty \"zero\""));
        assert!(
            rows[3]
                .message
                .contains("date \"2026-11-27\" differs from \"2026-11-26\" on line 2"),
            "{}",
            rows[3].message
        );
    }

    #[test]
    fn gaps_and_repeats_in_positions_are_refused() {
        let import = csv(&[
            "R1,2026-11-26,Sam Courier,A,1,C1,Ana,b2c,Keizersgracht 2,52.36,4.89,,,08:00,09:00,,SKU-1,Coffee,1,box,",
            "R1,2026-11-26,Sam Courier,B,1,C2,Jansen,b2b,Prinsengracht 1,52.37,4.88,,,09:00,10:00,,SKU-2,Flour,2,bag,",
            "R2,2026-11-26,Sam Courier,A,1,C1,Ana,b2c,Keizersgracht 2,52.36,4.89,,,08:00,09:00,,SKU-1,Coffee,1,box,",
            "R2,2026-11-26,Sam Courier,B,3,C2,Jansen,b2b,Prinsengracht 1,52.37,4.88,,,09:00,10:00,,SKU-2,Flour,2,bag,",
        ]);
        let rows = import.problems.rows();
        assert_eq!(lines_with_problems(&import), [3, 4]);
        assert!(rows[0]
            .message
            .contains("position 1 is taken by another stop of route R1 (line 2)"));
        assert!(
            rows[1].message.contains("positions 1, 3"),
            "{}",
            rows[1].message
        );
    }

    #[test]
    fn a_customer_given_twice_must_match_and_an_unknown_ref_is_left_for_the_planner() {
        let import = csv(&[
            "R1,2026-11-26,Sam Courier,A,1,C1,Ana,b2c,Keizersgracht 2,52.36,4.89,,,08:00,09:00,,SKU-1,Coffee,1,box,",
            "R1,2026-11-26,Sam Courier,B,2,C1,Ana,b2c,Keizersgracht 4,52.36,4.89,,,09:00,10:00,,SKU-2,Flour,2,bag,",
            "R1,2026-11-26,Sam Courier,C,3,C9,,,,,,,,10:00,11:00,,SKU-2,Flour,2,bag,",
        ]);
        assert_eq!(lines_with_problems(&import), [3]);
        assert!(import.problems.rows()[0]
            .message
            .contains("other details here than at line 2"));
        assert_eq!(import.refs, [(At::Line(4), "C9".to_owned())]);
    }

    #[test]
    fn a_wrong_header_names_the_missing_and_unknown_columns() {
        let text = "route,date,courier,position,customer_ref,lattitude,window_start,window_end,sku,description,qty\nR1,2026-11-26,Sam,1,C1,52,08:00,09:00,S,D,1\n";
        let import = from_csv(text.as_bytes(), &clock()).unwrap();
        let rows = import.problems.rows();
        assert_eq!(rows.len(), 1, "only the header is reported: {rows:?}");
        assert_eq!(rows[0].row, At::Line(1));
        assert!(
            rows[0].message.contains("unknown column \"lattitude\""),
            "{}",
            rows[0].message
        );
        assert!(
            rows[0].message.contains("missing column unit"),
            "{}",
            rows[0].message
        );
    }

    #[test]
    fn spreadsheet_habits_are_understood() {
        // A byte-order mark, ";" as separator, headers typed with spaces and capitals, a
        // quoted field that runs over two lines.
        let text = "\u{feff}Route;Date;Courier;Position;Customer Ref;Customer Name;Customer Kind;Address;Lat;Lon;Window Start;Window End;Instructions;SKU;Description;Qty;Unit\n\
            R1;2026-11-26;Sam;1;C1;Ana;B2C;Damrak 1;52.37;4.89;08:00;09:00;\"Back door,\nthen left\";S1;Tea;1;box\n\
            R1;2026-11-26;Sam;2;C2;Jan;b2b;Damrak 2;52,37;4.89;09:00;10:00;;S1;Tea;1;box\n";
        let import = from_csv(text.as_bytes(), &clock()).unwrap();
        let rows = import.problems.rows();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(
            rows[0].row,
            At::Line(4),
            "line numbers count the newline inside quotes"
        );
        assert!(rows[0].message.contains("write decimals with a dot"));
        assert_eq!(
            import.routes[0].stops[0].instructions.as_deref(),
            Some("Back door,\nthen left")
        );
    }

    #[test]
    fn json_problems_name_their_path_and_unknown_fields_are_refused() {
        let doc = serde_json::json!({
            "customers": [{"ref": "C1", "name": "Ana", "kind": "b2c", "address": "Damrak 1", "lat": 52.37, "lon": 4.89}],
            "routes": [{
                "date": "2026-11-26", "courier": "Sam Courier", "colour": "red",
                "stops": [
                    {"customer": "C1", "window_start": "08:00", "window_end": "09:00",
                     "lines": [{"sku": "S1", "description": "Tea", "qty": 1, "unit": "box"}]},
                    {"customer": {"name": "Jan", "kind": "b2b", "address": "Damrak 2", "lat": 52.37, "lon": 4.89},
                     "window_start": "10:00", "window_end": "09:00",
                     "lines": [{"sku": "S1", "description": "Tea", "qty": 0, "unit": "box"}]}
                ]
            }]
        });
        let import = from_json(doc.to_string().as_bytes(), &clock()).unwrap();
        let rows: Vec<(String, String)> = import
            .problems
            .rows()
            .into_iter()
            .map(|r| (r.row.to_string(), r.message))
            .collect();
        let paths: Vec<&str> = rows.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "routes[0].colour",
                "routes[0].stops[1]",
                "routes[0].stops[1].lines[0]"
            ],
            "{rows:?}"
        );
        assert!(rows[0].1.starts_with("unknown field"));
        assert!(rows[2].1.contains("qty 0 is outside 1…"), "{}", rows[2].1);
    }

    #[test]
    fn json_paths_sort_naturally() {
        let mut all = vec![
            At::path("routes[10]"),
            At::path("routes[2].stops[0]"),
            At::path("routes[2]"),
        ];
        all.sort();
        assert_eq!(
            all,
            [
                At::path("routes[2]"),
                At::path("routes[2].stops[0]"),
                At::path("routes[10]")
            ]
        );
    }

    #[test]
    fn the_refusal_counts_rows_in_plain_words() {
        let mut p = Problems::default();
        p.add(&At::Line(3), "lat \"x\" is not a number");
        p.add(&At::Line(3), "qty is missing");
        p.add(&At::Line(7), "courier is missing");
        let PlannerError::InvalidImport { message, rows } = p.into_error(Format::Csv) else {
            panic!("an import refusal")
        };
        assert_eq!(message, "2 rows have errors; nothing was imported");
        assert_eq!(rows[0].message, "lat \"x\" is not a number; qty is missing");
    }
}
