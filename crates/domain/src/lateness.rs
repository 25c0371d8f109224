//! Whether a delivery runs late or arrived incomplete: what a sales rep hears about before the
//! store calls. The device and the planner both call [`assess_route`] on the same facts, so
//! they agree by construction (and a test on each side checks they do).
//!
//! - **Late**: not delivered by the end of its time window; or not started yet while the rest
//!   of the route, driven in order from where the courier is, cannot reach it before its
//!   window closes; or an attempt failed.
//! - **Incomplete**: delivered short, or with damage noted.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use geo::{Distance, Haversine, Point};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::StopStatus;

/// What the assessment needs to know about one stop of a route.
#[derive(Debug, Clone, PartialEq)]
pub struct StopFacts {
    pub id: Uuid,
    pub position: u32,
    pub lat: f64,
    pub lon: f64,
    pub window_start: NaiveTime,
    pub window_end: NaiveTime,
    pub status: StopStatus,
    pub cancelled: bool,
    /// A condition note says goods or packaging arrived damaged.
    pub damaged: bool,
}

/// How a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "standing", rename_all = "snake_case")]
pub enum Standing {
    /// Not due yet, and the route can make its window.
    OnTrack,
    /// Delivered in full, without damage.
    Delivered,
    /// Delivered short or damaged.
    Incomplete {
        short: bool,
        damaged: bool,
    },
    Late {
        why: LateBecause,
    },
    /// Dispatch cancelled it.
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "because", rename_all = "snake_case")]
pub enum LateBecause {
    /// The window closed before a delivery.
    WindowClosed,
    /// Not started, and driving the route in order reaches it only at `eta`, after its window.
    CannotMakeWindow { eta: NaiveTime },
    /// An attempt failed; the delivery waits for a new one.
    AttemptFailed,
}

impl Standing {
    /// Late and incomplete deliveries come first in a sales rep's list.
    pub fn needs_attention(&self) -> bool {
        matches!(self, Standing::Late { .. } | Standing::Incomplete { .. })
    }

    pub fn label(&self) -> &'static str {
        match self {
            Standing::OnTrack => "on track",
            Standing::Delivered => "delivered",
            Standing::Incomplete { .. } => "incomplete",
            Standing::Late { .. } => "late",
            Standing::Cancelled => "cancelled",
        }
    }
}

/// How long a courier takes: between stops at `speed_kmh` as the crow flies, and
/// `service_minutes` at each stop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    pub speed_kmh: f64,
    pub service_minutes: i64,
}

impl Default for Pace {
    /// A city van: 18 km/h door to door (straight-line distance), 8 minutes a stop.
    fn default() -> Pace {
        Pace {
            speed_kmh: 18.0,
            service_minutes: 8,
        }
    }
}

impl Pace {
    fn drive(&self, from: (f64, f64), to: (f64, f64)) -> Duration {
        let metres = Haversine.distance(Point::new(from.1, from.0), Point::new(to.1, to.0));
        Duration::seconds((metres / (self.speed_kmh * 1000.0 / 3600.0)).round() as i64)
    }
}

