"""Live survey results over HTTP: counts, shares, mean, median and spread computed from the
answers submitted, small groups suppressed, refusals by role and tenant, and the read model
rebuilt from the store equal to the live one. Real PostgreSQL and NATS behind the gateway."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.identity.access import Role
from tests.api import Town, create_town, staff_token
from tests.read_models import snapshot
from tests.test_surveys_http import Staff, ok, open_survey, options, person, respond, staff, sv
from tinget.bootstrap import Platform

__all__ = ["staff"]  # the fixture, used by name

RESPONDENTS = 13
SCALE = {"min": 1, "max": 5, "min_label": sv("Nej"), "max_label": sv("Ja")}


def form() -> dict[str, Any]:
    return {
        "default_language": "sv",
        "title": sv("Torget"),
        "sections": [
            {
                "questions": [
                    {
                        "type": "single-choice",
                        "id": "visit",
                        "text": sv("Besöker du torget?"),
                        "options": options("yes", "no", "never"),
                    },
                    {
                        "type": "multiple-choice",
                        "id": "uses",
                        "text": sv("Vad gör du där?"),
                        "options": options("shop", "meet", "eat"),
                    },
                    {"type": "rating", "id": "stars", "text": sv("Hur nöjd är du?")},
                    {
                        "type": "likert",
                        "id": "agree",
                        "text": sv("Torget är tryggt"),
                        "scale": SCALE,
                    },
                    {"type": "number", "id": "visits", "text": sv("Besök per månad?")},
                    {
                        "type": "ranking",
                        "id": "order",
                        "text": sv("Vad är viktigast?"),
                        "options": options("trees", "light"),
                    },
                    {
                        "type": "matrix",
                        "id": "parts",
                        "text": sv("Hur bra är"),
                        "rows": [{"id": "paths", "label": sv("gångar")}],
                    },
                    {"type": "text", "id": "wish", "text": sv("Vad önskar du?")},
                ]
            }
        ],
    }


def answers(i: int) -> dict[str, Any]:
    """Respondent i's answers: 'no' by 3, 'never' by 2, 'eat' by 1, 'light' first 2 times."""
    return {
        "visit": "no" if i < 3 else "never" if i < 5 else "yes",
        "uses": ["shop"] + (["meet"] if i % 2 else []) + (["eat"] if i == 0 else []),
        "stars": 1 + i % 5,
        "agree": 2 if i < 6 else 4,
        "visits": [0, 1.5, 2, 3, 4, 10, 12, 2, 2, 7, 8, 30, 1][i],
        "order": ["light", "trees"] if i < 2 else ["trees", "light"],
        "parts": {"paths": 5 - i % 3},
        "wish": f"secret wish {i}",
    }


def _cells(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["value"]: c for c in result["cells"]}


def _check_cell(
    cell: dict[str, Any], count: int, answered: int, hidden: frozenset[str] = frozenset()
) -> None:
    """The cell shows ``count`` and its share, unless it is below 5 or among ``hidden`` (the
    cells suppressed so that a small one is not the total less the others)."""
    if count < 5 or cell["value"] in hidden:
        assert cell == {"value": cell["value"], "count": None, "share": None, "suppressed": True}
    else:
        assert cell["suppressed"] is False
        assert cell["count"] == count
        assert cell["share"] == pytest.approx(count / answered)


def _check_stats(stats: dict[str, Any], values: list[float]) -> None:
    assert stats["suppressed"] is False
    assert stats["mean"] == pytest.approx(statistics.mean(values))
    assert stats["median"] == pytest.approx(statistics.median(values))
    assert stats["standard_deviation"] == pytest.approx(statistics.stdev(values))


async def _answered_survey(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    staff: Staff,
    respondents: int = RESPONDENTS,
    **changes: Any,
) -> tuple[str, list[dict[str, Any]]]:
    dialog = await open_survey(client, town, staff, form=form(), **changes)
    given = [answers(i) for i in range(respondents)]
    for i, response in enumerate(given):
        _, token, _ = await person(platform, town, f"respondent{i}@town.example")
        await ok(await respond(client, town, dialog, token, response), 201)
    await platform.catch_up_projections()
    return dialog, given


