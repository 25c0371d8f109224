//! The sync client (DESIGN.md §3, docs/SYNC.md): push the outbox, upload photos, pull routes.
//!
//! One round is [`SyncEngine::sync_once`]; it has no timers and no sleeps, so the app's loop
//! (with [`Backoff`] between failed rounds) and the simulation (with a faulty [`Transport`] and
//! a fake clock) drive the same code. Every failure becomes a [`SyncError`] in plain words and
//! is recorded as the device's `last_error`.

pub mod background;
mod backoff;
mod territory;
pub use territory::PhotoSource;
mod transport;

use doorstep_domain::sync::{
    EnrollRequest, EnrollResponse, ErrorBody, PullRequest, PullResponse, PushRequest, PushResponse,
};
use serde::{Deserialize, Serialize};

pub use background::{LoopEvent, LoopSettings, SyncHandle, SyncLoop};
pub use backoff::{Backoff, Random, SplitMix64};
pub use territory::TerritoryPulled;
pub use transport::{HttpTransport, Method, Request, Response, Transport, TransportError};

use crate::store::Credentials;
use crate::{FieldError, Result, Store};

/// Why a sync round (or an enrolment) did not go through, in words the courier can act on.
/// Those ending in "will retry" clear up by themselves; the others need someone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error("This device is not connected to a planner yet: enrol it with a code from dispatch")]
    NotEnrolled,
    #[error("\"{0}\" is not a planner address: it should start with https:// (or http:// on a test network)")]
    BadAddress(String),
    #[error("Planner unreachable — will retry")]
    Unreachable(String),
    #[error("The planner did not answer in time — will retry")]
    TimedOut,
    #[error("The connection dropped during sync — will retry")]
    Cut(String),
    #[error("This device was revoked: enrol it again")]
    Revoked,
    #[error("The planner refused the enrolment code: {0}")]
    CodeRefused(String),
    #[error("The planner holds other records under the same numbers as this phone (was the phone restored from a copy?): call dispatch")]
    Conflict(String),
    #[error("The planner has {planner} records from this phone but the phone only ever made {device} (was it restored from a copy?): call dispatch")]
    PlannerAhead { planner: u64, device: u64 },
    #[error("The planner is missing earlier records from this phone: call dispatch")]
    Gap(String),
    #[error("The planner had a problem (HTTP {0}) — will retry")]
    PlannerFailed(u16),
    #[error("The planner's answer could not be used ({0}) — will retry")]
    BadAnswer(String),
    #[error("The planner refused: {message}")]
    Refused { status: u16, message: String },
}

impl SyncError {
    /// True when trying again later may succeed without anyone doing anything.
    pub fn will_retry(&self) -> bool {
        matches!(
            self,
            SyncError::Unreachable(_)
                | SyncError::TimedOut
                | SyncError::Cut(_)
                | SyncError::PlannerFailed(_)
                | SyncError::BadAnswer(_)
        )
    }

    /// True when the device must be enrolled (again) before it can sync.
    pub fn needs_enrolment(&self) -> bool {
        matches!(self, SyncError::NotEnrolled | SyncError::Revoked)
    }
}

impl From<TransportError> for SyncError {
    fn from(e: TransportError) -> SyncError {
        match e {
            TransportError::Unreachable(why) => SyncError::Unreachable(why),
            TransportError::TimedOut => SyncError::TimedOut,
            TransportError::Cut(why) => SyncError::Cut(why),
        }
    }
}

impl From<TransportError> for FieldError {
    fn from(e: TransportError) -> FieldError {
        FieldError::Sync(e.into())
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Ops the planner newly acknowledged (and the device trimmed).
    pub ops_acked: u64,
    /// Every op up to this seq is on the planner.
    pub acked_seq: u64,
    pub new_rejections: u32,
    pub photos_uploaded: u32,
    pub photo_bytes_sent: u64,
    /// Photos that could not be sent this round, in plain words; the round still counts.
    pub photo_problems: Vec<String>,
    pub routes_updated: u32,
    pub routes_removed: u32,
    /// The pull asked for the whole scope (first sync, or the checksum did not match).
    pub full_pull: bool,
    /// The device's routes match the planner's scope checksum.
    pub checksum_ok: bool,
    pub cursor: u64,
    /// Ops still waiting after the round.
    pub waiting_ops: u32,
    /// Set when this round detected a restored copy of the database and started this epoch.
    pub new_epoch: Option<u32>,
    /// A sales rep's phone also fetched its territory scope.
    pub territory: Option<territory::TerritoryPulled>,
}

/// The days a sales rep's phone keeps: two weeks of history (the account cards' order
/// history) through the day after tomorrow.
pub const REP_DAYS_BACK: i64 = 14;
pub const REP_DAYS_AHEAD: i64 = 2;

/// The planner holds ops of this epoch that this copy of the database never made.
fn restored_copy(e: &crate::FieldError) -> bool {
    matches!(
        e,
        crate::FieldError::Sync(SyncError::PlannerAhead { .. } | SyncError::Conflict(_))
    )
}

/// The device's enrolment, as shown to the courier (the token stays in the store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Enrolled {
    pub planner_url: String,
    pub user_name: String,
    pub role: String,
    pub tenant_name: String,
}

