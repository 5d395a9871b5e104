"""The gateway over HTTP: tenant by host, problems, health, branding and logo caching."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tenants.service import TenantChanges
from tests.helpers import unique_slug
from tests.images import png
from tinget.bootstrap import Platform

PNG = png("logo")  # a plain small PNG: re-encoded, it comes out as the same bytes


@pytest.fixture
async def town(platform: Platform) -> str:
    slug = unique_slug()
    await platform.tenants.create(slug, "Lund", "sv", hosts=[f"{slug}.example"])
    await platform.tenants.update(
        slug, TenantChanges(primary_colour="#AA0000", welcome_text="Välkommen till Lund")
    )
    await platform.tenants.set_logo(slug, PNG)
    await platform.catch_up_projections()
    return slug


async def test_health_and_ready(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"postgresql": "ok", "nats": "ok"}


async def test_branding_of_the_tenant_named_by_the_host(
    client: httpx.AsyncClient, town: str
) -> None:
    response = await client.get("/api/v1/branding", headers={"host": f"{town}.example:8000"})

    assert response.status_code == 200
    body = response.json()
    assert body["tenant"] == town
    assert body["name"] == "Lund"
    assert body["primary_colour"] == "#aa0000"
    assert body["welcome_text"] == "Välkommen till Lund"
    assert body["logo_url"].startswith("/api/v1/branding/logo")
    assert response.headers["x-request-id"]


async def test_logo_is_served_with_an_etag_and_revalidates(
    client: httpx.AsyncClient, town: str
) -> None:
    host = {"host": f"{town}.example"}
    first = await client.get("/api/v1/branding/logo", headers=host)

    assert first.status_code == 200
    assert first.content == PNG
    assert first.headers["content-type"] == "image/png"
    assert "max-age" in first.headers["cache-control"]
    etag = first.headers["etag"]

    again = await client.get("/api/v1/branding/logo", headers={**host, "if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""


async def test_unknown_host_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/branding", headers={"host": "nowhere.example"})

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/unknown-tenant")
    assert "nowhere.example" in problem["detail"]


async def test_suspended_tenant_is_a_403_problem_with_the_reason(
    client: httpx.AsyncClient, platform: Platform, town: str
) -> None:
    await platform.tenants.suspend(town, "the contract has ended")
    await platform.catch_up_projections()
    await asyncio.sleep(2.1)  # the host cache lives two seconds

    response = await client.get("/api/v1/branding", headers={"host": f"{town}.example"})

    assert response.status_code == 403
    assert "the contract has ended" in response.json()["detail"]


async def test_a_tenant_without_logo_gets_a_404_problem(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    slug = unique_slug()
    await platform.tenants.create(slug, "Lomma", hosts=[f"{slug}.example"])
    await platform.catch_up_projections()

    response = await client.get("/api/v1/branding/logo", headers={"host": f"{slug}.example"})

    assert response.status_code == 404
    assert response.json()["status"] == 404


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/no/such/route")
    wrong = await client.post("/health")

    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert wrong.status_code == 405
    assert wrong.json()["status"] == 405


async def test_the_openapi_document_names_every_operation(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json")

    assert response.status_code == 200
    document = response.json()
    operations = {
        op["operationId"]
        for path in document["paths"].values()
        for method, op in path.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }
    count = sum(
        1
        for path in document["paths"].values()
        for method in path
        if method in {"get", "post", "put", "patch", "delete"}
    )
    assert len(operations) == count  # every operation has its own explicit id
    assert {
        "createDialog",
        "listDialogs",
        "publishDialog",
        "submitPost",
        "listPosts",
        "castVote",
        "getPollResults",
        "watchPollResults",
        "signInWithPin",
        "uploadImage",
        "invitePeople",
        "health",
        "ready",
        "getBranding",
        "getLogo",
    } <= operations
    problem = document["paths"]["/api/v1/dialogs/{dialog_id}/votes"]["post"]["responses"]["409"]
    assert "application/problem+json" in problem["content"]
    page = document["components"]["schemas"]
    assert any(name.startswith("Page") for name in page)
