-- The device store. Append-only: never edit a migration that has shipped; add a new file.

CREATE TABLE device (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    device_id   TEXT    NOT NULL,
    -- Changes on reinstall or when a restored copy of the database is detected (DESIGN.md §3).
    epoch       INTEGER NOT NULL CHECK (epoch >= 1),
    -- The last outbox seq handed out in this epoch; seq is contiguous from 1.
    last_seq    INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    created_at  TEXT    NOT NULL
);

CREATE TABLE routes (
    id            TEXT PRIMARY KEY,
    date          TEXT NOT NULL,
    courier_name  TEXT NOT NULL
);
CREATE INDEX routes_by_date ON routes (date);

CREATE TABLE stops (
    id             TEXT    PRIMARY KEY,
    route_id       TEXT    NOT NULL REFERENCES routes (id),
    position       INTEGER NOT NULL CHECK (position >= 1),
    customer_name  TEXT    NOT NULL,
    customer_kind  TEXT    NOT NULL CHECK (customer_kind IN ('b2b', 'b2c')),
    address        TEXT    NOT NULL,
    lat            REAL    NOT NULL,
    lon            REAL    NOT NULL,
    contact_name   TEXT,
    contact_phone  TEXT,
    window_start   TEXT    NOT NULL,
    window_end     TEXT    NOT NULL,
    instructions   TEXT,
    status         TEXT    NOT NULL CHECK (status IN
                       ('pending', 'en_route', 'arrived', 'delivered', 'partly_delivered', 'failed')),
    UNIQUE (route_id, position)
);

CREATE TABLE order_lines (
    id           TEXT    PRIMARY KEY,
    stop_id      TEXT    NOT NULL REFERENCES stops (id),
    position     INTEGER NOT NULL,
    sku          TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    ordered_qty  INTEGER NOT NULL CHECK (ordered_qty > 0),
    unit         TEXT    NOT NULL,
    barcode      TEXT,
    UNIQUE (stop_id, position)
);

-- A row exists only once its file is written, fsynced and renamed into place.
CREATE TABLE photos (
    sha256      TEXT    PRIMARY KEY,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    uploaded    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE pods (
    id              TEXT PRIMARY KEY,
    stop_id         TEXT NOT NULL REFERENCES stops (id),
    recipient_name  TEXT NOT NULL,
    signature       TEXT,            -- JSON: {width, height, strokes}
    gps_lat         REAL,
    gps_lon         REAL,
    gps_accuracy_m  REAL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('delivered', 'partly_delivered')),
    corrects        TEXT REFERENCES pods (id),
    captured_at     TEXT NOT NULL
);
CREATE INDEX pods_by_stop ON pods (stop_id);

CREATE TABLE pod_lines (
    pod_id            TEXT    NOT NULL REFERENCES pods (id),
    line_id           TEXT    NOT NULL REFERENCES order_lines (id),
    delivered_qty     INTEGER NOT NULL CHECK (delivered_qty >= 0),
    shortfall_reason  TEXT,
    note              TEXT,
    PRIMARY KEY (pod_id, line_id)
);

CREATE TABLE failed_attempts (
    id              TEXT PRIMARY KEY,
    stop_id         TEXT NOT NULL REFERENCES stops (id),
    reason          TEXT NOT NULL,
    note            TEXT,
    gps_lat         REAL,
    gps_lon         REAL,
    gps_accuracy_m  REAL,
    captured_at     TEXT NOT NULL
);
CREATE INDEX failed_attempts_by_stop ON failed_attempts (stop_id);

CREATE TABLE condition_notes (
    id           TEXT PRIMARY KEY,
    stop_id      TEXT NOT NULL REFERENCES stops (id),
    category     TEXT NOT NULL,
    text         TEXT NOT NULL,
    line_id      TEXT REFERENCES order_lines (id),
    captured_at  TEXT NOT NULL
);
CREATE INDEX condition_notes_by_stop ON condition_notes (stop_id);

-- Photos attached to any event (POD, failed attempt, condition note), in order.
CREATE TABLE event_photos (
    event_id  TEXT    NOT NULL,
    position  INTEGER NOT NULL,
    sha256    TEXT    NOT NULL REFERENCES photos (sha256),
    PRIMARY KEY (event_id, position)
);
CREATE INDEX event_photos_by_photo ON event_photos (sha256);

-- Ops waiting for the planner, numbered (device_id, epoch, seq). An op that records an event
-- names the event's immutable row (event_id) instead of copying it: the op body is built from
-- that row when it is pushed, so a proof of delivery is written once, not twice. Other ops
-- carry their body inline (payload).
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY,
    epoch       INTEGER NOT NULL,
    stop_id     TEXT,
    kind        TEXT    NOT NULL,
    event_id    TEXT,
    payload     TEXT,
    created_at  TEXT    NOT NULL,
    CHECK ((event_id IS NULL) <> (payload IS NULL))
);
CREATE INDEX outbox_by_stop ON outbox (stop_id);

-- Events are immutable: a correction is a new event that refers to the old one.
CREATE TRIGGER pods_immutable BEFORE UPDATE ON pods
BEGIN SELECT RAISE(ABORT, 'a saved proof of delivery cannot be changed'); END;
CREATE TRIGGER pods_undeletable BEFORE DELETE ON pods
BEGIN SELECT RAISE(ABORT, 'a saved proof of delivery cannot be deleted'); END;
CREATE TRIGGER pod_lines_immutable BEFORE UPDATE ON pod_lines
BEGIN SELECT RAISE(ABORT, 'a saved proof of delivery cannot be changed'); END;
CREATE TRIGGER failed_attempts_immutable BEFORE UPDATE ON failed_attempts
BEGIN SELECT RAISE(ABORT, 'a saved failed attempt cannot be changed'); END;
CREATE TRIGGER condition_notes_immutable BEFORE UPDATE ON condition_notes
BEGIN SELECT RAISE(ABORT, 'a saved condition note cannot be changed'); END;