/// The sync client's settings. `SyncEngine::default()` is what the app uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncEngine {
    /// Ops per push request.
    pub batch_ops: usize,
    /// Photo bytes per PATCH request.
    pub chunk_bytes: usize,
}

impl Default for SyncEngine {
    fn default() -> SyncEngine {
        SyncEngine {
            batch_ops: 200,
            chunk_bytes: 1024 * 1024,
        }
    }
}

/// How a photo upload ended.
enum Upload {
    Done,
    /// The planner's SHA-256 of the whole did not match its name; it dropped the bytes.
    HashMismatch,
}

impl SyncEngine {
    /// One round: push the outbox, upload the photos events name, pull route changes. Records
    /// `last_sync_at` (on success) and `last_error` (plain words, `None` after a clean round).
    /// Safe to repeat at any point: a round cut anywhere loses nothing and applies nothing twice.
    pub fn sync_once(&self, store: &mut Store, transport: &dyn Transport) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        let run = self.run(store, transport, &mut report);
        match run {
            Ok(()) => {
                let mut problems = report.photo_problems.clone();
                if !report.checksum_ok {
                    problems.push(
                        "The routes on this phone differ from the planner's — will check again"
                            .to_owned(),
                    );
                }
                let problem = (!problems.is_empty()).then(|| problems.join("; "));
                store.record_sync_success(problem.as_deref())?;
                report.waiting_ops = store.outbox().len()?;
                Ok(report)
            }
            Err(e) => {
                // The round already failed; a second failure to note it changes nothing.
                let _ = store.record_sync_failure(&e.to_string());
                Err(e)
            }
        }
    }

    fn run(
        &self,
        store: &mut Store,
        transport: &dyn Transport,
        report: &mut SyncReport,
    ) -> Result<()> {
        // A phone restored from an older copy of its database would reuse seq numbers the
        // planner already holds with other content: the planner answers 409 to the push, or an
        // acked_seq beyond anything this copy handed out. Then the device starts a new epoch,
        // renumbers what waits from 1, and goes on (DESIGN.md §3).
        match self.push(store, transport, report) {
            Err(e) if restored_copy(&e) => {
                report.new_epoch = Some(store.begin_new_epoch()?);
                self.push(store, transport, report)?;
            }
            other => other?,
        }
        self.upload_photos(store, transport, report)?;
        match self.pull(store, transport, report) {
            Err(e) if restored_copy(&e) && report.new_epoch.is_none() => {
                report.new_epoch = Some(store.begin_new_epoch()?);
                self.pull(store, transport, report)?;
            }
            other => other?,
        }
        if store.sync_state()?.role.as_deref() == Some("sales_rep") {
            let today = store.clock().today();
            report.territory = Some(self.pull_territory(
                store,
                transport,
                today - chrono::Duration::days(REP_DAYS_BACK),
                today + chrono::Duration::days(REP_DAYS_AHEAD),
            )?);
        }
        Ok(())
    }

    /// Pushes the outbox in batches of `batch_ops`, trimming it to each `acked_seq` (one
    /// transaction per answer, with its rejections). Does not record `last_error`.
    pub fn push(
        &self,
        store: &mut Store,
        transport: &dyn Transport,
        report: &mut SyncReport,
    ) -> Result<()> {
        let creds = credentials(store)?;
        let device = store.device();
        loop {
            let batch = store.outbox().first(self.batch_ops.max(1))?;
            let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
                break;
            };
            let (first, last) = (first.op.seq, last.op.seq);
            let request = PushRequest {
                device_id: device.device_id,
                epoch: device.epoch,
                ops: batch.into_iter().map(|e| e.op).collect(),
            };
            let answer = transport.send(&post_json("/v1/sync/push", &creds.token, &request))?;
            let answer: PushResponse = parse(&expect_success(answer)?)?;
            let applied = store.trim_outbox(answer.acked_seq, last, &answer.rejections)?;
            report.ops_acked += applied.newly_acked;
            report.new_rejections += applied.new_rejections;
            report.acked_seq = report.acked_seq.max(answer.acked_seq);
            if answer.acked_seq < first {
                return Err(SyncError::BadAnswer(format!(
                    "the planner acknowledged none of records {first} to {last}"
                ))
                .into());
            }
        }
        Ok(())
    }

    /// Uploads every photo an event names that the planner does not hold yet, resumably, in
    /// `chunk_bytes` pieces (PATCH); on a 409 it asks how much the planner holds (HEAD).
    /// A photo that fails its hash (on the phone, or as the planner received it) is reported
    /// in `photo_problems` and left for the next round; it never stops the others.
    pub fn upload_photos(
        &self,
        store: &mut Store,
        transport: &dyn Transport,
        report: &mut SyncReport,
    ) -> Result<()> {
        let creds = credentials(store)?;
        for (sha256, _) in store.photos_waiting()? {
            let short = &sha256[..sha256.len().min(8)];
            let path = crate::photos::path_for(store.photo_dir(), &sha256);
            let bytes = match std::fs::read(&path) {
                Ok(bytes) if doorstep_domain::sha256_hex(&bytes) == sha256 => bytes,
                _ => {
                    report.photo_problems.push(format!(
                        "Photo {short} is missing or damaged on this phone and cannot be sent: take it again"
                    ));
                    continue;
                }
            };
            match self.upload(transport, &creds.token, &sha256, &bytes, report)? {
                Upload::Done => {
                    store.mark_uploaded(&sha256)?;
                    report.photos_uploaded += 1;
                }
                Upload::HashMismatch => report.photo_problems.push(format!(
                    "Photo {short} arrived damaged at the planner — it will be sent again"
                )),
            }
        }
        Ok(())
    }

    fn upload(
        &self,
        transport: &dyn Transport,
        token: &str,
        sha256: &str,
        bytes: &[u8],
        report: &mut SyncReport,
    ) -> Result<Upload> {
        let total = bytes.len() as u64;
        let path = format!("/v1/blobs/{sha256}");
        // Optimistic: most photos are new to the planner, so send from 0 without asking first
        // (a round trip per photo saved). A planner that holds some already answers 409 and
        // the upload resumes from what it holds. It may also disagree about its offset later
        // (a PATCH it stored whose answer was lost); ask again, a few times, never forever.
        let mut offset = 0;
        let mut disagreements = 0;
        loop {
            if offset == total {
                return Ok(Upload::Done);
            }
            if offset > total {
                return Err(SyncError::BadAnswer(format!(
                    "the planner says it holds {offset} bytes of a {total}-byte photo"
                ))
                .into());
            }
            let end = (offset + self.chunk_bytes.max(1) as u64).min(total);
            let request = Request::new(Method::Patch, &path)
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/octet-stream")
                .header("upload-offset", offset)
                .header("upload-length", total)
                .body(bytes[offset as usize..end as usize].to_vec());
            let answer = transport.send(&request)?;
            if answer.is_success() {
                report.photo_bytes_sent += end - offset;
                let now = upload_offset(&answer)?;
                if now > offset {
                    offset = now;
                    continue;
                }
            } else if answer.status == 422
                && error_code(&answer).as_deref() == Some("hash_mismatch")
            {
                return Ok(Upload::HashMismatch);
            } else if answer.status != 409 {
                return Err(refusal(&answer).into());
            }
            disagreements += 1;
            if disagreements > 3 {
                return Err(SyncError::BadAnswer(
                    "the planner keeps disagreeing about how much of a photo it holds".into(),
                )
                .into());
            }
            offset = held_offset(transport, token, &path)?;
        }
    }

    /// Pulls route changes from the stored cursor and applies them with the new cursor in one
    /// transaction; when the scope checksum then differs, pulls the whole scope once more
    /// (never wiping unsynced local work). Does not record `last_error`.
    pub fn pull(
        &self,
        store: &mut Store,
        transport: &dyn Transport,
        report: &mut SyncReport,
    ) -> Result<()> {
        let creds = credentials(store)?;
        let cursor = store.pull_cursor()?;
        let answer = fetch(store, transport, &creds, cursor)?;
        // A cursor that went back means the planner's log is not the one we walked.
        if answer.cursor >= cursor {
            let applied = store.apply_pull(&answer, cursor == 0)?;
            report.add(&applied);
            if cursor == 0 || applied.local_checksum == answer.scope_checksum {
                report.finish_pull(&applied, &answer, cursor == 0);
                return Ok(());
            }
        }
        // Start over from the whole scope; unsynced local work stays (see Store::apply_pull).
        store.reset_pull_cursor()?;
        let answer = fetch(store, transport, &creds, 0)?;
        let applied = store.apply_pull(&answer, true)?;
        report.add(&applied);
        report.finish_pull(&applied, &answer, true);
        Ok(())
    }
}

