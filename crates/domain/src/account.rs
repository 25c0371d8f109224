//! B2B accounts as a sales rep sees them: the store, who to call there, when it is served and
//! how much it usually takes; and what happened at its door, in plain words.

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::{LineOutcome, MAX_NAME_CHARS, MAX_TEXT_CHARS};
use crate::route::OrderLine;
use crate::sync::OpBody;
use crate::DomainError;

/// A store account with its service plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: Uuid,
    pub name: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub contacts: Vec<Contact>,
    pub plan: Option<ServicePlan>,
}

/// Somebody at the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 120))]
    pub name: String,
    /// What they do there, e.g. "store manager".
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 120))]
    pub role: Option<String>,
    /// E.164, e.g. "+31205550123".
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^\+[1-9][0-9]{7,14}$"))]
    pub phone: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[^@\s]+@\S*\.\S*$"))]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Day {
    pub fn of(date: chrono::NaiveDate) -> Day {
        use chrono::Datelike;
        [
            Day::Mon,
            Day::Tue,
            Day::Wed,
            Day::Thu,
            Day::Fri,
            Day::Sat,
            Day::Sun,
        ][date.weekday().num_days_from_monday() as usize]
    }
}

/// When the store is served and what it usually takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ServicePlan {
    /// Delivery days of the week.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub days: Vec<Day>,
    /// `HH:MM` or `HH:MM:SS`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?$")
    )]
    pub window_start: NaiveTime,
    /// After `window_start`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?$")
    )]
    pub window_end: NaiveTime,
    /// A usual order.
    #[serde(default)]
    pub typical: Vec<TypicalVolume>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TypicalVolume {
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 120))]
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub qty: u32,
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 120))]
    pub unit: String,
}

fn text(what: &str, s: &str, max: usize) -> Result<(), DomainError> {
    if s.trim().is_empty() {
        return Err(DomainError::invalid(format!("{what} cannot be empty")));
    }
    if s.chars().count() > max {
        return Err(DomainError::invalid(format!(
            "{what} is longer than {max} characters"
        )));
    }
    Ok(())
}

/// True for an E.164 number: "+" then 8 to 15 digits, the first not 0.
pub fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

impl Contact {
    pub fn validate(&self) -> Result<(), DomainError> {
        text("a contact's name", &self.name, MAX_NAME_CHARS)?;
        if let Some(role) = &self.role {
            text("a contact's role", role, MAX_NAME_CHARS)?;
        }
        if let Some(phone) = &self.phone {
            if !is_e164(phone) {
                return Err(DomainError::invalid(format!(
                    "{}'s phone {phone:?} is not an international number like +31205550123",
                    self.name
                )));
            }
        }
        if let Some(email) = &self.email {
            let ok = email.split_once('@').is_some_and(|(a, b)| {
                !a.is_empty() && b.contains('.') && !email.contains(char::is_whitespace)
            });
            if !ok {
                return Err(DomainError::invalid(format!(
                    "{}'s email {email:?} is not an email address",
                    self.name
                )));
            }
        }
        Ok(())
    }
}

