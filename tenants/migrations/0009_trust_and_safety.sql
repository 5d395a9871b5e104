-- Where a tenant's links point: its configured public URL, never a request's Host header.
ALTER TABLE tenant_directory ADD COLUMN public_url text;
