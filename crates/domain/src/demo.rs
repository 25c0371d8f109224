//! A realistic demo day in Amsterdam: 30 stops, shops and cafés (B2B) and homes (B2C),
//! multi-line orders. Used by `make run` and by tests until a planner hands out real routes.

use chrono::{NaiveDate, NaiveTime};

use crate::clock::Clock;
use crate::route::{CustomerKind, OrderLine, Route, Stop, StopStatus};

struct Place {
    customer: &'static str,
    kind: CustomerKind,
    address: &'static str,
    lat: f64,
    lon: f64,
    contact: Option<&'static str>,
    phone: &'static str,
    instructions: Option<&'static str>,
}

const fn b2b(
    customer: &'static str,
    address: &'static str,
    lat: f64,
    lon: f64,
    contact: &'static str,
    phone: &'static str,
    instructions: Option<&'static str>,
) -> Place {
    Place {
        customer,
        kind: CustomerKind::B2b,
        address,
        lat,
        lon,
        contact: Some(contact),
        phone,
        instructions,
    }
}

const fn b2c(
    customer: &'static str,
    address: &'static str,
    lat: f64,
    lon: f64,
    phone: &'static str,
    instructions: Option<&'static str>,
) -> Place {
    Place {
        customer,
        kind: CustomerKind::B2c,
        address,
        lat,
        lon,
        contact: None,
        phone,
        instructions,
    }
}

#[rustfmt::skip]
const PLACES: [Place; 30] = [
    b2b("Bakkerij Van der Linde", "Haarlemmerdijk 54, 1013 JE Amsterdam", 52.38213, 4.88934, "Pieter van der Linde", "+31205550101", Some("Back door on Binnen Vissersstraat, ring twice")),
    b2c("Sanne Bakker", "Westerstraat 187-2, 1015 MA Amsterdam", 52.37893, 4.88214, "+31615550102", Some("Second floor, steep stairs")),
    b2b("Café De Tuin", "2e Tuindwarsstraat 13, 1015 RX Amsterdam", 52.37736, 4.88155, "Joris Smit", "+31205550103", Some("Deliver before 11:00, kitchen entrance")),
    b2c("Mehmet Yilmaz", "Rozengracht 133-H, 1016 LV Amsterdam", 52.37389, 4.87842, "+31625550104", None),
    b2b("Albert Heijn Prinsengracht", "Prinsengracht 520, 1017 KJ Amsterdam", 52.36390, 4.88640, "Femke de Graaf", "+31205550105", Some("Goods receipt at the side, ask for the duty manager")),
    b2c("Lotte Visser", "Elandsgracht 71-3, 1016 TR Amsterdam", 52.36986, 4.87972, "+31635550106", Some("Neighbour at 71-2 accepts parcels")),
    b2b("Restaurant Moeders", "Rozengracht 251, 1016 SX Amsterdam", 52.37306, 4.87465, "Karin Mulder", "+31205550107", None),
    b2c("Daan Jansen", "Kinkerstraat 112-1, 1053 ED Amsterdam", 52.36721, 4.86658, "+31645550108", None),
    b2b("Drogisterij Kinker", "Kinkerstraat 244, 1053 EM Amsterdam", 52.36542, 4.86121, "Nadia El Amrani", "+31205550109", None),
    b2c("Emma de Boer", "De Clercqstraat 48-2, 1052 NH Amsterdam", 52.37070, 4.86449, "+31655550110", Some("Bell does not work, please call")),
    b2b("Hotel Overtoom", "Overtoom 340, 1054 JC Amsterdam", 52.36012, 4.86322, "Ruben Hoekstra", "+31205550111", Some("Reception, 24 h")),
    b2c("Fleur Meijer", "Overtoom 117-3, 1054 HG Amsterdam", 52.36232, 4.87179, "+31665550112", None),
    b2b("Koffiebar Vondel", "Vondelstraat 41, 1054 GJ Amsterdam", 52.36070, 4.87556, "Thijs Kok", "+31205550113", None),
    b2c("Julia van Dijk", "P.C. Hooftstraat 101-2, 1071 BQ Amsterdam", 52.35854, 4.87801, "+31675550114", None),
    b2b("Slagerij Beethoven", "Beethovenstraat 67, 1077 HN Amsterdam", 52.34675, 4.87741, "Willem Bos", "+31205550115", Some("Cold chain: hand chilled crates to staff, never leave outside")),
    b2c("Noah Peters", "Van Baerlestraat 89-1, 1071 AT Amsterdam", 52.35692, 4.87927, "+31685550116", None),
    b2b("Brasserie Ceintuur", "Ceintuurbaan 282, 1072 GL Amsterdam", 52.35428, 4.89509, "Anouk Vermeulen", "+31205550117", None),
    b2c("Sophie Hendriks", "Ferdinand Bolstraat 152-3, 1072 LS Amsterdam", 52.35283, 4.89096, "+31695550118", Some("Top floor, no lift")),
    b2b("Toko Albert Cuyp", "Albert Cuypstraat 163, 1073 BE Amsterdam", 52.35581, 4.89391, "Sri Wulandari", "+31205550119", Some("Market day: park on Govert Flinckstraat")),
    b2c("Levi de Wit", "Van Woustraat 56-2, 1073 LN Amsterdam", 52.35391, 4.90133, "+31615550120", None),
    b2b("Apotheek Utrechtsestraat", "Utrechtsestraat 80, 1017 VR Amsterdam", 52.36275, 4.89787, "Marloes Dekker", "+31205550121", Some("Pharmacy goods: signature of the pharmacist required")),
    b2c("Milan Brouwer", "Weteringschans 153-1, 1017 XE Amsterdam", 52.36036, 4.89323, "+31625550122", None),
    b2b("Wijnhandel Sarphati", "Sarphatistraat 61, 1018 EX Amsterdam", 52.36146, 4.90681, "Hugo Schouten", "+31205550123", None),
    b2c("Tess van Leeuwen", "Plantage Middenlaan 38-2, 1018 DH Amsterdam", 52.36589, 4.91102, "+31635550124", Some("Leave with the concierge if not home")),
    b2b("Bloemist Czaar Peter", "Czaar Peterstraat 102, 1018 PV Amsterdam", 52.36731, 4.92462, "Eva Maas", "+31205550125", None),
    b2c("Sem Willems", "Javastraat 112-1, 1094 HJ Amsterdam", 52.36310, 4.93842, "+31645550126", None),
    b2b("Supermarkt Linnaeus", "Linnaeusstraat 54, 1092 CM Amsterdam", 52.35957, 4.92672, "Bram Koster", "+31205550127", Some("Loading bay behind the shop, max 20 min")),
    b2c("Zoë Prins", "Wibautstraat 150-4, 1091 GR Amsterdam", 52.35478, 4.91402, "+31655550128", None),
    b2b("Lunchroom Rokin", "Rokin 94, 1012 KZ Amsterdam", 52.36927, 4.89202, "Iris Postma", "+31205550129", Some("Pedestrian zone: trolley only after 11:00")),
    b2c("Finn Dijkstra", "Damrak 38-3, 1012 LK Amsterdam", 52.37516, 4.89590, "+31665550130", Some("Entrance next to the souvenir shop")),
];

