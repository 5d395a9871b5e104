"""Generated API tests: schemathesis against the OpenAPI document of a real gateway.

A municipality with data of every kind is served by uvicorn on real PostgreSQL and NATS; the
schemathesis command runs every phase (explicit examples, coverage, fuzzing and the stateful
phase, whose links schemathesis infers from the schemas and Location headers, as litestar
writes none) against it with the Host header of that municipality. The hooks in
``tests.security.st_hooks`` draw the caller per request (administrator, moderator,
participant, anonymous), aim path ids at things that exist, and count every call.

Checks, on the answers: no 5xx; the status code, the content type, the headers and the body each
as documented. On the requests: data the document forbids (a wrong type, an unknown field, a
value out of bounds, a missing header) is refused with a 4xx; data it allows is taken, or
refused only for what the document cannot state (401, 403, 404 for what does not exist, 409
for the current state, 422 for a rule between values or a cursor this server did not write,
429); a method the document does not list gets 405 with an ``Allow`` header, ``OPTIONS`` lists
exactly the documented methods, and an operation that requires the bearer token refuses a call
without one. Any failure fails the test; nothing is excluded.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.notifications.kinds import Kind
from tests.api import device_token
from tests.security.world import World, build_world
from tinget.bootstrap import Platform

REPO = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("TINGET_ST_SEED", "20240611"))
MAX_EXAMPLES = int(os.environ.get("TINGET_ST_MAX_EXAMPLES", "25"))
STATEFUL_SCENARIOS = int(os.environ.get("TINGET_ST_STATEFUL_SCENARIOS", "150"))
STATEFUL_STEPS = 12
MIN_CASES = 2000
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
        "missing_required_header",
        "unsupported_method",
        "allow_header_conformance",
        "ignored_auth",
    )
)
ALL_OPERATIONS = 222  # erasure and exports (3), panels (16), panel rounds (3), answers,
# report-backs, decisions (5), surveys (19: the questionnaire, responses, results, exports, free
# text moderation, the steering group), a dialog's story, analysis (34: analyses, codes, tagging,
# ratings, items, suggestions and accepting one, 7 of themes: create, list, rewrite, an item in
# and out, merge, split, 3 of members: add, invite an external analyst, remove, the committee
# report, 11 of ideas: create, list, read, retitle, owner, note, answers, next stage, decision,
# and the municipality's questions (read, set), merging a near-duplicate, and the
# municipality's codebook: add and list), statements dialogs (3: a vote on a statement, the
# opinion map, the map live), sign-in with an identity provider (5: list, configure and remove
# the providers, start and finish a sign-in), the municipality's administration (12: the
# branding changed, the logo, hero photo and background image uploaded, a branding picture
# read, the staff listed, invited and removed, the settings read and changed, the allowed
# origins read and set), the platform (11: staff sign-in by link, redeem, refresh, sign-out;
# tenants: create, list, read, add and remove a host, suspend, resume), focus groups (20: create,
# list, read, change, invite participants, add staff, remove a member, add an item, release,
# withdraw and delete it, a follow-up, the participant's view, an answer, the answers, a mark,
# write and list notes, the transcript, the live stream), a
# focus group taken into an analysis, participatory budgets
# (15: the round read and configured, projects listed, proposed, reviewed, followed, unfollowed
# and reported on, a ballot cast or changed and read back, results counted and read, a
# district's Pabulib file, one counted and one imported), the unsubscribe link opened in a
# browser, a discussion's live chat (10: settings read and changed, a message posted, messages
# listed, approve, hide, pin, unpin, the stream and the moderators' stream), the caller's own
# language (1)
# Schema-valid data may still be refused for what a schema cannot say: no such thing (404), the
# current state (409), a rule between values or a cursor this server did not write (422), a
# rate limit (429); an upload whose bytes are no image is of a type not taken (415).
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
UPLOAD_ACCEPTED = [*ACCEPTED, "415"]
# Schema-violating data is refused with one of these (schemathesis's own list, and 413: a body
# over a raw operation's bound, such as a ballot of thousands of projects, is refused by its
# size before it is read); a 5xx fails the server-error check whatever this says.
REFUSED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
UPLOADS = ("uploadImage", "uploadLogo", "uploadHeroImage", "uploadBackgroundImage")
# The chat's and a focus group's streams take an optional Last-Event-ID header. Schemathesis's
# negative cases for a header send what any server must take: a "wrong type" whose text is a
# valid id ("0"), or an extra header (x-schemathesis-unknown-property), and count the 200 as a
# schema violation accepted (schemathesis#2726). For these operations a 200 counts as a refusal
# too (a check switched off per operation is switched on again by --checks, which wins); they
# are still called with every case and checked for server errors, schema-valid answers and
# valid data accepted; the refusal of an id that is not one is tests/test_chat_http.py's and
# tests/test_focus_groups_http.py's.
HEADER_FALSE_POSITIVES = ("watchChat", "watchChatModeration", "watchFocusGroup")
STREAM_REFUSED = [*REFUSED, "200"]


async def _focus_group(client: httpx.AsyncClient, world: World) -> dict[str, list[str]]:
    """A focus group of the administrator's with a released item, one in the guide and an
    answer of an invited participant: ids for the focus groups' operations to reach."""
    h = world.town.headers

    async def ok(response: httpx.Response) -> Any:
        assert response.status_code in (200, 201), response.text
        return response.json()

    admin = world.admin.token
    group = await ok(
        await client.post("/api/v1/focus-groups/", json={"title": "FG"}, headers=h(admin))
    )
    url = f"/api/v1/focus-groups/{group['id']}"
    items = [
        (
            await ok(
                await client.post(
                    f"{url}/items", json={"kind": "question", "text": t}, headers=h(admin)
                )
            )
        )["id"]
        for t in ("Q1", "Q2")
    ]
    await ok(await client.post(f"{url}/items/{items[0]}/release", json={}, headers=h(admin)))
    invited = await ok(
        await client.post(f"{url}/participants", json={"invitees": [{}]}, headers=h(admin))
    )
    token = (
        await ok(
            await client.post(
                "/api/v1/sign-in/pin", json={"pin": invited["invited"][0]["pin"]}, headers=h()
            )
        )
    )["token"]
    answer = await ok(
        await client.post(f"{url}/items/{items[0]}/answers", json={"text": "Ja"}, headers=h(token))
    )
    return {"group_id": [group["id"]], "item_id": items, "answer_id": [answer["id"]]}