/// Assesses every stop of one route dated `date`, at local time `now`.
pub fn assess_route(
    date: NaiveDate,
    stops: &[StopFacts],
    now: NaiveDateTime,
    pace: Pace,
) -> Vec<(Uuid, Standing)> {
    let mut order: Vec<&StopFacts> = stops.iter().collect();
    order.sort_by_key(|s| s.position);
    let at = |t: NaiveTime| date.and_time(t);

    // Drive the rest of the route in order from the courier's last finished stop.
    let mut clock = now;
    let mut here: Option<(f64, f64)> = order
        .iter()
        .rev()
        .find(|s| s.status.is_final())
        .map(|s| (s.lat, s.lon));
    let mut projected: Vec<(Uuid, NaiveDateTime)> = vec![];
    for s in order
        .iter()
        .filter(|s| !s.cancelled && !s.status.is_final())
    {
        let place = (s.lat, s.lon);
        let arrive = match (s.status, here) {
            (StopStatus::Arrived, _) | (_, None) => clock,
            (_, Some(from)) => clock + pace.drive(from, place),
        };
        projected.push((s.id, arrive));
        let start = arrive.max(at(s.window_start));
        clock = start + Duration::minutes(pace.service_minutes);
        here = Some(place);
    }

    order
        .iter()
        .map(|s| {
            let closes = at(s.window_end);
            let standing = if s.cancelled {
                Standing::Cancelled
            } else {
                match s.status {
                    StopStatus::Delivered if s.damaged => Standing::Incomplete {
                        short: false,
                        damaged: true,
                    },
                    StopStatus::Delivered => Standing::Delivered,
                    StopStatus::PartlyDelivered => Standing::Incomplete {
                        short: true,
                        damaged: s.damaged,
                    },
                    StopStatus::Failed => Standing::Late {
                        why: LateBecause::AttemptFailed,
                    },
                    _ if now > closes => Standing::Late {
                        why: LateBecause::WindowClosed,
                    },
                    StopStatus::Pending => {
                        let eta = projected
                            .iter()
                            .find(|(id, _)| *id == s.id)
                            .map(|(_, t)| *t)
                            .unwrap_or(now);
                        if eta > closes {
                            Standing::Late {
                                why: LateBecause::CannotMakeWindow { eta: eta.time() },
                            }
                        } else {
                            Standing::OnTrack
                        }
                    }
                    _ => Standing::OnTrack,
                }
            };
            (s.id, standing)
        })
        .collect()
}

/// One delivery inside a sales rep's territories, with how it stands: a line of the rep's
/// list, on the planner (`GET /v1/territories/deliveries`) and on the phone alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub stop_id: Uuid,
    pub route_id: Uuid,
    pub territory_id: Uuid,
    pub date: NaiveDate,
    pub position: u32,
    pub customer_name: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub window_start: NaiveTime,
    pub window_end: NaiveTime,
    pub status: StopStatus,
    pub courier_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub standing: Standing,
}

impl Delivery {
    /// A line of the list for a stop [`assess_scope`] listed (so one inside a territory).
    pub fn new(s: &crate::sync::ScopeStop, standing: Standing) -> Delivery {
        Delivery {
            stop_id: s.id,
            route_id: s.route_id,
            territory_id: s
                .territory_id
                .expect("assess_scope lists only stops inside a territory"),
            date: s.date,
            position: s.position,
            customer_name: s.customer_name.clone(),
            address: s.address.clone(),
            lat: s.lat,
            lon: s.lon,
            window_start: s.window_start,
            window_end: s.window_end,
            status: s.status,
            courier_name: s.courier_name.clone(),
            standing,
        }
    }
}

