-- The territory index holds one box per route (around its stops inside a territory, on its
-- day) instead of one point per stop. "Late first" loads whole routes anyway (lateness needs
-- them), so it looks routes up, and the polygon then decides stop by stop. A rep's first sync
-- writes a few thousand R*Tree entries instead of tens of thousands: each R*Tree insert costs
-- as much as a dozen plain rows (P5, DESIGN.md §7).
DROP TRIGGER rep_stops_where_insert;
DROP TRIGGER rep_stops_where_move;
DROP TRIGGER rep_stops_where_delete;
DROP TABLE rep_stops_where;

-- A number per cached route: the R*Tree's key.
CREATE TABLE rep_routes (
    rid  INTEGER PRIMARY KEY,
    id   TEXT NOT NULL UNIQUE
);
-- R*Tree stores 32-bit floats rounded outwards, so a box may be a little larger than its
-- stops, never smaller. Kept in step by the store inside the transactions that change stops.
CREATE VIRTUAL TABLE rep_routes_where USING rtree (rid, min_lat, max_lat, min_lon, max_lon, min_day, max_day);

INSERT INTO rep_routes (id) SELECT DISTINCT route_id FROM rep_stops WHERE territory_id IS NOT NULL;
INSERT INTO rep_routes_where
SELECT r.rid, MIN(s.lat), MAX(s.lat), MIN(s.lon), MAX(s.lon), MIN(s.day), MAX(s.day)
FROM rep_routes r JOIN rep_stops s ON s.route_id = r.id
WHERE s.territory_id IS NOT NULL
GROUP BY r.rid;
