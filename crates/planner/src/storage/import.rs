//! Storing dispatch's import of customers and routes: all of it, or nothing with every
//! problem listed.

use std::collections::{BTreeSet, HashMap};

use doorstep_domain::{Route, Stop, StopStatus};
use uuid::Uuid;

use super::routes::{bump, insert_route};
use super::sql::{p, Db, Row};
use super::Role;
use super::{Result, StorageError};
use crate::import::{CustomerOf, Import, Imported, NewCustomer, Problems};

/// A courier an import names, by id or by name (case does not matter), among the tenant's
/// users; `Err` says in plain words why none fits.
fn find_courier(
    users: &[(Uuid, String, Role)],
    key: &str,
) -> std::result::Result<(Uuid, String), String> {
    let role_of = |role: Role| role.as_str().replace('_', " ");
    if let Ok(id) = Uuid::parse_str(key) {
        return match users.iter().find(|(u, _, _)| *u == id) {
            Some((_, name, Role::Courier)) => Ok((id, name.clone())),
            Some((_, name, role)) => Err(format!("{name} is a {}, not a courier", role_of(*role))),
            None => Err(format!("no courier has the id {id}")),
        };
    }
    let wanted = key.to_lowercase();
    let named: Vec<&(Uuid, String, Role)> = users
        .iter()
        .filter(|(_, name, _)| name.to_lowercase() == wanted)
        .collect();
    let couriers: Vec<&&(Uuid, String, Role)> = named
        .iter()
        .filter(|(_, _, r)| *r == Role::Courier)
        .collect();
    match (couriers.as_slice(), named.first()) {
        ([(id, name, _)], _) => Ok((*id, name.clone())),
        ([], Some((_, name, role))) => {
            Err(format!("{name} is a {}, not a courier", role_of(*role)))
        }
        ([], None) => Err(format!("no courier is named \"{key}\"")),
        (many, _) => Err(format!(
            "{} couriers are named \"{key}\": give the courier's id instead",
            many.len()
        )),
    }
}

fn stored_customer(r: &Row, reference: &str) -> Result<NewCustomer> {
    Ok(NewCustomer {
        id: r.id(0)?,
        reference: Some(reference.to_owned()),
        name: r.text(1)?,
        kind: r
            .text(2)?
            .parse()
            .map_err(|e| StorageError::Internal(format!("{e}")))?,
        address: r.text(3)?,
        lat: r.real(4)?,
        lon: r.real(5)?,
        contact_name: r.opt_text(6)?,
        contact_phone: r.opt_text(7)?,
    })
}

