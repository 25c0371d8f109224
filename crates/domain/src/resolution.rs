//! What a sales rep does about a late or short delivery, from the road: a note, a promised new
//! date and window, a replacement of some lines, or an escalation to dispatch. Each is an
//! immutable event; a second thought is another event.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::MAX_TEXT_CHARS;
use crate::DomainError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Resolution {
    /// What the rep told the store, or learned.
    Note { text: String },
    /// The store was promised a new delivery on `date` between the two times.
    Promise {
        date: NaiveDate,
        /// `HH:MM` or `HH:MM:SS`.
        #[cfg_attr(
            feature = "openapi",
            schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?$")
        )]
        window_start: NaiveTime,
        /// After `window_start`.
        #[cfg_attr(
            feature = "openapi",
            schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?$")
        )]
        window_end: NaiveTime,
        note: Option<String>,
    },
    /// A replacement order for these lines, to be routed by dispatch.
    Replacement {
        lines: Vec<ReplacementLine>,
        note: Option<String>,
    },
    /// Dispatch must look at it.
    Escalate { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplacementLine {
    pub line_id: Uuid,
    pub qty: u32,
}

/// A resolution as recorded: immutable, synced like every other event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolutionRecorded {
    pub id: Uuid,
    pub stop_id: Uuid,
    pub resolution: Resolution,
    /// The phone's clock: data, never used to order anything.
    pub captured_at: DateTime<Utc>,
}

/// A resolution as the planner keeps it, with who recorded it: what reaches the courier's
/// phone with the route, and the rep's phone with the territory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolutionEntry {
    pub recorded: ResolutionRecorded,
    /// The name of the person who recorded it.
    pub by: String,
}

/// The day a promise of a new delivery starts from: the day after today, and after the
/// delivery's own `date` (a delivery planned for later is promised after that day).
pub fn suggested_promise_date(date: NaiveDate, today: NaiveDate) -> NaiveDate {
    date.max(today).succ_opt().unwrap_or(NaiveDate::MAX)
}

/// `empty` is the plain sentence that asks for the missing text.
fn text(empty: &str, s: &str) -> Result<(), DomainError> {
    if s.trim().is_empty() {
        return Err(DomainError::invalid(empty));
    }
    if s.chars().count() > MAX_TEXT_CHARS {
        return Err(DomainError::invalid(format!(
            "The text is too long: {MAX_TEXT_CHARS} characters at most."
        )));
    }
    Ok(())
}

impl Resolution {
    /// Checks it says something usable; `ordered` gives each line of the stop and its
    /// ordered quantity (the planner's form, which knows no descriptions).
    pub fn validate(&self, ordered: &[(Uuid, u32)]) -> Result<(), DomainError> {
        self.check(|id| {
            ordered
                .iter()
                .find(|(l, _)| *l == id)
                .map(|(_, qty)| (*qty, None))
        })
    }

    /// Like [`Resolution::validate`], naming each line by its description in the messages:
    /// what the phone checks against the delivery's order lines.
    pub fn validate_lines(&self, lines: &[crate::OrderLine]) -> Result<(), DomainError> {
        self.check(|id| {
            lines
                .iter()
                .find(|l| l.id == id)
                .map(|l| (l.ordered_qty, Some(l.description.as_str())))
        })
    }

    fn check<'a>(
        &self,
        line: impl Fn(Uuid) -> Option<(u32, Option<&'a str>)>,
    ) -> Result<(), DomainError> {
        let note = |n: &Option<String>| n.as_deref().map_or(Ok(()), |n| text("Write the note.", n));
        match self {
            Resolution::Note { text: t } => text("Write the note.", t),
            Resolution::Promise {
                window_start,
                window_end,
                note: n,
                ..
            } => {
                if window_end <= window_start {
                    return Err(DomainError::invalid(
                        "The new window must end after it starts.",
                    ));
                }
                note(n)
            }
            Resolution::Replacement { lines, note: n } => {
                if lines.is_empty() {
                    return Err(DomainError::invalid("Choose at least one item to replace."));
                }
                for l in lines {
                    let Some((max, name)) = line(l.line_id) else {
                        return Err(DomainError::invalid(format!(
                            "Line {} is not on this delivery.",
                            l.line_id
                        )));
                    };
                    if l.qty == 0 || l.qty > max {
                        let what = name.map_or_else(|| "An item".to_owned(), |n| format!("“{n}”"));
                        return Err(DomainError::invalid(format!(
                            "{what}: a replacement of {} is not between 1 and the {max} ordered.",
                            l.qty
                        )));
                    }
                }
                note(n)
            }
            Resolution::Escalate { reason } => text("Say why dispatch must look at it.", reason),
        }
    }

