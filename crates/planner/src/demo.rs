//! The demo tenant: a dispatcher and three couriers, each with today's 30-stop route in
//! Amsterdam, and a one-time enrolment code per user; with [`seed_sales`], two sales reps and
//! their territories.

use chrono::Duration;
use doorstep_domain::sync::{Op, OpBody, PushRequest};
use doorstep_domain::territory::Area;
use doorstep_domain::{demo, sha256_hex, Clock, LineOutcome, NoteCategory, PodOutcome};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::{enrolment_code, hash_secret, random_secret, OsEntropy};
use crate::storage::{NewTerritory, Role, Storage, User};
use crate::{PlannerError, Result};

#[derive(Debug, Serialize)]
pub struct DemoUser {
    pub role: String,
    pub name: String,
    pub user_id: Uuid,
    pub enrolment_code: String,
    pub route_id: Option<Uuid>,
}

#[derive(Debug, Serialize)]
pub struct Demo {
    pub tenant_id: Uuid,
    pub users: Vec<DemoUser>,
    pub dispatcher_token: String,
}

pub fn seed(storage: &dyn Storage, clock: &dyn Clock) -> Result<Demo> {
    let tenant = clock.new_id();
    storage.create_tenant(tenant, "Doorstep Demo Amsterdam")?;
    let now = clock.now();
    let expires = now + Duration::days(7);
    let mut users = vec![];

    let dispatcher = User {
        id: clock.new_id(),
        name: "Dana Dispatch".into(),
        role: Role::Dispatcher,
    };
    storage.create_user(tenant, &dispatcher)?;
    let dispatcher_token = random_secret(&OsEntropy, 32)?;
    storage.add_user_token(tenant, dispatcher.id, &hash_secret(&dispatcher_token), now)?;
    let code = enrolment_code(&OsEntropy)?;
    storage.add_enrolment_code(tenant, dispatcher.id, &hash_secret(&code), expires)?;
    users.push(DemoUser {
        role: "dispatcher".into(),
        name: dispatcher.name,
        user_id: dispatcher.id,
        enrolment_code: code,
        route_id: None,
    });

    for (k, name) in ["Sam Courier", "Noor Courier", "Kees Courier"]
        .into_iter()
        .enumerate()
    {
        let courier = User {
            id: clock.new_id(),
            name: name.into(),
            role: Role::Courier,
        };
        storage.create_user(tenant, &courier)?;
        let mut route = demo::amsterdam_route(clock.today(), clock);
        route.courier_name = name.into();
        // Each courier starts the loop of demo places at a different point; the windows
        // follow the new order, so each route can be driven on time.
        route.stops.rotate_left(k * 10);
        for (i, s) in route.stops.iter_mut().enumerate() {
            s.position = i as u32 + 1;
            (s.window_start, s.window_end) = demo::window(i, s.customer_kind);
        }
        storage.save_route(tenant, &route, Some(courier.id))?;
        let code = enrolment_code(&OsEntropy)?;
        storage.add_enrolment_code(tenant, courier.id, &hash_secret(&code), expires)?;
        users.push(DemoUser {
            role: "courier".into(),
            name: name.into(),
            user_id: courier.id,
            enrolment_code: code,
            route_id: Some(route.id),
        });
    }
    Ok(Demo {
        tenant_id: tenant,
        users,
        dispatcher_token,
    })
}