/// Checks what an import needs from the database, then stores all of it or nothing: customers
/// are upserted by ref, routes inserted and announced in the change log.
pub fn import(db: &mut dyn Db, tenant: Uuid, import: &Import) -> Result<Imported> {
    let mut problems = import.problems.clone();

    let mut users = vec![];
    if !import.couriers.is_empty() {
        for r in db.query(
            "SELECT id, name, role FROM users WHERE tenant_id = $1 ORDER BY name, id",
            p![tenant],
        )? {
            users.push((r.id(0)?, r.text(1)?, Role::parse(&r.text(2)?)?));
        }
    }
    let mut couriers: HashMap<&str, (Uuid, String)> = HashMap::new();
    for (at, key) in &import.couriers {
        match find_courier(&users, key) {
            Ok(found) => {
                couriers.insert(key, found);
            }
            Err(message) => problems.add(at, message),
        }
    }

    let mut known: HashMap<&str, NewCustomer> = HashMap::new();
    let mut unknown: BTreeSet<&str> = BTreeSet::new();
    for (at, reference) in &import.refs {
        if known.contains_key(reference.as_str()) {
            continue;
        }
        let row = if unknown.contains(reference.as_str()) {
            None
        } else {
            db.one(
                "SELECT id, name, kind, address, lat, lon, contact_name, contact_phone
                 FROM customers WHERE tenant_id = $1 AND ref = $2",
                p![tenant, reference],
            )?
        };
        match row {
            Some(r) => {
                known.insert(reference, stored_customer(&r, reference)?);
            }
            None => {
                unknown.insert(reference);
                problems.add(
                at,
                format!(
                    "no customer has the ref \"{reference}\": give the customer's details in this file, or import the customer first"
                ),
            );
            }
        }
    }

    for (at, id) in &import.route_ids {
        let exists = db
            .row(
                "SELECT EXISTS (SELECT 1 FROM routes WHERE tenant_id = $1 AND id = $2)",
                p![tenant, id],
            )?
            .flag(0)?;
        if exists {
            problems.add(
                at,
                format!(
                    "route {id} exists already: a route that was handed out is changed with PATCH /v1/stops/{{id}} or POST /v1/routes/{{id}}/assign, not imported again"
                ),
            );
        }
    }
    if !problems.is_empty() {
        let (message, rows) = problems.refusal(import.format);
        return Err(StorageError::InvalidImport { message, rows });
    }

    // Customers first: their row locks come before the change-log lock the routes take.
    let mut customer_ids: HashMap<&str, Uuid> = known.iter().map(|(r, c)| (*r, c.id)).collect();
    let mut by_ref: HashMap<&str, &NewCustomer> = known.iter().map(|(r, c)| (*r, c)).collect();
    for c in &import.customers {
        let Some(reference) = c.reference.as_deref() else {
            continue;
        };
        let id = db
            .row(
                "INSERT INTO customers (id, tenant_id, ref, name, kind, address, lat, lon, contact_name, contact_phone)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (tenant_id, ref) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                    address = excluded.address, lat = excluded.lat, lon = excluded.lon,
                    contact_name = excluded.contact_name, contact_phone = excluded.contact_phone
                 RETURNING id",
                p![
                    c.id, tenant, reference, &c.name, c.kind.as_str(), &c.address, c.lat, c.lon,
                    &c.contact_name, &c.contact_phone
                ],
            )?
            .id(0)?;
        customer_ids.insert(reference, id);
        by_ref.insert(reference, c);
    }

    let mut imported = Imported {
        customers: import.customers.len(),
        routes: 0,
        stops: 0,
        lines: 0,
        route_ids: vec![],
    };
    for r in &import.routes {
        let (courier_id, courier_name) =
            couriers.get(r.courier.as_str()).cloned().ok_or_else(|| {
                StorageError::Internal(format!("courier {} was not looked up", r.courier))
            })?;
        let mut stops = Vec::with_capacity(r.stops.len());
        let mut stop_customers = Vec::with_capacity(r.stops.len());
        for s in &r.stops {
            let (customer, customer_id) = match &s.customer {
                CustomerOf::Given(c) => (c, None),
                CustomerOf::Ref(reference) => (
                    *by_ref.get(reference.as_str()).ok_or_else(|| {
                        StorageError::Internal(format!("customer {reference} was not looked up"))
                    })?,
                    customer_ids.get(reference.as_str()).copied(),
                ),
            };
            stop_customers.push(customer_id);
            imported.lines += s.lines.len();
            stops.push(Stop {
                id: s.id,
                position: s.position,
                customer_name: customer.name.clone(),
                customer_kind: customer.kind,
                address: customer.address.clone(),
                lat: customer.lat,
                lon: customer.lon,
                contact_name: customer.contact_name.clone(),
                contact_phone: customer.contact_phone.clone(),
                window_start: s.window_start,
                window_end: s.window_end,
                instructions: s.instructions.clone(),
                status: StopStatus::Pending,
                lines: s.lines.clone(),
            });
        }
        let route = Route {
            id: r.id,
            date: r.date,
            courier_name,
            stops,
        };
        // The reading checked every rule already; this keeps the domain's word final.
        if let Err(e) = route.validate() {
            let mut problems = Problems::default();
            problems.add(&r.at, e.to_string());
            let (message, rows) = problems.refusal(import.format);
            return Err(StorageError::InvalidImport { message, rows });
        }
        insert_route(db, tenant, &route, Some(courier_id), &stop_customers)?;
        imported.routes += 1;
        imported.stops += route.stops.len();
        imported.route_ids.push(route.id);
    }
    for id in &imported.route_ids {
        bump(db, tenant, *id, None)?;
    }
    Ok(imported)
}
