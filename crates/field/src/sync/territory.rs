//! A sales rep's sync: the whole territory scope for some days, cached in one transaction.
//! Routes and territories that left the scope leave the phone in the same transaction.

use chrono::NaiveDate;
use doorstep_domain::sync::TerritoryScope;

use super::{credentials, expect_success, parse, Method, Request, SyncEngine, Transport};
use crate::store::territory::RepStop;
use crate::{Result, Store};

/// What a territory round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TerritoryPulled {
    pub territories: usize,
    pub stops: usize,
    /// Bytes of the answer as it arrived (compressed, when the transport asked for gzip).
    pub answer_bytes: usize,
}

impl SyncEngine {
    /// Fetches the rep's scope for `from..=to` and caches it: territories, and every stop of
    /// the routes through them (lateness needs the whole route). Stops are written in
    /// one transaction with the territories.
    pub fn pull_territory(
        &self,
        store: &mut Store,
        transport: &dyn Transport,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<TerritoryPulled> {
        let creds = credentials(store)?;
        let answer = transport.send(
            &Request::new(
                Method::Get,
                format!("/v1/sync/territory?from={from}&to={to}"),
            )
            .header("authorization", format!("Bearer {}", creds.token))
            .header("accept", "application/json"),
        )?;
        let answer_bytes = answer.body.len();
        let scope: TerritoryScope = parse(&expect_success(answer)?)?;
        let stops: Vec<RepStop> = scope.stops.iter().map(RepStop::from).collect();
        let applied = store
            .territory()
            .replace(&scope.territories, &stops, from, to)?;
        Ok(TerritoryPulled {
            territories: applied.territories,
            stops: applied.stops,
            answer_bytes,
        })
    }
}