def _config(world: World, counts: Path, disposable: list[str]) -> dict[str, object]:
    alice, bob, carl = world.participants
    dialogs = list(world.dialogs.values())
    settled = [world.dialogs["discussion"], world.dialogs["draft"]]
    # the dialogs the other participants take part in stay open: a close, results or change
    # of plans only ever aims at the closed discussion and the draft
    only = {
        f"POST /api/v1/dialogs/{{dialog_id}}/{what}": {"dialog_id": settled}
        for what in ("close", "results", "publish")
    }
    only["PATCH /api/v1/dialogs/{dialog_id}"] = {"dialog_id": settled}
    for what in ("block", "unblock"):
        only[f"POST /api/v1/people/{{person_id}}/{what}"] = {"person_id": [str(carl.person_id)]}
    only["PUT /api/v1/people/{person_id}/role"] = {"person_id": [str(carl.person_id)]}
    return {
        "seed": SEED,
        "counts_path": str(counts),
        "tokens": {
            "administrator": world.admin.token,
            "moderator": world.moderator.token,
            "participant": bob.token,
            "anonymous": None,
        },
        "weights": {"administrator": 5, "moderator": 2, "participant": 2, "anonymous": 1},
        "ids": {
            "dialog_id": dialogs,
            "post_id": list(world.posts.values()),
            "person_id": [str(p.person_id) for p in (alice, carl, world.moderator2)],
            "notification_id": world.notifications,
            "image_id": [world.image],
            "kind": [k.value for k in Kind],
            "language": ["sv", "da", "en"],
        },
        "only": only,
        # a sign-out takes back every token of its caller: it gets tokens of its own
        "disposable": {"POST /api/v1/sign-out": disposable},
    }