impl ServicePlan {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.days.is_empty() {
            return Err(DomainError::invalid(
                "a service plan needs at least one delivery day",
            ));
        }
        if self.window_end <= self.window_start {
            return Err(DomainError::invalid(
                "the service plan's window must end after it starts",
            ));
        }
        for t in &self.typical {
            text(
                "a typical volume's description",
                &t.description,
                MAX_NAME_CHARS,
            )?;
            text("a typical volume's unit", &t.unit, MAX_NAME_CHARS)?;
            if t.qty == 0 {
                return Err(DomainError::invalid(format!(
                    "the typical volume of {} must be at least 1",
                    t.description
                )));
            }
        }
        if let Some(note) = &self.note {
            text("the service plan's note", note, MAX_TEXT_CHARS)?;
        }
        Ok(())
    }

    /// The days in words: "Mon, Wed, Fri".
    pub fn days_label(&self) -> String {
        let mut days = self.days.clone();
        days.sort_unstable();
        days.dedup();
        days.iter()
            .map(|d| match d {
                Day::Mon => "Mon",
                Day::Tue => "Tue",
                Day::Wed => "Wed",
                Day::Thu => "Thu",
                Day::Fri => "Fri",
                Day::Sat => "Sat",
                Day::Sun => "Sun",
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What happened at the door, as a courier recorded it, in a shape a sales rep reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DoorEvent {
    pub id: Uuid,
    /// `pod`, `failed_attempt` or `condition_note`.
    pub kind: String,
    pub captured_at: DateTime<Utc>,
    /// Plain words, e.g. "Delivered to J. Visser, 1 line short".
    pub summary: String,
    /// A POD's lines; empty otherwise.
    pub lines: Vec<LineOutcome>,
    /// SHA-256 of each photo.
    pub photos: Vec<String>,
}

impl DoorEvent {
    /// The door event an op records, if it records one (`lines`: the stop's order lines, to
    /// name a damaged one).
    pub fn from_op(body: &OpBody, lines: &[OrderLine]) -> Option<DoorEvent> {
        match body {
            OpBody::PodRecorded { pod } => {
                let short = pod
                    .lines
                    .iter()
                    .filter(|l| l.shortfall_reason.is_some())
                    .count();
                let mut summary = format!("Delivered to {}", pod.recipient_name);
                match short {
                    0 => {}
                    1 => summary.push_str(", 1 line short"),
                    n => summary.push_str(&format!(", {n} lines short")),
                }
                if pod.corrects.is_some() {
                    summary.push_str(" (a correction)");
                }
                Some(DoorEvent {
                    id: pod.id,
                    kind: "pod".into(),
                    captured_at: pod.captured_at,
                    summary,
                    lines: pod.lines.clone(),
                    photos: pod.photos.clone(),
                })
            }
            OpBody::FailedAttemptRecorded { attempt } => {
                let reason = serde_json::to_value(attempt.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                    .unwrap_or_default();
                let mut summary = format!("Attempt failed: {reason}");
                if let Some(note) = &attempt.note {
                    summary.push_str(&format!(" ({note})"));
                }
                Some(DoorEvent {
                    id: attempt.id,
                    kind: "failed_attempt".into(),
                    captured_at: attempt.captured_at,
                    summary,
                    lines: vec![],
                    photos: attempt.photo.iter().cloned().collect(),
                })
            }
            OpBody::ConditionNoteRecorded { note } => {
                let category = serde_json::to_value(note.category)
                    .ok()
                    .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                    .unwrap_or_default();
                let mut summary = format!("Note, {category}: {}", note.text);
                if let Some(line) = note
                    .line_id
                    .and_then(|id| lines.iter().find(|l| l.id == id))
                {
                    summary.push_str(&format!(" ({})", line.description));
                }
                Some(DoorEvent {
                    id: note.id,
                    kind: "condition_note".into(),
                    captured_at: note.captured_at,
                    summary,
                    lines: vec![],
                    photos: note.photos.clone(),
                })
            }
            OpBody::StopAdvanced { .. } | OpBody::DeliveryResolved { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn accounts_are_checked_in_plain_words() {
        let mut plan = ServicePlan {
            days: vec![Day::Fri, Day::Mon, Day::Wed],
            window_start: t(7),
            window_end: t(10),
            typical: vec![TypicalVolume {
                description: "Oat milk 1 L".into(),
                qty: 24,
                unit: "carton".into(),
            }],
            note: None,
        };
        assert!(plan.validate().is_ok());
        assert_eq!(plan.days_label(), "Mon, Wed, Fri");
        plan.window_end = t(6);
        assert_eq!(
            plan.validate().unwrap_err().to_string(),
            "the service plan's window must end after it starts"
        );
        plan.window_end = t(10);
        plan.days.clear();
        assert!(plan
            .validate()
            .unwrap_err()
            .to_string()
            .contains("delivery day"));

        let mut c = Contact {
            name: "Femke".into(),
            role: Some("store manager".into()),
            phone: Some("+31205550123".into()),
            email: Some("femke@example.nl".into()),
        };
        assert!(c.validate().is_ok());
        c.phone = Some("020 555 0123".into());
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("not an international number"));
        c.phone = None;
        c.email = Some("femke".into());
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("not an email"));
        assert!(!is_e164("+0123456789"));
        assert!(is_e164("+31612345678"));
    }

    #[test]
    fn door_events_read_in_plain_words() {
        use crate::event::{ConditionNote, FailedAttempt, FailureReason, NoteCategory};
        let at = chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap();
        let line = OrderLine {
            id: Uuid::from_u128(3),
            sku: "OAT".into(),
            description: "Oat milk 1 L".into(),
            ordered_qty: 6,
            unit: "carton".into(),
            barcode: None,
        };
        let failed = OpBody::FailedAttemptRecorded {
            attempt: FailedAttempt {
                id: Uuid::from_u128(1),
                stop_id: Uuid::from_u128(2),
                reason: FailureReason::NoAccess,
                note: Some("gate locked".into()),
                photo: Some("ab".repeat(32)),
                gps: None,
                captured_at: at,
            },
        };
        let e = DoorEvent::from_op(&failed, &[]).unwrap();
        assert_eq!(
            (e.kind.as_str(), e.summary.as_str()),
            ("failed_attempt", "Attempt failed: no access (gate locked)")
        );
        assert_eq!(e.photos, vec!["ab".repeat(32)]);
        let note = OpBody::ConditionNoteRecorded {
            note: ConditionNote {
                id: Uuid::from_u128(4),
                stop_id: Uuid::from_u128(2),
                category: NoteCategory::DamagedGoods,
                text: "crate crushed".into(),
                photos: vec![],
                line_id: Some(line.id),
                captured_at: at,
            },
        };
        assert_eq!(
            DoorEvent::from_op(&note, std::slice::from_ref(&line))
                .unwrap()
                .summary,
            "Note, damaged goods: crate crushed (Oat milk 1 L)"
        );
        let advanced = OpBody::StopAdvanced {
            stop_id: Uuid::from_u128(2),
            status: crate::StopStatus::EnRoute,
            at,
        };
        assert!(DoorEvent::from_op(&advanced, &[]).is_none());
    }

    #[test]
    fn a_day_is_named_for_its_date() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(Day::of(d), Day::Wed);
    }
}
