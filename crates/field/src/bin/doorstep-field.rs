//! `doorstep-field`: a headless device over the same engine as the app, for scripts, tests and
//! benchmarks. Every command prints plain words, or JSON with `--json`; errors go to stderr
//! with exit code 1 (bad input) or 2 (the store failed).

use std::collections::hash_map::{Entry, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use doorstep_domain::{
    demo, FailureReason, GpsFix, LineOutcome, NewConditionNote, NewFailedAttempt, NewPod,
    NoteCategory, ShortfallReason, Signature, StopStatus,
};
use doorstep_field::sync::{
    self, background, HttpTransport, LoopEvent, LoopSettings, SyncEngine, SyncLoop,
};
use doorstep_field::{FieldError, Store, SystemClock};
use serde::Serialize;
use uuid::Uuid;

#[derive(Parser)]
#[command(name = "doorstep-field", about = "A headless Doorstep device", version)]
struct Cli {
    /// The device's data folder (database and photos).
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load today's demo route (30 stops in Amsterdam), or a synthetic one of N stops.
    Demo {
        #[arg(long)]
        stops: Option<usize>,
    },
    /// Show today's route.
    Route {
        #[arg(long)]
        json: bool,
    },
    /// Show one stop (by its number on today's route, or its id).
    Stop {
        stop: String,
        #[arg(long)]
        json: bool,
    },
    /// Record a proof of delivery. Lines not named with --short are delivered in full.
    Deliver {
        /// The stop's number on today's route, or its id.
        #[arg(long)]
        stop: String,
        #[arg(long)]
        recipient: String,
        /// A JSON file holding {"width", "height", "strokes": [[{"x","y","t"}]]}.
        #[arg(long, value_name = "FILE")]
        signature: Option<PathBuf>,
        /// A photo file (JPEG or PNG); repeat for several.
        #[arg(long = "photo", value_name = "FILE")]
        photos: Vec<PathBuf>,
        /// A short line: LINE:QTY:REASON[:NOTE], LINE being its number (1-based) or SKU.
        #[arg(long = "short", value_name = "LINE:QTY:REASON[:NOTE]")]
        short: Vec<String>,
        /// LAT,LON,ACCURACY_M
        #[arg(long)]
        gps: Option<String>,
        /// The id of an earlier proof on this stop that this one corrects.
        #[arg(long)]
        corrects: Option<Uuid>,
        #[arg(long)]
        json: bool,
    },
    /// Record a failed attempt.
    Fail {
        #[arg(long)]
        stop: String,
        /// nobody_home, refused, address_problem, no_access or other
        #[arg(long)]
        reason: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long, value_name = "FILE")]
        photo: Option<PathBuf>,
        #[arg(long)]
        gps: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Record a condition note.
    Note {
        #[arg(long)]
        stop: String,
        /// damaged_packaging, damaged_goods, missing_item, wrong_item, temperature or other
        #[arg(long)]
        category: String,
        #[arg(long, default_value = "")]
        text: String,
        #[arg(long = "photo", value_name = "FILE")]
        photos: Vec<PathBuf>,
        /// The line it is about: its number (1-based) or SKU.
        #[arg(long)]
        line: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Mark a stop "on the way" (en_route) or "arrived".
    Advance {
        #[arg(long)]
        stop: String,
        #[arg(long)]
        status: String,
    },
    /// What waits to sync, the planner, and how the last sync went.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Connect this device to a planner with a one-time code from dispatch.
    Enroll {
        /// The planner's address, e.g. https://planner.example
        #[arg(long, value_name = "URL")]
        planner: String,
        #[arg(long)]
        code: String,
    },
    /// One sync round: push waiting records, upload photos, pull route changes.
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// The ops waiting in the outbox, as JSON lines.
    Outbox,
    /// Deliver every pending stop of today's route in order, printing `saved STOP POD` after
    /// each commit. The crash tests kill it at random moments.
    DeliverAll {
        /// A photo to attach to every proof.
        #[arg(long, value_name = "FILE")]
        photo: Option<PathBuf>,
    },
    /// A courier's day as the app lives it: deliver every pending stop of today's route in
    /// order, while a second connection syncs in the background as the app's sync thread does.
    /// Prints `saved STOP POD` after each commit, and `sync started`, then `sync done ACKED
    /// WAITING` or `sync failed: WHY`, around each round. The crash tests kill it at random.
    Work {
        /// Photos to take turns attaching (JPEG or PNG); repeat for several.
        #[arg(long = "photo", value_name = "FILE")]
        photos: Vec<PathBuf>,
        /// Attach a photo to the stops whose position is a multiple of N.
        #[arg(long, default_value_t = 3, value_name = "N")]
        photo_every: u32,
        /// Wake the sync after every N saves (it also runs once more at the end).
        #[arg(long, default_value_t = 5, value_name = "N")]
        sync_every: usize,
        /// Photo bytes per upload request.
        #[arg(long, default_value_t = SyncEngine::default().chunk_bytes, value_name = "BYTES")]
        chunk_bytes: usize,
    },
    /// PRAGMA integrity_check and the outbox's contiguity.
    Check,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            match e {
                FieldError::Storage(_) | FieldError::Io { .. } => ExitCode::from(2),
                _ => ExitCode::from(1),
            }
        }
    }
}

