"""The server as strict as its OpenAPI document: input read strictly, problems that name the
field and print values, and OPTIONS answers that list every method of a path."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.identity.access import TENANT_ROLES, Role
from tests.api import Town, device_token, open_dialog, staff_token
from tests.helpers import app_client, module_platform
from tinget.bootstrap import Platform

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
async def platform(
    pg_server: str,
    template_database: str,
    nats_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Platform]:
    """One platform for this module's tests, which read or send what is refused; each still
    gets a municipality of its own (``town``), so none sees what another made."""
    folder = tmp_path_factory.mktemp("api-document")
    async with module_platform(pg_server, template_database, nats_url, folder) as shared:
        yield shared


@pytest.fixture(scope="module")
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """One gateway app on that platform for this module's tests."""
    async with app_client(platform) as c:
        yield c


def _problem(response: httpx.Response, status: int = 400, case: object = None) -> dict[str, Any]:
    """The problem document of a refusal; ``case``, when given, is named by a failure."""
    named = response.text if case is None else (case, response.text)
    assert response.status_code == status, named
    assert response.headers["content-type"].startswith("application/problem+json"), named
    body: dict[str, Any] = response.json()
    return body


# Times in the query that are no RFC 3339 time: a year, a fraction, seconds since 1970
NOT_RFC_3339 = ["2026", "0.5", "1700000000"]
# Numbers in the query that are not spelled as one
NOT_NUMBERS = ["true", "5.5", "1e400", " 5", "null", "0x10"]
# Booleans in the query that are not spelled true or false
NOT_QUERY_BOOLEANS = ["1", "0", "True", "yes"]
# Booleans in a JSON body that are no JSON boolean
NOT_JSON_BOOLEANS: list[object] = [0, 1, "true", "false", None]


async def test_a_time_in_the_query_is_an_rfc_3339_time_not_seconds(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    for case in NOT_RFC_3339:
        for path in ("/api/v1/audit", "/api/v1/dashboard"):
            refused = await client.get(path, params={"until": case}, headers=town.headers(admin))

            problem = _problem(refused, case=(case, path))
            assert problem["field"] == "until", (case, path, problem)
            assert "RFC 3339" in problem["detail"] or "RFC3339" in problem["detail"], (
                case,
                path,
                problem,
            )

        taken = await client.get(
            "/api/v1/audit", params={"until": "2026-01-01T00:00:00Z"}, headers=town.headers(admin)
        )
        assert taken.status_code == 200, (case, taken.text)


async def test_a_number_in_the_query_is_spelled_as_a_number(
    client: httpx.AsyncClient, town: Town
) -> None:
    for case in NOT_NUMBERS:
        refused = await client.get(
            "/api/v1/dialogs", params={"limit": case}, headers=town.headers()
        )

        assert _problem(refused, case=case)["field"] == "limit", (case, refused.text)
        taken = await client.get("/api/v1/dialogs", params={"limit": "5"}, headers=town.headers())
        assert taken.status_code == 200, (case, taken.text)


async def test_a_boolean_in_the_query_is_spelled_true_or_false(
    client: httpx.AsyncClient, town: Town
) -> None:
    token = await device_token(client, town)

    for case in NOT_QUERY_BOOLEANS:
        refused = await client.get(
            "/api/v1/me/notifications", params={"unread": case}, headers=town.headers(token)
        )

        assert _problem(refused, case=case)["field"] == "unread", (case, refused.text)
        taken = await client.get(
            "/api/v1/me/notifications", params={"unread": "true"}, headers=town.headers(token)
        )
        assert taken.status_code == 200, (case, taken.text)


async def test_a_boolean_in_the_body_is_a_json_boolean(
    client: httpx.AsyncClient, town: Town
) -> None:
    token = await device_token(client, town)

    for case in NOT_JSON_BOOLEANS:
        refused = await client.put(
            "/api/v1/me/leaderboard", json={"opt_in": case}, headers=town.headers(token)
        )

        problem = _problem(refused, case=case)
        assert problem["field"] == "opt_in", (case, problem)
        assert problem["errors"][0]["field"] == "opt_in", (case, problem)
        taken = await client.put(
            "/api/v1/me/leaderboard", json={"opt_in": True}, headers=town.headers(token)
        )
        assert taken.status_code == 200, (case, taken.text)
        assert taken.json() == {"opt_in": True}, case


async def test_a_nested_body_field_is_named_by_its_path(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)

    refused = await client.patch(
        f"/api/v1/dialogs/{dialog['id']}",
        json={"settings": {"images": 1}},
        headers=town.headers(admin),
    )

    assert _problem(refused)["field"] == "settings.images"


async def test_an_empty_body_is_named_body_not_the_handlers_argument(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)

    refused = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/close", headers=town.headers(admin)
    )

    problem = _problem(refused)
    assert problem["field"] == "body", problem
    assert "data" not in problem["detail"], problem
    assert [e["field"] for e in problem["errors"]] == ["body"]