impl SyncReport {
    fn add(&mut self, applied: &crate::store::Applied) {
        self.ops_acked += applied.newly_acked;
        self.new_rejections += applied.new_rejections;
        self.routes_updated += applied.routes_updated;
        self.routes_removed += applied.routes_removed;
    }

    fn finish_pull(&mut self, applied: &crate::store::Applied, answer: &PullResponse, full: bool) {
        self.acked_seq = self.acked_seq.max(answer.acked_seq);
        self.full_pull |= full;
        self.checksum_ok = applied.local_checksum == answer.scope_checksum;
        self.cursor = answer.cursor;
    }
}

/// Enrols this device with the planner at `planner_url` using a one-time `code` from dispatch,
/// and stores the address and the device token. The next sync pulls the whole scope.
pub fn enroll(
    store: &mut Store,
    transport: &dyn Transport,
    planner_url: &str,
    code: &str,
) -> Result<Enrolled> {
    let url = planner_url.trim().trim_end_matches('/');
    let scheme_ok = ["https://", "http://"]
        .iter()
        .any(|s| url.len() > s.len() && url[..s.len()].eq_ignore_ascii_case(s));
    if !scheme_ok {
        return Err(SyncError::BadAddress(planner_url.to_owned()).into());
    }
    let code = code.trim();
    if code.is_empty() {
        return Err(FieldError::Invalid(
            "the enrolment code is empty: ask dispatch for one".into(),
        ));
    }
    let request = EnrollRequest {
        code: code.to_owned(),
        device_id: store.device().device_id,
        device_name: None,
    };
    let body = serde_json::to_vec(&request).expect("wire types always serialize");
    let answer = transport.send(
        &Request::new(Method::Post, "/v1/enroll")
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(body),
    )?;
    if (400..500).contains(&answer.status) {
        let message = error_detail(&answer)
            .map(|d| d.message)
            .unwrap_or_else(|| format!("HTTP {}", answer.status));
        return Err(SyncError::CodeRefused(message).into());
    }
    let answer: EnrollResponse = parse(&expect_success(answer)?)?;
    store.save_enrolment(
        url,
        &answer.token,
        &answer.user_name,
        &answer.tenant_name,
        &answer.role,
    )?;
    Ok(Enrolled {
        planner_url: url.to_owned(),
        user_name: answer.user_name,
        role: answer.role,
        tenant_name: answer.tenant_name,
    })
}

