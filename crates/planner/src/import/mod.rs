//! Dispatch's import of customers and routes, from JSON or CSV (docs/DISPATCH.md).
//!
//! Reading a file checks everything that needs no database and collects every problem with the
//! place it sits (a CSV line number, or a JSON path such as `routes[0].stops[3]`). The store
//! then checks what needs the database (couriers, known customers, route ids) and writes all of
//! it in one transaction, or nothing (`Storage::import`).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};
use doorstep_domain::event::{MAX_NAME_CHARS, MAX_TEXT_CHARS};
use doorstep_domain::{CustomerKind, OrderLine};
use serde::Serialize;
use uuid::Uuid;

mod csv;
mod json;
mod problems;

pub use csv::{from_csv, CSV_COLUMNS};
pub use json::from_json;
pub use problems::{At, Problems, RowProblem};

/// Rows listed in a refusal at most; the message still counts them all.
pub const MAX_LISTED_ROWS: usize = 500;

const MAX_KEY_CHARS: usize = 64;
const MAX_ADDRESS_CHARS: usize = 300;
const MAX_QTY: u32 = 1_000_000;
const MAX_POSITION: u32 = 10_000;

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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use doorstep_domain::FakeClock;

    use super::*;
    use crate::PlannerError;

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