async def test_a_body_that_is_not_json_is_a_problem_naming_the_body(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)

    refused = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/close",
        content=b'{"reason": ',
        headers={**town.headers(admin), "content-type": "application/json"},
    )

    assert _problem(refused)["field"] == "body"


async def test_a_refused_role_prints_the_roles_a_person_may_have(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    someone = await staff_token(platform, town, "someone@town.example", Role.PARTICIPANT)
    person_id = platform.identity.tokens.verify(someone, town.slug).person_id
    values = sorted(r.value for r in TENANT_ROLES)

    refused = await client.put(
        f"/api/v1/people/{person_id}/role",
        json={"role": Role.CONSULTANT.value},
        headers=town.headers(admin),
    )

    problem = _problem(refused)
    assert problem["field"] == "role", problem
    assert "<Role." not in refused.text
    assert all(value in problem["detail"] for value in values), problem


async def test_the_service_refusing_a_role_prints_values_not_reprs(
    platform: Platform, town: Town, admin: str
) -> None:
    caller = platform.identity.tokens.verify(admin, town.slug)
    someone = await staff_token(platform, town, "other@town.example", Role.PARTICIPANT)
    person_id = platform.identity.tokens.verify(someone, town.slug).person_id

    with pytest.raises(Exception, match="must be one of") as refused:
        await platform.identity.change_role(caller, person_id, Role.OPERATIONS.value)

    assert "<Role." not in str(refused.value)
    assert (
        str(refused.value)
        == "role: must be one of administrator, analyst, committee-member, external-analyst,"
        " moderator, participant"
    )


# Methods of a documented path that are no operation of the API: the e-mails' unsubscribe
# link opened in a browser (GET) leads on to its page (gateway/citizen_pages.py).


async def test_options_lists_every_method_of_every_documented_path(
    client: httpx.AsyncClient, town: Town
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    values = {"kind": "new-post", "language": "sv", "group": "0"}  # the rest are ids
    checked = 0
    for template, item in document["paths"].items():
        documented = {m.upper() for m in item if m in HTTP_METHODS} | {"OPTIONS"}
        path = template
        for name in [p["name"] for p in item.get("parameters", [])] + [
            p["name"]
            for op in item.values()
            if isinstance(op, dict)
            for p in op.get("parameters", [])
            if p["in"] == "path"
        ]:
            path = path.replace(f"{{{name}}}", values.get(name, str(uuid.uuid4())))

        answer = await client.options(path, headers=town.headers())

        assert answer.status_code == 204, (template, answer.text)
        allowed = {m.strip() for m in answer.headers["allow"].split(",")}
        assert allowed == documented, template
        checked += 1
    assert checked == len(document["paths"]) >= 55


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


async def test_every_operation_has_a_summary_a_description_and_only_its_own_problems(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    operations = {op["operationId"]: op for _, _, op in _operations(document)}
    every_problem = {"400", "401", "403", "404", "409", "413", "415", "422", "429", "503"}

    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    # 19 surveys (2 the steering group), 3 panel rounds, 34 analysis (7 themes, 3 members, 1 the
    # committee report, 11 ideas, a near-duplicate merged, 2 of the municipality's codebook),
    # 3 of statements dialogs (a vote on a statement, the opinion map, the map live), 5 of
    # sign-in with an identity provider (3 of its settings, the start and the finish), 12 of
    # the municipality's administration (branding: change, 3 uploads, a picture; staff: list,
    # invite, remove; settings: read, change; allowed origins: read, set), 11 of the platform
    # (staff sign-in: link, redeem, refresh, sign-out; tenants: create, list, read, add and
    # remove a host, suspend, resume), 20 of focus groups (create, list, read, change, invite
    # participants, add staff, remove a member, add an item, release, withdraw and delete it, a
    # follow-up, the participant's view, an answer, the answers, a mark, write and list notes,
    # the transcript, the live stream), a focus group
    # taken into an analysis, 15 of participatory budgets (the round read and configured,
    # projects listed, proposed, reviewed, followed, unfollowed and reported on, a ballot cast
    # or changed and read back, results counted and read, a district's Pabulib file, one
    # counted and one imported), the unsubscribe link opened in a browser (on to its
    # confirmation page), 10 of a discussion's live chat (settings read and changed, post, list,
    # approve, hide, pin, unpin, the stream, the moderators' stream), 1 the caller's own language
    assert len(operations) == 222
    for name, operation in operations.items():
        problems = {s for s in operation["responses"] if s >= "400"}
        assert len(operation["summary"].split()) >= 2, name
        assert operation["description"].strip(), name
        security = operation.get("security", [])
        if {"bearer": []} in security:
            assert "401" in problems, name
        elif "401" in problems:  # a code or refresh token that is not (or no longer) good
            assert name in {
                "redeemSignInLink",
                "signInWithPin",
                "refreshSession",
                "redeemPlatformSignInLink",
                "refreshPlatformSession",
                "joinPanelByInvitation",  # an invitation's sign-in link
                "finishOidcSignIn",  # a state or code unknown, used, expired; an ID token
            }, name
        for status in problems:
            content = operation["responses"][status]["content"]
            assert "application/problem+json" in content, (name, status)
    # only a new post or comment can meet every problem: a body, a caller, its dialog's state,
    # a text rule, a rate limit; joining a panel by an invitation's link (a sign-in code,
    # its rate limit, the panel's consent and questions, a membership already held); and a
    # message to a live chat (its dialog's and chat's state, a text rule, the slow mode)
    every = {n for n, op in operations.items() if every_problem <= set(op["responses"])}
    assert every == {"submitPost", "commentOnPost", "joinPanelByInvitation", "postChatMessage"}
    # required, optional or no token, as the operation reads it
    assert operations["createDialog"]["security"] == [{"bearer": []}]
    assert operations["listDialogs"]["security"] == [{"bearer": []}, {}]
    assert "security" not in operations["getBranding"]
    assert "security" not in operations["health"]
    # the problems follow from what an operation takes and what its service refuses
    assert set(operations["getBranding"]["responses"]) == {"200", "400", "403", "404", "503"}
    assert set(operations["health"]["responses"]) == {"200"}
    assert {"413", "415", "409", "422"} <= set(operations["createDialog"]["responses"])
    assert "429" not in operations["createDialog"]["responses"]
    assert "429" in operations["submitPost"]["responses"]
    assert not {"409", "413", "415"} & set(operations["listDialogs"]["responses"])
    assert {"200", "202"} <= set(operations["erasePerson"]["responses"])


async def test_the_document_states_what_the_server_enforces_on_bodies(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    schemas = document["components"]["schemas"]
    bodies = {
        content["schema"]["$ref"].rsplit("/", 1)[1]
        for _, _, op in _operations(document)
        for content in op.get("requestBody", {}).get("content", {}).values()
        if "$ref" in content.get("schema", {})
    }

    assert len(bodies) >= 20
    for name in bodies:  # unknown fields are refused, and the document says so
        assert schemas[name]["additionalProperties"] is False, name
    options = schemas["SettingsInput"]["properties"]["options"]
    assert options["maxItems"] == 20
    assert options["items"] == {"type": "string", "minLength": 1, "maxLength": 200}
    assert schemas["CastVote"]["properties"]["choices"]["items"]["maxLength"] == 200
    assert schemas["Committees"]["properties"]["committees"]["items"]["maxLength"] == 100
    role = schemas["RoleChange"]["properties"]["role"]
    assert sorted(role["enum"]) == sorted(r.value for r in TENANT_ROLES)