async def test_results_are_counted_from_the_answers_with_small_groups_suppressed(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    dialog, given = await _answered_survey(client, platform, town, staff)
    analyst = await staff_token(platform, town, "analyst@town.example", Role.ANALYST)
    results = await ok(
        await client.get(f"/api/v1/dialogs/{dialog}/results/survey", headers=town.headers(analyst))
    )
    assert results["minimum_group_size"] == 5
    assert results["responses"] == RESPONDENTS
    assert results["suppressed"] is False
    today = datetime.now(UTC).date().isoformat()
    assert results["days"] == [{"day": today, "count": RESPONDENTS, "suppressed": False}]
    questions = {q["id"]: q for q in results["questions"]}
    assert list(questions) == ["visit", "uses", "stars", "agree", "visits", "order", "parts"]
    assert "secret wish" not in str(results)  # free text is not in results

    for qid in ("visit", "uses"):
        question = questions[qid]
        assert question["answered"] == RESPONDENTS
        counts: Counter[str] = Counter()
        for response in given:
            chosen = response[qid]
            counts.update([chosen] if isinstance(chosen, str) else chosen)
        cells = _cells(question)
        assert set(cells) == {"yes", "no", "never"} if qid == "visit" else {"shop", "meet", "eat"}
        for value, cell in cells.items():
            _check_cell(cell, counts[value], RESPONDENTS)
    assert _cells(questions["visit"])["no"]["count"] is None  # 3 said no: suppressed
    assert _cells(questions["visit"])["never"]["suppressed"] is True  # 2 said never
    assert _cells(questions["uses"])["eat"]["count"] is None  # 1 eats there
    assert _cells(questions["uses"])["meet"]["count"] == 6
    assert _cells(questions["visit"])["yes"]["count"] == 8

    for qid in ("stars", "agree"):
        question = questions[qid]
        points = Counter(str(r[qid]) for r in given)
        assert [c["value"] for c in question["cells"]] == ["1", "2", "3", "4", "5"]
        for value, cell in _cells(question).items():
            _check_cell(cell, points[value], RESPONDENTS)
        _check_stats(question["statistics"], [r[qid] for r in given])
    assert _cells(questions["agree"])["2"]["count"] == 6
    assert _cells(questions["stars"])["1"]["suppressed"] is True  # 3 of 13

    assert questions["visits"]["cells"] == []  # numbers are not listed one by one
    _check_stats(questions["visits"]["statistics"], [r["visits"] for r in given])

    # Light is first for 2 and second for 11, trees the other way round: shown, the 11 would
    # tell the 2 (13 - 11), so every place of both is suppressed.
    ranked = {g["id"]: g for g in questions["order"]["groups"]}
    for option in ("trees", "light"):
        places = Counter(str(r["order"].index(option) + 1) for r in given)
        assert sorted(places.values()) == [2, 11]
        assert [c["value"] for c in ranked[option]["cells"]] == ["1", "2"]
        for value, cell in _cells(ranked[option]).items():
            _check_cell(cell, places[value], RESPONDENTS, hidden=frozenset({"1", "2"}))
        assert ranked[option]["answered"] == RESPONDENTS

    (row,) = questions["parts"]["groups"]
    points = Counter(str(r["parts"]["paths"]) for r in given)
    assert row["id"] == "paths"
    assert row["answered"] == RESPONDENTS
    for value, cell in _cells(row).items():
        _check_cell(cell, points[value], RESPONDENTS)
    assert _cells(row)["5"]["count"] == 5
    assert _cells(row)["3"]["suppressed"] is True  # 4 gave 3 points
    assert _cells(row)["1"]["suppressed"] is True  # nobody
    _check_stats(row["statistics"], [r["parts"]["paths"] for r in given])


async def test_few_responses_suppress_totals_days_and_statistics(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff, admin: str
) -> None:
    dialog = await open_survey(client, town, staff, form=form())
    for i in range(3):
        _, token, _ = await person(platform, town, f"few{i}@town.example")
        await ok(await respond(client, town, dialog, token, answers(i + 5)), 201)
    await platform.catch_up_projections()
    results = await ok(
        await client.get(f"/api/v1/dialogs/{dialog}/results/survey", headers=town.headers(admin))
    )
    assert results["responses"] is None
    assert results["suppressed"] is True
    assert [(d["count"], d["suppressed"]) for d in results["days"]] == [(None, True)]
    questions = {q["id"]: q for q in results["questions"]}
    assert questions["visit"]["answered"] is None
    assert questions["visit"]["suppressed"] is True
    assert all(c["count"] is None for q in questions.values() for c in q["cells"])
    assert questions["stars"]["statistics"] == {
        "mean": None,
        "median": None,
        "standard_deviation": None,
        "suppressed": True,
    }


async def test_only_administrators_and_analysts_of_the_tenant_read_results(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff, admin: str
) -> None:
    dialog = await open_survey(client, town, staff, form=form())
    url = f"/api/v1/dialogs/{dialog}/results/survey"
    assert (await client.get(url, headers=town.headers(admin))).status_code == 200
    for role in (Role.PARTICIPANT, Role.MODERATOR, Role.COMMITTEE_MEMBER):
        token = await staff_token(platform, town, f"{role.value}@town.example", role)
        refused = await client.get(url, headers=town.headers(token))
        assert refused.status_code == 403, (role, refused.text)
    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, "admin@other.example", Role.ADMINISTRATOR)
    assert (await client.get(url, headers=other.headers(other_admin))).status_code == 404


