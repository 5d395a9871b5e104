-- The problem report widget's map (tenants/maps.py): the tile server's URL template, its
-- attribution and the map's first view. NULL: no map, and no tiles loaded from anyone.
ALTER TABLE tenant_directory ADD COLUMN map_tiles jsonb;
