-- A reassigned route leaves its former courier's scope: the change names them, so their next
-- pull reports the route as removed (and nobody else hears of it).
ALTER TABLE changes ADD COLUMN left_user_id TEXT;
