//! Reading an import from JSON: `{"customers": [...], "routes": [...]}`.

use std::collections::HashMap;

use doorstep_domain::event::MAX_NAME_CHARS;
use doorstep_domain::Clock;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::{PlannerError, Result};

use super::*;

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
