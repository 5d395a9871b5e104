"""The Tenant aggregate and host claims in memory."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import IntegrityError

from events.errors import Conflict, Forbidden, NotFound
from tenants.domain import HostClaim, Tenant, host_claim_id, tenant_stream_id
from tests.domain.gwt import given, memory_store, then, then_payloads


def town() -> Tenant:
    return given(Tenant(slug="town", name="Town", default_language="sv"))


def test_a_tenants_stream_follows_from_its_slug() -> None:
    tenant = Tenant(slug="town", name="Town", default_language="sv")
    assert tenant.id == tenant_stream_id("town")
    assert then(tenant) == ["TenantCreated"]
    store = memory_store()
    store.save(Tenant(slug="town", name="Town", default_language="sv"))
    with pytest.raises(IntegrityError):
        store.save(Tenant(slug="town", name="Another town", default_language="da"))


def test_a_host_is_added_once() -> None:
    tenant = town()
    tenant.add_host("town.example")
    assert then_payloads(tenant) == [("HostAdded", {"host": "town.example"})]
    tenant = given(tenant)
    with pytest.raises(Conflict) as refused:
        tenant.add_host("town.example")
    assert refused.value.field == "host"
    assert then(tenant) == []


def test_a_host_is_claimed_by_one_tenant() -> None:
    assert HostClaim(host="town.example", tenant_id="town").id == host_claim_id("town.example")
    store = memory_store()
    store.save(HostClaim(host="town.example", tenant_id="town"))
    with pytest.raises(IntegrityError):
        store.save(HostClaim(host="town.example", tenant_id="city"))


def test_links_point_to_the_public_url_else_the_first_host() -> None:
    tenant = town()
    assert tenant.link_base is None
    tenant.add_host("town.example")
    tenant.add_host("www.town.example")
    assert given(tenant).link_base == "https://town.example"
    tenant.change_public_url("https://www.town.example/dialog")
    assert then(tenant) == ["PublicUrlChanged"]
    assert given(tenant).link_base == "https://www.town.example/dialog"


def test_a_tenant_is_suspended_and_resumed() -> None:
    tenant = town()
    tenant.ensure_active()
    tenant.suspend("unpaid invoice")
    assert then_payloads(tenant) == [("TenantSuspended", {"reason": "unpaid invoice"})]
    tenant = given(tenant)
    with pytest.raises(Forbidden, match="suspended: unpaid invoice"):
        tenant.ensure_active()
    tenant.resume()
    assert then(tenant) == ["TenantResumed"]
    resumed = given(tenant)
    resumed.ensure_active()
    assert resumed.suspension_reason is None


def test_a_suspended_tenant_is_not_suspended_again() -> None:
    tenant = town()
    tenant.suspend("unpaid")
    tenant = given(tenant)
    with pytest.raises(Conflict, match="suspended already"):
        tenant.suspend("still unpaid")
    assert then(tenant) == []


def test_an_active_tenant_is_not_resumed() -> None:
    with pytest.raises(Conflict, match="not suspended"):
        town().resume()


def test_committees_and_details_change() -> None:
    tenant = town()
    tenant.change_committees(["Transport", "Education"])
    tenant.change_details(name="Town municipality", default_language="en")
    assert then(tenant) == ["CommitteesChanged", "TenantDetailsChanged"]
    tenant = given(tenant)
    assert tenant.committees == ["Transport", "Education"]
    assert (tenant.name, tenant.default_language) == ("Town municipality", "en")


def test_a_host_is_removed_only_if_the_tenant_has_it() -> None:
    tenant = town()
    tenant.add_host("town.example")
    tenant.add_host("www.town.example")
    tenant = given(tenant)
    tenant.remove_host("town.example")
    assert then_payloads(tenant) == [("HostRemoved", {"host": "town.example"})]
    tenant = given(tenant)
    assert tenant.hosts == ["www.town.example"]
    assert given(tenant).link_base == "https://www.town.example"
    with pytest.raises(NotFound):
        tenant.remove_host("town.example")
    assert then(tenant) == []


def test_a_released_host_is_free_for_another_tenant_and_held_again_once_claimed() -> None:
    claim = given(HostClaim(host="town.example", tenant_id="town"))
    assert claim.held
    claim.release()
    assert then(claim) == ["HostReleased"]
    claim = given(claim)
    assert not claim.held
    with pytest.raises(Conflict):
        claim.release()
    claim.claim("city")
    assert then_payloads(claim) == [("HostReclaimed", {"tenant_id": "city"})]
    claim = given(claim)
    assert (claim.held, claim.tenant_id) == (True, "city")
    with pytest.raises(Conflict) as refused:
        claim.claim("village")
    assert refused.value.field == "host"