/// (sku, description, unit, barcode)
#[rustfmt::skip]
const B2B_PRODUCTS: [(&str, &str, &str, &str); 10] = [
    ("MLK-1L-12", "Whole milk 1 L", "crate", "8710400000017"),
    ("COF-BEAN-1K", "Coffee beans 1 kg", "bag", "8710400000024"),
    ("FLR-25K", "Wheat flour 25 kg", "sack", "8710400000031"),
    ("EGG-180", "Free-range eggs, tray of 180", "tray", "8710400000048"),
    ("OIL-SUN-5L", "Sunflower oil 5 L", "can", "8710400000055"),
    ("NAP-WHT-500", "White napkins, pack of 500", "pack", "8710400000062"),
    ("CHS-GOU-4K", "Gouda cheese wheel 4 kg", "wheel", "8710400000079"),
    ("WTR-SPK-24", "Sparkling water 24 × 0.5 L", "case", "8710400000086"),
    ("BTR-250-40", "Butter 250 g, box of 40", "box", "8710400000093"),
    ("CUP-CRD-1000", "Paper cups 8 oz, box of 1000", "box", "8710400000109"),
];

#[rustfmt::skip]
const B2C_PRODUCTS: [(&str, &str, &str, &str); 6] = [
    ("PAR-S", "Parcel, small", "parcel", "3SDOOR000000001"),
    ("PAR-M", "Parcel, medium", "parcel", "3SDOOR000000002"),
    ("PAR-L", "Parcel, large", "parcel", "3SDOOR000000003"),
    ("SHO-RUN-42", "Running shoes, size 42", "box", "8719300000014"),
    ("BK-SET-3", "Books, set of 3", "parcel", "9789000000011"),
    ("PLT-MON", "Monstera plant in pot", "box", "8719300000021"),
];

