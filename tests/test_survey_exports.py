"""Survey exports over HTTP: CSV and XLSX with one row per response, numbered columns and
codes, the codebook (a CSV of its own, a second sheet), free texts made inert against
formulas, nothing that names a respondent or tells when they answered, an erased respondent's
answers erased, refusals by role and tenant, and the read model rebuilt equal to the live one.
Real PostgreSQL and NATS behind the gateway."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
from openpyxl import load_workbook

from events.personal import ERASED
from services.identity.access import Role
from tests.api import Town, create_town, device_token, dialog_body, staff_token
from tests.read_models import snapshot
from tests.test_survey_results import answers, form
from tests.test_surveys_http import Staff, ok, open_survey, options, person, respond, staff, sv
from tinget.bootstrap import Platform

__all__ = ["staff"]  # the fixture, used by name

RESPONDENTS = 8
HEADER = [
    "number", "response", "version", "day",
    "Q1", "Q2_1", "Q2_2", "Q2_3", "Q3", "Q4", "Q5", "Q6_1", "Q6_2", "Q7_1", "Q8",
]  # fmt: skip
WISHES = ['=HYPERLINK("http://evil.example")', "+46 70 123", "-minus", "@SUM(A1)"]
VISIT = {"yes": 1, "no": 2, "never": 3}
USES = ("shop", "meet", "eat")
ORDER = ("trees", "light")


def given(i: int) -> dict[str, Any]:
    """Respondent i's answers: the results' test answers, some wishes starting like formulas."""
    return answers(i) | {"wish": WISHES[i] if i < len(WISHES) else f"fler bänkar {i}"}


def expected_row(response: dict[str, Any]) -> list[str]:
    """The answer cells of a response, as the CSV has them."""
    return [
        str(VISIT[response["visit"]]),
        *(str(int(u in response["uses"])) for u in USES),
        str(response["stars"]),
        str(response["agree"]),
        str(response["visits"]),
        *(str(response["order"].index(o) + 1) for o in ORDER),
        str(response["parts"]["paths"]),
        "'" + response["wish"] if response["wish"][0] in "=+-@" else response["wish"],
    ]


async def answered_survey(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    staff: Staff,
    respondents: int = RESPONDENTS,
    **changes: Any,
) -> tuple[str, list[tuple[uuid.UUID, str]]]:
    """A survey answered by ``respondents`` people signed in by e-mail: its id, and each
    respondent's person id and address."""
    dialog = await open_survey(client, town, staff, form=form(), **changes)
    people = []
    for i in range(respondents):
        email = f"respondent{i}@town.example"
        person_id, token, _ = await person(platform, town, email)
        await ok(await respond(client, town, dialog, token, given(i)), 201)
        people.append((person_id, email))
    await platform.catch_up_projections()
    return dialog, people


def export_url(dialog: str, what: str = "export") -> str:
    return f"/api/v1/dialogs/{dialog}/results/survey/{what}"


