//! The API document (OpenAPI 3.1). It is generated from the handlers' `#[utoipa::path]`
//! annotations and the wire types' schemas, the same annotations the router is built from
//! ([`crate::api::documented`]), so the document cannot name a route the planner lacks or miss
//! one it has. It is checked in as `crates/planner/openapi.json` and served as it is at
//! `GET /openapi.json`; a test fails when regenerating it changes anything.

use doorstep_domain::sync::ErrorBody;
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi, ToResponse, ToSchema};

/// The checked-in document, served byte for byte at `GET /openapi.json`.
pub const CHECKED_IN: &str = include_str!("../openapi.json");

/// How to bring the checked-in document up to date.
pub const REGENERATE: &str =
    "cargo run -p doorstep-planner -- openapi > crates/planner/openapi.json";

/// Security scheme of the calls a device makes, with the token `POST /v1/enroll` gave it.
pub const DEVICE_TOKEN: &str = "device_token";
/// Security scheme of the dispatcher's calls, with a dispatcher's (or an admin's) API token.
pub const DISPATCHER_TOKEN: &str = "dispatcher_token";

/// The parts of the document no handler carries: title, security schemes, shared responses.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Doorstep planner API",
        description = "The planner's HTTP API: device enrolment, sync (push, pull, resumable \
            photo upload) and the dispatcher's calls. JSON bodies unless stated otherwise; every \
            refusal is `{\"error\": {\"code\", \"message\"}}`. The protocol's rules are in \
            docs/SYNC.md."
    ),
    components(
        schemas(ErrorBody),
        responses(
            Invalid,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            Unprocessable,
            TooLarge,
            UnsupportedMediaType,
            ServerError
        )
    ),
    modifiers(&BearerTokens),
    tags(
        (name = "service", description = "Health and this document; no token."),
        (name = "sync", description = "What a device calls: enrolment, push, pull."),
        (name = "photos", description = "Resumable photo upload by SHA-256 name, and download."),
        (name = "dispatch", description = "What dispatch calls, with a dispatcher token.")
    )
)]
pub struct Base;

struct BearerTokens;

impl Modify for BearerTokens {
    fn modify(&self, doc: &mut Document) {
        doc.info.license = None;
        let components = doc.components.get_or_insert_with(Default::default);
        let bearer = |what: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(what))
                    .build(),
            )
        };
        components.add_security_scheme(
            DEVICE_TOKEN,
            bearer("The device token `POST /v1/enroll` answered with (shown once)."),
        );
        components.add_security_scheme(
            DISPATCHER_TOKEN,
            bearer("A dispatcher's or an admin's API token (`doorstep-planner demo` prints one)."),
        );
    }
}

/// The request is malformed or breaks a rule (`invalid`); the message says which.
#[derive(ToResponse)]
pub struct Invalid(pub ErrorBody);

/// No `Authorization: Bearer` token, or the token is unknown or revoked (`unauthorized`).
#[derive(ToResponse)]
pub struct Unauthorized(pub ErrorBody);

/// The token is valid but may not do this (`forbidden`): a device token on a dispatcher's
/// call, another device's id, a route out of scope.
#[derive(ToResponse)]
pub struct Forbidden(pub ErrorBody);

/// No such route, stop, device, event or photo in the caller's tenant (`not_found`).
#[derive(ToResponse)]
pub struct NotFound(pub ErrorBody);

/// The request contradicts what the planner holds (`conflict`): the same seq with another
/// hash, an upload offset other than the one held, a device id enrolled for someone else.
#[derive(ToResponse)]
pub struct Conflict(pub ErrorBody);

/// Ops are not contiguous (`gap`), or uploaded bytes do not hash to the photo's name
/// (`hash_mismatch`; the partial bytes are dropped, upload again from 0).
#[derive(ToResponse)]
pub struct Unprocessable(pub ErrorBody);

/// The body is larger than the planner accepts (`too_large`); photos travel in chunks.
#[derive(ToResponse)]
pub struct TooLarge(pub ErrorBody);

