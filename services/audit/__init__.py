"""Audit: every event of a tenant as one entry of a hash-chained trail, its queries and its
verification."""
