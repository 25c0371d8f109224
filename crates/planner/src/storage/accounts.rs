//! B2B accounts (store customers with contacts and a service plan), and what a sales rep's
//! scope tells about each delivery inside a territory: its lines, what happened at the door,
//! and what sales did about it. Written once for both stores.

use std::collections::{BTreeMap, HashMap};

use doorstep_domain::account::{Account, Contact, DoorEvent, ServicePlan};
use doorstep_domain::resolution::{ResolutionEntry, ResolutionRecorded};
use doorstep_domain::sync::OpBody;
use doorstep_domain::territory::Area;
use doorstep_domain::OrderLine;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::sql::json;
use super::sql::{p, Db, Val};
use super::{Result, StorageError};

/// An account as dispatch sends it (`POST /v1/accounts`), keyed by its `ref`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "ref": "ACME-017", "name": "Bakkerij Visser", "address": "Rozengracht 251, Amsterdam",
    "lat": 52.3739, "lon": 4.8790,
    "contacts": [{"name": "Femke Visser", "role": "owner", "phone": "+31205550123", "email": null}],
    "plan": {"days": ["mon", "wed", "fri"], "window_start": "07:00:00", "window_end": "09:00:00",
             "typical": [{"description": "Oat milk 1 L", "qty": 24, "unit": "carton"}], "note": null}
}))]
pub struct NewAccount {
    /// Dispatch's key for the account: not blank, once per request.
    #[serde(rename = "ref")]
    #[schema(pattern = r"\S")]
    pub reference: String,
    #[schema(pattern = r"\S")]
    pub name: String,
    #[schema(pattern = r"\S")]
    pub address: String,
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub lat: f64,
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub lon: f64,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub plan: Option<ServicePlan>,
}

/// The accounts of one request, with every problem named by its place in the list.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountsImport {
    #[schema(min_items = 1)]
    pub accounts: Vec<NewAccount>,
}