async def csv_export(
    client: httpx.AsyncClient, town: Town, dialog: str, token: str
) -> list[list[str]]:
    answer = await client.get(
        export_url(dialog), params={"format": "csv"}, headers=town.headers(token)
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    return list(csv.reader(io.StringIO(answer.text)))


async def xlsx_export(client: httpx.AsyncClient, town: Town, dialog: str, token: str) -> Any:
    answer = await client.get(
        export_url(dialog), params={"format": "xlsx"}, headers=town.headers(token)
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(answer.content))


async def test_a_csv_export_has_a_row_per_response_with_numbered_columns_and_codes(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    dialog, _ = await answered_survey(client, platform, town, staff)
    analyst = await staff_token(platform, town, "analyst@town.example", Role.ANALYST)

    header, *rows = await csv_export(client, town, dialog, analyst)

    assert header == HEADER
    assert len(rows) == RESPONDENTS
    today = datetime.now(UTC).date().isoformat()
    assert [r[0] for r in rows] == [str(n) for n in range(1, RESPONDENTS + 1)]
    ids = [r[1] for r in rows]
    assert ids == sorted(ids)  # one day: by response id, not in the order they came
    assert all(re.fullmatch("[0-9a-f]{16}", i) for i in ids)
    assert len(set(ids)) == RESPONDENTS
    assert {(r[2], r[3]) for r in rows} == {("1", today)}
    # The rows are the responses given, whichever order: compared as a multiset.
    assert Counter(tuple(r[4:]) for r in rows) == Counter(
        tuple(expected_row(given(i))) for i in range(RESPONDENTS)
    )
    wishes = {r[-1] for r in rows}
    assert '\'=HYPERLINK("http://evil.example")' in wishes
    assert {"'+46 70 123", "'-minus", "'@SUM(A1)", "fler bänkar 5"} <= wishes
    assert not any(w.startswith(("=", "+", "-", "@")) for w in wishes)

    codebook = await client.get(
        export_url(dialog, "codebook"), headers=town.headers(analyst, language="en")
    )
    assert codebook.status_code == 200, codebook.text
    assert codebook.headers["content-language"] == "en"
    book = list(csv.reader(io.StringIO(codebook.text)))
    assert book[0] == ["column", "question_id", "item_id", "text", "type", "code", "label"]
    assert [r[0] for r in book[1:5]] == ["number", "response", "version", "day"]
    # the questionnaire's own texts in the language asked for where it has them (its options
    # have English labels), else in its default language
    assert [r for r in book if r[0] == "Q1"] == [
        ["Q1", "visit", "", "Besöker du torget?", "single-choice", str(n), f"{o} (en)"]
        for o, n in VISIT.items()
    ]
    assert [r[2:] for r in book if r[0] == "Q2_3"] == [
        ["eat", "Vad gör du där?: eat (en)", "multiple-choice", "0", "not chosen"],
        ["eat", "Vad gör du där?: eat (en)", "multiple-choice", "1", "chosen"],
    ]
    assert [(r[5], r[6]) for r in book if r[0] == "Q4"] == [
        ("1", "Nej"), ("2", ""), ("3", ""), ("4", ""), ("5", "Ja"),
    ]  # fmt: skip
    assert [r[4] for r in book if r[0] == "Q8"] == ["text"]
    assert {r[0] for r in book[5:]} == set(HEADER[4:])  # every answer column is described

    # in the town's language (Swedish) unless another of its languages is asked for; the
    # column names, ids, types and codes stay; the questionnaire's texts are its own
    for language, header, chosen, number in (
        (
            None,
            ["kolumn", "fråge-id", "alternativ- eller rad-id", "text", "typ", "kod", "etikett"],
            ["inte valt", "valt"],
            "Svarets nummer i den här exporten (efter dag, sedan efter svar)",
        ),
        (
            "fi",
            ["sarake", "kysymyksen tunniste", "vaihtoehdon tai rivin tunniste", "teksti"],
            ["ei valittu", "valittu"],
            "Vastauksen numero tässä viennissä (päivän, sitten vastauksen mukaan)",
        ),
    ):
        answer = await client.get(
            export_url(dialog, "codebook"), headers=town.headers(analyst, language=language)
        )
        assert answer.headers["content-language"] == (language or "sv")
        translated = list(csv.reader(io.StringIO(answer.text)))
        assert translated[0][: len(header)] == header
        assert translated[1][:4] == ["number", "", "", number]
        assert [r[2:] for r in translated if r[0] == "Q2_3"] == [
            ["eat", "Vad gör du där?: eat (sv)", "multiple-choice", "0", chosen[0]],
            ["eat", "Vad gör du där?: eat (sv)", "multiple-choice", "1", chosen[1]],
        ]
        assert [r[:3] for r in translated] == [r[:3] for r in [translated[0], *book[1:]]]


async def test_an_xlsx_export_holds_the_same_rows_and_the_codebook_as_a_second_sheet(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff, admin: str
) -> None:
    dialog, _ = await answered_survey(client, platform, town, staff)
    as_csv = await csv_export(client, town, dialog, admin)
    codebook = await client.get(export_url(dialog, "codebook"), headers=town.headers(admin))

    workbook = await xlsx_export(client, town, dialog, admin)

    assert workbook.sheetnames == ["Svar", "Kodbok"]  # in the town's language
    sheet = [list(r) for r in workbook["Svar"].iter_rows(values_only=True)]
    assert len(sheet) == RESPONDENTS + 1
    assert [["" if v is None else str(v) for v in r] for r in sheet] == as_csv
    first = sheet[1]
    assert isinstance(first[0], int)
    assert isinstance(first[4], int)
    cells = [c for row in workbook["Svar"].iter_rows() for c in row]
    injected = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert [(c.value, c.data_type) for c in injected] == [
        ('\'=HYPERLINK("http://evil.example")', "s")
    ]
    assert not any(c.data_type == "f" for c in cells)  # no formula anywhere
    book = [
        ["" if v is None else str(v) for v in r]
        for r in workbook["Kodbok"].iter_rows(values_only=True)
    ]
    assert book == list(csv.reader(io.StringIO(codebook.text)))


async def test_an_anonymous_export_names_nobody_and_tells_no_time(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff, admin: str
) -> None:
    dialog, people = await answered_survey(client, platform, town, staff, 6)
    device = await device_token(client, town)
    await ok(await respond(client, town, dialog, device, given(7)), 201)
    await platform.catch_up_projections()

    as_csv = await client.get(
        export_url(dialog), params={"format": "csv"}, headers=town.headers(admin)
    )
    workbook = await xlsx_export(client, town, dialog, admin)

    cells = [
        str(v)
        for s in workbook.worksheets
        for r in s.iter_rows(values_only=True)
        for v in r
        if v is not None
    ]
    assert len(as_csv.text.splitlines()) == 1 + 7
    names: set[str] = set()
    for person_id, email in people:
        stream = platform.keys.response_stream(town.slug, uuid.UUID(dialog), person_id)
        names |= {
            str(person_id),
            person_id.hex,
            email,
            email.split("@")[0],
            str(stream),
            stream.hex,
        }
    for text in (as_csv.text, *cells):
        assert not any(n in text for n in names), text
        assert not re.search(r"\d\d:\d\d", text), text  # no time of day, only the day
    assert "T" not in {c for r in csv.reader(io.StringIO(as_csv.text)) for c in r[3:4]}


async def test_only_administrators_and_analysts_of_the_tenant_export(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff, admin: str
) -> None:
    dialog = await open_survey(client, town, staff, form=form())
    urls = [
        (export_url(dialog), {"format": "csv"}),
        (export_url(dialog), {"format": "xlsx"}),
        (export_url(dialog, "codebook"), {}),
    ]
    for url, params in urls:
        assert (
            await client.get(url, params=params, headers=town.headers(admin))
        ).status_code == 200
    participant = await device_token(client, town)
    tokens = [participant] + [
        await staff_token(platform, town, f"{role.value}@town.example", role)
        for role in (Role.MODERATOR, Role.COMMITTEE_MEMBER)
    ]
    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, "admin@other.example", Role.ADMINISTRATOR)
    for url, params in urls:
        for token in tokens:
            refused = await client.get(url, params=params, headers=town.headers(token))
            assert refused.status_code == 403, (url, refused.text)
        elsewhere = await client.get(url, params=params, headers=other.headers(other_admin))
        assert elsewhere.status_code == 404, (url, elsewhere.text)
    proposals = await ok(
        await client.post("/api/v1/dialogs", json=dialog_body(), headers=town.headers(admin)), 201
    )
    for url, params in urls:
        not_survey = url.replace(dialog, proposals["id"])
        refused = await client.get(not_survey, params=params, headers=town.headers(admin))
        assert refused.status_code == 409, refused.text  # proposals take posts, not responses
    for params in ({}, {"format": "pdf"}):
        bad = await client.get(export_url(dialog), params=params, headers=town.headers(admin))
        assert bad.status_code == (422 if not params else 400), bad.text
        assert bad.json()["field"] == "format"


async def test_the_responses_read_model_rebuilt_from_the_store_equals_the_live_one(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff, admin: str
) -> None:
    dialog, _ = await answered_survey(client, platform, town, staff, 6)
    texts = export_url(dialog, "texts")
    listed = await ok(
        await client.get(texts, params={"question": "wish"}, headers=town.headers(admin))
    )
    first, second = listed["items"][:2]
    for item, decision in ((first, "approve"), (second, "hide")):
        url = f"{texts}/wish/{item['response']}"
        await ok(await client.put(url, json={"decision": decision}, headers=town.headers(admin)))
    await platform.catch_up_projections()
    before = await csv_export(client, town, dialog, admin)
    (runner,) = [r for r in platform.projections if r.projection.name == "survey_responses"]
    tables = runner.projection.tables
    live = {t: rows for t, rows in (await snapshot(platform)).items() if t in tables}
    assert len(live["survey_responses"]) == 6
    assert len(live["survey_text_decisions"]) == 2

    await runner.rebuild(platform.reader)

    rebuilt = {t: rows for t, rows in (await snapshot(platform)).items() if t in tables}
    assert rebuilt == live
    assert await csv_export(client, town, dialog, admin) == before
    assert await runner.apply_batch(await platform.reader.read(0, 100_000)) == 0  # a replay


async def test_an_erased_respondents_answers_read_as_erased_in_a_named_surveys_export(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff, admin: str
) -> None:
    dialog, people = await answered_survey(
        client, platform, town, staff, 6, settings={"anonymous": False}
    )
    _, *rows = await csv_export(client, town, dialog, admin)
    assert len(rows) == 6
    assert not any(ERASED in r for r in rows)
    texts = export_url(dialog, "texts")
    listed = await ok(
        await client.get(texts, params={"question": "wish"}, headers=town.headers(admin))
    )
    for item in listed["items"]:  # every wish approved: then one respondent is erased
        url = f"{texts}/wish/{item['response']}"
        await ok(await client.put(url, json={"decision": "approve"}, headers=town.headers(admin)))
    erased_id, _ = people[5]  # "fler bänkar 5"

    erasure = await client.post(f"/api/v1/people/{erased_id}/erasure", headers=town.headers(admin))
    assert erasure.status_code == 202, erasure.text
    await platform.catch_up_projections()

    (runner,) = [r for r in platform.projections if r.projection.name == "survey_responses"]
    for rebuilt in (False, True):
        if rebuilt:
            await runner.rebuild(platform.reader)
        _header, *rows = await csv_export(client, town, dialog, admin)
        gone = [r for r in rows if ERASED in r]
        assert len(rows) == 6
        assert len(gone) == 1
        assert gone[0][4:] == [ERASED] * (len(HEADER) - 4)  # every answer; its day and version stay
        assert gone[0][2:4] == rows[0][2:4]
        assert "fler bänkar 5" not in str(rows)
        workbook = await xlsx_export(client, town, dialog, admin)
        assert "fler bänkar 5" not in str(list(workbook["Svar"].iter_rows(values_only=True)))
        listed = await ok(
            await client.get(texts, params={"question": "wish"}, headers=town.headers(admin))
        )
        assert len(listed["items"]) == 5
        assert "fler bänkar 5" not in str(listed)
        results = await ok(
            await client.get(export_url(dialog).rsplit("/", 1)[0], headers=town.headers(admin))
        )
        (wish,) = results["texts"]
        assert wish["answered"] == 5
        assert sorted(wish["approved"]) == sorted(given(i)["wish"] for i in range(5))


def corrected_form() -> dict[str, Any]:
    """Version 2: the wish first, a new first option of 'visit', a new question, 'visits'
    left out, the rest as before."""
    questions = {q["id"]: q for q in form()["sections"][0]["questions"]}
    visit = questions["visit"] | {"options": options("often", "yes", "no", "never")}
    bench = {
        "type": "single-choice",
        "id": "bench",
        "text": sv("Sitter du där?"),
        "options": options("b1", "b2"),
    }
    order = ["wish", "visit", "uses", "stars", "agree", "order", "parts"]
    kept = [visit if q == "visit" else questions[q] for q in order]
    return form() | {"sections": [{"questions": [*kept[:2], bench, *kept[2:]]}]}


async def test_answers_to_every_version_are_in_the_newest_versions_columns(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff, admin: str
) -> None:
    dialog = await open_survey(client, town, staff, form=form())
    for i in range(2):
        await ok(
            await respond(client, town, dialog, await device_token(client, town), given(i)), 201
        )
    await ok(
        await client.post(
            f"/api/v1/dialogs/{dialog}/questionnaire/corrections",
            json={"form": corrected_form()},
            headers=town.headers(admin),
        )
    )
    newer = {"visit": "often", "bench": "b2", "wish": "ny version", "stars": 5}
    await ok(await respond(client, town, dialog, await device_token(client, town), newer, 2), 201)
    await platform.catch_up_projections()

    header, *rows = await csv_export(client, town, dialog, admin)

    assert header[4:] == [
        "Q1", "Q2", "Q3", "Q4_1", "Q4_2", "Q4_3", "Q5", "Q6", "Q7_1", "Q7_2", "Q8_1", "Q9",
    ]  # fmt: skip
    by_version = Counter(r[2] for r in rows)
    assert by_version == {"1": 2, "2": 1}
    (two,) = [r[4:] for r in rows if r[2] == "2"]
    assert two == ["ny version", "1", "2", "", "", "", "5", "", "", "", "", ""]
    ones = sorted(r[4:] for r in rows if r[2] == "1")
    expected = sorted(
        [
            given(i)["wish"] if given(i)["wish"][0] not in "=+-@" else "'" + given(i)["wish"],
            str({"often": 1, "yes": 2, "no": 3, "never": 4}[given(i)["visit"]]),
            "",  # not asked in version 1
            *(str(int(u in given(i)["uses"])) for u in USES),
            str(given(i)["stars"]),
            str(given(i)["agree"]),
            *(str(given(i)["order"].index(o) + 1) for o in ORDER),
            str(given(i)["parts"]["paths"]),
            str(given(i)["visits"]),  # only version 1 asked it: after the newest's columns
        ]
        for i in range(2)
    )
    assert ones == expected
    book = await client.get(export_url(dialog, "codebook"), headers=town.headers(admin))
    codes = [r for r in csv.reader(io.StringIO(book.text)) if r[0] == "Q2"]
    assert [(r[1], r[5], r[6]) for r in codes] == [
        ("visit", "1", "often (sv)"), ("visit", "2", "yes (sv)"), ("visit", "3", "no (sv)"),
        ("visit", "4", "never (sv)"),
    ]  # fmt: skip
    assert [r[1] for r in csv.reader(io.StringIO(book.text)) if r[0] == "Q9"] == ["visits"]
