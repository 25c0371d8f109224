//! Sales territories: areas of a city drawn as GeoJSON polygons and multipolygons. A delivery
//! belongs to the territory its stop's location lies in (DESIGN.md §4). Reading a territory
//! checks its geometry and says what is wrong, and where, in plain words.

use geo::{BoundingRect, Contains, Coord, LineString, MultiPolygon, Point, Polygon, Validation};
use serde_json::Value;

use crate::DomainError;

/// An area on the map: one or more polygons, each an outline with optional holes.
#[derive(Debug, Clone, PartialEq)]
pub struct Area(MultiPolygon<f64>);

/// The smallest box around an area, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub min_lat: f64,
    pub min_lon: f64,
    pub max_lat: f64,
    pub max_lon: f64,
}

impl Bounds {
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.min_lat..=self.max_lat).contains(&lat) && (self.min_lon..=self.max_lon).contains(&lon)
    }
}

impl Area {
    /// Reads a GeoJSON `Polygon` or `MultiPolygon`, bare or inside a `Feature`. Coordinates
    /// are `[longitude, latitude]`, as GeoJSON has them; every ring repeats its first position
    /// at the end.
    pub fn from_geojson(value: &Value) -> Result<Area, DomainError> {
        let geometry = match value.get("type").and_then(Value::as_str) {
            Some("Feature") => value
                .get("geometry")
                .ok_or_else(|| invalid("", "a Feature needs a \"geometry\""))?,
            _ => value,
        };
        let path = if std::ptr::eq(geometry, value) {
            ""
        } else {
            "geometry"
        };
        let kind = geometry
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(path, "a territory needs a GeoJSON geometry with a \"type\""))?;
        let coordinates = geometry
            .get("coordinates")
            .ok_or_else(|| invalid(path, "the geometry has no \"coordinates\""))?;
        let at = |suffix: &str| join(path, suffix);
        let polygons = match kind {
            "Polygon" => vec![polygon(coordinates, &at("coordinates"))?],
            "MultiPolygon" => array(coordinates, &at("coordinates"))?
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(p, &at(&format!("coordinates[{i}]"))))
                .collect::<Result<Vec<_>, _>>()?,
            other => {
                return Err(invalid(
                    path,
                    &format!("a territory must be a Polygon or a MultiPolygon, not a {other}"),
                ))
            }
        };
        if polygons.is_empty() {
            return Err(invalid(path, "the MultiPolygon holds no polygon"));
        }
        let area = MultiPolygon(polygons);
        if let Err(e) = area.check_validation() {
            return Err(invalid(
                path,
                &format!("the outline is not a valid area: {e}"),
            ));
        }
        Ok(Area(area))
    }

    /// The area as a GeoJSON `MultiPolygon` geometry.
    pub fn to_geojson(&self) -> Value {
        let ring = |r: &LineString<f64>| -> Value {
            r.coords().map(|c| serde_json::json!([c.x, c.y])).collect()
        };
        let polygons: Vec<Value> = self
            .0
             .0
            .iter()
            .map(|p| {
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(ring)
                    .collect()
            })
            .collect();
        serde_json::json!({"type": "MultiPolygon", "coordinates": polygons})
    }

    /// True when the point lies inside the area (a point on the outline counts as outside,
    /// so two territories that share a border never both claim it).
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        self.0.contains(&Point::new(lon, lat))
    }

    pub fn bounds(&self) -> Bounds {
        let r = self
            .0
            .bounding_rect()
            .expect("a valid area has at least one polygon");
        Bounds {
            min_lat: r.min().y,
            min_lon: r.min().x,
            max_lat: r.max().y,
            max_lon: r.max().x,
        }
    }
}

fn join(path: &str, suffix: &str) -> String {
    if path.is_empty() {
        suffix.to_owned()
    } else {
        format!("{path}.{suffix}")
    }
}

fn invalid(path: &str, message: &str) -> DomainError {
    if path.is_empty() {
        DomainError::Invalid(message.to_owned())
    } else {
        DomainError::Invalid(format!("{path}: {message}"))
    }
}

fn array<'a>(value: &'a Value, path: &str) -> Result<&'a Vec<Value>, DomainError> {
    value
        .as_array()
        .ok_or_else(|| invalid(path, "expected a list"))
}

fn polygon(value: &Value, path: &str) -> Result<Polygon<f64>, DomainError> {
    let rings = array(value, path)?;
    if rings.is_empty() {
        return Err(invalid(path, "a polygon needs an outline (its first ring)"));
    }
    let mut rings = rings
        .iter()
        .enumerate()
        .map(|(i, r)| ring(r, &format!("{path}[{i}]")));
    let exterior = rings.next().expect("not empty")?;
    let holes = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, holes))
}

