"""Near-duplicates merged, and a municipality's own codebook, in memory: the merge recorded on
both posts, each refusal naming its field, a merged post taking nothing more, a support
carried over on the one stream of (post, person); the tenant's codes nested one level and
usable on an item next to the analysis's own. Given events, when a command, then events or a
refusal; no database."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from events.errors import Conflict, InvalidInput
from services.analysis.domain import Analysis, AnalysisItem, Codebook, codebook_id
from services.dialogs.kinds import Endorsement, PostKind
from services.notifications.defaults import default_template
from services.notifications.kinds import NOTIFYING, Kind
from services.participation.domain import Post, Support, endorsement_id
from tests.domain.gwt import given, memory_store, replay, then, then_payloads

ANALYSIS = uuid4()
ANALYST = uuid4()


def post(kind: PostKind = PostKind.PROPOSAL, **fields: Any) -> Post:
    values: dict[str, Any] = {
        "dialog_id": uuid4(),
        "kind": kind.value,
        "author_id": uuid4(),
        "anonymous": False,
        "title": "Benches by the pond",
        "body": "Somewhere to sit",
        "parent_id": None,
        "root_id": None,
        "place": None,
        "image": None,
        "threshold": None,
        "id": uuid4(),
    } | fields
    return given(Post(**values))


def test_a_merge_is_recorded_on_both_posts() -> None:
    duplicate, original = post(), post()
    duplicate.merge_into(original, ANALYSIS, ANALYST)
    assert then_payloads(duplicate) == [
        (
            "PostMergedInto",
            {
                "into_post_id": original.id,
                "into_dialog_id": original.dialog_id,
                "analysis_id": ANALYSIS,
                "merged_by": ANALYST,
            },
        )
    ]
    assert then_payloads(original) == [
        ("PostAbsorbed", {"post_id": duplicate.id, "analysis_id": ANALYSIS})
    ]
    assert given(duplicate).merged_into == original.id
    assert given(original).absorbed == (duplicate.id,)


def test_ideas_and_suggestions_merge_too_but_not_petitions() -> None:
    post(PostKind.IDEA).merge_into(post(PostKind.SUGGESTION), ANALYSIS, ANALYST)
    with pytest.raises(InvalidInput) as refused:
        post(PostKind.PETITION).merge_into(post(), ANALYSIS, ANALYST)
    assert refused.value.field == "duplicate_id"
    assert "signature" in refused.value.reason
    with pytest.raises(InvalidInput) as refused:
        post().merge_into(post(PostKind.PETITION), ANALYSIS, ANALYST)
    assert refused.value.field == "into_id"


def test_a_post_is_not_merged_into_itself() -> None:
    one = post()
    with pytest.raises(InvalidInput) as refused:
        one.merge_into(one, ANALYSIS, ANALYST)
    assert refused.value.field == "into_id"
    assert then(one) == []


def test_a_post_is_merged_once_and_never_into_a_merged_post() -> None:
    duplicate, original, third = post(), post(), post()
    duplicate.merge_into(original, ANALYSIS, ANALYST)
    duplicate, original = given(duplicate), given(original)
    with pytest.raises(Conflict) as again:
        duplicate.merge_into(third, ANALYSIS, ANALYST)
    assert again.value.field == "duplicate_id"
    with pytest.raises(InvalidInput) as chained:
        third.merge_into(duplicate, ANALYSIS, ANALYST)
    assert chained.value.field == "into_id"
    assert "merged into" in chained.value.reason
    assert then(third) == []
    assert then(duplicate) == []


def test_withdrawn_posts_and_comments_are_not_merged() -> None:
    withdrawn = post()
    withdrawn.withdraw(withdrawn.author_id)
    withdrawn = given(withdrawn)
    with pytest.raises(InvalidInput) as refused:
        withdrawn.merge_into(post(), ANALYSIS, ANALYST)
    assert refused.value.field == "duplicate_id"
    comment = post(PostKind.COMMENT, parent_id=uuid4(), root_id=uuid4())
    with pytest.raises(InvalidInput) as refused:
        post().merge_into(comment, ANALYSIS, ANALYST)
    assert refused.value.field == "into_id"


def test_a_merged_post_takes_no_support_comment_edit_or_answer() -> None:
    duplicate = post()
    duplicate.merge_into(post(), ANALYSIS, ANALYST)
    duplicate = given(duplicate)
    with pytest.raises(Conflict, match="merged into"):
        duplicate.ensure_endorsable(Endorsement.SUPPORT)
    with pytest.raises(Conflict, match="merged into"):
        duplicate.ensure_not_merged()
    with pytest.raises(Conflict, match="merged into"):
        duplicate.withdraw(duplicate.author_id)
    assert then(duplicate) == []


def test_a_merged_post_records_no_threshold_of_its_own() -> None:
    duplicate = post(threshold=2)
    duplicate.merge_into(post(), ANALYSIS, ANALYST)
    duplicate = given(duplicate)
    assert duplicate.reach_threshold(2) is False
    assert then(duplicate) == []


def test_a_carried_support_takes_the_stream_of_the_persons_support() -> None:
    person, original, duplicate = uuid4(), uuid4(), uuid4()
    carried = Support.carry_over(
        post_id=original, dialog_id=uuid4(), person_id=person, from_post_id=duplicate
    )
    assert carried.id == endorsement_id("support", original, person)
    [(name, payload)] = then_payloads(carried)
    assert name == "SupportCarriedOver"
    assert payload["from_post_id"] == duplicate
    assert payload["post_id"] == original
    assert payload["person_id"] == person


def test_someone_who_supported_both_counts_once() -> None:
    """Their own support of the original and the carried one are one stream: the store
    refuses the second, so the merge policy finds it present and carries nothing."""
    app = memory_store()
    person, original, dialog = uuid4(), uuid4(), uuid4()
    app.save(Support(post_id=original, dialog_id=dialog, person_id=person))
    with pytest.raises(IntegrityError):
        app.save(
            Support.carry_over(
                post_id=original, dialog_id=dialog, person_id=person, from_post_id=uuid4()
            )
        )


def test_a_carried_support_survives_the_store() -> None:
    person, original = uuid4(), uuid4()
    support = Support.carry_over(
        post_id=original, dialog_id=uuid4(), person_id=person, from_post_id=uuid4()
    )
    rebuilt = replay(Support, support.collect_events())
    assert rebuilt.post_id == original


# -- the municipality's codebook --------------------------------------------------------


def test_a_tenants_codebook_has_one_stream_per_tenant() -> None:
    assert Codebook(tenant_id="town").id == codebook_id("town")
    assert codebook_id("town") != codebook_id("village")


def test_tenant_codes_nest_one_level() -> None:
    book = given(Codebook(tenant_id="town"))
    top, child = uuid4(), uuid4()
    book.add_code(top, "Trafik", "Allt om trafik", None)
    book.add_code(child, "Cykel", "", top)
    assert then(book) == ["TenantCodeAdded", "TenantCodeAdded"]
    book = given(book)
    with pytest.raises(InvalidInput) as refused:
        book.add_code(uuid4(), "Barnvagn", "", child)
    assert refused.value.field == "parent_id"
    with pytest.raises(InvalidInput) as refused:
        book.add_code(uuid4(), "Annat", "", uuid4())
    assert refused.value.field == "parent_id"
    assert "municipality's codebook" in refused.value.reason
    with pytest.raises(Conflict) as taken:
        book.add_code(uuid4(), "trafik", "", None)
    assert taken.value.field == "label"


def test_an_item_takes_tenant_codes_next_to_the_analysis_codes() -> None:
    analysis = given(Analysis.start("Cykelvägar", [uuid4()], [ANALYST], uuid4()))
    own = uuid4()
    analysis.add_code(own, "Belysning", "", None)
    book = Codebook(tenant_id="town")
    shared = uuid4()
    book.add_code(shared, "Trafik", "", None)
    item = AnalysisItem(analysis_id=analysis.id, item_id=uuid4())
    then(item)
    assert item.tag([own, shared], {**book.codes, **analysis.codes})
    assert then_payloads(item)[0][1]["codes"] == (own, shared)
    other_analysis = uuid4()
    with pytest.raises(InvalidInput) as refused:
        item.tag([shared, other_analysis], {**book.codes, **analysis.codes})
    assert refused.value.field == "codes[1]"


@pytest.mark.parametrize("language", ["sv", "da", "nb", "fi", "en"])
def test_the_merge_notice_has_its_own_text_in_five_languages(language: str) -> None:
    subject, body = default_template(Kind.POST_MERGED, language)
    english = default_template(Kind.POST_MERGED, "en")
    assert (subject, body) != english or language == "en"
    assert "{title}" in subject
    assert "{into}" in subject
    assert {"{dialog}", "{link}", "{into}"} <= {p for p in PLACEHOLDER_MARKS if p in body}
    assert Kind.POST_MERGED in NOTIFYING  # a person may turn it off


PLACEHOLDER_MARKS = ("{dialog}", "{link}", "{into}", "{title}", "{tenant}")
