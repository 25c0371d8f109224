//! A loopback TCP proxy the tests control, between the real device engine (reqwest) and the
//! real planner: it can cut a request part-way, lose the answer after the planner committed,
//! or deliver a request twice. Faults are one-shot and armed for the next request whose first
//! line contains a given text (e.g. "POST /v1/sync/push").

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Let this request through untouched (to aim a later fault at the n-th request).
    Pass,
    /// Forward only the first `n` bytes of the request (headers included), then drop the link.
    CutAfter(usize),
    /// Forward the request; when the planner starts answering, drop the link: the planner has
    /// committed and the device never hears it.
    LoseAnswer,
    /// Forward the request, and once the planner has answered it, send the same bytes again on
    /// a new connection (the device hears the first answer).
    Duplicate,
}

#[derive(Default)]
struct Shared {
    target: Option<SocketAddr>,
    armed: Vec<(String, Fault)>,
    /// Faults that fired, in order: "(first line) → fault".
    fired: Vec<String>,
    /// Duplicated requests whose second copy has been answered.
    replayed: usize,
}

pub struct Proxy {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

const METHODS: [&[u8]; 5] = [b"GET ", b"POST ", b"PATCH ", b"HEAD ", b"PUT "];

impl Proxy {
    pub fn start(target_url: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Mutex::new(Shared::default()));
        let proxy = Proxy { url, shared };
        proxy.retarget(target_url);
        let shared = proxy.shared.clone();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let shared = shared.clone();
                thread::spawn(move || relay(client, shared));
            }
        });
        proxy
    }

    /// Points the proxy at another planner (after a restart on a new port).
    pub fn retarget(&self, target_url: &str) {
        let addr = target_url.trim_start_matches("http://").parse().unwrap();
        self.shared.lock().unwrap().target = Some(addr);
    }

    /// Arms `fault` for the next request whose first line contains `trigger`.
    pub fn arm(&self, trigger: &str, fault: Fault) {
        self.shared
            .lock()
            .unwrap()
            .armed
            .push((trigger.to_owned(), fault));
    }

    pub fn fired(&self) -> Vec<String> {
        self.shared.lock().unwrap().fired.clone()
    }

    /// Waits until `n` duplicated requests have been answered a second time.
    pub fn wait_for_replays(&self, n: usize) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while self.shared.lock().unwrap().replayed < n {
            assert!(
                std::time::Instant::now() < deadline,
                "replays never finished"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// What the current request on one connection is subject to.
#[derive(Default)]
struct Current {
    fault: Option<Fault>,
    sent: usize,
    captured: Vec<u8>,
}

fn relay(mut client: TcpStream, shared: Arc<Mutex<Shared>>) {
    let Some(target) = shared.lock().unwrap().target else {
        return;
    };
    let Ok(mut upstream) = TcpStream::connect(target) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let current = Arc::new(Mutex::new(Current::default()));

    // Planner → device.
    {
        let (mut up, mut down) = (upstream.try_clone().unwrap(), client.try_clone().unwrap());
        let current = current.clone();
        let shared = shared.clone();
        thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match up.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let mut cur = current.lock().unwrap();
                match cur.fault {
                    Some(Fault::LoseAnswer) => {
                        let _ = down.shutdown(Shutdown::Both);
                        let _ = up.shutdown(Shutdown::Both);
                        return;
                    }
                    Some(Fault::Duplicate) => {
                        let copy = std::mem::take(&mut cur.captured);
                        cur.fault = None;
                        let shared = shared.clone();
                        thread::spawn(move || {
                            replay(target, &copy);
                            shared.lock().unwrap().replayed += 1;
                        });
                    }
                    _ => {}
                }
                drop(cur);
                if down.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = down.shutdown(Shutdown::Both);
        });
    }

    // Device → planner.
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match client.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = &buf[..n];
        let mut cur = current.lock().unwrap();
        if METHODS.iter().any(|m| chunk.starts_with(m)) {
            // A new request (the client does not pipeline): is a fault armed for it?
            let line_end = chunk.iter().position(|b| *b == b'\r').unwrap_or(n);
            let line = String::from_utf8_lossy(&chunk[..line_end]).into_owned();
            let mut s = shared.lock().unwrap();
            let hit = s.armed.iter().position(|(t, _)| line.contains(t.as_str()));
            *cur = Current::default();
            if let Some(i) = hit {
                let (_, fault) = s.armed.remove(i);
                s.fired.push(format!("{line} → {fault:?}"));
                cur.fault = Some(fault);
            }
        }
        match cur.fault {
            Some(Fault::CutAfter(limit)) => {
                let room = limit.saturating_sub(cur.sent).min(n);
                let _ = upstream.write_all(&chunk[..room]);
                cur.sent += room;
                if cur.sent >= limit {
                    // Let the partial bytes reach the planner, then drop the link both ways.
                    thread::sleep(Duration::from_millis(50));
                    let _ = upstream.shutdown(Shutdown::Both);
                    let _ = client.shutdown(Shutdown::Both);
                    return;
                }
                continue;
            }
            Some(Fault::Duplicate) => cur.captured.extend_from_slice(chunk),
            _ => {}
        }
        cur.sent += n;
        drop(cur);
        if upstream.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = upstream.shutdown(Shutdown::Both);
}

/// Sends a captured request again on its own connection and reads the answer away.
fn replay(target: SocketAddr, request: &[u8]) {
    let Ok(mut s) = TcpStream::connect(target) else {
        return;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.write_all(request);
    let mut sink = [0u8; 8192];
    // The answer ends when the planner closes or goes quiet.
    while let Ok(n) = s.read(&mut sink) {
        if n == 0 {
            break;
        }
        let _ = s.set_read_timeout(Some(Duration::from_millis(300)));
    }
}