fn ring(value: &Value, path: &str) -> Result<LineString<f64>, DomainError> {
    let positions = array(value, path)?;
    let coords = positions
        .iter()
        .enumerate()
        .map(|(i, p)| position(p, &format!("{path}[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    if coords.len() < 4 {
        return Err(invalid(
            path,
            &format!(
                "a ring needs at least 4 positions, its first repeated at the end; it has {}",
                coords.len()
            ),
        ));
    }
    if coords.first() != coords.last() {
        return Err(invalid(
            path,
            "the ring is not closed: its last position must repeat its first",
        ));
    }
    Ok(LineString::new(coords))
}

fn position(value: &Value, path: &str) -> Result<Coord<f64>, DomainError> {
    let pair = array(value, path)?;
    let number = |i: usize| pair.get(i).and_then(Value::as_f64);
    let (Some(lon), Some(lat)) = (number(0), number(1)) else {
        return Err(invalid(
            path,
            "a position is [longitude, latitude], two numbers",
        ));
    };
    if !(-180.0..=180.0).contains(&lon) {
        return Err(invalid(
            path,
            &format!("longitude {lon} is outside -180..180 (GeoJSON puts longitude first)"),
        ));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(invalid(
            path,
            &format!("latitude {lat} is outside -90..90 (GeoJSON puts longitude first)"),
        ));
    }
    Ok(Coord { x: lon, y: lat })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A square over the Jordaan, Amsterdam.
    fn jordaan() -> Value {
        json!({"type": "Polygon", "coordinates": [[
            [4.874, 52.368], [4.890, 52.368], [4.890, 52.382], [4.874, 52.382], [4.874, 52.368]
        ]]})
    }

    fn err(v: Value) -> String {
        Area::from_geojson(&v).unwrap_err().to_string()
    }

    #[test]
    fn a_polygon_holds_the_points_inside_it_and_not_the_others() {
        let area = Area::from_geojson(&jordaan()).unwrap();
        assert!(
            area.contains(52.375, 4.880),
            "Westerstraat is in the Jordaan"
        );
        assert!(!area.contains(52.360, 4.880), "south of it is not");
        assert!(
            !area.contains(52.368, 4.880),
            "the border itself belongs to nobody"
        );
        let b = area.bounds();
        assert_eq!((b.min_lat, b.max_lon), (52.368, 4.890));
        assert!(b.contains(52.375, 4.880));
    }

    #[test]
    fn a_feature_with_a_multipolygon_and_a_hole_reads_and_round_trips() {
        let v = json!({"type": "Feature", "properties": {"name": "West"}, "geometry": {
        "type": "MultiPolygon", "coordinates": [
            [[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]],
             [[4.0, 4.0], [6.0, 4.0], [6.0, 6.0], [4.0, 6.0], [4.0, 4.0]]],
            [[[20.0, 20.0], [21.0, 20.0], [21.0, 21.0], [20.0, 20.0]]]
        ]}});
        let area = Area::from_geojson(&v).unwrap();
        assert!(area.contains(2.0, 2.0));
        assert!(!area.contains(5.0, 5.0), "a hole is outside");
        assert!(area.contains(20.2, 20.8));
        assert_eq!(Area::from_geojson(&area.to_geojson()).unwrap(), area);
    }

    #[test]
    fn bad_geometry_is_refused_in_plain_words_with_where() {
        let e = err(json!({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}));
        assert!(
            e.contains("must be a Polygon or a MultiPolygon, not a LineString"),
            "{e}"
        );
        let e = err(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}));
        assert!(
            e.starts_with("coordinates[0]: a ring needs at least 4 positions"),
            "{e}"
        );
        let e = err(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}));
        assert!(e.contains("not closed"), "{e}");
        let e =
            err(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, "x"], [0, 0]]]}));
        assert!(
            e.starts_with("coordinates[0][2]: a position is [longitude, latitude]"),
            "{e}"
        );
        let e = err(
            json!({"type": "Polygon", "coordinates": [[[52.37, 4.88], [52.38, 4.88], [190.0, 4.9], [52.37, 4.88]]]}),
        );
        assert!(e.contains("longitude 190 is outside"), "{e}");
        // A bow tie: the outline crosses itself.
        let e = err(
            json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}}),
        );
        assert!(
            e.starts_with("geometry: the outline is not a valid area"),
            "{e}"
        );
        let e = err(json!({"type": "MultiPolygon", "coordinates": []}));
        assert!(e.contains("holds no polygon"), "{e}");
        let e = err(json!({"type": "Feature"}));
        assert!(e.contains("needs a \"geometry\""), "{e}");
    }
}
