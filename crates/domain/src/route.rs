//! Routes as dispatch plans them: ordered stops, each with its order lines.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::DomainError;

/// One courier's day: stops in the order they will be driven.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Route {
    pub id: Uuid,
    pub date: NaiveDate,
    pub courier_name: String,
    pub stops: Vec<Stop>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    /// A business account (a store, a restaurant).
    B2b,
    /// A consumer at home.
    B2c,
}

/// One address to visit, with what to hand over there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stop {
    pub id: Uuid,
    /// 1-based order on the route.
    pub position: u32,
    pub customer_name: String,
    pub customer_kind: CustomerKind,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub contact_name: Option<String>,
    /// E.164, e.g. "+31205550123".
    pub contact_phone: Option<String>,
    pub window_start: NaiveTime,
    pub window_end: NaiveTime,
    pub instructions: Option<String>,
    pub status: StopStatus,
    pub lines: Vec<OrderLine>,
}

/// What was ordered: one product, a whole number of units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    pub id: Uuid,
    pub sku: String,
    pub description: String,
    pub ordered_qty: u32,
    pub unit: String,
    pub barcode: Option<String>,
}

impl Route {
    /// Checks what a planner or an import hands the device before it is stored.
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.courier_name.trim().is_empty() {
            return Err(DomainError::invalid("the route has no courier name"));
        }
        let mut positions: Vec<u32> = self.stops.iter().map(|s| s.position).collect();
        positions.sort_unstable();
        if positions
            .iter()
            .enumerate()
            .any(|(i, p)| *p as usize != i + 1)
        {
            return Err(DomainError::invalid(
                "stop positions must run 1, 2, 3… without gaps or repeats",
            ));
        }
        for stop in &self.stops {
            stop.validate()?;
        }
        Ok(())
    }
}

impl Stop {
    pub fn validate(&self) -> Result<(), DomainError> {
        let at = format!("stop {}", self.position);
        if self.customer_name.trim().is_empty() || self.address.trim().is_empty() {
            return Err(DomainError::invalid(format!(
                "{at} needs a customer name and an address"
            )));
        }
        if !(-90.0..=90.0).contains(&self.lat) || !(-180.0..=180.0).contains(&self.lon) {
            return Err(DomainError::invalid(format!(
                "{at} has a location outside the map ({}, {})",
                self.lat, self.lon
            )));
        }
        if self.window_end <= self.window_start {
            return Err(DomainError::invalid(format!(
                "{at}: the time window must end after it starts"
            )));
        }
        if self.lines.is_empty() {
            return Err(DomainError::invalid(format!("{at} has no order lines")));
        }
        for line in &self.lines {
            if line.ordered_qty == 0 {
                return Err(DomainError::invalid(format!(
                    "{at}: line {} orders nothing",
                    line.sku
                )));
            }
        }
        Ok(())
    }

    pub fn line(&self, id: Uuid) -> Option<&OrderLine> {
        self.lines.iter().find(|l| l.id == id)
    }
}

/// Where a stop is in its life. The courier's status only moves forward within one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StopStatus {
    Pending,
    EnRoute,
    Arrived,
    Delivered,
    PartlyDelivered,
    Failed,
}

impl StopStatus {
    pub const ALL: [StopStatus; 6] = [
        StopStatus::Pending,
        StopStatus::EnRoute,
        StopStatus::Arrived,
        StopStatus::Delivered,
        StopStatus::PartlyDelivered,
        StopStatus::Failed,
    ];

    /// How far along a stop is: pending 0 → en route 1 → arrived 2 → any final outcome 3.
    pub fn step(self) -> u8 {
        match self {
            StopStatus::Pending => 0,
            StopStatus::EnRoute => 1,
            StopStatus::Arrived => 2,
            StopStatus::Delivered | StopStatus::PartlyDelivered | StopStatus::Failed => 3,
        }
    }

    /// Delivered, partly delivered and failed end an attempt.
    pub fn is_final(self) -> bool {
        self.step() == 3
    }

    /// The move from `self` to `to`, if it goes forward: pending → en route → arrived →
    /// delivered | partly delivered | failed. Steps may be skipped (a courier may deliver
    /// without tapping "arrived"); nothing moves back and nothing leaves a final status.
    pub fn advance(self, to: StopStatus) -> Result<StopStatus, DomainError> {
        if self.is_final() || to.step() <= self.step() {
            return Err(DomainError::IllegalStatus { from: self, to });
        }
        Ok(to)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StopStatus::Pending => "pending",
            StopStatus::EnRoute => "en_route",
            StopStatus::Arrived => "arrived",
            StopStatus::Delivered => "delivered",
            StopStatus::PartlyDelivered => "partly_delivered",
            StopStatus::Failed => "failed",
        }
    }

    /// Plain words for messages.
    pub fn label(self) -> &'static str {
        match self {
            StopStatus::Pending => "to do",
            StopStatus::EnRoute => "on the way",
            StopStatus::Arrived => "arrived",
            StopStatus::Delivered => "delivered",
            StopStatus::PartlyDelivered => "partly delivered",
            StopStatus::Failed => "failed",
        }
    }
}

