-- A tenant's minimum group size: the smallest group whose count its results show (default 5).
ALTER TABLE tenant_directory ADD COLUMN min_group_size integer NOT NULL DEFAULT 5;