    /// Plain words for a list, naming lines by `lines` (the delivery's order lines):
    /// "Replacement requested: 2 × Oat milk 1 L".
    pub fn summary(&self, lines: &[crate::OrderLine]) -> String {
        let with_note = |s: String, n: &Option<String>| match n {
            Some(n) => format!("{s} ({n})"),
            None => s,
        };
        match self {
            Resolution::Note { text } => format!("Note: {text}"),
            Resolution::Promise {
                date,
                window_start,
                window_end,
                note,
            } => with_note(
                format!(
                    "Promised a new delivery on {} between {} and {}",
                    date.format("%a %-d %b"),
                    window_start.format("%H:%M"),
                    window_end.format("%H:%M")
                ),
                note,
            ),
            Resolution::Replacement { lines: asked, note } => {
                let named: Vec<String> = asked
                    .iter()
                    .map(|a| {
                        let what = lines
                            .iter()
                            .find(|l| l.id == a.line_id)
                            .map_or("an item no longer on the order", |l| l.description.as_str());
                        format!("{} × {what}", a.qty)
                    })
                    .collect();
                with_note(format!("Replacement requested: {}", named.join(", ")), note)
            }
            Resolution::Escalate { reason } => format!("Escalated to dispatch: {reason}"),
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Resolution::Note { .. } => "note",
            Resolution::Promise { .. } => "promised a new delivery",
            Resolution::Replacement { .. } => "replacement requested",
            Resolution::Escalate { .. } => "escalated to dispatch",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resolution_reads_in_plain_words() {
        let line = crate::OrderLine {
            id: Uuid::from_u128(7),
            sku: "OAT-1L".into(),
            description: "Oat milk 1 L".into(),
            ordered_qty: 12,
            unit: "carton".into(),
            barcode: None,
        };
        let r = Resolution::Replacement {
            lines: vec![ReplacementLine {
                line_id: line.id,
                qty: 2,
            }],
            note: Some("before Friday".into()),
        };
        assert_eq!(
            r.summary(std::slice::from_ref(&line)),
            "Replacement requested: 2 × Oat milk 1 L (before Friday)"
        );
        let p = Resolution::Promise {
            date: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            window_start: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            window_end: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            note: None,
        };
        assert_eq!(
            p.summary(&[]),
            "Promised a new delivery on Thu 26 Nov between 10:00 and 12:00"
        );
    }

    #[test]
    fn a_promise_is_suggested_for_the_day_after_today_or_after_the_delivery() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        assert_eq!(
            suggested_promise_date(d(24), d(25)),
            d(26),
            "yesterday's delivery is promised for tomorrow"
        );
        assert_eq!(
            suggested_promise_date(d(27), d(25)),
            d(28),
            "a delivery planned later is promised the day after it"
        );
    }

    #[test]
    fn replacement_messages_name_the_item_when_the_lines_are_known() {
        let line = crate::OrderLine {
            id: Uuid::from_u128(7),
            sku: "FLR-25".into(),
            description: "Flour 25 kg".into(),
            ordered_qty: 4,
            unit: "bag".into(),
            barcode: None,
        };
        let e = Resolution::Replacement {
            lines: vec![ReplacementLine {
                line_id: line.id,
                qty: 5,
            }],
            note: None,
        }
        .validate_lines(std::slice::from_ref(&line))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "“Flour 25 kg”: a replacement of 5 is not between 1 and the 4 ordered.",
            "the phone names the item the rep typed too many of"
        );
        let e = Resolution::Replacement {
            lines: vec![],
            note: None,
        }
        .validate_lines(std::slice::from_ref(&line))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Choose at least one item to replace.",
            "an empty replacement asks for an item"
        );
    }

    #[test]
    fn resolutions_are_checked_in_plain_words() {
        let line = Uuid::from_u128(7);
        let ordered = [(line, 4)];
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert!(Resolution::Note {
            text: "called the manager".into()
        }
        .validate(&ordered)
        .is_ok());
        let e = Resolution::Note { text: "  ".into() }
            .validate(&ordered)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Write the note.",
            "an empty note asks for the words"
        );
        let e = Resolution::Promise {
            date: day,
            window_start: t(10),
            window_end: t(9),
            note: None,
        }
        .validate(&ordered)
        .unwrap_err();
        assert!(e.to_string().contains("must end after it starts"));
        let ok = Resolution::Replacement {
            lines: vec![ReplacementLine {
                line_id: line,
                qty: 2,
            }],
            note: None,
        };
        assert!(ok.validate(&ordered).is_ok());
        let e = Resolution::Replacement {
            lines: vec![ReplacementLine {
                line_id: line,
                qty: 5,
            }],
            note: None,
        }
        .validate(&ordered)
        .unwrap_err();
        assert!(
            e.to_string().contains("not between 1 and the 4 ordered"),
            "{e}"
        );
        let e = Resolution::Replacement {
            lines: vec![ReplacementLine {
                line_id: Uuid::nil(),
                qty: 1,
            }],
            note: None,
        }
        .validate(&ordered)
        .unwrap_err();
        assert!(
            e.to_string().contains("is not on this delivery"),
            "a line of another delivery is named as such: {e}"
        );
        assert!(Resolution::Escalate {
            reason: String::new()
        }
        .validate(&ordered)
        .is_err());
    }
}
