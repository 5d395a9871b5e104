"""Dashboards: activity counted per dialog and tenant, for administrators and analysts."""