fn run(cli: Cli) -> Result<(), FieldError> {
    let mut store = Store::open(&cli.data_dir, Arc::new(SystemClock))?;
    match cli.command {
        Command::Demo { stops } => {
            let today = store.clock().today();
            if store.routes().on(today)?.is_some() {
                println!("today's route ({today}) is already on this device");
                return Ok(());
            }
            let route = match stops {
                None => demo::amsterdam_route(today, store.clock()),
                Some(n) if n >= 1 => demo::synthetic_route(today, n, store.clock()),
                Some(_) => return Err(FieldError::Invalid("--stops must be at least 1".into())),
            };
            store.routes().import(&route)?;
            println!(
                "loaded today's route ({today}): {} stops for {}",
                route.stops.len(),
                route.courier_name
            );
        }
        Command::Route { json } => {
            let view = store.routes().today()?;
            if json {
                print_json(&view);
            } else if let Some(route) = &view.route {
                println!(
                    "{} — {} ({} stops)",
                    route.date,
                    route.courier_name,
                    view.stops.len()
                );
                for s in &view.stops {
                    println!(
                        "{:>3}. {} {}–{}  {:<16} {}  [{}]{}",
                        s.position,
                        s.customer_kind.as_str().to_uppercase(),
                        s.window_start,
                        s.window_end,
                        s.status.label(),
                        s.customer_name,
                        s.address,
                        if s.waiting_to_sync > 0 {
                            format!("  · {} waiting to sync", s.waiting_to_sync)
                        } else {
                            String::new()
                        },
                    );
                }
            } else {
                println!("no route for today on this device");
            }
        }
        Command::Stop { stop, json } => {
            let id = stop_id(&mut store, &stop)?;
            let detail = store.stops().detail(id)?;
            if json {
                print_json(&detail);
            } else {
                let s = &detail.summary;
                println!(
                    "{}. {} — {} ({})",
                    s.position,
                    s.customer_name,
                    s.address,
                    s.status.label()
                );
                for (i, l) in detail.lines.iter().enumerate() {
                    println!(
                        "   line {}: {} × {} {} ({})",
                        i + 1,
                        l.ordered_qty,
                        l.unit,
                        l.description,
                        l.sku
                    );
                }
            }
        }
        Command::Deliver {
            stop,
            recipient,
            signature,
            photos,
            short,
            gps,
            corrects,
            json,
        } => {
            let id = stop_id(&mut store, &stop)?;
            let lines = store.stops().detail(id)?.lines;
            let mut outcomes: Vec<LineOutcome> = lines.iter().map(LineOutcome::in_full).collect();
            for spec in &short {
                let parts: Vec<&str> = spec.splitn(4, ':').collect();
                let [line, qty, reason, rest @ ..] = parts.as_slice() else {
                    return Err(FieldError::Invalid(format!(
                        "--short \"{spec}\" should read LINE:QTY:REASON[:NOTE]"
                    )));
                };
                let idx = line_index(&lines, line)?;
                outcomes[idx].delivered_qty = qty.parse().map_err(|_| {
                    FieldError::Invalid(format!(
                        "--short \"{spec}\": \"{qty}\" is not a whole number"
                    ))
                })?;
                outcomes[idx].shortfall_reason =
                    Some(parse_word::<ShortfallReason>(reason, "shortfall reason")?);
                outcomes[idx].note = rest.first().map(|s| s.to_string());
            }
            let signature = signature.map(|p| read_signature(&p)).transpose()?;
            let photos = import_photos(&mut store, &photos)?;
            let saved = store.pods().record(NewPod {
                stop_id: id,
                recipient_name: recipient,
                signature,
                photos,
                gps: gps.as_deref().map(parse_gps).transpose()?,
                lines: outcomes,
                corrects,
            })?;
            report(&saved, json, "proof of delivery");
        }
        Command::Fail {
            stop,
            reason,
            note,
            photo,
            gps,
            json,
        } => {
            let id = stop_id(&mut store, &stop)?;
            let photo = import_photos(&mut store, photo.as_slice())?.pop();
            let saved = store.failed_attempts().record(NewFailedAttempt {
                stop_id: id,
                reason: parse_word::<FailureReason>(&reason, "failure reason")?,
                note,
                photo,
                gps: gps.as_deref().map(parse_gps).transpose()?,
            })?;
            report(&saved, json, "failed attempt");
        }
        Command::Note {
            stop,
            category,
            text,
            photos,
            line,
            json,
        } => {
            let id = stop_id(&mut store, &stop)?;
            let lines = store.stops().detail(id)?.lines;
            let line_id = line
                .map(|l| line_index(&lines, &l).map(|i| lines[i].id))
                .transpose()?;
            let photos = import_photos(&mut store, &photos)?;
            let saved = store.condition_notes().record(NewConditionNote {
                stop_id: id,
                category: parse_word::<NoteCategory>(&category, "note category")?,
                text,
                photos,
                line_id,
            })?;
            report(&saved, json, "condition note");
        }
        Command::Advance { stop, status } => {
            let id = stop_id(&mut store, &stop)?;
            let status: StopStatus = status.parse()?;
            let saved = store.stops().advance(id, status)?;
            report(&saved, false, "status change");
        }
        Command::Status { json } => {
            let state = store.sync_state()?;
            if json {
                print_json(&state);
            } else {
                println!(
                    "{} waiting to sync ({} KB of photos); {}",
                    state.waiting_ops,
                    state.waiting_photo_bytes / 1024,
                    state
                        .planner_url
                        .as_deref()
                        .unwrap_or("not connected to a planner yet")
                );
                if let Some(at) = &state.last_sync_at {
                    println!("last sync: {at}");
                }
                if let Some(error) = &state.last_error {
                    println!("last problem: {error}");
                }
                if state.unseen_rejections > 0 {
                    println!(
                        "{} records the planner could not apply: see the stops concerned",
                        state.unseen_rejections
                    );
                }
            }
        }
        Command::Enroll { planner, code } => {
            let transport = HttpTransport::new(planner.trim())?;
            let enrolled = sync::enroll(&mut store, &transport, &planner, &code)?;
            println!(
                "enrolled with {} as {} ({}) of {}",
                enrolled.planner_url, enrolled.user_name, enrolled.role, enrolled.tenant_name
            );
        }
        Command::Sync { json } => {
            let url = store
                .sync_state()?
                .planner_url
                .ok_or(FieldError::Sync(sync::SyncError::NotEnrolled))?;
            let transport = HttpTransport::new(&url)?;
            let report = SyncEngine::default().sync_once(&mut store, &transport)?;
            if json {
                print_json(&report);
            } else {
                println!(
                    "synced: {} records sent, {} photos ({} KB) uploaded, {} routes updated, {} removed; {} waiting",
                    report.ops_acked,
                    report.photos_uploaded,
                    report.photo_bytes_sent / 1024,
                    report.routes_updated,
                    report.routes_removed,
                    report.waiting_ops
                );
                for problem in &report.photo_problems {
                    println!("problem: {problem}");
                }
                if report.new_rejections > 0 {
                    println!(
                        "{} records the planner could not apply",
                        report.new_rejections
                    );
                }
            }
        }
        Command::Outbox => {
            for entry in store.outbox().entries()? {
                print_json(&entry.op);
            }
        }
        Command::DeliverAll { photo } => {
            let photos = import_photos(&mut store, photo.as_slice())?;
            let view = store.routes().today()?;
            let out = std::io::stdout();
            for s in view
                .stops
                .iter()
                .filter(|s| s.status == StopStatus::Pending)
            {
                let saved = deliver_in_full(&mut store, s, photos.clone())?;
                // Reported only after the commit: a line here is a promise the record is durable.
                let mut out = out.lock();
                writeln!(out, "saved {} {}", s.id, saved.id)
                    .and_then(|_| out.flush())
                    .map_err(|e| FieldError::io(Path::new("stdout"), e))?;
            }
        }
        Command::Work {
            photos,
            photo_every,
            sync_every,
            chunk_bytes,
        } => {
            let engine = SyncEngine {
                chunk_bytes: chunk_bytes.max(1),
                ..SyncEngine::default()
            };
            work(
                store,
                &cli.data_dir,
                &photos,
                photo_every,
                sync_every,
                engine,
            )?;
        }
        Command::Check => {
            store.check_integrity()?;
            println!("ok");
        }
    }
    Ok(())
}

