//! How the engine reaches the planner: one request out, one answer back. The engine only sees
//! this trait, so the simulation can put a faulty network and a fake clock in its place.

use std::fmt;
use std::time::Duration;

/// The HTTP methods the sync protocol uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Head,
    Post,
    Patch,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Patch => "PATCH",
        }
    }
}

/// One request to the planner; `path` starts with `/` and is relative to the planner's address.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn new(method: Method, path: impl Into<String>) -> Request {
        Request {
            method,
            path: path.into(),
            headers: vec![],
            body: vec![],
        }
    }

    pub fn header(mut self, name: &str, value: impl ToString) -> Request {
        self.headers.push((name.to_owned(), value.to_string()));
        self
    }

    pub fn body(mut self, body: Vec<u8>) -> Request {
        self.body = body;
        self
    }

    /// The value of header `name` (case-insensitive).
    pub fn get_header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// `Debug` never shows the device token.
impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("authorization") {
                    "<hidden>"
                } else {
                    v.as_str()
                };
                (k.as_str(), v)
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &headers)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// The planner's answer: any status, the caller decides what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: vec![],
            body: vec![],
        }
    }

    /// A JSON answer.
    pub fn json<T: serde::Serialize>(status: u16, value: &T) -> Response {
        Response::new(status)
            .with_header("content-type", "application/json")
            .with_body(serde_json::to_vec(value).expect("wire types always serialize"))
    }

    pub fn with_header(mut self, name: &str, value: impl ToString) -> Response {
        self.headers.push((name.to_owned(), value.to_string()));
        self
    }

    pub fn with_body(mut self, body: Vec<u8>) -> Response {
        self.body = body;
        self
    }

    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Why no answer came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No connection could be made (no network, wrong address, planner down).
    #[error("the planner could not be reached: {0}")]
    Unreachable(String),
    /// The planner did not answer in time.
    #[error("the planner did not answer in time")]
    TimedOut,
    /// The connection broke while the request or the answer travelled: the planner may or may
    /// not have acted on it.
    #[error("the connection was cut: {0}")]
    Cut(String),
}

/// Sends one request and waits for its answer. Synchronous on purpose: the engine has no
/// timers of its own, so a simulation can drive it step by step.
pub trait Transport {
    fn send(&self, request: &Request) -> Result<Response, TransportError>;
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        (**self).send(request)
    }
}

/// The real network: HTTP/1.1 or HTTP/2 over TLS (rustls), gzip answers, with timeouts.
/// Uses reqwest's blocking client, so it must not be called from inside an async runtime:
/// run the sync loop on its own thread.
pub struct HttpTransport {
    base_url: String,
    client: reqwest::blocking::Client,
}

impl fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpTransport")
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl HttpTransport {
    pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Long enough for a 256 KiB chunk or a large first pull over a slow link.
    pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

    /// A transport to the planner at `base_url` (e.g. `https://planner.example`).
    pub fn new(base_url: &str) -> Result<HttpTransport, TransportError> {
        Self::with_timeouts(base_url, Self::CONNECT_TIMEOUT, Self::REQUEST_TIMEOUT)
    }

    pub fn with_timeouts(
        base_url: &str,
        connect: Duration,
        request: Duration,
    ) -> Result<HttpTransport, TransportError> {
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(connect)
            .timeout(request)
            .user_agent(concat!("doorstep-field/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
        Ok(HttpTransport {
            base_url: base_url.trim_end_matches('/').to_owned(),
            client,
        })
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
            Method::Post => reqwest::Method::POST,
            Method::Patch => reqwest::Method::PATCH,
        };
        let url = format!("{}{}", self.base_url, request.path);
        let mut builder = self.client.request(method, url);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if !request.body.is_empty() || request.method == Method::Patch {
            builder = builder.body(request.body.clone());
        }
        let answer = builder.send().map_err(classify)?;
        let status = answer.status().as_u16();
        let headers = answer
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = answer.bytes().map_err(classify)?.to_vec();
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

fn classify(e: reqwest::Error) -> TransportError {
    // The error's text names the URL, never a header: no secret leaves through it.
    if e.is_timeout() {
        TransportError::TimedOut
    } else if e.is_connect() || e.is_builder() {
        TransportError::Unreachable(e.to_string())
    } else {
        TransportError::Cut(e.to_string())
    }
}
