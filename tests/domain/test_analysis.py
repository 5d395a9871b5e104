"""Analyses in memory: starting one (its creator a member, each dialog and member once), the
codebook nested one level, an item's codes replaced whole and checked against the codebook,
and one changeable 1-10 rating per member. Given events, when a command, then events or a
refusal; no database."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from events.errors import Conflict, InvalidInput, NotFound
from services.analysis.domain import Analysis, AnalysisItem, item_id_of
from tests.domain.gwt import given, then, then_payloads

DIALOG = uuid4()
CREATOR = uuid4()
ANALYST = uuid4()


def started(*members: UUID) -> Analysis:
    """Given an analysis of one dialog started by CREATOR."""
    return given(Analysis.start("Cykelvägar", [DIALOG], list(members), CREATOR))


def with_codes() -> tuple[Analysis, UUID, UUID]:
    """Given an analysis with a top-level code and one nested under it."""
    analysis = started(ANALYST)
    safety, lights = uuid4(), uuid4()
    analysis.add_code(safety, "Trafiksäkerhet", "Allt om säkra vägar", None)
    analysis.add_code(lights, "Belysning", "", safety)
    return given(analysis), safety, lights


def opened(analysis: Analysis, item: UUID | None = None) -> AnalysisItem:
    return AnalysisItem(analysis_id=analysis.id, item_id=item or uuid4())


def test_starting_an_analysis_records_it_with_its_creator_as_a_member() -> None:
    analysis = Analysis.start(" Cykelvägar ", [DIALOG], [ANALYST], CREATOR)

    [(name, payload)] = then_payloads(analysis)
    assert name == "AnalysisStarted"
    assert payload["title"] == "Cykelvägar"
    assert payload["dialog_ids"] == (DIALOG,)
    assert payload["members"] == (ANALYST, CREATOR)
    assert payload["created_by"] == CREATOR


def test_a_creator_listed_among_the_members_is_a_member_once() -> None:
    analysis = started(CREATOR, ANALYST)
    assert analysis.members == (CREATOR, ANALYST)
    assert analysis.is_member(ANALYST)
    assert not analysis.is_member(uuid4())


@pytest.mark.parametrize(
    ("dialogs", "members", "field"),
    [
        ([], [], "dialog_ids"),
        ([DIALOG, DIALOG], [], "dialog_ids[1]"),
        ([DIALOG], [ANALYST, ANALYST], "members[1]"),
    ],
)
def test_an_analysis_needs_distinct_dialogs_and_members(
    dialogs: list[UUID], members: list[UUID], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        Analysis.start("Cykelvägar", dialogs, members, CREATOR)
    assert refused.value.field == field


def test_an_empty_title_is_refused_naming_it() -> None:
    with pytest.raises(InvalidInput) as refused:
        Analysis.start("   ", [DIALOG], [], CREATOR)
    assert refused.value.field == "title"


def test_codes_nest_under_a_top_level_code() -> None:
    analysis = started()
    parent, child = uuid4(), uuid4()
    analysis.add_code(parent, "Trafiksäkerhet", "Säkra vägar", None)
    analysis.add_code(child, "Belysning", "", parent)

    assert then_payloads(analysis) == [
        (
            "CodeAdded",
            {
                "code_id": parent,
                "label": "Trafiksäkerhet",
                "description": "Säkra vägar",
                "parent_id": None,
            },
        ),
        (
            "CodeAdded",
            {"code_id": child, "label": "Belysning", "description": "", "parent_id": parent},
        ),
    ]
    assert given(analysis).codes[child].parent_id == parent


def test_a_code_under_a_nested_code_is_refused_naming_the_parent() -> None:
    analysis, _, lights = with_codes()
    with pytest.raises(InvalidInput) as refused:
        analysis.add_code(uuid4(), "Gatlampor", "", lights)
    assert refused.value.field == "parent_id"
    assert "one level" in refused.value.reason
    assert then(analysis) == []


def test_a_parent_that_is_no_code_of_the_analysis_is_refused() -> None:
    analysis, _, _ = with_codes()
    other, _, _ = with_codes()
    foreign = next(iter(other.codes))
    with pytest.raises(InvalidInput) as refused:
        analysis.add_code(uuid4(), "Gatlampor", "", foreign)
    assert refused.value.field == "parent_id"
    assert then(analysis) == []


def test_a_label_taken_at_the_same_level_is_a_conflict() -> None:
    analysis, safety, _ = with_codes()
    with pytest.raises(Conflict) as refused:
        analysis.add_code(uuid4(), "belysning", "", safety)
    assert refused.value.field == "label"
    analysis.add_code(uuid4(), "Belysning", "", None)  # at the top it is another code
    assert then(analysis) == ["CodeAdded"]


def test_an_item_stream_follows_from_the_analysis_and_the_item() -> None:
    analysis = started()
    post = uuid4()
    assert opened(analysis, post).id == item_id_of(analysis.id, post)
    assert item_id_of(analysis.id, post) != item_id_of(uuid4(), post)


def test_tagging_replaces_the_items_codes_whole() -> None:
    analysis, safety, lights = with_codes()
    item = opened(analysis)
    assert item.tag([safety, lights], analysis.codes)
    item = given(item)
    assert item.tag([lights], analysis.codes)

    [(name, payload)] = then_payloads(item)
    assert (name, payload["codes"]) == ("ItemCoded", (lights,))
    assert payload["analysis_id"] == analysis.id
    assert given(item).codes == (lights,)


def test_the_same_codes_again_record_nothing() -> None:
    analysis, safety, lights = with_codes()
    item = opened(analysis)
    item.tag([safety, lights], analysis.codes)
    item = given(item)
    assert not item.tag([lights, safety], analysis.codes)
    assert then(item) == []


@pytest.mark.parametrize("position", [0, 1])
def test_a_code_of_no_codebook_of_the_analysis_is_refused_naming_it(position: int) -> None:
    analysis, safety, _ = with_codes()
    codes = [safety, uuid4()] if position else [uuid4(), safety]
    item = given(opened(analysis))
    with pytest.raises(InvalidInput) as refused:
        item.tag(codes, analysis.codes)
    assert refused.value.field == f"codes[{position}]"
    assert then(item) == []


def test_a_code_given_twice_is_refused() -> None:
    analysis, safety, _ = with_codes()
    item = given(opened(analysis))
    with pytest.raises(InvalidInput) as refused:
        item.tag([safety, safety], analysis.codes)
    assert refused.value.field == "codes[1]"


def test_each_member_rates_once_and_may_change_it() -> None:
    analysis = started(ANALYST)
    item = opened(analysis)
    item.rate(CREATOR, 7)
    item.rate(ANALYST, 3)
    item = given(item)
    assert item.rate(ANALYST, 9)
    assert not item.rate(CREATOR, 7)  # theirs already

    [(name, payload)] = then_payloads(item)
    assert name == "ItemRated"
    assert (payload["person_id"], payload["rating"]) == (ANALYST, 9)
    assert given(item).ratings == {CREATOR: 7, ANALYST: 9}


@pytest.mark.parametrize("rating", [0, 11, -1, 7.5, True])
def test_a_rating_outside_one_to_ten_is_refused_naming_it(rating: object) -> None:
    item = given(opened(started()))
    with pytest.raises(InvalidInput) as refused:
        item.rate(CREATOR, rating)  # type: ignore[arg-type]
    assert refused.value.field == "rating"
    assert then(item) == []


def test_a_member_joins_once_and_leaves_and_the_last_member_stays() -> None:
    analysis = started()  # the creator alone
    external = uuid4()

    assert analysis.add_member(external, external=True)
    assert not analysis.add_member(external, external=True)  # a member already: nothing
    [(name, payload)] = then_payloads(analysis)
    assert (name, payload["person_id"], payload["external"]) == (
        "AnalysisMemberAdded",
        external,
        True,
    )
    assert analysis.members == (CREATOR, external)

    analysis = given(analysis)
    analysis.remove_member(external)
    assert then(analysis) == ["AnalysisMemberRemoved"]
    assert not analysis.is_member(external)
    with pytest.raises(NotFound):
        analysis.remove_member(external)
    with pytest.raises(Conflict, match="last member"):
        analysis.remove_member(CREATOR)
