"""Dashboards: activity over time, by committee and by dialog kind, for the staff."""

from __future__ import annotations

from projections.dashboards import Dashboards
from tinget.contexts.base import Context

DASHBOARDS = Context("dashboards", read_models=lambda app: [Dashboards(app.codec.catalogue)])
