"""``python -m bench survey``: a citizen panel answering a survey, and its results at scale.

1. Over HTTP, as ``bench vote`` does with votes: wrk posts one 20-question response per
   request, each with a panelist token of its own (at least ``--panelists``, 10,000), to the
   reference (``bench/reference_vote.py``, ``POST /responses``: a litestar route inserting one
   row per response) and then to Tinget (gateway, relay, projections), in ``--rounds`` rounds.
   The figures: responses/s as a ratio to the reference (median of the rounds, target at
   least 1.0x), Tinget's p99, and how long after the load the survey's results count every
   stored response (target at most 1 s).
2. The results at 100,000 responses: a survey of the same 20 questions (single and multiple
   choice, rating, Likert, number, ranking, matrix and free text) gets ``--responses``
   anonymous responses appended through the store in appends of ``--batch``, the results read
   model takes them as the projection worker does (its rate is shown), and the results are
   read ``--reads`` times with the query that answers ``GET .../results/survey``, across all
   questions and crossed by a single choice question (``?by=``): the median of each, at most
   50 ms the target.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import secrets
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from bench import vote
from bench.common import (
    Target,
    figure,
    fresh_database,
    fresh_stream,
    number,
    rate,
    ratio,
    report_targets,
    say,
)
from bench.http_load import find_wrk
from bench.vote_run import Run
from bench.vote_setup import HOST, Poll, bench_addresses, tokens_for
from bench.vote_tally import Counting, Tally
from services.dialogs.commands import CreateDialog
from services.dialogs.domain import DialogKind
from services.identity.access import Caller, Role, SignIn
from services.surveys.questionnaire import Form
from services.surveys.responses import AnonymousResponse
from services.surveys.results import SurveyResultQueries
from tinget.bootstrap import Platform, open_platform

TENANT = "bench"  # as bench/vote_setup.py mints its tokens for
TARGET_READ_MS = 50.0
TARGET_VS_REFERENCE = 1.0
TARGET_CATCH_UP_S = 1.0
RESPONSES = Counting(
    "SELECT (SELECT coalesce(sum(responses), 0) FROM survey_result_days WHERE dialog_id = $1),"
    " (SELECT coalesce(max(position), 0) FROM events)",
    "SELECT count(*) FROM events WHERE event_type = 'AnonymousResponseSubmitted'",
)
CHOICES = ("a", "b", "c", "d", "e")
ROWS = ("r1", "r2", "r3", "r4")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    vote.add_arguments(parser)  # the HTTP load's: wrk, rounds, warm-up, gateway processes
    parser.add_argument(
        "--panelists", type=int, default=10_000, help="tokens for the HTTP load at least (10,000)"
    )
    parser.add_argument(
        "--responses",
        type=int,
        default=100_000,
        help="responses the results are read at (100,000)",
    )
    parser.add_argument("--batch", type=int, default=500, help="responses per append (500)")
    parser.add_argument("--reads", type=int, default=30, help="reads of the results timed (30)")


def _label(text: str) -> dict[str, str]:
    return {"sv": text}


def _options(ids: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"id": i, "label": _label(f"Alternativ {i}")} for i in ids]


def form() -> Form:
    """A 20-question questionnaire: every type results count, and free text."""
    questions: list[dict[str, Any]] = []
    for n in range(1, 6):
        questions.append(
            {
                "type": "single-choice",
                "id": f"s{n}",
                "text": _label(f"Fråga {n}"),
                "options": _options(CHOICES),
                "required": True,
            }
        )
    for n in range(1, 4):
        questions.append(
            {
                "type": "multiple-choice",
                "id": f"m{n}",
                "text": _label(f"Flerval {n}"),
                "options": _options(CHOICES),
                "max_choices": 3,
            }
        )
    for n in range(1, 4):
        questions.append({"type": "rating", "id": f"r{n}", "text": _label(f"Betyg {n}")})
    for n in range(1, 4):
        questions.append(
            {
                "type": "likert",
                "id": f"l{n}",
                "text": _label(f"Instämmer {n}"),
                "scale": {"min_label": _label("Inte alls"), "max_label": _label("Helt")},
            }
        )
    for n in range(1, 3):
        questions.append(
            {"type": "number", "id": f"n{n}", "text": _label(f"Antal {n}"), "min": 0, "max": 100}
        )
    questions.append(
        {"type": "ranking", "id": "rank", "text": _label("Rangordna"), "options": _options(CHOICES)}
    )
    questions.append(
        {
            "type": "matrix",
            "id": "grid",
            "text": _label("Hur bra är"),
            "rows": [{"id": r, "label": _label(r)} for r in ROWS],
        }
    )
    questions.append({"type": "text", "id": "wish", "text": _label("Vad önskar du?")})
    body = {
        "default_language": "sv",
        "title": _label("Panelen"),
        "sections": [{"questions": questions}],
    }
    return msgspec.convert(body, Form)


def answers(rng: random.Random) -> dict[str, Any]:
    """One respondent's answers to every question of ``form``."""
    given: dict[str, Any] = {f"s{n}": rng.choice(CHOICES) for n in range(1, 6)}
    given |= {f"m{n}": rng.sample(CHOICES, rng.randint(1, 3)) for n in range(1, 4)}
    given |= {f"r{n}": rng.randint(1, 5) for n in range(1, 4)}
    given |= {f"l{n}": rng.randint(1, 5) for n in range(1, 4)}
    given |= {f"n{n}": rng.randint(0, 100) for n in range(1, 3)}
    given["rank"] = rng.sample(CHOICES, len(CHOICES))
    given["grid"] = {r: rng.randint(1, 5) for r in ROWS}
    given["wish"] = f"Fler bänkar, {rng.randint(0, 10_000)}"
    return given