impl AccountsImport {
    /// Checks every account; all problems at once, each starting with where it is.
    pub fn validate(&self) -> Result<()> {
        let mut problems = vec![];
        let mut seen = std::collections::HashSet::new();
        for (i, a) in self.accounts.iter().enumerate() {
            let at = format!("accounts[{i}]");
            if a.reference.trim().is_empty() {
                problems.push(format!("{at}.ref: an account needs a ref"));
            } else if !seen.insert(a.reference.as_str()) {
                problems.push(format!("{at}.ref: {:?} appears twice", a.reference));
            }
            if a.name.trim().is_empty() {
                problems.push(format!("{at}.name: an account needs a name"));
            }
            if a.address.trim().is_empty() {
                problems.push(format!("{at}.address: an account needs an address"));
            }
            if !(-90.0..=90.0).contains(&a.lat) || !(-180.0..=180.0).contains(&a.lon) {
                problems.push(format!(
                    "{at}: {}, {} is not a place on Earth (lat -90..90, lon -180..180)",
                    a.lat, a.lon
                ));
            }
            for (k, c) in a.contacts.iter().enumerate() {
                if let Err(e) = c.validate() {
                    problems.push(format!("{at}.contacts[{k}]: {e}"));
                }
            }
            if let Some(plan) = &a.plan {
                if let Err(e) = plan.validate() {
                    problems.push(format!("{at}.plan: {e}"));
                }
            }
        }
        if self.accounts.is_empty() {
            problems.push("accounts: the list is empty".into());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(StorageError::Invalid(problems.join("; ")))
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s)
        .map_err(|e| StorageError::Internal(format!("stored {what} are unreadable: {e}")))
}

/// Stores accounts by ref (a known ref is updated), all in the caller's transaction; the
/// caller has checked them ([`AccountsImport::validate`]), once, outside the transaction.
/// Stops already planned for the same name at the same address, and not yet tied to a
/// customer, are tied to the account. Returns the ids, in order.
pub fn save(
    db: &mut dyn Db,
    tenant: Uuid,
    list: &AccountsImport,
    ids: &[Uuid],
) -> Result<Vec<Uuid>> {
    let mut out = vec![];
    for (a, new_id) in list.accounts.iter().zip(ids) {
        let id = db
            .row(
                "INSERT INTO customers (id, tenant_id, ref, name, kind, address, lat, lon, contact_name, contact_phone, contacts, service_plan)
                 VALUES ($1, $2, $3, $4, 'b2b', $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (tenant_id, ref) DO UPDATE SET name = excluded.name, kind = 'b2b',
                    address = excluded.address, lat = excluded.lat, lon = excluded.lon,
                    contact_name = excluded.contact_name, contact_phone = excluded.contact_phone,
                    contacts = excluded.contacts, service_plan = excluded.service_plan
                 RETURNING id",
                p![
                    *new_id,
                    tenant,
                    &a.reference,
                    &a.name,
                    &a.address,
                    a.lat,
                    a.lon,
                    a.contacts.first().map(|c| c.name.clone()),
                    a.contacts.iter().find_map(|c| c.phone.clone()),
                    json(&a.contacts)?,
                    a.plan.as_ref().map(json).transpose()?
                ],
            )?
            .id(0)?;
        db.exec(
            "UPDATE stops SET customer_id = $1
             WHERE tenant_id = $2 AND customer_id IS NULL AND customer_name = $3 AND address = $4",
            p![id, tenant, &a.name, &a.address],
        )?;
        out.push(id);
    }
    Ok(out)
}

fn account(r: &super::sql::Row) -> Result<Account> {
    Ok(Account {
        id: r.id(0)?,
        name: r.text(1)?,
        address: r.text(2)?,
        lat: r.real(3)?,
        lon: r.real(4)?,
        contacts: parse("contacts", &r.text(5)?)?,
        plan: r
            .opt_text(6)?
            .map(|p| parse("service plans", &p))
            .transpose()?,
    })
}

const ACCOUNT_COLUMNS: &str = "id, name, address, lat, lon, contacts, service_plan";

/// One account of the tenant.
pub fn get(db: &mut dyn Db, tenant: Uuid, id: Uuid) -> Result<Account> {
    let row = db
        .one(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM customers WHERE tenant_id = $1 AND id = $2"),
            p![tenant, id],
        )?
        .ok_or_else(|| StorageError::NotFound(format!("no account {id}")))?;
    account(&row)
}

/// The B2B accounts inside any of `areas`, by name.
pub fn inside(db: &mut dyn Db, tenant: Uuid, areas: &[Area]) -> Result<Vec<Account>> {
    let mut found: BTreeMap<(String, Uuid), Account> = BTreeMap::new();
    for area in areas {
        let b = area.bounds();
        let rows = db.query(
            &format!(
                "SELECT {ACCOUNT_COLUMNS} FROM customers
                 WHERE tenant_id = $1 AND kind = 'b2b' AND lat BETWEEN $2 AND $3 AND lon BETWEEN $4 AND $5"
            ),
            p![tenant, b.min_lat, b.max_lat, b.min_lon, b.max_lon],
        )?;
        for r in &rows {
            let a = account(r)?;
            if area.contains(a.lat, a.lon) {
                found.insert((a.name.clone(), a.id), a);
            }
        }
    }
    Ok(found.into_values().collect())
}

/// What the scope tells about the stops `stop_ids` (inside a territory): their lines, door
/// events and resolutions.
#[derive(Debug, Default)]
pub struct StopDetails {
    pub lines: HashMap<Uuid, Vec<OrderLine>>,
    pub events: HashMap<Uuid, Vec<DoorEvent>>,
    pub resolutions: HashMap<Uuid, Vec<ResolutionEntry>>,
}

/// Reads [`StopDetails`] for `stop_ids`, 500 per statement.
pub fn stop_details(db: &mut dyn Db, tenant: Uuid, stop_ids: &[Uuid]) -> Result<StopDetails> {
    let mut out = StopDetails::default();
    // Who recorded what: every device's user, once (a join per event would make the
    // database pick a plan by device instead of by stop).
    let mut names: HashMap<Uuid, String> = HashMap::new();
    for r in db.query(
        "SELECT d.id, u.name FROM devices d JOIN users u ON u.id = d.user_id WHERE d.tenant_id = $1",
        p![tenant],
    )? {
        names.insert(r.id(0)?, r.text(1)?);
    }
    for chunk in stop_ids.chunks(500) {
        let mut params: Vec<Val> = vec![tenant.into()];
        params.extend(chunk.iter().map(Val::from));
        let ids = super::sql::list(chunk.len(), 2);
        for r in db.query(
            &format!(
                "SELECT stop_id, id, sku, description, ordered_qty, unit, barcode FROM order_lines
                 WHERE tenant_id = $1 AND stop_id IN ({ids}) ORDER BY stop_id, position"
            ),
            &params,
        )? {
            out.lines.entry(r.id(0)?).or_default().push(OrderLine {
                id: r.id(1)?,
                sku: r.text(2)?,
                description: r.text(3)?,
                ordered_qty: u32::try_from(r.int(4)?)
                    .map_err(|_| StorageError::Internal("stored quantity out of range".into()))?,
                unit: r.text(5)?,
                barcode: r.opt_text(6)?,
            });
        }
        for r in db.query(
            &format!(
                "SELECT e.stop_id, e.body, e.device_id FROM events e
                 WHERE e.tenant_id = $1 AND e.stop_id IN ({ids}) ORDER BY e.captured_at, e.id"
            ),
            &params,
        )? {
            let stop = r.id(0)?;
            let body: OpBody = parse("events", &r.text(1)?)?;
            if let OpBody::DeliveryResolved { resolution } = body {
                out.resolutions
                    .entry(stop)
                    .or_default()
                    .push(ResolutionEntry {
                        recorded: resolution,
                        by: names.get(&r.id(2)?).cloned().unwrap_or_default(),
                    });
            } else if let Some(e) =
                DoorEvent::from_op(&body, out.lines.get(&stop).map_or(&[][..], Vec::as_slice))
            {
                out.events.entry(stop).or_default().push(e);
            }
        }
    }
    Ok(out)
}

/// The resolutions recorded for the stops of `route`, oldest first: what the courier's phone
/// gets with the route.
pub fn route_resolutions(
    db: &mut dyn Db,
    tenant: Uuid,
    route: Uuid,
) -> Result<Vec<ResolutionEntry>> {
    let rows = db.query(
        "SELECT e.body, u.name FROM events e JOIN stops s ON s.id = e.stop_id
         JOIN devices d ON d.id = e.device_id JOIN users u ON u.id = d.user_id
         WHERE e.tenant_id = $1 AND s.tenant_id = $1 AND s.route_id = $2 AND e.kind = 'resolution'
         ORDER BY e.captured_at, e.id",
        p![tenant, route],
    )?;
    let mut out = vec![];
    for r in &rows {
        if let OpBody::DeliveryResolved { resolution } = parse::<OpBody>("events", &r.text(0)?)? {
            let recorded: ResolutionRecorded = resolution;
            out.push(ResolutionEntry {
                recorded,
                by: r.text(1)?,
            });
        }
    }
    Ok(out)
}