/// A sales rep's list: the stops of `scope` inside their territories, each with its standing
/// at local time `now` (judged against its whole route), late and incomplete first, then by
/// window, then by customer. The planner and the rep's phone both list with this.
pub fn assess_scope(
    scope: &[crate::sync::ScopeStop],
    now: NaiveDateTime,
    pace: Pace,
) -> Vec<(&crate::sync::ScopeStop, Standing)> {
    let mut by_route: std::collections::BTreeMap<(Uuid, NaiveDate), Vec<&crate::sync::ScopeStop>> =
        std::collections::BTreeMap::new();
    for s in scope {
        by_route.entry((s.route_id, s.date)).or_default().push(s);
    }
    let mut out = vec![];
    for ((_, date), stops) in by_route {
        let facts: Vec<StopFacts> = stops.iter().map(|s| s.facts()).collect();
        for (id, standing) in assess_route(date, &facts, now, pace) {
            let s = stops
                .iter()
                .find(|s| s.id == id)
                .expect("assessed stops are ours");
            if s.territory_id.is_some() {
                out.push((*s, standing));
            }
        }
    }
    out.sort_by(|(a, sa), (b, sb)| {
        (
            !sa.needs_attention(),
            a.window_start,
            &a.customer_name,
            a.id,
        )
            .cmp(&(
                !sb.needs_attention(),
                b.window_start,
                &b.customer_name,
                b.id,
            ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    /// Stops 1 km apart going north, windows as given.
    fn route(windows: &[(NaiveTime, NaiveTime)]) -> Vec<StopFacts> {
        windows
            .iter()
            .enumerate()
            .map(|(i, (a, b))| StopFacts {
                id: Uuid::from_u128(i as u128 + 1),
                position: i as u32 + 1,
                lat: 52.36 + 0.009 * i as f64,
                lon: 4.88,
                window_start: *a,
                window_end: *b,
                status: StopStatus::Pending,
                cancelled: false,
                damaged: false,
            })
            .collect()
    }

    fn standing(r: &[StopFacts], now: NaiveTime, id: u128) -> Standing {
        assess_route(day(), r, day().and_time(now), Pace::default())
            .into_iter()
            .find(|(s, _)| *s == Uuid::from_u128(id))
            .unwrap()
            .1
    }

    #[test]
    fn a_closed_window_without_a_delivery_is_late() {
        let r = route(&[(t(8, 0), t(9, 0)), (t(9, 0), t(17, 0))]);
        assert_eq!(
            standing(&r, t(9, 30), 1),
            Standing::Late {
                why: LateBecause::WindowClosed
            }
        );
        assert_eq!(standing(&r, t(8, 30), 1), Standing::OnTrack);
    }

    #[test]
    fn an_unstarted_stop_the_route_cannot_reach_in_time_is_late_before_its_window_closes() {
        // Ten stops due by 10:00 ahead of stop 11, whose window closes at 10:30.
        let mut w = vec![(t(8, 0), t(12, 0)); 10];
        w.push((t(8, 0), t(10, 30)));
        let r = route(&w);
        // At 09:00 the courier needs 10 × 8 min of service plus ~3.3 min per km: past 10:30.
        match standing(&r, t(9, 0), 11) {
            Standing::Late {
                why: LateBecause::CannotMakeWindow { eta },
            } => assert!(eta > t(10, 30), "{eta}"),
            other => panic!("expected late, got {other:?}"),
        }
        // At 08:00 there is time enough.
        assert_eq!(standing(&r, t(8, 0), 11), Standing::OnTrack);
    }

    #[test]
    fn short_or_damaged_deliveries_are_incomplete_and_cancelled_ones_are_not_late() {
        let mut r = route(&[(t(8, 0), t(9, 0)); 4]);
        r[0].status = StopStatus::PartlyDelivered;
        r[1].status = StopStatus::Delivered;
        r[1].damaged = true;
        r[2].status = StopStatus::Delivered;
        r[3].cancelled = true;
        let all = assess_route(day(), &r, day().and_time(t(12, 0)), Pace::default());
        let s: Vec<Standing> = all.into_iter().map(|(_, s)| s).collect();
        assert_eq!(
            s,
            vec![
                Standing::Incomplete {
                    short: true,
                    damaged: false
                },
                Standing::Incomplete {
                    short: false,
                    damaged: true
                },
                Standing::Delivered,
                Standing::Cancelled,
            ]
        );
        assert!(s[0].needs_attention() && !s[2].needs_attention());
    }

    #[test]
    fn a_failed_attempt_is_late_and_yesterdays_open_stop_too() {
        let mut r = route(&[(t(8, 0), t(18, 0)); 2]);
        r[0].status = StopStatus::Failed;
        assert_eq!(
            standing(&r, t(9, 0), 1),
            Standing::Late {
                why: LateBecause::AttemptFailed
            }
        );
        let tomorrow = day().succ_opt().unwrap().and_time(t(7, 0));
        let all = assess_route(day(), &r, tomorrow, Pace::default());
        assert_eq!(
            all[1].1,
            Standing::Late {
                why: LateBecause::WindowClosed
            }
        );
    }

    #[test]
    fn the_projection_starts_where_the_courier_is() {
        // Stop 1 done far south; stop 2 is 1 km north of stop 1; stop 3 (the one we look at)
        // 45 km further north with a window closing 2 h from now.
        let mut r = route(&[
            (t(8, 0), t(18, 0)),
            (t(8, 0), t(18, 0)),
            (t(8, 0), t(11, 0)),
        ]);
        r[0].status = StopStatus::Delivered;
        r[2].lat += 0.4;
        // 45 km at 18 km/h is 2.5 h: late although the window is open.
        assert!(matches!(
            standing(&r, t(9, 0), 3),
            Standing::Late {
                why: LateBecause::CannotMakeWindow { .. }
            }
        ));
    }
}