async def open_survey(platform: Platform) -> uuid.UUID:
    """A survey with the 20-question form, approved by a second administrator, open now."""
    await platform.tenants.create(TENANT, "Bench", "sv", hosts=[HOST])
    await platform.catch_up_projections()
    author, approver = [
        Caller(
            tenant_id=TENANT,
            person_id=await platform.identity.add_staff(TENANT, email, Role.ADMINISTRATOR),
            role=Role.ADMINISTRATOR,
            sign_in=SignIn.EMAIL,
        )
        for email in ("author@bench.example", "approver@bench.example")
    ]
    opens = datetime.now(UTC) + timedelta(seconds=2)
    command = CreateDialog(
        kind=DialogKind.SURVEY,
        title="Panelenkät",
        purpose="Vad tycker panelen?",
        opens_at=opens,
        closes_at=opens + timedelta(days=14),
    )
    dialog = await platform.dialogs.create(author, command)
    surveys = platform.surveys
    await surveys.put(author, dialog.id, form())
    await surveys.submit(author, dialog.id)
    review = await surveys.questionnaire(TENANT, dialog.id)
    await surveys.approve(approver, dialog.id, review.revision)
    await surveys.schedule(author, dialog.id)
    await platform.dialogs.publish(author, dialog.id)
    await asyncio.sleep(max(0.0, (opens - datetime.now(UTC)).total_seconds()))
    await surveys.out(TENANT, dialog.id)  # locks version 1 as respondents would
    return dialog.id


async def results_at_scale(args: argparse.Namespace) -> tuple[dict[str, Any], list[Target]]:
    """Part 2: the results read model and its reads at ``--responses`` responses."""
    rng = random.Random(1)  # the same answers every run
    with tempfile.TemporaryDirectory(prefix="tinget-bench-survey-") as folder:
        async with fresh_database() as database, fresh_stream() as stream:
            addresses = bench_addresses(database, stream, Path(folder), secrets.token_urlsafe(48))
            async with open_platform(addresses, with_nats=False) as platform:
                dialog_id = await open_survey(platform)
                checked = (await platform.surveys.questionnaire(TENANT, dialog_id)).check_response(
                    1, answers(random.Random(0))
                )
                assert checked, "the bench's answers are refused by the questionnaire"
                began = time.perf_counter()
                for start in range(0, args.responses, args.batch):
                    batch = [
                        AnonymousResponse(
                            response_id=uuid.uuid4(),
                            dialog_id=dialog_id,
                            version=1,
                            answers=answers(rng),
                            signed_in=False,
                        )
                        for _ in range(min(args.batch, args.responses - start))
                    ]
                    await platform.repository.save(TENANT, *batch)
                appended = time.perf_counter() - began
                say(f"{args.responses:,} responses appended in {appended:.1f} s")
                began = time.perf_counter()
                await platform.catch_up_projections()
                projected = time.perf_counter() - began
                queries = SurveyResultQueries(platform.app_pool)
                shown = await queries.results(TENANT, dialog_id)
                if shown.responses != args.responses:
                    raise RuntimeError(f"{shown.responses} responses counted, not {args.responses}")
                whole, crossed = [], []
                for _ in range(args.reads):
                    t0 = time.perf_counter()
                    await queries.results(TENANT, dialog_id)
                    t1 = time.perf_counter()
                    await queries.results(TENANT, dialog_id, by="s1")
                    whole.append(t1 - t0)
                    crossed.append(time.perf_counter() - t1)
    whole_ms = 1000 * statistics.median(whole)
    crossed_ms = 1000 * statistics.median(crossed)
    figure("responses into the results read model", rate(args.responses, projected), "/s")
    figure("results read, median", whole_ms, "ms")
    figure("results crossed by a question, median", crossed_ms, "ms")
    figure("results read, slowest", 1000 * max(whole), "ms")
    figures = {
        "responses": args.responses,
        "append_s": round(appended, 2),
        "projection_s": round(projected, 2),
        "projection_responses_per_s": rate(args.responses, projected),
        "read_median_ms": round(whole_ms, 2),
        "read_crossed_median_ms": round(crossed_ms, 2),
        "read_max_ms": round(1000 * max(whole), 2),
    }
    return figures, [
        Target("results read (median)", whole_ms, TARGET_READ_MS, False, " ms"),
        Target("results crossed (median)", crossed_ms, TARGET_READ_MS, False, " ms"),
    ]