/// `work`: records on this thread, syncs on another with its own connection to the store (as
/// the app does), woken every `sync_every` saves; a save never waits for the network.
fn work(
    mut store: Store,
    dir: &Path,
    photo_files: &[PathBuf],
    photo_every: u32,
    sync_every: usize,
    engine: SyncEngine,
) -> Result<(), FieldError> {
    let url = store
        .sync_state()?
        .planner_url
        .ok_or(FieldError::Sync(sync::SyncError::NotEnrolled))?;
    HttpTransport::new(&url)?; // a bad address is refused before any record is made
                               // As the app does at start-up: clear what an earlier crash left in the photo folder, before
                               // the sync's connection opens.
    store.sweep_orphan_photos()?;
    // The app's own loop, on its own connection; the timer is the app's too.
    let sync_store = Store::open(dir, Arc::new(SystemClock))?;
    let settings = LoopSettings {
        engine,
        ..LoopSettings::default()
    };
    let syncer =
        SyncLoop::new(sync_store, settings, background::http).spawn(|event| match event {
            LoopEvent::Started => say("sync started"),
            LoopEvent::Synced(r) => say(&format!("sync done {} {}", r.ops_acked, r.waiting_ops)),
            LoopEvent::Failed(why) => say(&format!("sync failed: {why}")),
            LoopEvent::NotEnrolled => say("sync failed: this phone is not enrolled"),
        })?;

    // Each file goes through the photo pipeline once; later stops name the same photo.
    let mut imported: HashMap<usize, String> = HashMap::new();
    let view = store.routes().today()?;
    let mut saves = 0;
    for s in view
        .stops
        .iter()
        .filter(|s| s.status == StopStatus::Pending)
    {
        let photos = match photo_files.len() {
            0 => vec![],
            n if photo_every > 0 && s.position % photo_every == 0 => {
                let k = (s.position / photo_every) as usize % n;
                let sha = match imported.entry(k) {
                    Entry::Occupied(e) => e.get().clone(),
                    Entry::Vacant(e) => e
                        .insert(store.photos().import_file(&photo_files[k])?.sha256)
                        .clone(),
                };
                vec![sha]
            }
            _ => vec![],
        };
        let saved = deliver_in_full(&mut store, s, photos)?;
        // Reported only after the commit: a line here is a promise the record is durable.
        say(&format!("saved {} {}", s.id, saved.id));
        saves += 1;
        if saves % sync_every.max(1) == 0 {
            syncer.wake();
        }
    }
    // One last round when recording is over, then the loop ends.
    syncer.finish()
}

