//! A sales rep's sync: the whole territory scope for some days, cached in one transaction.
//! Routes and territories that left the scope leave the phone in the same transaction.

use chrono::NaiveDate;
use doorstep_domain::sync::TerritoryScope;

use super::{credentials, expect_success, parse, Method, Request, SyncEngine, Transport};
use crate::store::territory::RepStop;
use crate::{Result, Store};

/// What a territory round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TerritoryPulled {
    pub territories: usize,
    pub stops: usize,
    /// Bytes of the answer as it arrived (compressed, when the transport asked for gzip).
    pub answer_bytes: usize,
    /// The planner said the phone's cache is current (304): nothing was applied.
    pub unchanged: bool,
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
        let days = format!("{from}..{to}");
        let mut request = Request::new(
            Method::Get,
            format!("/v1/sync/territory?from={from}&to={to}"),
        )
        .header("authorization", format!("Bearer {}", creds.token))
        .header("accept", "application/json");
        if let Some(etag) = store.territory_etag(&days)? {
            request = request.header("if-none-match", etag);
        }
        let answer = transport.send(&request)?;
        if answer.status == 304 {
            return Ok(TerritoryPulled {
                unchanged: true,
                ..TerritoryPulled::default()
            });
        }
        let answer_bytes = answer.body.len();
        let etag = answer.header("etag").map(str::to_owned);
        let scope: TerritoryScope = parse(&expect_success(answer)?)?;
        let stops: Vec<RepStop> = scope.stops.iter().map(RepStop::from).collect();
        let applied = store.territory().replace_with_accounts(
            &scope.territories,
            &stops,
            &scope.accounts,
            from,
            to,
        )?;
        // Only after the scope is saved: a crash in between costs one more full answer.
        store.set_territory_etag(&days, etag.as_deref())?;
        Ok(TerritoryPulled {
            territories: applied.territories,
            stops: applied.stops,
            answer_bytes,
            unchanged: false,
        })
    }
}

/// Where a photo comes from: the phone, or the planner with this device's token.
pub enum PhotoSource {
    OnPhone(Vec<u8>),
    Planner { token: String },
}

impl SyncEngine {
    /// Looks for a photo on the phone; when it is not there, what fetching it needs. The app
    /// fetches without holding the store, then [`keep_photo`](Self::keep_photo)s it.
    pub fn photo_source(&self, store: &mut Store, sha256: &str) -> Result<PhotoSource> {
        if let Some(bytes) = store.photos().read(sha256)? {
            return Ok(PhotoSource::OnPhone(bytes));
        }
        Ok(PhotoSource::Planner {
            token: credentials(store)?.token,
        })
    }

    /// Fetches a photo from the planner (no store involved).
    pub fn fetch_photo(
        &self,
        transport: &dyn Transport,
        token: &str,
        sha256: &str,
    ) -> Result<Vec<u8>> {
        let answer = transport.send(
            &Request::new(Method::Get, format!("/v1/blobs/{sha256}"))
                .header("authorization", format!("Bearer {token}")),
        )?;
        Ok(expect_success(answer)?.body)
    }

    /// Keeps a fetched photo, checked against its name.
    pub fn keep_photo(&self, store: &mut Store, sha256: &str, bytes: &[u8]) -> Result<()> {
        store.photos().keep_downloaded(sha256, bytes)
    }

    /// A photo of a delivery the rep looks at: from the phone when it holds it, else fetched
    /// from the planner once (checked against its name) and kept.
    pub fn photo(
        &self,
        store: &mut Store,
        transport: &dyn Transport,
        sha256: &str,
    ) -> Result<Vec<u8>> {
        match self.photo_source(store, sha256)? {
            PhotoSource::OnPhone(bytes) => Ok(bytes),
            PhotoSource::Planner { token } => {
                let bytes = self.fetch_photo(transport, &token, sha256)?;
                self.keep_photo(store, sha256, &bytes)?;
                Ok(bytes)
            }
        }
    }
}