async def test_the_results_rebuilt_from_the_store_equal_the_live_ones(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    await _answered_survey(client, platform, town, staff)
    (runner,) = [r for r in platform.projections if r.projection.name == "survey_results"]
    tables = runner.projection.tables
    live = {t: rows for t, rows in (await snapshot(platform)).items() if t in tables}
    assert all(live[t] for t in tables)
    await runner.rebuild(platform.reader)
    rebuilt = {t: rows for t, rows in (await snapshot(platform)).items() if t in tables}
    assert rebuilt == live
    events = await platform.reader.read(0, 100_000)
    assert await runner.apply_batch(events) == 0  # a replay is skipped whole
    replayed = {t: rows for t, rows in (await snapshot(platform)).items() if t in tables}
    assert replayed == live


async def test_a_named_survey_counts_its_sealed_answers_live_and_after_a_rebuild(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff, admin: str
) -> None:
    dialog, given = await _answered_survey(
        client, platform, town, staff, 7, settings={"anonymous": False}
    )
    url = f"/api/v1/dialogs/{dialog}/results/survey"
    (runner,) = [r for r in platform.projections if r.projection.name == "survey_results"]
    for rebuilt in (False, True):
        if rebuilt:
            await runner.rebuild(platform.reader)
        results = await ok(await client.get(url, headers=town.headers(admin)))
        questions = {q["id"]: q for q in results["questions"]}
        assert results["responses"] == 7
        assert questions["uses"]["answered"] == 7
        assert _cells(questions["uses"])["shop"]["count"] == 7
        _check_stats(questions["visits"]["statistics"], [r["visits"] for r in given])


async def test_results_crossed_by_a_single_choice_question_suppress_small_groups(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff, admin: str
) -> None:
    dialog, given = await _answered_survey(client, platform, town, staff)
    url = f"/api/v1/dialogs/{dialog}/results/survey"
    results = await ok(await client.get(url, params={"by": "visit"}, headers=town.headers(admin)))
    assert results["by"] == "visit"
    crosses = {c["value"]: c for c in results["crosses"]}
    assert list(crosses) == ["yes", "no", "never"]
    assert crosses["yes"]["responses"] == 8
    assert crosses["no"]["responses"] is None  # 3
    assert crosses["never"]["suppressed"] is True  # 2
    for value, cross in crosses.items():
        group = [r for r in given if r["visit"] == value]
        questions = {q["id"]: q for q in cross["questions"]}
        assert "visit" not in questions
        uses: Counter[str] = Counter(c for r in group for c in r["uses"])
        for option, cell in _cells(questions["uses"]).items():
            _check_cell(cell, uses[option], len(group))
        agree = Counter(str(r["agree"]) for r in group)
        for point, cell in _cells(questions["agree"]).items():
            # within 'yes' one agrees with 2, so the 7 who gave 4 are suppressed as well
            _check_cell(cell, agree[point], len(group), hidden=frozenset({"4"}))
        if len(group) >= 5:
            _check_stats(questions["visits"]["statistics"], [r["visits"] for r in group])
        else:
            assert questions["visits"]["statistics"]["mean"] is None
    yes = {q["id"]: q for q in crosses["yes"]["questions"]}
    assert _cells(yes["uses"])["shop"]["count"] == 8
    assert _cells(yes["uses"])["meet"]["count"] is None  # 4 of the 8

    for by in ("stars", "uses", "nothing"):
        refused = await client.get(url, params={"by": by}, headers=town.headers(admin))
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "by"


async def test_a_municipality_sets_its_own_minimum_group_size_within_bounds(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    from events.errors import InvalidInput
    from tenants.service import TenantChanges

    for bad in (2, 101, True):
        with pytest.raises(InvalidInput) as refused:
            await platform.tenants.update(town.slug, TenantChanges(min_group_size=bad))
        assert refused.value.field == "min_group_size"
    assert (await platform.tenants.get(town.slug)).min_group_size == 5
    await platform.tenants.update(town.slug, TenantChanges(min_group_size=3))
    await platform.catch_up_projections()  # the directory the gateway reads has it then
    dialog, _ = await _answered_survey(client, platform, town, staff)
    analyst = await staff_token(platform, town, "analyst@town.example", Role.ANALYST)

    results = await ok(
        await client.get(f"/api/v1/dialogs/{dialog}/results/survey", headers=town.headers(analyst))
    )

    assert results["minimum_group_size"] == 3
    stars = _cells({q["id"]: q for q in results["questions"]}["stars"])
    assert [stars[p]["count"] for p in "123"] == [3, 3, 3]  # shown now: 3 is big enough
    assert stars["4"]["suppressed"] is stars["5"]["suppressed"] is True  # 2 each still is not
