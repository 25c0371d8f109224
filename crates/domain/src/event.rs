//! What happens at the doorstep. Events are immutable once saved: a correction is a new event
//! that refers to the one it corrects, so merging events is set union, never a conflict.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::DomainError;
use crate::route::{OrderLine, Stop, StopStatus};
use crate::{is_sha256_hex, PhotoHash};

pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_TEXT_CHARS: usize = 2000;
pub const MAX_PHOTOS_PER_EVENT: usize = 20;
const MAX_SIGNATURE_POINTS: usize = 20_000;

/// A point of a signature stroke, as the signature pad captured it: canvas pixels, `t` in ms.
/// Written compactly as `[x, y, t]` (signatures are the bulk of a proof's bytes); read from
/// either that or `{"x", "y", "t"}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignaturePoint {
    pub x: f64,
    pub y: f64,
    pub t: f64,
}

impl Serialize for SignaturePoint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.x, self.y, self.t).serialize(s)
    }
}

impl<'de> Deserialize<'de> for SignaturePoint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(
            untagged,
            expecting = "a signature point: [x, y, t] or {\"x\", \"y\", \"t\"}"
        )]
        enum Repr {
            Tuple(f64, f64, f64),
            Object { x: f64, y: f64, t: f64 },
        }
        Ok(match Repr::deserialize(d)? {
            Repr::Tuple(x, y, t) | Repr::Object { x, y, t } => SignaturePoint { x, y, t },
        })
    }
}

// Documented as the compact `[x, y, t]` it is written as (its serde impls are hand-written).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for SignaturePoint {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
        let number = |what: &str| {
            ObjectBuilder::new()
                .schema_type(Type::Number)
                .description(Some(what))
        };
        ArrayBuilder::new()
            .description(Some(
                "A point of a signature stroke: [x, y, t], canvas pixels and milliseconds \
                 ({\"x\", \"y\", \"t\"} is read too)",
            ))
            .prefix_items([number("x"), number("y"), number("t")])
            // Three numbers and no more (`maxItems`); not `items: false`, which generators
            // written for OpenAPI 3.0 (openapi-python-client) refuse.
            .items(number("x, y or t"))
            .min_items(Some(3))
            .max_items(Some(3))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for SignaturePoint {}

/// A signature as vector strokes on a canvas of `width` × `height`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signature {
    pub width: u32,
    pub height: u32,
    #[cfg_attr(
        feature = "ts",
        ts(type = "Array<Array<[number, number, number] | { x: number; y: number; t: number }>>")
    )]
    pub strokes: Vec<Vec<SignaturePoint>>,
}

/// A position fix from the phone. A fix at exactly 0,0 is what a stub reports: no fix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GpsFix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShortfallReason {
    Damaged,
    Missing,
    Refused,
    WrongItem,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    NobodyHome,
    Refused,
    AddressProblem,
    NoAccess,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoteCategory {
    DamagedPackaging,
    DamagedGoods,
    MissingItem,
    WrongItem,
    Temperature,
    Other,
}

/// What was handed over on one order line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineOutcome {
    pub line_id: Uuid,
    pub delivered_qty: u32,
    pub shortfall_reason: Option<ShortfallReason>,
    pub note: Option<String>,
}