async def over_http(args: argparse.Namespace) -> tuple[dict[str, Any], list[Target]]:
    """Part 1: panelists' responses over HTTP, Tinget against the reference."""
    rounds: list[tuple[Run, Run, Tally]] = []
    warmup = tokens_for(args.warmup, args.tokens_per_second)
    timed = max(args.panelists, tokens_for(args.seconds, args.tokens_per_second))
    with tempfile.TemporaryDirectory(prefix="tinget-bench-survey-") as folder:
        work = Path(folder)
        async with fresh_database() as database, fresh_stream() as stream:
            secret = secrets.token_urlsafe(48)
            addresses = bench_addresses(database, stream, work, secret)
            async with open_platform(addresses, with_nats=False, pool_size=2) as platform:
                dialog_id = await open_survey(platform)
                await platform.catch_up_projections()
                tokens = platform.tokens
            body = work / "response.json"
            body.write_bytes(
                msgspec.json.encode({"version": 1, "answers": answers(random.Random(7))})
            )
            panel = Poll(
                dialog_id, secret, tokens, work / "warmup.tokens", work / "run.tokens", addresses
            )
            began = time.perf_counter()
            await panel.mint(panel.warmup_tokens, warmup)
            await panel.mint(panel.run_tokens, timed)
            minted = time.perf_counter() - began
            say(f"{warmup + timed:,} panelists' tokens minted in {minted:.1f} s")
            for index in range(1, args.rounds + 1):
                say(f"round {index} of {args.rounds}")
                if index > 1:
                    await panel.new_round(index, warmup, timed)
                reference = await vote.reference_phase(
                    panel, work, args, route="responses", body=body
                )
                await panel.top_up(tokens_for(args.seconds, int(reference.votes_per_s * 1.5) + 1))
                tinget, results = await vote.tinget_phase(
                    database,
                    stream,
                    panel,
                    work,
                    args,
                    profile=index == args.rounds,
                    route="responses",
                    counting=RESPONSES,
                    body=body,
                )
                rounds.append((reference, tinget, results))
                say(
                    f"round {index}: Tinget / reference responses/s"
                    f" {number(ratio(tinget.votes_per_s, reference.votes_per_s))}x"
                )
    ratios = [ratio(t.votes_per_s, r.votes_per_s) for r, t, _ in rounds]
    median = round(statistics.median(ratios), 3)
    p99 = round(statistics.median(t.p99_ms for _, t, _ in rounds), 3)
    caught = [c.seconds for _, _, c in rounds]
    catch_up = math.nan if any(math.isnan(c) for c in caught) else max(caught)
    failed = sum(t.timed.errors for _, t, _ in rounds)
    figures = {
        "responses_per_s_vs_reference": median,
        "rounds": [
            {"reference": r.as_dict(), "tinget": t.as_dict(), "results": c.as_dict()}
            for r, t, c in rounds
        ],
        "tinget_p99_ms": p99,
    }
    return figures, [
        Target("Tinget / reference responses/s (median)", median, TARGET_VS_REFERENCE, unit="x"),
        Target(
            "results caught up after the load (slowest)", catch_up, TARGET_CATCH_UP_S, False, " s"
        ),
        Target("Tinget failed requests", failed, 0, at_least=False),
    ]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    find_wrk()  # before anything is set up: without wrk there is no first part
    http, http_targets = await over_http(args)
    scale, scale_targets = await results_at_scale(args)
    return {"http": http, "results": scale, **report_targets([*http_targets, *scale_targets])}