@pytest.mark.slow
async def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    client: httpx.AsyncClient, platform: Platform, live_server: str, tmp_path: Path
) -> None:
    world = await build_world(client, platform, "Lund")
    focus_groups = await _focus_group(client, world)
    await platform.catch_up_projections()
    counts_path = tmp_path / "counts.json"
    config_path = tmp_path / "config.json"
    disposable = [await device_token(client, world.town) for _ in range(20)]
    config = _config(world, counts_path, disposable)
    ids = config["ids"]
    assert isinstance(ids, dict)
    ids.update(focus_groups)
    config_path.write_text(json.dumps(config))
    report_path = tmp_path / "report.json"
    # The live tally is an event stream that stays open: its first event is all a generated
    # request needs to check, so reading stops there instead of at the request timeout.
    settings_path = tmp_path / "schemathesis.toml"
    settings_path.write_text(
        "max-stream-events = 1\n"
        "[generation]\n"
        f"max-examples = {MAX_EXAMPLES}\n"
        # longer and more scenarios than the default for the stateful phase: sequences of
        # calls that feed each response's ids into the next request
        "[phases.stateful]\n"
        f"max-steps = {STATEFUL_STEPS}\n"
        "[phases.stateful.generation]\n"
        f"max-examples = {STATEFUL_SCENARIOS}\n"
        "[checks.positive_data_acceptance]\n"
        f"expected-statuses = {json.dumps(ACCEPTED)}\n"
        "[checks.negative_data_rejection]\n"
        f"expected-statuses = {json.dumps(REFUSED)}\n"
        + "".join(
            "[[operations]]\n"
            f'include-operation-id = "{upload}"\n'
            f"checks.positive_data_acceptance.expected-statuses = {json.dumps(UPLOAD_ACCEPTED)}\n"
            for upload in UPLOADS
        )
        + "".join(
            "[[operations]]\n"
            f'include-operation-id = "{stream}"\n'
            f"checks.negative_data_rejection.expected-statuses = {json.dumps(STREAM_REFUSED)}\n"
            for stream in HEADER_FALSE_POSITIVES
        )
    )
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(settings_path),
        "run",
        f"{live_server}/schema/openapi.json",
        "--header",
        f"Host: {world.town.host}",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--report",
        "json",
        "--report-json-path",
        str(report_path),
        "--no-color",
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.security.st_hooks",
        "TINGET_ST_CONFIG": str(config_path),
        "PYTHONPATH": str(REPO),
    }
    print(f"schemathesis seed {SEED}, {MAX_EXAMPLES} examples per operation and phase")
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=600)
    elapsed = time.monotonic() - started
    text = output.decode(errors="replace")
    # the failures, each with a curl command to reproduce it, then the summary
    first = text.find("FAILURES")
    summary = text[first - 40 :] if first >= 0 else text[text.rfind("SUMMARY") - 40 :]

    report = json.loads(report_path.read_text())
    counts = json.loads(counts_path.read_text())
    links = re.search(r"API Links:\s+(\d+) covered / (\d+) selected / (\d+) total", text)
    scenarios = re.search(r"Stateful \(in [^)]*\)\s+Scenarios:\s+(\d+)", text)
    calls = sum(counts["operation"].values())
    print(
        f"schemathesis: {report['test_cases']['generated']} cases generated, {calls} calls made"
        f" over {len(counts['operation'])} operations in {elapsed:.0f} s;"
        f" by caller {counts['role']}; by phase {counts['phase']}; by status {counts['status']};"
        f" stateful scenarios {scenarios.group(1) if scenarios else '?'},"
        f" links covered {links.group(0) if links else '?'}"
    )
    assert report["failures"] == [], summary
    assert report["errors"] == [], summary
    assert process.returncode == 0, summary
    assert report["test_cases"]["generated"] >= MIN_CASES, summary
    assert calls >= MIN_CASES
    assert len(counts["operation"]) == ALL_OPERATIONS, sorted(counts["operation"])
    assert set(counts["role"]) == {"administrator", "moderator", "participant", "anonymous"}
    assert counts["phase"].get("stateful", 0) > 0, counts["phase"]
    assert not [s for s in counts["status"] if s.startswith("5")], counts["status"]
    assert links is not None
    assert int(links.group(1)) > 0, links.group(0)