impl LineOutcome {
    /// The line handed over in full: what a courier's form starts from.
    pub fn in_full(line: &OrderLine) -> LineOutcome {
        LineOutcome {
            line_id: line.id,
            delivered_qty: line.ordered_qty,
            shortfall_reason: None,
            note: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PodOutcome {
    Delivered,
    PartlyDelivered,
}

impl PodOutcome {
    pub fn status(self) -> StopStatus {
        match self {
            PodOutcome::Delivered => StopStatus::Delivered,
            PodOutcome::PartlyDelivered => StopStatus::PartlyDelivered,
        }
    }
}

/// A proof of delivery as the courier enters it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPod {
    pub stop_id: Uuid,
    pub recipient_name: String,
    pub signature: Option<Signature>,
    #[serde(default)]
    /// Photo names (lowercase hex SHA-256 of the bytes), each uploaded to `/v1/blobs/{sha256}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub photos: Vec<PhotoHash>,
    pub gps: Option<GpsFix>,
    pub lines: Vec<LineOutcome>,
    /// The proof of delivery this one corrects, if any.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub corrects: Option<Uuid>,
}

/// A saved proof of delivery. Never changed after it is saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pod {
    pub id: Uuid,
    pub stop_id: Uuid,
    pub recipient_name: String,
    pub signature: Option<Signature>,
    /// Photo names (lowercase hex SHA-256 of the bytes), each uploaded to `/v1/blobs/{sha256}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub photos: Vec<PhotoHash>,
    pub gps: Option<GpsFix>,
    pub lines: Vec<LineOutcome>,
    pub outcome: PodOutcome,
    pub corrects: Option<Uuid>,
    /// The device clock when it was saved: data, never used to order anything.
    pub captured_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewFailedAttempt {
    pub stop_id: Uuid,
    pub reason: FailureReason,
    pub note: Option<String>,
    /// A photo name (lowercase hex SHA-256 of the bytes), uploaded to `/v1/blobs/{sha256}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub photo: Option<PhotoHash>,
    pub gps: Option<GpsFix>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailedAttempt {
    pub id: Uuid,
    pub stop_id: Uuid,
    pub reason: FailureReason,
    pub note: Option<String>,
    /// A photo name (lowercase hex SHA-256 of the bytes), uploaded to `/v1/blobs/{sha256}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub photo: Option<PhotoHash>,
    pub gps: Option<GpsFix>,
    pub captured_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewConditionNote {
    pub stop_id: Uuid,
    pub category: NoteCategory,
    pub text: String,
    #[serde(default)]
    /// Photo names (lowercase hex SHA-256 of the bytes), each uploaded to `/v1/blobs/{sha256}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub photos: Vec<PhotoHash>,
    pub line_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConditionNote {
    pub id: Uuid,
    pub stop_id: Uuid,
    pub category: NoteCategory,
    pub text: String,
    /// Photo names (lowercase hex SHA-256 of the bytes), each uploaded to `/v1/blobs/{sha256}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub photos: Vec<PhotoHash>,
    pub line_id: Option<Uuid>,
    pub captured_at: DateTime<Utc>,
}

/// Trims `s`; `None` when nothing is left.
fn clean_opt(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn check_len(what: &str, s: &str, max: usize) -> Result<(), DomainError> {
    if s.chars().count() > max {
        return Err(DomainError::invalid(format!(
            "{what} is too long (at most {max} characters)"
        )));
    }
    Ok(())
}

fn check_photos(photos: &[PhotoHash]) -> Result<(), DomainError> {
    if photos.len() > MAX_PHOTOS_PER_EVENT {
        return Err(DomainError::invalid(format!(
            "too many photos (at most {MAX_PHOTOS_PER_EVENT})"
        )));
    }
    let mut seen = HashSet::new();
    for p in photos {
        if !is_sha256_hex(p) {
            return Err(DomainError::invalid(format!(
                "\"{p}\" is not a photo name (expected 64 hex digits)"
            )));
        }
        if !seen.insert(p) {
            return Err(DomainError::invalid("the same photo is attached twice"));
        }
    }
    Ok(())
}

impl GpsFix {
    /// Checks a fix; 0,0 becomes "no fix".
    pub fn clean(fix: Option<GpsFix>) -> Result<Option<GpsFix>, DomainError> {
        let Some(fix) = fix else { return Ok(None) };
        if fix.lat == 0.0 && fix.lon == 0.0 {
            return Ok(None);
        }
        let in_range = (-90.0..=90.0).contains(&fix.lat)
            && (-180.0..=180.0).contains(&fix.lon)
            && fix.accuracy_m.is_finite()
            && fix.accuracy_m >= 0.0;
        if !in_range {
            return Err(DomainError::invalid(format!(
                "the GPS fix is not a place on earth ({}, {}, ±{} m)",
                fix.lat, fix.lon, fix.accuracy_m
            )));
        }
        Ok(Some(fix))
    }
}

impl Signature {
    pub fn validate(&self) -> Result<(), DomainError> {
        if !(1..=4000).contains(&self.width) || !(1..=4000).contains(&self.height) {
            return Err(DomainError::invalid("the signature pad size is not valid"));
        }
        let points: usize = self.strokes.iter().map(Vec::len).sum();
        if points == 0 {
            return Err(DomainError::invalid(
                "the signature is empty: ask the recipient to sign",
            ));
        }
        if points > MAX_SIGNATURE_POINTS {
            return Err(DomainError::invalid("the signature has too many points"));
        }
        let finite = self
            .strokes
            .iter()
            .flatten()
            .all(|p| p.x.is_finite() && p.y.is_finite() && p.t.is_finite());
        if !finite {
            return Err(DomainError::invalid(
                "the signature holds points that are not numbers",
            ));
        }
        Ok(())
    }
}

impl NewPod {
    /// Validates against the stop and trims text; returns the cleaned input and its outcome.
    /// Every line of the stop appears exactly once; short lines carry a reason.
    pub fn validate(mut self, stop: &Stop) -> Result<(NewPod, PodOutcome), DomainError> {
        if self.stop_id != stop.id {
            return Err(DomainError::invalid("the proof names a different stop"));
        }
        self.recipient_name = self.recipient_name.trim().to_owned();
        if self.recipient_name.is_empty() {
            return Err(DomainError::invalid(
                "Type the name of the person who took the delivery.",
            ));
        }
        if self.recipient_name.chars().count() > MAX_NAME_CHARS {
            return Err(DomainError::invalid(format!(
                "The name is too long: {MAX_NAME_CHARS} characters at most."
            )));
        }
        if let Some(sig) = &self.signature {
            sig.validate()?;
        }
        check_photos(&self.photos)?;
        if self.signature.is_none() && self.photos.is_empty() {
            return Err(DomainError::invalid(
                "Add a photo or a signature as proof of delivery.",
            ));
        }
        self.gps = GpsFix::clean(self.gps)?;

        let mut seen = HashSet::new();
        let mut short = false;
        for outcome in &mut self.lines {
            let Some(line) = stop.line(outcome.line_id) else {
                return Err(DomainError::invalid(
                    "An item of this proof is not on this stop's order.",
                ));
            };
            if !seen.insert(outcome.line_id) {
                return Err(DomainError::invalid(format!(
                    "“{}” is listed twice.",
                    line.description
                )));
            }
            outcome.note = clean_opt(outcome.note.take());
            if let Some(note) = &outcome.note {
                check_len("a line note", note, MAX_TEXT_CHARS)?;
            }
            if outcome.delivered_qty > line.ordered_qty {
                return Err(DomainError::invalid(format!(
                    "The quantity for “{}” must be between 0 and {}.",
                    line.description, line.ordered_qty
                )));
            }
            let is_short = outcome.delivered_qty < line.ordered_qty;
            match (is_short, outcome.shortfall_reason) {
                (true, None) => {
                    return Err(DomainError::invalid(format!(
                        "Choose why “{}” is short.",
                        line.description
                    )))
                }
                (false, Some(_)) => {
                    return Err(DomainError::invalid(format!(
                        "“{}” is delivered in full, so it needs no reason for a shortfall.",
                        line.description
                    )))
                }
                (true, Some(ShortfallReason::Other)) if outcome.note.is_none() => {
                    return Err(DomainError::invalid(format!(
                        "Add a note saying why “{}” is short.",
                        line.description
                    )))
                }
                _ => {}
            }
            short |= is_short;
        }
        if seen.len() != stop.lines.len() {
            return Err(DomainError::invalid(format!(
                "Every item of the order needs an outcome ({} of {} given).",
                seen.len(),
                stop.lines.len()
            )));
        }
        let outcome = if short {
            PodOutcome::PartlyDelivered
        } else {
            PodOutcome::Delivered
        };
        Ok((self, outcome))
    }

    pub fn into_pod(self, id: Uuid, outcome: PodOutcome, captured_at: DateTime<Utc>) -> Pod {
        Pod {
            id,
            stop_id: self.stop_id,
            recipient_name: self.recipient_name,
            signature: self.signature,
            photos: self.photos,
            gps: self.gps,
            lines: self.lines,
            outcome,
            corrects: self.corrects,
            captured_at,
        }
    }
}

impl NewFailedAttempt {
    pub fn validate(mut self) -> Result<NewFailedAttempt, DomainError> {
        self.note = clean_opt(self.note);
        if let Some(note) = &self.note {
            check_len("the note", note, MAX_TEXT_CHARS)?;
        }
        if self.reason == FailureReason::Other && self.note.is_none() {
            return Err(DomainError::invalid(
                "Add a note saying why the delivery failed.",
            ));
        }
        if let Some(p) = &self.photo {
            check_photos(std::slice::from_ref(p))?;
        }
        self.gps = GpsFix::clean(self.gps)?;
        Ok(self)
    }

    pub fn into_event(self, id: Uuid, captured_at: DateTime<Utc>) -> FailedAttempt {
        FailedAttempt {
            id,
            stop_id: self.stop_id,
            reason: self.reason,
            note: self.note,
            photo: self.photo,
            gps: self.gps,
            captured_at,
        }
    }
}

impl NewConditionNote {
    pub fn validate(mut self, stop: &Stop) -> Result<NewConditionNote, DomainError> {
        self.text = self.text.trim().to_owned();
        check_len("the note", &self.text, MAX_TEXT_CHARS)?;
        check_photos(&self.photos)?;
        if self.text.is_empty() && self.photos.is_empty() {
            return Err(DomainError::invalid(
                "Describe the condition in words or add a photo.",
            ));
        }
        if let Some(line) = self.line_id {
            if stop.line(line).is_none() {
                return Err(DomainError::invalid(
                    "the note names a line that is not part of this stop's order",
                ));
            }
        }
        Ok(self)
    }

    pub fn into_event(self, id: Uuid, captured_at: DateTime<Utc>) -> ConditionNote {
        ConditionNote {
            id,
            stop_id: self.stop_id,
            category: self.category,
            text: self.text,
            photos: self.photos,
            line_id: self.line_id,
            captured_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;
    use crate::{Clock, FakeClock};
    use chrono::TimeZone;

    fn stop() -> Stop {
        let clock = FakeClock::at(Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap());
        let route = demo::amsterdam_route(clock.today(), &clock);
        route
            .stops
            .into_iter()
            .find(|s| s.lines.len() >= 2)
            .unwrap()
    }

    fn sig() -> Signature {
        Signature {
            width: 300,
            height: 150,
            strokes: vec![vec![
                SignaturePoint {
                    x: 1.0,
                    y: 2.0,
                    t: 0.0,
                },
                SignaturePoint {
                    x: 5.0,
                    y: 9.0,
                    t: 16.0,
                },
            ]],
        }
    }

    fn full_pod(stop: &Stop) -> NewPod {
        NewPod {
            stop_id: stop.id,
            recipient_name: "  Ana de Vries ".into(),
            signature: Some(sig()),
            photos: vec![],
            gps: None,
            lines: stop.lines.iter().map(LineOutcome::in_full).collect(),
            corrects: None,
        }
    }

    #[test]
    fn a_full_delivery_is_delivered_and_the_name_is_trimmed() {
        let stop = stop();
        let (pod, outcome) = full_pod(&stop).validate(&stop).unwrap();
        assert_eq!(outcome, PodOutcome::Delivered);
        assert_eq!(pod.recipient_name, "Ana de Vries");
    }

    #[test]
    fn a_short_line_needs_a_reason_and_makes_it_partly_delivered() {
        let stop = stop();
        let mut pod = full_pod(&stop);
        pod.lines[0].delivered_qty -= 1;
        let err = pod.clone().validate(&stop).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("Choose why “{}” is short.", stop.lines[0].description),
            "a short line names the item whose reason is missing"
        );
        pod.lines[0].shortfall_reason = Some(ShortfallReason::Damaged);
        let (_, outcome) = pod.validate(&stop).unwrap();
        assert_eq!(outcome, PodOutcome::PartlyDelivered);
    }

    #[test]
    fn a_proof_needs_a_name_every_line_and_a_signature_or_photo() {
        let stop = stop();
        let mut no_name = full_pod(&stop);
        no_name.recipient_name = "   ".into();
        assert!(no_name.validate(&stop).is_err(), "a blank name is refused");

        let mut missing_line = full_pod(&stop);
        missing_line.lines.pop();
        let err = missing_line.validate(&stop).unwrap_err();
        assert!(
            err.to_string().contains("Every item of the order"),
            "a proof without every line says so: {err}"
        );

        let mut no_proof = full_pod(&stop);
        no_proof.signature = None;
        assert!(no_proof.validate(&stop).is_err(), "name alone is no proof");

        let mut too_many = full_pod(&stop);
        too_many.lines[0].delivered_qty += 1;
        assert!(
            too_many.validate(&stop).is_err(),
            "cannot deliver more than ordered"
        );

        let mut reason_on_full = full_pod(&stop);
        reason_on_full.lines[0].shortfall_reason = Some(ShortfallReason::Missing);
        assert!(reason_on_full.validate(&stop).is_err());
    }

    #[test]
    fn gps_at_zero_zero_is_no_fix_and_nonsense_is_refused() {
        let zero = GpsFix {
            lat: 0.0,
            lon: 0.0,
            accuracy_m: 5.0,
        };
        assert_eq!(GpsFix::clean(Some(zero)), Ok(None));
        let bad = GpsFix {
            lat: 91.0,
            lon: 4.0,
            accuracy_m: 5.0,
        };
        assert!(GpsFix::clean(Some(bad)).is_err());
        let nan = GpsFix {
            lat: 52.0,
            lon: 4.0,
            accuracy_m: f64::NAN,
        };
        assert!(GpsFix::clean(Some(nan)).is_err());
    }

    #[test]
    fn failure_other_needs_a_note() {
        let stop = stop();
        let fail = NewFailedAttempt {
            stop_id: stop.id,
            reason: FailureReason::Other,
            note: Some("  ".into()),
            photo: None,
            gps: None,
        };
        assert!(fail.clone().validate().is_err());
        let ok = NewFailedAttempt {
            note: Some("gate locked".into()),
            ..fail
        };
        assert_eq!(ok.validate().unwrap().note.as_deref(), Some("gate locked"));
    }

    #[test]
    fn a_note_needs_words_or_a_photo_and_a_known_line() {
        let stop = stop();
        let note = NewConditionNote {
            stop_id: stop.id,
            category: NoteCategory::DamagedPackaging,
            text: " ".into(),
            photos: vec![],
            line_id: None,
        };
        assert!(note.clone().validate(&stop).is_err());
        let stray = NewConditionNote {
            text: "box crushed".into(),
            line_id: Some(Uuid::nil()),
            ..note.clone()
        };
        assert!(stray.validate(&stop).is_err());
        let photo_only = NewConditionNote {
            photos: vec!["a".repeat(64)],
            ..note
        };
        assert!(photo_only.validate(&stop).is_ok());
    }

    #[test]
    fn signature_points_are_written_as_triples_and_read_in_both_forms() {
        let p = SignaturePoint {
            x: 1.5,
            y: 2.0,
            t: 16.0,
        };
        assert_eq!(serde_json::to_string(&p).unwrap(), "[1.5,2.0,16.0]");
        let from_object: SignaturePoint =
            serde_json::from_str(r#"{"x":1.5,"y":2,"t":16}"#).unwrap();
        let from_triple: SignaturePoint = serde_json::from_str("[1.5,2,16]").unwrap();
        assert_eq!((from_object, from_triple), (p, p));
        let err = serde_json::from_str::<SignaturePoint>(r#"{"x":1}"#).unwrap_err();
        assert!(err.to_string().contains("a signature point"), "{err}");
    }

    #[test]
    fn photo_names_must_be_sha256() {
        assert!(check_photos(&["xyz".into()]).is_err());
        assert!(check_photos(&["a".repeat(64), "a".repeat(64)]).is_err());
        assert!(check_photos(&["0".repeat(64)]).is_ok());
    }
}