/// Today's demo route for courier "Sam Courier". Ids come from `clock`, so a fake clock gives
/// the same route every time.
pub fn amsterdam_route(date: NaiveDate, clock: &dyn Clock) -> Route {
    let stops = PLACES
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let position = i as u32 + 1;
            let (window_start, window_end) = window(i, p.kind);
            Stop {
                id: clock.new_id(),
                position,
                customer_name: p.customer.to_owned(),
                customer_kind: p.kind,
                address: p.address.to_owned(),
                lat: p.lat,
                lon: p.lon,
                contact_name: p.contact.map(str::to_owned),
                contact_phone: Some(p.phone.to_owned()),
                window_start,
                window_end,
                instructions: p.instructions.map(str::to_owned),
                status: StopStatus::Pending,
                lines: lines_for(i, p.kind, clock),
            }
        })
        .collect();
    Route {
        id: clock.new_id(),
        date,
        courier_name: "Sam Courier".to_owned(),
        stops,
    }
}

/// The demo's time window for the stop at 0-based place `i` on a route: windows roll through
/// the day from 08:00, 17 minutes apart (on the quarter hour), B2B 2 h wide, B2C 1 h wide, so
/// a courier driving the route in order makes every one.
pub fn window(i: usize, kind: CustomerKind) -> (NaiveTime, NaiveTime) {
    let start_min = 8 * 60 + (i as u32 * 17);
    let start_min = start_min - start_min % 15;
    let width = if kind == CustomerKind::B2b { 120 } else { 60 };
    let hm = |m: u32| NaiveTime::from_hms_opt(m / 60, m % 60, 0).expect("within a day");
    (hm(start_min), hm(start_min + width))
}

fn lines_for(i: usize, kind: CustomerKind, clock: &dyn Clock) -> Vec<OrderLine> {
    let (catalogue, count): (&[(&str, &str, &str, &str)], usize) = match kind {
        CustomerKind::B2b => (&B2B_PRODUCTS, 2 + i % 4),
        CustomerKind::B2c => (&B2C_PRODUCTS, 1 + i % 2),
    };
    (0..count)
        .map(|k| {
            let (sku, description, unit, barcode) = catalogue[(i * 3 + k * 7) % catalogue.len()];
            let ordered_qty = match kind {
                CustomerKind::B2b => 1 + ((i * 5 + k * 3) % 12) as u32,
                CustomerKind::B2c => 1,
            };
            OrderLine {
                id: clock.new_id(),
                sku: sku.to_owned(),
                description: description.to_owned(),
                ordered_qty,
                unit: unit.to_owned(),
                barcode: Some(barcode.to_owned()),
            }
        })
        .collect()
}

/// A synthetic route of `n` stops for benchmarks and crash tests, built around the demo places.
pub fn synthetic_route(date: NaiveDate, n: usize, clock: &dyn Clock) -> Route {
    let base = amsterdam_route(date, clock);
    let stops = (0..n)
        .map(|i| {
            let mut s = base.stops[i % base.stops.len()].clone();
            s.id = clock.new_id();
            s.position = i as u32 + 1;
            for l in &mut s.lines {
                l.id = clock.new_id();
            }
            s
        })
        .collect();
    Route { stops, ..base }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FakeClock;
    use chrono::{TimeZone, Utc};

    #[test]
    fn the_demo_route_is_valid_mixed_and_multi_line() {
        let clock = FakeClock::at(Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap());
        let route = amsterdam_route(clock.today(), &clock);
        route.validate().expect("demo route is valid");
        assert_eq!(route.stops.len(), 30);
        assert!(route
            .stops
            .iter()
            .any(|s| s.customer_kind == CustomerKind::B2b));
        assert!(route
            .stops
            .iter()
            .any(|s| s.customer_kind == CustomerKind::B2c));
        assert!(
            route.stops.iter().any(|s| s.lines.len() >= 3),
            "some orders have several lines"
        );
        for s in &route.stops {
            assert!(
                (52.3..52.4).contains(&s.lat) && (4.8..5.0).contains(&s.lon),
                "{} is in Amsterdam",
                s.address
            );
        }
    }

    #[test]
    fn a_synthetic_route_has_unique_ids_and_positions() {
        let clock = FakeClock::at(Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap());
        let route = synthetic_route(clock.today(), 100, &clock);
        route.validate().unwrap();
        let ids: std::collections::HashSet<_> = route.stops.iter().map(|s| s.id).collect();
        assert_eq!(ids.len(), 100);
    }
}
