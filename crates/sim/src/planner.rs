//! The real planner (router, handlers, rules, SQLite store) in the simulation's process. A
//! request goes through the same axum router the server runs, on a single-threaded runtime;
//! a restart drops the router and the store and opens the file again.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::Router;
use doorstep_domain::FakeClock;
use doorstep_field::sync::{Request, Response};
use doorstep_planner::api::{router, AppState};
use doorstep_planner::auth::Entropy;
use doorstep_planner::storage::SqliteStorage;
use tower::ServiceExt;

use crate::rng::Rng;

/// Token randomness from the seed: the simulation reads no real randomness.
pub struct SeededEntropy(Mutex<Rng>);

impl SeededEntropy {
    pub fn new(rng: Rng) -> SeededEntropy {
        SeededEntropy(Mutex::new(rng))
    }
}

impl Entropy for SeededEntropy {
    fn fill(&self, buf: &mut [u8]) -> doorstep_planner::Result<()> {
        let mut rng = self.0.lock().expect("one thread");
        for b in buf.iter_mut() {
            *b = rng.next_u64() as u8;
        }
        Ok(())
    }
}

pub struct SimPlanner {
    path: PathBuf,
    clock: Arc<FakeClock>,
    entropy: Arc<SeededEntropy>,
    runtime: tokio::runtime::Runtime,
    storage: Arc<SqliteStorage>,
    router: Router,
}

impl SimPlanner {
    pub fn open(path: &Path, clock: Arc<FakeClock>, entropy: Arc<SeededEntropy>) -> SimPlanner {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a single-threaded runtime starts");
        let (storage, router) = Self::start(path, &clock, &entropy);
        SimPlanner {
            path: path.to_owned(),
            clock,
            entropy,
            runtime,
            storage,
            router,
        }
    }

    fn start(
        path: &Path,
        clock: &Arc<FakeClock>,
        entropy: &Arc<SeededEntropy>,
    ) -> (Arc<SqliteStorage>, Router) {
        let storage = Arc::new(SqliteStorage::open(path).expect("the planner's file opens"));
        let state = AppState {
            storage: storage.clone(),
            clock: clock.clone(),
            entropy: entropy.clone(),
        };
        (storage, router(state))
    }

    pub fn storage(&self) -> &SqliteStorage {
        &self.storage
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops the planner (dropping its store: what was not committed is gone) and starts it
    /// again on the same file.
    pub fn restart(&mut self) {
        self.router = Router::new();
        let (storage, router) = Self::start(&self.path, &self.clock, &self.entropy);
        self.storage = storage; // the old store closes here
        self.router = router;
    }

    /// One request through the planner's router, answered in full.
    pub fn handle(&self, request: &Request) -> Response {
        let mut builder = axum::http::Request::builder()
            .method(request.method.as_str())
            .uri(&request.path);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let http = builder
            .body(Body::from(request.body.clone()))
            .expect("the engine builds valid requests");
        let router = self.router.clone();
        self.runtime.block_on(async move {
            let answer = router.oneshot(http).await.expect("the router never fails");
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
            let body = axum::body::to_bytes(answer.into_body(), usize::MAX)
                .await
                .expect("an answer's body is read whole")
                .to_vec();
            Response {
                status,
                headers,
                body,
            }
        })
    }
}
