//! The demo tenant: a dispatcher and three couriers, each with today's 30-stop route in
//! Amsterdam, and a one-time enrolment code per user.

use chrono::Duration;
use doorstep_domain::{demo, Clock};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::{enrolment_code, hash_secret, random_secret, OsEntropy};
use crate::storage::{Role, Storage, User};
use crate::Result;

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
        // Each courier starts the loop of demo places at a different point.
        route.stops.rotate_left(k * 10);
        for (i, s) in route.stops.iter_mut().enumerate() {
            s.position = i as u32 + 1;
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
