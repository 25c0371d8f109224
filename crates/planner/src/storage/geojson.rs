//! Reading sales territories from GeoJSON, beside the territories' storage
//! ([`super::territories`]): a request body checked as far as it can be without the database,
//! refused in the storage's words like the territories it becomes.

use std::collections::HashMap;

use doorstep_domain::Clock;
use uuid::Uuid;

use super::{Result, StorageError};
use crate::import::{At, Format, Problems};

/// Reads territories from GeoJSON: a `FeatureCollection` (or one `Feature`) whose features
/// are Polygons or MultiPolygons with `properties.name` and, optionally, `properties.rep_id`.
/// Every problem is listed by its path; nothing is kept from a file that has one.
pub fn territories_from_geojson(
    body: &[u8],
    clock: &dyn Clock,
) -> Result<Vec<crate::storage::NewTerritory>> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| StorageError::Invalid(format!("the territories are not valid JSON: {e}")))?;
    let features: Vec<(String, &serde_json::Value)> =
        match value.get("type").and_then(|t| t.as_str()) {
            Some("FeatureCollection") => value
                .get("features")
                .and_then(|f| f.as_array())
                .ok_or_else(|| {
                    StorageError::Invalid("a FeatureCollection needs a \"features\" list".into())
                })?
                .iter()
                .enumerate()
                .map(|(i, f)| (format!("features[{i}]"), f))
                .collect(),
            Some("Feature") => vec![("feature".to_owned(), &value)],
            _ => {
                return Err(StorageError::Invalid(
                    "territories come as a GeoJSON FeatureCollection (or one Feature), each feature a Polygon or MultiPolygon with properties.name".into(),
                ))
            }
        };
    if features.is_empty() {
        return Err(StorageError::Invalid("the file holds no territory".into()));
    }
    let mut problems = Problems::default();
    let mut out = vec![];
    let mut names = HashMap::new();
    for (path, feature) in features {
        let at = At::Path(path.clone());
        let props = feature.get("properties");
        let name = props
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .map(str::trim)
            .unwrap_or("");
        if name.is_empty() {
            problems.add(&at, "properties.name: every territory needs a name");
        } else if let Some(first) = names.insert(name.to_owned(), path.clone()) {
            problems.add(&at, format!("the name \"{name}\" is used by {first} too"));
        }
        let rep_id = match props.and_then(|p| p.get("rep_id")) {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => match v.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
                Some(id) => Some(id),
                None => {
                    problems.add(&at, format!("properties.rep_id: {v} is not a user id"));
                    None
                }
            },
        };
        let area = if feature.get("type").and_then(|t| t.as_str()) != Some("Feature") {
            problems.add(&at, "each entry must be a GeoJSON Feature");
            None
        } else {
            match doorstep_domain::territory::Area::from_geojson(feature) {
                Ok(area) => Some(area),
                Err(e) => {
                    problems.add(&at, e.to_string());
                    None
                }
            }
        };
        if let Some(area) = area {
            out.push(crate::storage::NewTerritory {
                id: clock.new_id(),
                name: name.to_owned(),
                area,
                rep_id,
            });
        }
    }
    if !problems.is_empty() {
        let (message, rows) = problems.refusal(Format::Json);
        return Err(StorageError::InvalidImport { message, rows });
    }
    Ok(out)
}
