//! The device engine's integration tests: one binary, modules mirroring `src/`.

mod actions;
mod cli;
mod crash;
mod photos;
mod store;
mod sync;
mod territory;
mod upgrade;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use doorstep_domain::{demo, Clock, FakeClock, LineOutcome, NewPod, Signature, SignaturePoint};
use doorstep_field::Store;
use tempfile::TempDir;

/// A store in a fresh temp dir, a fake clock at 09:00 on 2026-11-25, the demo route loaded.
pub struct Device {
    pub dir: TempDir,
    pub clock: Arc<FakeClock>,
    pub store: Store,
}

impl Device {
    pub fn start() -> Device {
        let mut dev = Device::empty();
        let route = demo::amsterdam_route(dev.clock.today(), &*dev.clock);
        dev.store
            .routes()
            .import(&route)
            .expect("demo route imports");
        dev
    }

    /// A fresh device with no route: what a phone holds before its first sync.
    pub fn empty() -> Device {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(FakeClock::at(
            Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap(),
        ));
        let store = Store::open(dir.path(), clock.clone()).expect("store opens");
        Device { dir, clock, store }
    }

    pub fn reopen(self) -> Device {
        let Device { dir, clock, store } = self;
        drop(store);
        let store = Store::open(dir.path(), clock.clone()).expect("store reopens");
        Device { dir, clock, store }
    }

    pub fn stop(&mut self, position: u32) -> doorstep_field::views::StopDetail {
        let id = self.store.routes().stop_at(position).expect("stop exists");
        self.store.stops().detail(id).expect("stop detail")
    }

    /// Everything delivered in full, signed.
    pub fn full_pod(&mut self, position: u32) -> NewPod {
        let stop = self.stop(position);
        NewPod {
            stop_id: stop.summary.id,
            recipient_name: "Ana de Vries".into(),
            signature: Some(signature()),
            photos: vec![],
            gps: None,
            lines: stop.lines.iter().map(LineOutcome::in_full).collect(),
            corrects: None,
        }
    }
}

pub fn signature() -> Signature {
    Signature {
        width: 320,
        height: 160,
        strokes: vec![vec![
            SignaturePoint {
                x: 10.0,
                y: 80.0,
                t: 0.0,
            },
            SignaturePoint {
                x: 60.0,
                y: 40.0,
                t: 16.0,
            },
            SignaturePoint {
                x: 120.0,
                y: 90.0,
                t: 32.0,
            },
        ]],
    }
}

/// The shared test photos (EXIF orientations 1, 3, 5, 6, 8).
pub fn testdata_photo(name: &str) -> std::path::PathBuf {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/photos");
    root.join(name)
}
