//! The planner with real devices: a server on a free port, the real device engine syncing
//! with it over HTTP.

mod faults;
mod stories;

use std::net::SocketAddr;
use std::sync::Arc;

use doorstep_domain::SystemClock;
use doorstep_field::sync::{enroll, HttpTransport, SyncEngine};
use doorstep_field::Store;
use doorstep_planner::api::{router, AppState};
use doorstep_planner::demo::{seed, Demo};
use doorstep_planner::storage::{SqliteStorage, Storage};
use tempfile::TempDir;

/// A planner serving on 127.0.0.1:0 in its own runtime; stops when dropped.
pub struct TestServer {
    pub url: String,
    pub storage: Arc<dyn Storage>,
    pub demo: Demo,
    _dir: TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    pub fn start() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let storage: Arc<dyn Storage> =
            Arc::new(SqliteStorage::open(&dir.path().join("planner.db")).unwrap());
        let demo = seed(&*storage, &SystemClock).unwrap();
        let app = router(AppState {
            storage: storage.clone(),
            clock: Arc::new(SystemClock),
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel::<SocketAddr>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let addr = addr_rx.recv().unwrap();
        TestServer {
            url: format!("http://{addr}"),
            storage,
            demo,
            _dir: dir,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn code_of(&self, name: &str) -> String {
        self.demo
            .users
            .iter()
            .find(|u| u.name == name)
            .unwrap()
            .enrolment_code
            .clone()
    }

    pub fn route_of(&self, name: &str) -> uuid::Uuid {
        self.demo
            .users
            .iter()
            .find(|u| u.name == name)
            .unwrap()
            .route_id
            .unwrap()
    }

    /// A dispatcher's HTTP call; returns status and JSON body.
    pub fn dispatch(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let client = reqwest::blocking::Client::new();
        let mut req = client
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.demo.dispatcher_token);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A phone: the real device engine in its own temp dir, enrolled with the test planner.
pub struct Phone {
    pub store: Store,
    pub transport: HttpTransport,
    _dir: TempDir,
}

impl Phone {
    pub fn enrol(server: &TestServer, courier: &str) -> Phone {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path(), Arc::new(SystemClock)).unwrap();
        let transport = HttpTransport::new(&server.url).unwrap();
        enroll(
            &mut store,
            &transport,
            &server.url,
            &server.code_of(courier),
        )
        .unwrap();
        Phone {
            store,
            transport,
            _dir: dir,
        }
    }

    pub fn sync(&mut self) -> doorstep_field::Result<doorstep_field::sync::SyncReport> {
        SyncEngine::default().sync_once(&mut self.store, &self.transport)
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.store.clock().today()
    }
}
