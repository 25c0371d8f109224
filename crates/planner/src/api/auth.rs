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

impl FromRequestParts<AppState> for Dispatcher {
    type Rejection = PlannerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Caller(who) = Caller::from_request_parts(parts, state).await?;
        match who.role {
            Role::Dispatcher | Role::Admin => Ok(Dispatcher(who)),
            _ => Err(PlannerError::Forbidden("only dispatch can do this".into())),
        }
    }
}

impl FromRequestParts<AppState> for SalesRep {
    type Rejection = PlannerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Caller(who) = Caller::from_request_parts(parts, state).await?;
        match who.role {
            Role::SalesRep => Ok(SalesRep(who)),
            _ => Err(PlannerError::Forbidden(
                "a territory's deliveries are synced to sales reps".into(),
            )),
        }
    }
}
