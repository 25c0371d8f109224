//! Who is calling, as axum extractors: a handler that takes [`Dispatcher`] can only be called
//! by dispatch, one that takes [`Caller`] by anyone with a valid token. The token is read and
//! checked before the body, so a refused caller's request is never parsed.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::AppState;
use crate::auth::hash_secret;
use crate::storage::{Principal, Role};
use crate::PlannerError;

/// Anyone with a valid token: an enrolled device, or a user's token (dispatch).
pub struct Caller(pub Principal);

/// The caller, who must be dispatch (or an admin).
pub struct Dispatcher(pub Principal);

/// The caller, who must be a sales rep (their phone).
pub struct SalesRep(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = PlannerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                PlannerError::Unauthorized(
                    "sign in: this call needs an Authorization: Bearer token".into(),
                )
            })?
            .to_owned();
        let who = state
            .store(move |s| s.principal(&hash_secret(&token)))
            .await?
            .ok_or_else(|| {
                PlannerError::Unauthorized("this token is unknown or was revoked".into())
            })?;
        Ok(Caller(who))
    }
}

/// An extractor for callers of some roles: `$name(principal)`, or 403 with `$refusal`.
macro_rules! role_extractor {
    ($name:ident, $roles:pat, $refusal:literal) => {
        impl FromRequestParts<AppState> for $name {
            type Rejection = PlannerError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Self::Rejection> {
                let Caller(who) = Caller::from_request_parts(parts, state).await?;
                match who.role {
                    $roles => Ok($name(who)),
                    _ => Err(PlannerError::Forbidden($refusal.into())),
                }
            }
        }
    };
}

role_extractor!(
    Dispatcher,
    Role::Dispatcher | Role::Admin,
    "only dispatch can do this"
);
role_extractor!(
    SalesRep,
    Role::SalesRep,
    "a territory's deliveries are synced to sales reps"
);
