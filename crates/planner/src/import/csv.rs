//! Reading an import from CSV: a header row, then one row per order line.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};
use doorstep_domain::event::MAX_NAME_CHARS;
use doorstep_domain::{Clock, OrderLine};
use uuid::Uuid;

use crate::{PlannerError, Result};

use super::*;

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
    header: &::csv::StringRecord,
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
    record: &'a ::csv::StringRecord,
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
    let mut reader = ::csv::ReaderBuilder::new()
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
    let header = ::csv::StringRecord::from_byte_record(header).map_err(|_| {
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
        let record = match ::csv::StringRecord::from_byte_record(byte_record) {
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
