-- Sales territories (DESIGN.md §4): areas drawn as GeoJSON (Polygon or MultiPolygon), each
-- assigned to a sales rep. A delivery belongs to the territory its stop's location lies in;
-- the bounding box lets a query skip far-away stops before the exact point-in-polygon test.
-- The twin of migrations/sqlite/0005_territories.sql.
CREATE TABLE territories (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    name       text NOT NULL,
    -- The area as a GeoJSON MultiPolygon geometry, checked before it is stored.
    area       text NOT NULL,
    min_lat    double precision NOT NULL,
    min_lon    double precision NOT NULL,
    max_lat    double precision NOT NULL,
    max_lon    double precision NOT NULL,
    rep_id     uuid REFERENCES users (id),
    UNIQUE (tenant_id, name)
);
CREATE INDEX territories_by_rep ON territories (tenant_id, rep_id);
CREATE INDEX stops_by_place ON stops (tenant_id, lat, lon);