/// One line on stdout, flushed: the crash tests read it the moment it is written.
fn say(line: &str) {
    let out = std::io::stdout();
    let mut out = out.lock();
    let _ = writeln!(out, "{line}").and_then(|_| out.flush());
}

/// A signed proof of delivery with every line in full.
fn deliver_in_full(
    store: &mut Store,
    stop: &doorstep_field::views::StopSummary,
    photos: Vec<String>,
) -> Result<doorstep_field::views::Saved, FieldError> {
    let lines = store.stops().detail(stop.id)?.lines;
    store.pods().record(NewPod {
        stop_id: stop.id,
        recipient_name: format!("Recipient {}", stop.position),
        signature: Some(demo_signature()),
        photos,
        gps: Some(GpsFix {
            lat: 52.37,
            lon: 4.89,
            accuracy_m: 8.0,
        }),
        lines: lines.iter().map(LineOutcome::in_full).collect(),
        corrects: None,
    })
}

fn stop_id(store: &mut Store, s: &str) -> Result<Uuid, FieldError> {
    if let Ok(position) = s.parse::<u32>() {
        return store.routes().stop_at(position);
    }
    Uuid::parse_str(s)
        .map_err(|_| FieldError::Invalid(format!("\"{s}\" is neither a stop number nor a stop id")))
}

