"""Every bounded context's aggregates, registered in one catalogue."""

from __future__ import annotations

from events.catalogue import Catalogue
from tenants.domain import HostClaim, Tenant


def build_catalogue() -> Catalogue:
    catalogue = Catalogue()
    catalogue.register(Tenant, "tenants")
    catalogue.register(HostClaim, "tenants")
    return catalogue
