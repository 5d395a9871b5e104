"""Every refusal Tinget writes reads in Swedish, Danish, Norwegian Bokmål and Finnish: the walk
of ``tests/refusal_sites.py`` finds each in the code (a domain error, a problem the gateway
raises, a (field, reason) pair of a check that names several), each placeholder is filled
with a sample value, and ``gateway.problem_texts`` must know the reason in each language (its
text differs from the English, or it is one of the few written the same in every language,
listed below). A new refusal without a pattern and a translation fails here, and so does one
written in a way the walk cannot follow. Runs without PostgreSQL or NATS.

The 503s (``Unavailable``: a service Tinget depends on does not answer) and the 500 are in:
they say what failed on Tinget's side rather than what the caller should change, and say it
in the caller's language too.
"""

from __future__ import annotations

import re
import textwrap
from functools import cache
from pathlib import Path

import pytest

from gateway import problem_texts
from tests import refusal_sites
from tests.refusal_sites import Hole, Site, Variant

LANGUAGES = ("sv", "da", "nb", "fi")

# Sample values for a placeholder, by how the code writes it; anything else is filled by
# what its name says (an id, a moment, a count), else with a word.
ID = "3f6c9a2e-8d41-4b7a-9c1e-5a2b7d9e0f13"
MOMENT = "2026-03-01T09:00:00+00:00"
DAY = "2026-05-12"
SAMPLES: dict[str, str] = {
    # a participatory budget's phases and counting
    "phase": "voting",
    "old.phase": "voting",
    "p.phase": "voting",
    "phases[i - 1].phase": "review",
    "current": "review",
    "turns.isoformat()": DAY,
    "self.rules.counting": "greedy",
    # words of the domain: kinds, roles, stages, states
    "services/dialogs/kinds.py name": "vox pop",
    "self.takes": "votes",
    "self.kind.value": "poll",
    "self.kind.value.replace('-', ' ')": "vox pop",
    "dialog.kind.value": "poll",
    "dialog.kind": "poll",
    "post.kind": "comment",
    "kind": "proposal",
    "caller.role.value": "analyst",
    "self.role.value": "analyst",
    "permission.value": "administer",
    "person.role": "analyst",
    "role": "moderator",
    "role.value": "moderator",
    "self.stage": "draft",
    "self.stage.value": "draft",
    "stage": "draft",
    "stage.value": "draft",
    "following": "assessment",
    "claims.use": "refresh",
    "use": "access",
    # values the code hands on: media types, algorithms, lists, texts of a library
    "shown": "'text/plain'",
    "wanted": "application/json",
    "alg": "none",
    "allowed": "['RS256', 'ES256']",
    "format_name": "PNG",
    "found.group('reason')": "Invalid enum value 'x'",
    "found.group('at')": "",
    "exc": "JSON is malformed: invalid character (byte 0)",
    "', '.join(map(repr, missing))": "'a', 'b'",
    "earlier[question.id][0]": "sections[0].questions[1]",
    "'; '.join((f'{q.key} ({q.text})' for q in missing))": "cost (What would it cost?)",
    "seen[item.id]": "2",
    "nouns[least != 1]": "options",
    "nouns[most != 1]": "sections",
    "services/budgeting/pabulib.py error": "field larger than field limit (131072)",
    "services/budgeting/pabulib.py meta[key]": "12",
    "services/budgeting/pabulib.py found": "11",
    "services/identity/oidc.py error": "the identity provider's discovery document answered 404",
    "self.earliest.isoformat()": DAY,
    "self.latest.isoformat()": DAY,
    "services/surveys/domain.py reason": "'q1' is a single question in version 2",
    "tenants/maps.py low": "-90",
    "tenants/maps.py high": "90",
    # ids
    "gateway/analysis.py code": ID,
    "gateway/analysis.py theme": ID,
    "services/analysis/domain.py given": ID,
}

_NUMBERS = re.compile(
    r"^(len|sum)\(|(^|[._])(n|i|count|total|limit|most|least|minutes|seconds|wait|width|height"
    r"|size|number|position|years|revision|whole|have|population|rating|cost|budget|amount"
    r"|points|max|min|length|ranked|top|max_\w+|min_\w+|\w+_seconds|\w+_count|status_code|start|[A-Z_]+)$"
)


def sample(hole: Hole, path: str = "") -> str:
    """A value the placeholder could hold, written as the code writes it (``path``: the
    file, for a sample of its own)."""
    expression = hole.expression
    known = SAMPLES.get(f"{path} {expression}", SAMPLES.get(expression))
    if known is not None:
        return repr(known) if hole.conversion == ord("r") else known
    if expression.endswith(".isoformat()"):
        return DAY if "day" in expression else MOMENT
    if hole.spec:
        return format(5.0, hole.spec)
    last = re.split(r"[^\w]+", expression.rstrip("()[]'\". "))[-1]
    if last == "id" or last.endswith("_id") or last in ("merged_into", "parent_id"):
        return "'q1'" if hole.conversion == ord("r") else ID
    if _NUMBERS.search(expression) or re.search(r" [-+*] ", expression):
        return "3"
    if hole.conversion == ord("r"):
        return "'north'"
    return "north"