/// What the courier may still do at a stop: the one rule the engine enforces and the stop
/// screen shows (the UI never works it out for itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StopActions {
    /// A proof of delivery may be recorded.
    pub deliver: bool,
    /// A failed attempt may be recorded.
    pub fail: bool,
    /// A condition note may be recorded.
    pub note: bool,
    /// The next step forward ("on the way", then "arrived"); `None` once arrived or closed.
    /// The engine also accepts skipping a step.
    pub advance_to: Option<StopStatus>,
    /// Finished or cancelled: the stop is shown greyed out.
    pub closed: bool,
    /// Why delivering and failing are refused, as a plain sentence; `None` while allowed.
    pub why_not: Option<String>,
}

/// Why nothing more is recorded on a stop dispatch cancelled.
pub const CANCELLED_WHY: &str = "Dispatch cancelled this stop.";
/// Why a finished stop takes no second proof or failed attempt.
pub const FINISHED_WHY: &str = "This stop is finished.";

impl StopActions {
    /// The actions a stop at `status` allows, `cancelled` by dispatch or not. A cancelled stop
    /// takes nothing more; a finished one only condition notes.
    pub fn of(status: StopStatus, cancelled: bool) -> StopActions {
        if cancelled {
            return StopActions {
                deliver: false,
                fail: false,
                note: false,
                advance_to: None,
                closed: true,
                why_not: Some(CANCELLED_WHY.into()),
            };
        }
        if status.is_final() {
            return StopActions {
                deliver: false,
                fail: false,
                note: true,
                advance_to: None,
                closed: true,
                why_not: Some(FINISHED_WHY.into()),
            };
        }
        StopActions {
            deliver: true,
            fail: true,
            note: true,
            advance_to: match status {
                StopStatus::Pending => Some(StopStatus::EnRoute),
                StopStatus::EnRoute => Some(StopStatus::Arrived),
                _ => None,
            },
            closed: false,
            why_not: None,
        }
    }
}

impl fmt::Display for StopStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StopStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StopStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| DomainError::invalid(format!("unknown stop status \"{s}\"")))
    }
}

impl CustomerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerKind::B2b => "b2b",
            CustomerKind::B2c => "b2c",
        }
    }
}

impl FromStr for CustomerKind {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "b2b" => Ok(CustomerKind::B2b),
            "b2c" => Ok(CustomerKind::B2c),
            _ => Err(DomainError::invalid(format!(
                "unknown customer kind \"{s}\""
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StopStatus::*;
    use super::*;

    #[test]
    fn status_moves_forward_and_may_skip_steps() {
        assert_eq!(Pending.advance(EnRoute), Ok(EnRoute));
        assert_eq!(EnRoute.advance(Arrived), Ok(Arrived));
        assert_eq!(Arrived.advance(Delivered), Ok(Delivered));
        assert_eq!(Pending.advance(PartlyDelivered), Ok(PartlyDelivered));
        assert_eq!(EnRoute.advance(Failed), Ok(Failed));
    }

    #[test]
    fn status_never_moves_back_or_out_of_a_final_state() {
        for from in StopStatus::ALL {
            for to in StopStatus::ALL {
                let ok = from.advance(to).is_ok();
                let expected = !from.is_final() && to.step() > from.step();
                assert_eq!(ok, expected, "{from} → {to}");
            }
        }
        let err = Delivered.advance(Failed).unwrap_err();
        assert_eq!(
            err.to_string(),
            "this stop is already delivered and cannot be marked failed"
        );
    }

    #[test]
    fn a_stop_allows_what_its_status_and_dispatch_leave_open() {
        let open = StopActions::of(Pending, false);
        assert!(
            open.deliver && open.fail && open.note && !open.closed,
            "a stop to do takes every record"
        );
        assert_eq!(
            open.advance_to,
            Some(EnRoute),
            "a stop to do goes on the way next"
        );
        assert_eq!(
            StopActions::of(EnRoute, false).advance_to,
            Some(Arrived),
            "on the way, arrived comes next"
        );
        assert_eq!(
            StopActions::of(Arrived, false).advance_to,
            None,
            "arrived is the last step before an outcome"
        );
        for done in [Delivered, PartlyDelivered, Failed] {
            let a = StopActions::of(done, false);
            assert!(
                !a.deliver && !a.fail && a.note && a.closed,
                "a finished stop ({done}) takes only notes"
            );
            assert_eq!(a.why_not.as_deref(), Some(FINISHED_WHY), "{done} says why");
        }
        for any in StopStatus::ALL {
            let a = StopActions::of(any, true);
            assert!(
                !a.deliver && !a.fail && !a.note && a.advance_to.is_none() && a.closed,
                "a cancelled stop ({any}) takes nothing"
            );
            assert_eq!(a.why_not.as_deref(), Some(CANCELLED_WHY), "{any} says why");
        }
    }

    #[test]
    fn status_round_trips_through_its_name() {
        for st in StopStatus::ALL {
            assert_eq!(st.as_str().parse::<StopStatus>(), Ok(st));
        }
        assert!("done".parse::<StopStatus>().is_err());
    }
}
