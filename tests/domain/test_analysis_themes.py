"""Themes in memory: created with a heading, a summary and items; rewritten; items put in and
taken out (an item in several themes); two themes merged (the items of both, a heading and
summary kept or written, the other theme gone) and a theme split (chosen items to a new
theme); each bad input refused naming its field with nothing recorded. And the analysts'
agreement (Krippendorff's alpha, interval) with the cases where it is not told."""

from __future__ import annotations

import math
from uuid import UUID, uuid4

import pytest

from events.errors import Conflict, InvalidInput
from services.analysis.agreement import agreement
from services.analysis.domain import Theme
from tests.domain.gwt import given, then, then_payloads

ANALYSIS = uuid4()
A, B, C, D = (uuid4() for _ in range(4))


def theme(*items: UUID, heading: str = "Cykling", analysis: UUID = ANALYSIS) -> Theme:
    """Given a theme of ANALYSIS with these items."""
    return given(Theme.create(analysis, heading, "Om cykelvägar", list(items)))


def test_creating_a_theme_records_its_heading_summary_and_items() -> None:
    made = Theme.create(ANALYSIS, " Cykling ", "Om cykelvägar", [A, B])
    [(name, payload)] = then_payloads(made)
    assert name == "ThemeCreated"
    assert payload == {
        "analysis_id": ANALYSIS,
        "heading": "Cykling",
        "summary": "Om cykelvägar",
        "items": (A, B),
        "split_from": None,
    }


def test_a_theme_from_a_suggestion_records_the_suggestion_once_as_its_evidence() -> None:
    made = Theme.create(ANALYSIS, "cykelbana skolan", "", [A, B])
    made.accept_suggestion("ab" * 16, 0, ["cykelbana", "skolan"])
    recorded = then_payloads(made)
    assert [name for name, _ in recorded] == ["ThemeCreated", "ThemeSuggestionAccepted"]
    assert recorded[1][1] == {
        "analysis_id": ANALYSIS,
        "digest": "ab" * 16,
        "group": 0,
        "terms": ("cykelbana", "skolan"),
    }

    accepted = given(Theme.create(ANALYSIS, "cykelbana skolan", "", [A, B]))
    accepted.accept_suggestion("ab" * 16, 0, ["cykelbana", "skolan"])
    accepted = given(accepted)
    assert accepted.suggestion == "ab" * 16
    with pytest.raises(Conflict, match="from a suggestion already"):
        accepted.accept_suggestion("cd" * 16, 1, [])
    assert then(accepted) == []