/// The sales side of the demo: two sales reps, each with a territory over part of the demo
/// city, and a few of Kees's deliveries there already gone wrong (a failed attempt, a short
/// delivery, damaged goods), so a rep who enrols sees late and incomplete deliveries at once.
/// Kept apart from [`seed`], whose routes the tests start from untouched.
pub fn seed_sales(storage: &dyn Storage, clock: &dyn Clock, demo: &mut Demo) -> Result<()> {
    let tenant = demo.tenant_id;
    let expires = clock.now() + Duration::days(7);
    let areas = [
        (
            "Rosa Sales",
            "Jordaan & Oud-West",
            serde_json::json!({"type": "Polygon", "coordinates": [[
                [4.855, 52.385], [4.892, 52.385], [4.890, 52.370], [4.884, 52.358],
                [4.872, 52.350], [4.855, 52.355], [4.855, 52.385]]]}),
        ),
        (
            "Tom Sales",
            "Oost & De Pijp",
            serde_json::json!({"type": "Polygon", "coordinates": [[
                [4.896, 52.372], [4.945, 52.372], [4.945, 52.350], [4.905, 52.345],
                [4.886, 52.350], [4.893, 52.360], [4.896, 52.372]]]}),
        ),
    ];
    let mut territories = vec![];
    for (name, territory, polygon) in areas {
        let rep = User {
            id: clock.new_id(),
            name: name.into(),
            role: Role::SalesRep,
        };
        storage.create_user(tenant, &rep)?;
        let code = enrolment_code(&OsEntropy)?;
        storage.add_enrolment_code(tenant, rep.id, &hash_secret(&code), expires)?;
        territories.push(NewTerritory {
            id: clock.new_id(),
            name: territory.into(),
            area: Area::from_geojson(&polygon)
                .map_err(|e| PlannerError::Internal(e.to_string()))?,
            rep_id: Some(rep.id),
        });
        demo.users.push(DemoUser {
            role: "sales_rep".into(),
            name: name.into(),
            user_id: rep.id,
            enrolment_code: code,
            route_id: None,
        });
    }
    storage.save_territories(tenant, &territories)?;

    // What already happened on Kees's round this morning, sent as his phone would.
    let kees = demo
        .users
        .iter()
        .find(|u| u.name == "Kees Courier")
        .ok_or_else(|| PlannerError::Internal("the demo has no Kees".into()))?;
    let route = storage.route_report(tenant, kees.route_id.expect("couriers have routes"))?;
    let stop = |address: &str| {
        route
            .route
            .stops
            .iter()
            .find(|s| s.address.starts_with(address))
            .cloned()
            .ok_or_else(|| PlannerError::Internal(format!("no demo stop at {address}")))
    };
    let device_code = enrolment_code(&OsEntropy)?;
    storage.add_enrolment_code(tenant, kees.user_id, &hash_secret(&device_code), expires)?;
    let (phone, _) = storage.enroll(
        &hash_secret(&device_code),
        clock.new_id(),
        Some("Kees's earlier phone"),
        &hash_secret(&random_secret(&OsEntropy, 32)?),
        clock.now(),
    )?;
    let now = clock.now();
    // Yesterday Kees drove the same loop, every B2B store served, one of them short: the
    // order history the account cards show.
    let mut yesterday = demo::amsterdam_route(clock.today() - Duration::days(1), clock);
    yesterday.courier_name = "Kees Courier".into();
    yesterday.stops.rotate_left(20);
    for (i, s) in yesterday.stops.iter_mut().enumerate() {
        s.position = i as u32 + 1;
        (s.window_start, s.window_end) = demo::window(i, s.customer_kind);
    }
    storage.save_route(tenant, &yesterday, Some(kees.user_id))?;
    let failed = stop("Rozengracht 251")?;
    let short = stop("Prinsengracht 520")?;
    let damaged = stop("Albert Cuypstraat 163")?;
    let signature = Some(doorstep_domain::Signature {
        width: 300,
        height: 100,
        strokes: vec![vec![
            doorstep_domain::SignaturePoint {
                x: 20.0,
                y: 60.0,
                t: 0.0,
            },
            doorstep_domain::SignaturePoint {
                x: 120.0,
                y: 30.0,
                t: 120.0,
            },
            doorstep_domain::SignaturePoint {
                x: 260.0,
                y: 70.0,
                t: 260.0,
            },
        ]],
    });
    let mut short_lines: Vec<LineOutcome> = short.lines.iter().map(LineOutcome::in_full).collect();
    if let Some(first) = short_lines.first_mut() {
        first.delivered_qty = first.delivered_qty.saturating_sub(2);
        first.shortfall_reason = Some(doorstep_domain::ShortfallReason::Missing);
        first.note = Some("two cases missing from the pallet".into());
    }
    let bodies = vec![
        OpBody::FailedAttemptRecorded {
            attempt: doorstep_domain::FailedAttempt {
                id: clock.new_id(),
                stop_id: failed.id,
                reason: doorstep_domain::FailureReason::NoAccess,
                note: Some("kitchen closed, nobody answered the phone".into()),
                photo: None,
                gps: None,
                captured_at: now,
            },
        },
        OpBody::PodRecorded {
            pod: doorstep_domain::Pod {
                id: clock.new_id(),
                stop_id: short.id,
                recipient_name: short
                    .contact_name
                    .clone()
                    .unwrap_or_else(|| "Duty manager".into()),
                signature: signature.clone(),
                photos: vec![],
                gps: None,
                lines: short_lines,
                outcome: PodOutcome::PartlyDelivered,
                corrects: None,
                captured_at: now,
            },
        },
        OpBody::PodRecorded {
            pod: doorstep_domain::Pod {
                id: clock.new_id(),
                stop_id: damaged.id,
                recipient_name: damaged
                    .contact_name
                    .clone()
                    .unwrap_or_else(|| "Shop owner".into()),
                signature,
                photos: vec![],
                gps: None,
                lines: damaged.lines.iter().map(LineOutcome::in_full).collect(),
                outcome: PodOutcome::Delivered,
                corrects: None,
                captured_at: now,
            },
        },
        OpBody::ConditionNoteRecorded {
            note: doorstep_domain::ConditionNote {
                id: clock.new_id(),
                stop_id: damaged.id,
                category: NoteCategory::DamagedGoods,
                text: "one crate crushed, bottles broken".into(),
                photos: vec![],
                line_id: None,
                captured_at: now,
            },
        },
    ];
    let mut bodies = bodies;
    for (k, s) in yesterday
        .stops
        .iter()
        .filter(|s| s.customer_kind == doorstep_domain::CustomerKind::B2b)
        .enumerate()
    {
        let mut lines: Vec<LineOutcome> = s.lines.iter().map(LineOutcome::in_full).collect();
        let short = k == 1;
        if short {
            if let Some(l) = lines.last_mut() {
                l.delivered_qty = l.delivered_qty.saturating_sub(1);
                l.shortfall_reason = Some(doorstep_domain::ShortfallReason::Damaged);
                l.note = Some("one case refused, dented".into());
            }
        }
        let at = now - Duration::days(1) + Duration::minutes(20 * k as i64);
        bodies.push(OpBody::PodRecorded {
            pod: doorstep_domain::Pod {
                id: clock.new_id(),
                stop_id: s.id,
                recipient_name: s
                    .contact_name
                    .clone()
                    .unwrap_or_else(|| "Duty manager".into()),
                signature: None,
                photos: vec![],
                gps: None,
                lines,
                outcome: if short {
                    PodOutcome::PartlyDelivered
                } else {
                    PodOutcome::Delivered
                },
                corrects: None,
                captured_at: at,
            },
        });
    }
    let device = phone.device_id.expect("an enrolled device");
    let ops = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| Op {
            device_id: device,
            epoch: 1,
            seq: i as u64 + 1,
            sha256: sha256_hex(&serde_json::to_vec(&body).expect("ops serialize")),
            body,
        })
        .collect();
    let answer = storage.push(
        &phone,
        &PushRequest {
            device_id: device,
            epoch: 1,
            ops,
        },
        now,
    )?;
    if !answer.rejections.is_empty() {
        return Err(PlannerError::Internal(format!(
            "the demo's morning was refused: {:?}",
            answer.rejections
        )));
    }
    seed_accounts(storage, clock, tenant)
}

