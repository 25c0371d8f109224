//! The API document a running planner serves at /openapi.json, checked against the planner.

use reqwest::blocking::Client;
use reqwest::Method;
use serde_json::Value;

use crate::{Backing, TestServer};

fn fetch_document(server: &TestServer) -> (reqwest::header::HeaderMap, String) {
    let resp = Client::new()
        .get(format!("{}/openapi.json", server.url))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200, "/openapi.json needs no token");
    let headers = resp.headers().clone();
    (headers, resp.text().unwrap())
}

#[test]
fn served_openapi_document_parses_and_lists_the_sync_endpoints() {
    let server = TestServer::start(Backing::Sqlite);
    let (headers, text) = fetch_document(&server);
    assert_eq!(
        headers["content-type"], "application/json",
        "the document is served as JSON"
    );
    assert_eq!(
        text,
        doorstep_planner::openapi::CHECKED_IN,
        "the planner serves the checked-in document as it is"
    );
    let doc: Value = serde_json::from_str(&text).expect("the document is JSON");
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "an OpenAPI 3.1 document"
    );
    for (path, method) in [
        ("/v1/enroll", "post"),
        ("/v1/sync/push", "post"),
        ("/v1/sync/pull", "post"),
        ("/v1/blobs/{sha256}", "head"),
        ("/v1/blobs/{sha256}", "patch"),
        ("/v1/blobs/{sha256}", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "the document lists {} {path}",
            method.to_uppercase()
        );
    }
    let schemes = &doc["components"]["securitySchemes"];
    for scheme in ["device_token", "dispatcher_token"] {
        assert_eq!(
            schemes[scheme]["scheme"], "bearer",
            "{scheme} is a Bearer token"
        );
    }
}

/// A concrete path for a documented one: `{sha256}` and `{id}` filled with well-formed values.
fn concrete(path: &str) -> String {
    path.replace("{sha256}", &"0".repeat(64))
        .replace("{id}", "00000000-0000-0000-0000-000000000000")
}

#[test]
fn every_operation_in_the_served_openapi_document_reaches_a_handler() {
    let server = TestServer::start(Backing::Sqlite);
    let doc: Value = serde_json::from_str(&fetch_document(&server).1).unwrap();
    let client = Client::new();
    let mut tried = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let resp = client
                .request(method.clone(), format!("{}{}", server.url, concrete(path)))
                .send()
                .unwrap();
            let status = resp.status().as_u16();
            let body: Value = serde_json::from_str(&resp.text().unwrap()).unwrap_or(Value::Null);
            assert_ne!(status, 405, "{method} {path} is documented but not routed");
            assert!(
                !(status == 404
                    && (method == Method::HEAD || body["error"]["message"] == "no such endpoint")),
                "{method} {path} is documented but falls through to the planner's 404"
            );
            tried += 1;
        }
    }
    assert!(
        tried >= 14,
        "every documented operation was tried ({tried})"
    );
}

#[test]
fn a_whole_number_written_with_a_fraction_is_read_as_that_integer() {
    // To JSON Schema, and so to every client generated from the document, 24.0 is the integer
    // 24: schemathesis sends such numbers, and the planner must read them.
    let server = TestServer::start(Backing::Sqlite);
    let accounts = |qty: serde_json::Value| {
        serde_json::json!({"accounts": [{
            "ref": "QTY-1", "name": "Bakkerij Visser", "address": "Rozengracht 251, Amsterdam",
            "lat": 52.3739, "lon": 4.879,
            "plan": {"days": ["mon"], "window_start": "07:00", "window_end": "09:00",
                     "typical": [{"description": "Oat milk 1 L", "qty": qty, "unit": "carton"}]}
        }]})
    };
    let (status, body) = server.dispatch(
        Method::POST,
        "/v1/accounts",
        Some(accounts(serde_json::json!(24.0))),
    );
    assert_eq!(status, 201, "qty 24.0 is read as 24: {body}");
    let (status, body) = server.dispatch(
        Method::POST,
        "/v1/accounts",
        Some(accounts(serde_json::json!(1.5))),
    );
    assert_eq!(status, 400, "qty 1.5 is no whole number of cartons: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("1.5")),
        "the refusal quotes the number as it was sent: {body}"
    );
}