def english(variant: Variant, path: str = "") -> str:
    return "".join(part if isinstance(part, str) else sample(part, path) for part in variant)


# Reasons written the same in every language (a name, a code): each with why.
SAME_IN_EVERY_LANGUAGE: dict[str, str] = {}

# Sites whose reason is no text of Tinget's to translate: each with why.
NOT_A_REASON: dict[str, str] = {
    # litestar's marker of a body left out, which gateway/problems.py replaces with its own
    # reason ("is required: send the JSON body this operation takes")
    "gateway/raw.py": "'data'",
    # the answer to a validation error: its first (field, reason), each counted where written
    # or msgspec's own (gateway/problem_texts.py's msgspec patterns)
    "gateway/problems.py": "north: north",
}


def _reason(site: Site, text: str) -> str:
    """The reason of a detail written ``field: reason`` (a ProblemError naming its field)."""
    if site.field is not None and text.startswith(f"{site.field}: "):
        return text[len(site.field) + 2 :]
    return text


@cache
def _walked() -> refusal_sites.Walk:
    return refusal_sites.walk()


def untranslated(sites: list[Site]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(where, reason, languages it is not translated in) of each variant of each site."""
    missing = []
    for site in sites:
        for variant in site.variants:
            text = _reason(site, english(variant, site.path))
            if NOT_A_REASON.get(site.path) == text or text in SAME_IN_EVERY_LANGUAGE:
                continue
            languages = tuple(
                language
                for language in LANGUAGES
                if problem_texts.reason(text, language) in (None, text)
            )
            if languages:
                missing.append((site.where, text, languages))
    return missing


def test_every_refusal_is_found_and_read() -> None:
    walked = _walked()
    assert walked.unread == []
    assert len(walked.sites) > 700, len(walked.sites)


def test_every_refusal_reads_in_every_language() -> None:
    missing = untranslated(_walked().sites)
    assert missing == [], f"{len(missing)} reasons untranslated:\n" + "\n".join(
        f"{where}: {text} ({', '.join(languages)})" for where, text, languages in missing
    )


def test_a_new_refusal_without_a_translation_is_found(tmp_path: Path) -> None:
    """The walk over code written here: a refusal with a reason no pattern knows is counted
    untranslated, one that hands on a caught refusal's is not, and one whose reason the walk
    cannot follow is reported."""
    package = tmp_path / "services" / "sample"
    package.mkdir(parents=True)
    (package / "checks.py").write_text(
        textwrap.dedent(
            """
            from events.errors import Conflict, InvalidInput, NotFound

            LIMIT = 12
            REASONS = {"a": "b"}

            def check(name: str, size: int) -> None:
                if not name:
                    raise InvalidInput("name", "must not be empty")
                if size > LIMIT:
                    raise InvalidInput("size", f"is {size} parts; at most {LIMIT} of them")
                try:
                    _lookup(name)
                except NotFound as error:
                    raise InvalidInput("name", error.reason) from None
                problems = []
                _more(problems, name)
                if problems:
                    raise InvalidInput.of(problems)
                raise Conflict(REASONS[name])

            def _lookup(name: str) -> None:
                raise NotFound(f"no such sample {name}")

            def _more(problems: list[tuple[str, str]], name: str) -> None:
                problems.append(("name", _word(name)))

            def _word(name: str) -> str:
                return "is a word nobody translated" if name else "must not be empty"
            """
        )
    )
    walked = refusal_sites.walk(tmp_path, ("services",))
    found = {english(variant) for site in walked.sites for variant in site.variants}
    assert found == {
        "must not be empty",
        "is 3 parts; at most 12 of them",
        "no such sample north",
        "is a word nobody translated",
    }
    assert walked.handed_on == 1
    assert [u.expression for u in walked.unread] == ["REASONS[name]"]
    missing = {text for _, text, _ in untranslated(walked.sites)}
    assert missing == {
        "is 3 parts; at most 12 of them",
        "no such sample north",
        "is a word nobody translated",
    }


@pytest.mark.parametrize(
    ("hole", "value"),
    [
        (Hole("post_id"), ID),
        (Hole("question_id", ord("r")), "'q1'"),
        (Hole("closes_at.isoformat()"), MOMENT),
        (Hole("len(ballot.projects)"), "3"),
        (Hole("MAX_MEMBERS"), "3"),
        (Hole("self.kind.value"), "poll"),
        (Hole("entry.name"), "north"),
    ],
)
def test_a_placeholder_is_filled_as_its_name_says(hole: Hole, value: str) -> None:
    assert sample(hole) == value