/// Every B2B place of the demo city as an account: its manager and an orders desk to call,
/// delivery days, its window and what it usually takes. Saving them ties the demo's stops
/// (today's and yesterday's) to their account.
fn seed_accounts(storage: &dyn Storage, clock: &dyn Clock, tenant: Uuid) -> Result<()> {
    use doorstep_domain::account::{Contact, Day, ServicePlan, TypicalVolume};
    let route = demo::amsterdam_route(clock.today(), clock);
    let week = [Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri, Day::Sat];
    let mut accounts = vec![];
    for (i, s) in route.stops.iter().enumerate() {
        if s.customer_kind != doorstep_domain::CustomerKind::B2b {
            continue;
        }
        let slug: String = s
            .customer_name
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let mut contacts = vec![];
        if let Some(name) = &s.contact_name {
            contacts.push(Contact {
                name: name.clone(),
                role: Some("store manager".into()),
                phone: s.contact_phone.clone(),
                email: None,
            });
        }
        contacts.push(Contact {
            name: "Orders desk".into(),
            role: Some("purchasing".into()),
            phone: Some(format!("+3120555{:04}", 1000 + i)),
            email: Some(format!("orders@{slug}.example")),
        });
        let (window_start, window_end) = demo::window(i, s.customer_kind);
        accounts.push(crate::storage::NewAccount {
            reference: format!("DEMO-{:03}", i + 1),
            name: s.customer_name.clone(),
            address: s.address.clone(),
            lat: s.lat,
            lon: s.lon,
            contacts,
            plan: Some(ServicePlan {
                days: week.iter().copied().skip(i % 2).step_by(2).collect(),
                window_start,
                window_end,
                typical: s
                    .lines
                    .iter()
                    .map(|l| TypicalVolume {
                        description: l.description.clone(),
                        qty: l.ordered_qty,
                        unit: l.unit.clone(),
                    })
                    .collect(),
                note: (i % 3 == 0).then(|| "Goods in through the side door".to_owned()),
            }),
        });
    }
    let list = crate::storage::AccountsImport { accounts };
    let ids: Vec<Uuid> = list.accounts.iter().map(|_| clock.new_id()).collect();
    storage.save_accounts(tenant, &list, &ids)?;
    Ok(())
}