fn line_index(lines: &[doorstep_domain::OrderLine], s: &str) -> Result<usize, FieldError> {
    if let Ok(n) = s.parse::<usize>() {
        if (1..=lines.len()).contains(&n) {
            return Ok(n - 1);
        }
        return Err(FieldError::Invalid(format!(
            "this stop has no line {n} (it has {})",
            lines.len()
        )));
    }
    lines
        .iter()
        .position(|l| l.sku == s)
        .ok_or_else(|| FieldError::Invalid(format!("this stop has no line with SKU \"{s}\"")))
}

/// Parses a snake_case word into one of the domain's enums.
fn parse_word<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T, FieldError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| FieldError::Invalid(format!("\"{s}\" is not a {what}")))
}

fn parse_gps(s: &str) -> Result<GpsFix, FieldError> {
    let nums: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            FieldError::Invalid(format!("--gps \"{s}\" should read LAT,LON,ACCURACY_M"))
        })?;
    match nums.as_slice() {
        [lat, lon, accuracy_m] => Ok(GpsFix {
            lat: *lat,
            lon: *lon,
            accuracy_m: *accuracy_m,
        }),
        _ => Err(FieldError::Invalid(format!(
            "--gps \"{s}\" should read LAT,LON,ACCURACY_M"
        ))),
    }
}

fn read_signature(path: &Path) -> Result<Signature, FieldError> {
    let text = std::fs::read_to_string(path).map_err(|e| FieldError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        FieldError::Invalid(format!(
            "{} is not a signature file ({{width, height, strokes}}): {e}",
            path.display()
        ))
    })
}

fn import_photos(store: &mut Store, paths: &[PathBuf]) -> Result<Vec<String>, FieldError> {
    paths
        .iter()
        .map(|p| store.photos().import_file(p).map(|r| r.sha256))
        .collect()
}

fn demo_signature() -> Signature {
    use doorstep_domain::SignaturePoint as P;
    Signature {
        width: 320,
        height: 160,
        strokes: vec![(0..24)
            .map(|i| P {
                x: 20.0 + i as f64 * 11.0,
                y: 80.0 + ((i as f64) / 2.0).sin() * 30.0,
                t: i as f64 * 16.0,
            })
            .collect()],
    }
}

fn report(saved: &doorstep_field::views::Saved, json: bool, what: &str) {
    if json {
        print_json(saved);
    } else {
        println!(
            "saved {what} {} — stop is {} · {} waiting to sync",
            saved.id,
            saved.stop_status.label(),
            saved.waiting_to_sync
        );
    }
}

fn print_json<T: Serialize>(v: &T) {
    println!(
        "{}",
        serde_json::to_string(v).expect("views always serialize")
    );
}
