"""The consultants' `tinget tenants` commands: onboarding, and clear refusals of bad input."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from events.db import APP_ROLE, WORKER_ROLE, url_for_role
from tenants.directory import TenantDirectory
from tests.helpers import Run, cli, unique_slug
from tests.images import png
from tinget import cli as cli_module
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def tinget(addresses: Addresses) -> Run:
    return cli(addresses)


def test_onboarding_a_municipality(tinget: Run, tmp_path: Path) -> None:
    slug = unique_slug("lund")
    logo = tmp_path / "logo.png"
    logo.write_bytes(png("logo"))

    created = tinget("tenants", "create", slug, "--name", "Lunds kommun", "--host", f"{slug}.se")
    updated = tinget(
        "tenants",
        "update",
        slug,
        "--primary-colour",
        "#004B87",
        "--logo",
        str(logo),
        "--welcome-text",
        "Välkommen!",
    )
    added = tinget("tenants", "add-host", slug, f"www.{slug}.se")
    listed = tinget("tenants", "list", "--json")
    suspended = tinget("tenants", "suspend", slug, "--reason", "paused by the municipality")
    shown = tinget("tenants", "show", slug)

    for step in (created, updated, added, listed, suspended, shown):
        assert step.returncode == 0, step.stderr
    tenant = json.loads(shown.stdout)
    assert tenant["name"] == "Lunds kommun"
    assert tenant["hosts"] == [f"{slug}.se", f"www.{slug}.se"]
    assert tenant["branding"]["primary_colour"] == "#004b87"
    assert tenant["branding"]["logo_sha256"]
    assert tenant["status"] == "suspended"
    rows = json.loads(listed.stdout)
    assert [r["hosts"] for r in rows if r["tenant_id"] == slug] == [
        [f"{slug}.se", f"www.{slug}.se"]
    ]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("create", "Bad_Slug", "--name", "X"), 2, "invalid slug"),
        (("create", "ab", "--name", "X"), 2, "invalid slug"),
        (("create", "admin", "--name", "X"), 2, "reserved"),
        (("create", "{slug}", "--name", " "), 2, "invalid name"),
        (("create", "{slug}", "--name", "X", "--language", "swedish"), 2, "default_language"),
        (("create", "{slug}", "--name", "X", "--host", "not a host"), 2, "invalid host"),
        (("create", "{slug}", "--name", "X", "--host", "a.se", "--host", "a.se"), 2, "twice"),
        (("show", "{slug}"), 3, "no tenant"),
        (("update", "{slug}", "--name", "Y"), 3, "no tenant"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    tinget: Run, args: tuple[str, ...], code: int, says: str
) -> None:
    slug = unique_slug()
    result = tinget("tenants", *(a.format(slug=slug) for a in args))

    assert result.returncode == code
    assert says in result.stderr
    assert slug not in tinget("tenants", "list").stdout


def test_bad_branding_and_taken_names_are_refused(tinget: Run, tmp_path: Path) -> None:
    slug, other = unique_slug(), unique_slug()
    assert tinget("tenants", "create", slug, "--name", "A", "--host", f"{slug}.se").returncode == 0
    not_image = tmp_path / "logo.gif"
    not_image.write_bytes(b"GIF89a....")

    cases = [
        (("update", slug, "--primary-colour", "red"), 2, "primary_colour"),
        (("update", slug, "--background-image-url", "ftp://x"), 2, "background_image_url"),
        (("update", slug, "--logo", str(not_image)), 2, "PNG, JPEG or WebP"),
        (("update", slug, "--logo", str(tmp_path / "missing.png")), 2, "no file"),
        (("create", slug, "--name", "Again"), 4, "taken"),
        (("create", other, "--name", "B", "--host", f"{slug}.se"), 4, "belongs to a tenant"),
        (("add-host", slug, f"{slug}.se"), 4, "already"),
        (("resume", slug), 4, "not suspended"),
    ]
    for args, code, says in cases:
        result = tinget("tenants", *args)
        assert (result.returncode, says in result.stderr) == (code, True), (args, result.stderr)

    tenant = json.loads(tinget("tenants", "show", slug).stdout)
    # created, one host and its public URL: none of the refused changes landed
    assert tenant["version"] == 3
    assert other not in tinget("tenants", "list").stdout


async def test_an_operator_sets_up_an_administrator_who_signs_in_once(
    tinget: Run, platform: Platform, client: httpx.AsyncClient
) -> None:
    slug = unique_slug("lomma")
    created = await asyncio.to_thread(
        tinget, "tenants", "create", slug, "--name", "Lomma", "--host", f"{slug}.se"
    )
    assert created.returncode == 0, created.stderr
    added = await asyncio.to_thread(tinget, "people", "add-staff", slug, "kommun@lomma.se")
    bad = await asyncio.to_thread(tinget, "people", "add-staff", slug, "not-an-address")

    assert added.returncode == 0, added.stderr
    printed = json.loads(added.stdout)
    assert printed["role"] == "administrator"
    assert printed["sign_in_link"].startswith(f"https://{slug}.se/sign-in?code=")
    assert bad.returncode == 2
    assert "email" in bad.stderr
    await platform.catch_up_projections()
    host = {"host": f"{slug}.se"}
    redeemed = await client.post(
        "/api/v1/sign-in/email/redeem", json={"code": printed["sign_in_code"]}, headers=host
    )
    again = await client.post(
        "/api/v1/sign-in/email/redeem", json={"code": printed["sign_in_code"]}, headers=host
    )
    assert redeemed.status_code == 200, redeemed.text
    assert redeemed.json()["role"] == "administrator"
    assert again.status_code == 401


def test_status_reports_the_lag_of_the_relay_and_every_read_model(tinget: Run) -> None:
    created = tinget("tenants", "create", unique_slug("ale"), "--name", "Ale")
    assert created.returncode == 0, created.stderr

    shown = tinget("status")

    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["relay"]["unpublished_events"] >= 1  # no relay has run here
    directory = report["projections"]["tenant_directory"]
    assert directory["events_behind"] == 0  # the CLI caught it up after creating
    assert directory["applied_position"] == report["log_head"]
    assert set(report["projections"]) >= {"audit_trail", "poll_tallies", "notifier"}


def test_a_part_given_only_the_roles_urls_uses_them_and_does_not_migrate(
    addresses: Addresses,
) -> None:
    """As in Kubernetes: only the migration job holds the owner's URL."""
    owner = addresses.owner_url
    run = cli(
        addresses,
        DATABASE_URL="",
        APP_DATABASE_URL=url_for_role(owner, APP_ROLE),
        WORKER_DATABASE_URL=url_for_role(owner, WORKER_ROLE),
    )
    listed = run("tenants", "list")
    assert listed.returncode == 0, listed.stderr
    assert not (addresses.data_dir / "postgres").exists()
    status = run("status")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["log_head"] >= 0

    refused = run("migrate")
    assert refused.returncode == 2
    assert "TINGET_DATABASE_URL" in refused.stderr


async def test_listing_catches_the_directory_up_when_it_is_behind(
    tinget: Run, platform: Platform
) -> None:
    """Listing reads the directory at once when it has applied the whole log, and catches the
    read models up first when it has not (events written while no projection worker ran)."""
    slug = unique_slug("eslov")
    await platform.tenants.create(slug, "Eslövs kommun", "sv", (f"{slug}.se",))
    directory = next(r for r in platform.projections if r.projection.name == TenantDirectory.name)
    assert await platform.reader.head() > await directory.applied_position()

    listed = await asyncio.to_thread(tinget, "tenants", "list", "--json")
    again = await asyncio.to_thread(tinget, "tenants", "list", "--json")

    assert listed.returncode == 0, listed.stderr
    assert [r["name"] for r in json.loads(listed.stdout) if r["tenant_id"] == slug] == [
        "Eslövs kommun"
    ]
    assert json.loads(again.stdout) == json.loads(listed.stdout)


def test_the_quick_listing_reads_the_directorys_own_position() -> None:
    assert TenantDirectory.name == cli_module.DIRECTORY