@pytest.mark.parametrize(
    ("heading", "summary", "items", "field"),
    [
        ("  ", "", [], "heading"),
        ("x" * 201, "", [], "heading"),
        ("Cykling", "\x00", [], "summary"),
        ("Cykling", "", [A, A], "items[1]"),
    ],
)
def test_a_bad_theme_is_refused_naming_the_field(
    heading: str, summary: str, items: list[UUID], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        Theme.create(ANALYSIS, heading, summary, items)
    assert refused.value.field == field


def test_analysts_rewrite_the_heading_and_summary() -> None:
    t = theme(A)
    assert t.rewrite("Cykelvägar", "Säkrare vägar till skolan")
    [(name, payload)] = then_payloads(t)
    assert name == "ThemeRewritten"
    assert (payload["heading"], payload["summary"]) == ("Cykelvägar", "Säkrare vägar till skolan")
    t = given(t)
    assert not t.rewrite("Cykelvägar", "Säkrare vägar till skolan")
    assert then(t) == []
    with pytest.raises(InvalidInput) as refused:
        t.rewrite("", "x")
    assert refused.value.field == "heading"
    assert then(t) == []


def test_an_item_goes_in_and_out_and_may_sit_in_several_themes() -> None:
    one, two = theme(A), theme(A, heading="Trygghet")
    assert one.add(B)
    assert two.add(B)
    assert not one.add(B)  # there already
    assert then(one) == ["ThemeItemAdded"]
    assert then(two) == ["ThemeItemAdded"]
    one = given(one)
    assert one.items == (A, B)
    assert one.remove(A)
    assert not one.remove(C)
    [(name, payload)] = then_payloads(one)
    assert (name, payload["item_id"]) == ("ThemeItemRemoved", A)
    assert given(one).items == (B,)


def test_merging_takes_the_items_of_both_and_the_other_theme_is_gone() -> None:
    kept, other = theme(A, B), theme(B, C, heading="Trygghet")
    kept.merge(other, None, "Cykling och trygghet")

    [(name, payload)] = then_payloads(kept)
    assert name == "ThemesMerged"
    assert payload["absorbed"] == other.id
    assert payload["items"] == (A, B, C)
    assert (payload["heading"], payload["summary"]) == ("Cykling", "Cykling och trygghet")
    [(name, payload)] = then_payloads(other)
    assert (name, payload["into"]) == ("ThemeMergedAway", kept.id)
    assert given(other).gone
    assert given(kept).items == (A, B, C)


def test_a_theme_merged_with_itself_or_one_of_another_analysis_is_refused() -> None:
    kept = theme(A)
    for other in (kept, theme(B, analysis=uuid4())):
        with pytest.raises(InvalidInput) as refused:
            kept.merge(other, None, None)
        assert refused.value.field == "theme_id"
    gone, into = theme(C), theme(D)
    into.merge(gone, None, None)
    gone = given(gone)
    with pytest.raises(InvalidInput) as refused:
        kept.merge(gone, None, None)
    assert refused.value.field == "theme_id"
    with pytest.raises(InvalidInput) as refused:
        kept.merge(theme(D), "", None)
    assert refused.value.field == "heading"
    assert then(kept) == []


def test_splitting_moves_the_chosen_items_to_a_new_theme() -> None:
    t = theme(A, B, C)
    new = t.split([C, A], "Trygghet", "Mörka vägar")

    [(name, payload)] = then_payloads(t)
    assert (name, payload["new_theme_id"], payload["items"]) == ("ThemeSplit", new.id, (C, A))
    [(name, payload)] = then_payloads(new)
    assert name == "ThemeCreated"
    assert (payload["items"], payload["split_from"], payload["heading"]) == (
        (C, A),
        t.id,
        "Trygghet",
    )
    assert given(t).items == (B,)


@pytest.mark.parametrize(
    ("moved", "field"),
    [([], "items"), ([A, B, C], "items"), ([A, D], "items[1]"), ([A, A], "items[1]")],
)
def test_a_split_that_moves_no_item_all_items_or_a_stranger_is_refused(
    moved: list[UUID], field: str
) -> None:
    t = theme(A, B, C)
    with pytest.raises(InvalidInput) as refused:
        t.split(moved, "Trygghet", "")
    assert refused.value.field == field
    assert then(t) == []


# -- agreement ----------------------------------------------------------------------------

R1, R2, R3 = uuid4(), uuid4(), uuid4()
I1, I2, I3, I4 = uuid4(), uuid4(), uuid4(), uuid4()


def test_perfect_agreement_is_one_and_chance_is_about_zero() -> None:
    same = [(i, r, v) for i, v in ((I1, 2), (I2, 8), (I3, 5)) for r in (R1, R2, R3)]
    assert agreement(same) == pytest.approx(1.0)
    opposite = [(I1, R1, 1), (I1, R2, 10), (I2, R1, 10), (I2, R2, 1)]
    alpha = agreement(opposite)
    assert alpha is not None
    assert alpha < 0


def test_alpha_matches_krippendorffs_worked_interval_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": the 4 observers x
    # 12 units example with missing values; interval alpha = 0.849
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    raters = [uuid4() for _ in data]
    units = [uuid4() for _ in data[0]]
    triples = [
        (units[j], raters[i], v)
        for i, row in enumerate(data)
        for j, v in enumerate(row)
        if v is not None
    ]
    alpha = agreement(triples)
    assert alpha is not None
    assert math.isclose(alpha, 0.849, abs_tol=0.001)


@pytest.mark.parametrize(
    "ratings",
    [
        [],
        [(I1, R1, 3), (I2, R1, 7)],  # one rater
        [(I1, R1, 3), (I1, R2, 7)],  # one rated item
        [(I1, R1, 3), (I2, R2, 7)],  # no item rated twice
        [(I1, R1, 5), (I1, R2, 5), (I2, R1, 5), (I2, R2, 5)],  # one value throughout
    ],
)
def test_alpha_is_not_told_without_enough_ratings(ratings: list[tuple[UUID, UUID, int]]) -> None:
    assert agreement(ratings) is None