fn credentials(store: &Store) -> Result<Credentials> {
    store
        .credentials()?
        .ok_or_else(|| SyncError::NotEnrolled.into())
}

fn fetch(
    store: &Store,
    transport: &dyn Transport,
    creds: &Credentials,
    cursor: u64,
) -> Result<PullResponse> {
    let device = store.device();
    let request = PullRequest {
        device_id: device.device_id,
        epoch: device.epoch,
        cursor,
    };
    let answer = transport.send(&post_json("/v1/sync/pull", &creds.token, &request))?;
    parse(&expect_success(answer)?)
}

fn post_json<T: Serialize>(path: &str, token: &str, body: &T) -> Request {
    Request::new(Method::Post, path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(serde_json::to_vec(body).expect("wire types always serialize"))
}

/// How many bytes of a photo the planner holds; nothing when it has never heard of it.
fn held_offset(transport: &dyn Transport, token: &str, path: &str) -> Result<u64> {
    let answer = transport.send(
        &Request::new(Method::Head, path).header("authorization", format!("Bearer {token}")),
    )?;
    if answer.status == 404 {
        return Ok(0);
    }
    upload_offset(&expect_success(answer)?)
}

fn upload_offset(answer: &Response) -> Result<u64> {
    answer
        .header("upload-offset")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| SyncError::BadAnswer("no readable Upload-Offset".into()).into())
}

fn expect_success(answer: Response) -> Result<Response, SyncError> {
    if answer.is_success() {
        Ok(answer)
    } else {
        Err(refusal(&answer))
    }
}

fn parse<T: for<'de> Deserialize<'de>>(answer: &Response) -> Result<T> {
    serde_json::from_slice(&answer.body)
        .map_err(|e| SyncError::BadAnswer(format!("unreadable JSON: {e}")).into())
}

fn error_detail(answer: &Response) -> Option<doorstep_domain::sync::ErrorDetail> {
    serde_json::from_slice::<ErrorBody>(&answer.body)
        .ok()
        .map(|b| b.error)
}

fn error_code(answer: &Response) -> Option<String> {
    error_detail(answer).map(|d| d.code)
}

/// A refusal in plain words, from its status and the planner's `{"error": {code, message}}`.
fn refusal(answer: &Response) -> SyncError {
    let detail = error_detail(answer);
    let code = detail.as_ref().map(|d| d.code.as_str()).unwrap_or("");
    let message = detail
        .as_ref()
        .map(|d| d.message.clone())
        .unwrap_or_else(|| format!("HTTP {}", answer.status));
    match (answer.status, code) {
        (401, _) => SyncError::Revoked,
        (409, _) => SyncError::Conflict(message),
        (422, "gap") => SyncError::Gap(message),
        (s, _) if s >= 500 => SyncError::PlannerFailed(s),
        (status, _) => SyncError::Refused { status, message },
    }
}