/// The planner failed (500, `internal`) or its database is busy or unreachable (503,
/// `unavailable`): try again later. No internal detail is returned.
#[derive(ToResponse)]
pub struct ServerError(pub ErrorBody);

/// The body is in a format the endpoint does not read (`unsupported_media_type`).
#[derive(ToResponse)]
pub struct UnsupportedMediaType(pub ErrorBody);

/// `POST /v1/import` refused. With `invalid_import` nothing was stored and every row with a
/// problem is listed (a CSV line number, the header being line 1, or a JSON path such as
/// `routes[0].stops[3]`); with `invalid` the body could not be read at all.
#[derive(ToSchema)]
pub struct ImportErrorBody {
    pub error: ImportErrorDetail,
}

#[derive(ToSchema)]
pub struct ImportErrorDetail {
    /// `invalid_import` (rows listed) or `invalid`.
    pub code: String,
    /// How many rows have problems, and that nothing was imported.
    pub message: String,
    /// Present with `invalid_import`: each row with its problems, in file order (at most 500).
    pub rows: Option<Vec<crate::import::RowProblem>>,
}

/// `POST /v1/import` as JSON: customers to know, and routes to plan. All of it is stored, or
/// nothing. Couriers are named by user name or id; a route with an `id` must be new.
#[derive(ToSchema)]
#[schema(example = json!({
    "customers": [{
        "ref": "ALB-0042",
        "name": "Albert Heijn Buikslotermeerplein",
        "kind": "b2b",
        "address": "Buikslotermeerplein 1, 1025 ET Amsterdam",
        "lat": 52.4003,
        "lon": 4.9325,
        "contact_name": "Store manager",
        "contact_phone": "+31 20 555 0142"
    }],
    "routes": [{
        "id": "0192f1d6-3c4d-7e8f-9a0b-1c2d3e4f5a6b",
        "date": "2026-12-01",
        "courier": "Noor Courier",
        "stops": [
            {
                "customer": "ALB-0042",
                "position": 1,
                "window_start": "07:00",
                "window_end": "09:00",
                "instructions": "Goods entrance at the back, ring the bell",
                "lines": [{
                    "sku": "COF-500",
                    "description": "Ground coffee 500 g",
                    "qty": 24,
                    "unit": "pack",
                    "barcode": "8710000000017"
                }]
            },
            {
                "customer": {
                    "ref": "C-1187",
                    "name": "Ana de Vries",
                    "kind": "b2c",
                    "address": "Meeuwenlaan 88, 1021 JK Amsterdam",
                    "lat": 52.3891,
                    "lon": 4.9154
                },
                "window_start": "09:30",
                "window_end": "11:30",
                "lines": [{"sku": "BOX-M", "description": "Parcel (medium)", "qty": 1, "unit": "parcel"}]
            }
        ]
    }]
}))]
pub struct ImportFile {
    /// Customers that stops (in this file or a later one) name by `ref`.
    pub customers: Option<Vec<ImportCustomer>>,
    pub routes: Option<Vec<ImportRoute>>,
}

/// A customer: its details, and a `ref` to find it again (required in `customers`).
#[derive(serde::Deserialize, ToSchema)]
pub struct ImportCustomer {
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub name: String,
    pub kind: doorstep_domain::CustomerKind,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub contact_name: Option<String>,
    /// A phone number; stored as E.164.
    pub contact_phone: Option<String>,
}

#[derive(ToSchema)]
pub struct ImportRoute {
    /// The new route's id; one is made when absent.
    pub id: Option<uuid::Uuid>,
    pub date: chrono::NaiveDate,
    /// The courier's user name or user id.
    pub courier: String,
    pub stops: Vec<ImportStop>,
}

#[derive(ToSchema)]
pub struct ImportStop {
    pub customer: ImportStopCustomer,
    /// 1-based order on the route; the stop's place in the list when absent.
    pub position: Option<u32>,
    /// `HH:MM`.
    pub window_start: String,
    /// `HH:MM`, after `window_start`.
    pub window_end: String,
    pub instructions: Option<String>,
    pub lines: Vec<ImportLine>,
}

