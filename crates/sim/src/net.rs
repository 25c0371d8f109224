//! The simulated network between the devices and the planner. Each request meets a fate the
//! seed decides: delivered, lost on the way, delayed (it arrives later, after newer ones),
//! duplicated, answered but the answer lost, a photo chunk cut in the middle, or the device
//! dying just before sending or just after the planner answered.

use std::cell::RefCell;
use std::rc::Rc;

use doorstep_domain::sync::{PullRequest, PullResponse, PushRequest, PushResponse};
use doorstep_field::sync::{Method, Request, Response, Transport, TransportError};

use crate::planner::SimPlanner;
use crate::world::{Crash, Monitor, Shared};

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Deliver,
    DropRequest,
    /// Held back and delivered at a later step; the sender times out.
    Delay,
    /// Delivered now and once more later.
    Duplicate,
    /// The planner acts on it; the answer never arrives.
    DropAnswer,
    /// Only the first n bytes of the body arrive, then the connection breaks.
    Cut(usize),
    CrashBefore,
    CrashAfter,
}

/// A request still travelling: delivered to the planner at a later step, its answer lost.
#[derive(Debug, Clone)]
pub struct Parcel {
    pub device: usize,
    pub request: Request,
}

/// One device's connection to the planner.
pub struct SimLink {
    pub device: usize,
    pub shared: Rc<RefCell<Shared>>,
    pub planner: Rc<RefCell<SimPlanner>>,
    pub limbo: Rc<RefCell<Vec<Parcel>>>,
    pub monitor: Rc<RefCell<Monitor>>,
}

impl SimLink {
    fn log(&self, line: String) {
        self.shared.borrow_mut().log(line);
    }
}

/// Hands `request` to the planner and watches what it did.
pub fn deliver(
    planner: &Rc<RefCell<SimPlanner>>,
    shared: &Rc<RefCell<Shared>>,
    monitor: &Rc<RefCell<Monitor>>,
    request: &Request,
) -> Response {
    let answer = planner.borrow().handle(request);
    if answer.status >= 500 {
        shared.borrow_mut().violation(
            "no server errors",
            format!(
                "the planner answered HTTP {} to {}: {}",
                answer.status,
                describe(request),
                String::from_utf8_lossy(&answer.body)
            ),
        );
    }
    let found = monitor.borrow_mut().observe(planner.borrow().path());
    for (invariant, detail) in found {
        shared.borrow_mut().violation(invariant, detail);
    }
    answer
}

impl Transport for SimLink {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let what = describe(request);
        let fate = self.shared.borrow_mut().fate(request);
        let d = self.device;
        match fate {
            Fate::CrashBefore => {
                self.log(format!("d{d} {what}: the phone dies before sending"));
                std::panic::panic_any(Crash("before sending a request"));
            }
            Fate::DropRequest => {
                self.log(format!("d{d} {what}: lost on the way"));
                Err(TransportError::Unreachable("no signal (simulated)".into()))
            }
            Fate::Delay => {
                self.limbo.borrow_mut().push(Parcel {
                    device: d,
                    request: request.clone(),
                });
                self.log(format!("d{d} {what}: delayed, will arrive later"));
                Err(TransportError::TimedOut)
            }
            Fate::Cut(n) => {
                let mut partial = request.clone();
                partial.body.truncate(n);
                let answer = deliver(&self.planner, &self.shared, &self.monitor, &partial);
                self.log(format!(
                    "d{d} {what}: cut after {n} bytes; the planner said {}",
                    answer.status
                ));
                Err(TransportError::Cut("connection reset (simulated)".into()))
            }
            Fate::DropAnswer => {
                let answer = deliver(&self.planner, &self.shared, &self.monitor, request);
                self.log(format!(
                    "d{d} {what} → {}, but the answer is lost",
                    summary(request, &answer)
                ));
                Err(TransportError::Cut("connection reset (simulated)".into()))
            }
            Fate::Duplicate => {
                let answer = deliver(&self.planner, &self.shared, &self.monitor, request);
                self.limbo.borrow_mut().push(Parcel {
                    device: d,
                    request: request.clone(),
                });
                self.log(format!(
                    "d{d} {what} → {} (a copy will arrive again later)",
                    summary(request, &answer)
                ));
                Ok(answer)
            }
            Fate::Deliver => {
                let answer = deliver(&self.planner, &self.shared, &self.monitor, request);
                self.log(format!("d{d} {what} → {}", summary(request, &answer)));
                Ok(answer)
            }
            Fate::CrashAfter => {
                let answer = deliver(&self.planner, &self.shared, &self.monitor, request);
                self.log(format!(
                    "d{d} {what} → {}, and the phone dies before reading it",
                    summary(request, &answer)
                ));
                std::panic::panic_any(Crash("after the planner answered"));
            }
        }
    }
}

/// A request in a few words, for the trace.
pub fn describe(request: &Request) -> String {
    let path = request.path.as_str();
    match (request.method, path) {
        (Method::Post, "/v1/sync/push") => {
            match serde_json::from_slice::<PushRequest>(&request.body) {
                Ok(push) => match (push.ops.first(), push.ops.last()) {
                    (Some(a), Some(b)) => format!("push e{} #{}..#{}", push.epoch, a.seq, b.seq),
                    _ => format!("push e{} (empty)", push.epoch),
                },
                Err(_) => "push (unreadable)".into(),
            }
        }
        (Method::Post, "/v1/sync/pull") => {
            match serde_json::from_slice::<PullRequest>(&request.body) {
                Ok(pull) => format!("pull e{} from {}", pull.epoch, pull.cursor),
                Err(_) => "pull (unreadable)".into(),
            }
        }
        (Method::Post, "/v1/enroll") => "enrol".into(),
        (Method::Patch, p) if p.starts_with("/v1/blobs/") => format!(
            "photo {} bytes {}+{} of {}",
            short(&p["/v1/blobs/".len()..]),
            request.get_header("upload-offset").unwrap_or("?"),
            request.body.len(),
            request.get_header("upload-length").unwrap_or("?"),
        ),
        (Method::Head, p) if p.starts_with("/v1/blobs/") => {
            format!("ask photo {}", short(&p["/v1/blobs/".len()..]))
        }
        (m, p) => format!("{} {p}", m.as_str()),
    }
}

/// An answer in a few words, for the trace.
pub fn summary(request: &Request, answer: &Response) -> String {
    if !answer.is_success() {
        return format!("{}", answer.status);
    }
    match request.path.as_str() {
        "/v1/sync/push" => match serde_json::from_slice::<PushResponse>(&answer.body) {
            Ok(p) if p.rejections.is_empty() => format!("acked #{}", p.acked_seq),
            Ok(p) => format!("acked #{}, {} rejected", p.acked_seq, p.rejections.len()),
            Err(_) => "200 (unreadable)".into(),
        },
        "/v1/sync/pull" => match serde_json::from_slice::<PullResponse>(&answer.body) {
            Ok(p) => format!(
                "cursor {}, {} routes, {} removed, acked #{}",
                p.cursor,
                p.routes.len(),
                p.removed.len(),
                p.acked_seq
            ),
            Err(_) => "200 (unreadable)".into(),
        },
        _ => match answer.header("upload-offset") {
            Some(offset) => format!("{} at {offset}", answer.status),
            None => format!("{}", answer.status),
        },
    }
}

pub fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}
