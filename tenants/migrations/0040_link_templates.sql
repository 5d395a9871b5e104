-- Where the links of each kind in a tenant's e-mails point, when it runs its own front end
-- (tenants/links.py): kind -> URL template. Empty: every link on the tenant's public URL.
ALTER TABLE tenant_directory ADD COLUMN link_templates jsonb NOT NULL DEFAULT '{}';