/// A known customer's `ref`, or a customer's details.
#[derive(serde::Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ImportStopCustomer {
    Ref(String),
    Details(ImportCustomer),
}

#[derive(ToSchema)]
pub struct ImportLine {
    pub sku: String,
    pub description: String,
    /// Whole units, at least 1.
    pub qty: u32,
    pub unit: String,
    pub barcode: Option<String>,
}

/// Raw bytes: a photo or a chunk of one, a signature drawn as SVG, a CSV file.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

/// The whole document, generated from the code.
pub fn document() -> Document {
    let mut doc = crate::api::documented().into_openapi();
    // utoipa marks every body whose type is not an `Option` as required; a photo's chunk may be
    // empty (or absent), which changes nothing.
    if let Some(body) = doc
        .paths
        .paths
        .get_mut("/v1/blobs/{sha256}")
        .and_then(|item| item.patch.as_mut())
        .and_then(|op| op.request_body.as_mut())
    {
        body.required = None;
    }
    doc
}

/// The document as it is checked in: pretty JSON with the keys of every object sorted, ending
/// in a newline, so regenerating it gives the same bytes whatever the map types do.
pub fn to_json(doc: &Document) -> String {
    let value = serde_json::to_value(doc).expect("an OpenAPI document serializes to JSON");
    let mut text =
        serde_json::to_string_pretty(&sorted(value)).expect("a JSON value serializes to text");
    text.push('\n');
    text
}

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_openapi_document_is_up_to_date() {
        let generated = to_json(&document());
        assert!(
            generated == CHECKED_IN,
            "crates/planner/openapi.json is out of date; run `{REGENERATE}`"
        );
    }

    /// Every component schema with an example, and the real type that example must parse as.
    fn parse_example(schema: &str, example: &Value) -> Option<Result<(), String>> {
        use doorstep_domain::sync::{EnrollRequest, PullRequest, PushRequest};
        fn parse<T: serde::de::DeserializeOwned>(v: &Value) -> Result<(), String> {
            T::deserialize(v).map(|_| ()).map_err(|e| e.to_string())
        }
        // The import reads JSON by hand (to name every problem's place), not through serde.
        fn parse_import(v: &Value) -> Result<(), String> {
            let clock = doorstep_domain::FakeClock::at("2026-11-01T06:00:00Z".parse().unwrap());
            let read = crate::import::from_json(v.to_string().as_bytes(), &clock)
                .map_err(|e| e.to_string())?;
            match read.problems.rows() {
                rows if rows.is_empty() => Ok(()),
                rows => Err(format!("{rows:?}")),
            }
        }
        Some(match schema {
            "EnrollRequest" => parse::<EnrollRequest>(example),
            "PushRequest" => parse::<PushRequest>(example),
            "PullRequest" => parse::<PullRequest>(example),
            "ErrorBody" => parse::<ErrorBody>(example),
            "StopEdit" => parse::<crate::storage::StopEdit>(example),
            "Assign" => parse::<crate::api::Assign>(example),
            "ImportFile" => parse_import(example),
            "NewAccount" => serde_json::from_value::<crate::storage::NewAccount>(example.clone())
                .map_err(|e| e.to_string())
                .and_then(|a| {
                    crate::storage::AccountsImport { accounts: vec![a] }
                        .validate()
                        .map_err(|e| e.to_string())
                }),
            _ => return None,
        })
    }

    #[test]
    fn openapi_schema_examples_deserialise_into_the_real_types() {
        let doc = serde_json::to_value(document()).unwrap();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let mut checked = 0;
        for (name, schema) in schemas {
            let Some(example) = schema.get("example").or_else(|| schema.get("examples")) else {
                continue;
            };
            let examples = match (schema.get("examples"), example) {
                (Some(Value::Array(all)), _) => all.clone(),
                _ => vec![example.clone()],
            };
            for example in &examples {
                match parse_example(name, example) {
                    Some(Ok(())) => checked += 1,
                    Some(Err(e)) => panic!("the example of schema {name} does not parse: {e}"),
                    None => panic!(
                        "schema {name} has an example; add its Rust type to parse_example so \
                         the example is checked"
                    ),
                }
            }
        }
        assert!(
            checked >= 6,
            "the request examples are checked ({checked} were)"
        );
    }

    fn refs<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_openapi_reference_points_at_a_component() {
        let doc = serde_json::to_value(document()).unwrap();
        let mut found = vec![];
        refs(&doc, &mut found);
        assert!(
            !found.is_empty(),
            "the document shares schemas by reference"
        );
        for r in found {
            let pointer = r
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{r} is not local"));
            assert!(doc.pointer(pointer).is_some(), "{r} names no component");
        }
    }

    #[test]
    fn every_openapi_operation_says_who_may_call_it_and_how_it_fails() {
        let doc = serde_json::to_value(document()).unwrap();
        let public = ["/healthz", "/openapi.json", "/v1/enroll"];
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                if public.contains(&path.as_str()) {
                    assert!(
                        op.get("security").is_none(),
                        "{method} {path} needs no token"
                    );
                } else {
                    assert!(
                        op.get("security").is_some() && responses.contains_key("401"),
                        "{method} {path} names its token and its 401"
                    );
                }
                if path != "/healthz" && path != "/openapi.json" {
                    assert!(
                        responses.contains_key("5XX"),
                        "{method} {path} documents the planner's own failures"
                    );
                }
            }
        }
    }

    fn keys<'v>(value: &'v Value, out: &mut std::collections::BTreeSet<&'v str>) {
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| {
                out.insert(k);
                keys(v, out);
            }),
            Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }

    #[test]
    fn openapi_import_example_uses_every_documented_field() {
        // The reader refuses unknown fields, so an example that parses cleanly and names every
        // documented field proves the documented fields are the ones it reads.
        let doc = serde_json::to_value(document()).unwrap();
        let schemas = &doc["components"]["schemas"];
        let mut used = Default::default();
        keys(&schemas["ImportFile"]["example"], &mut used);
        for schema in [
            "ImportFile",
            "ImportCustomer",
            "ImportRoute",
            "ImportStop",
            "ImportLine",
        ] {
            for field in schemas[schema]["properties"].as_object().unwrap().keys() {
                assert!(
                    used.contains(field.as_str()),
                    "the ImportFile example uses {schema}.{field}, so the import reader checks it"
                );
            }
        }
    }

    #[test]
    fn openapi_import_description_names_every_csv_column() {
        let doc = serde_json::to_value(document()).unwrap();
        let body = &doc["paths"]["/v1/import"]["post"]["requestBody"];
        let text = body["description"].as_str().unwrap();
        for column in crate::import::CSV_COLUMNS {
            assert!(
                text.contains(&format!(" {column},")) || text.contains(&format!(" {column}.")),
                "the CSV import's description names the column {column}"
            );
        }
        let example = body["content"]["text/csv"]["example"].as_str().unwrap();
        let clock = doorstep_domain::FakeClock::at("2026-11-01T06:00:00Z".parse().unwrap());
        let read = crate::import::from_csv(example.as_bytes(), &clock).unwrap();
        assert!(
            read.problems.is_empty(),
            "the CSV example imports cleanly: {:?}",
            read.problems.rows()
        );
    }

    #[test]
    fn every_endpoint_is_routed_through_its_openapi_annotation() {
        // `OpenApiRouter::route` would add a route the document does not list.
        let api = [
            include_str!("api/mod.rs"),
            include_str!("api/accounts.rs"),
            include_str!("api/auth.rs"),
            include_str!("api/dispatch.rs"),
            include_str!("api/photos.rs"),
            include_str!("api/service.rs"),
            include_str!("api/sync.rs"),
            include_str!("api/territories.rs"),
        ]
        .concat();
        for bypass in [".route(", ".route_service(", ".nest(", ".merge("] {
            assert!(
                !api.contains(bypass),
                "api.rs calls `{bypass}`: add endpoints with `.routes(routes!(handler))` so the \
                 document lists them"
            );
        }
    }
}
