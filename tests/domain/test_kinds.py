"""The kind policies: what each kind of dialog and each kind of post allows and refuses."""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec
import pytest

from events.errors import Conflict, InvalidInput
from services.dialogs.kinds import (
    KIND_POLICIES,
    POST_RULES,
    Commenting,
    DialogKind,
    DialogSettings,
    Endorsement,
    PostKind,
    ReportStatus,
    kind_policy,
    post_rules,
)
from services.gamification.rules import DEFAULT_RULES
from tests.domain.gwt import BALLOT_SETTINGS

# What participants post in each kind of dialog; the first is the default.
POSTS: dict[DialogKind, tuple[str, ...]] = {
    DialogKind.PROPOSALS: ("proposal", "idea"),
    DialogKind.PETITION: ("petition",),
    DialogKind.POLL: (),
    DialogKind.VOX_POP: (),
    DialogKind.PROBLEM_REPORTS: ("problem-report",),
    DialogKind.DISCUSSION: ("topic",),
    DialogKind.SUGGESTION_BOX: ("suggestion",),
    DialogKind.SURVEY: (),
    DialogKind.STATEMENTS: ("statement",),
    DialogKind.BUDGET: (),
}
BALLOTS = {DialogKind.POLL, DialogKind.VOX_POP}
RESPONSES = {DialogKind.SURVEY}
TAKES = {
    DialogKind.POLL: "votes",
    DialogKind.VOX_POP: "votes",
    DialogKind.SURVEY: "questionnaire responses",
    DialogKind.BUDGET: "budget projects and ballots",
}
ALL_KINDS = list(DialogKind)


def test_every_dialog_kind_has_its_policy_looked_up_by_value() -> None:
    assert set(KIND_POLICIES) == set(DialogKind)
    for kind in DialogKind:
        assert KIND_POLICIES[kind].kind is kind
        assert kind_policy(kind.value) is KIND_POLICIES[kind]


def test_an_unknown_dialog_kind_has_no_policy() -> None:
    with pytest.raises(ValueError, match="lottery"):
        kind_policy("lottery")


def test_every_post_kind_has_its_rules() -> None:
    assert set(POST_RULES) == set(PostKind)
    for kind in PostKind:
        assert post_rules(kind.value).kind is kind


def test_policies_cannot_be_changed() -> None:
    policy = KIND_POLICIES[DialogKind.POLL]
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.ballots = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        KIND_POLICIES[DialogKind.POLL] = policy  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        POST_RULES[PostKind.PETITION].endorsement = None  # type: ignore[misc]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_what_each_kind_of_dialog_takes(kind: DialogKind) -> None:
    policy = KIND_POLICIES[kind]
    assert policy.posts == POSTS[kind]
    assert policy.takes_posts is bool(POSTS[kind])
    assert policy.ballots is (kind in BALLOTS)
    assert policy.responses is (kind in RESPONSES)
    assert policy.budget is (kind is DialogKind.BUDGET)
    # posts, ballots, questionnaire responses or a budget round: exactly one of them
    taken = [policy.takes_posts, policy.ballots, policy.responses, policy.budget]
    assert taken.count(True) == 1


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("post", list(PostKind))
def test_a_dialog_takes_only_its_own_kinds_of_post(kind: DialogKind, post: PostKind) -> None:
    policy = KIND_POLICIES[kind]
    if not POSTS[kind]:
        with pytest.raises(Conflict, match=f"a {kind.value} dialog takes {TAKES[kind]}, not posts"):
            policy.post_kind(post.value)
    elif post.value in POSTS[kind]:
        assert policy.post_kind(post.value) is post
    else:
        with pytest.raises(InvalidInput) as refused:
            policy.post_kind(post.value)
        assert refused.value.field == "kind"
        assert refused.value.reason == f"must be one of {', '.join(POSTS[kind])} in this dialog"


@pytest.mark.parametrize("kind", [k for k in ALL_KINDS if POSTS[k]])
def test_a_post_without_a_kind_is_the_dialogs_first_kind(kind: DialogKind) -> None:
    assert KIND_POLICIES[kind].post_kind(None).value == POSTS[kind][0]


def test_no_dialog_takes_comments_as_posts() -> None:
    assert all(PostKind.COMMENT not in p.posts for p in KIND_POLICIES.values())


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_only_polls_and_vox_pops_take_ballots(kind: DialogKind) -> None:
    policy = KIND_POLICIES[kind]
    if kind in BALLOTS:
        policy.ensure_ballots()
    else:
        takes = TAKES.get(kind, "posts")
        with pytest.raises(Conflict, match=f"a {kind.value} dialog takes {takes}, not votes"):
            policy.ensure_ballots()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_only_surveys_take_questionnaire_responses(kind: DialogKind) -> None:
    policy = KIND_POLICIES[kind]
    if kind in RESPONSES:
        policy.ensure_responses()
    else:
        takes = TAKES.get(kind, "posts")
        with pytest.raises(
            Conflict, match=f"a {kind.value} dialog takes {takes}, not questionnaire responses"
        ):
            policy.ensure_responses()


def test_a_survey_keeps_its_anonymous_setting_and_takes_no_options_or_premoderation() -> None:
    assert _settings_of(DialogKind.SURVEY).anonymous is True
    assert _settings_of(DialogKind.SURVEY, anonymous=False).anonymous is False
    assert _refused_field(DialogKind.SURVEY, options=("a", "b")) == "settings.options"
    assert _refused_field(DialogKind.SURVEY, premoderation=True) == "settings.premoderation"


def _settings_of(kind: DialogKind, **fields: Any) -> DialogSettings:
    base = BALLOT_SETTINGS.get(kind, DialogSettings())
    return KIND_POLICIES[kind].settings(msgspec.structs.replace(base, **fields))


def _refused_field(kind: DialogKind, **fields: Any) -> str:
    with pytest.raises(InvalidInput) as refused:
        _settings_of(kind, **fields)
    return refused.value.field


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_only_proposals_have_a_support_threshold(kind: DialogKind) -> None:
    if kind is DialogKind.PROPOSALS:
        assert _settings_of(kind, support_threshold=100).support_threshold == 100
    else:
        assert _refused_field(kind, support_threshold=100) == "settings.support_threshold"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_only_petitions_have_a_signature_goal(kind: DialogKind) -> None:
    if kind is DialogKind.PETITION:
        assert _settings_of(kind, signature_goal=5000).signature_goal == 5000
    else:
        assert _refused_field(kind, signature_goal=5000) == "settings.signature_goal"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_premoderation_only_where_there_are_posts(kind: DialogKind) -> None:
    if not POSTS[kind]:
        assert _refused_field(kind, premoderation=True) == "settings.premoderation"
    else:
        assert _settings_of(kind, premoderation=True).premoderation


@pytest.mark.parametrize("kind", [k for k in ALL_KINDS if k not in BALLOTS])
def test_only_polls_have_a_question_and_options(kind: DialogKind) -> None:
    assert _refused_field(kind, options=("a", "b")) == "settings.options"
    assert _refused_field(kind, question="Why?") == "settings.options"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_comments_images_and_anonymity_are_settings_of_every_kind(kind: DialogKind) -> None:
    kept = _settings_of(kind, comments=Commenting.SIGNED_IN, images=True, anonymous=False)
    assert (kept.comments, kept.images, kept.anonymous) == ("signed-in", True, False)


def test_a_poll_needs_its_question() -> None:
    assert _refused_field(DialogKind.POLL, question=None) == "settings.question"


def test_a_poll_needs_two_options() -> None:
    assert _refused_field(DialogKind.POLL, options=("Park",)) == "settings.options"


def test_a_polls_options_differ_beyond_case() -> None:
    with pytest.raises(InvalidInput, match="each option must be different"):
        _settings_of(DialogKind.POLL, options=("Park", "PARK"))


def test_a_poll_allows_as_many_choices_as_options_and_no_more() -> None:
    assert _settings_of(DialogKind.POLL, max_choices=3).max_choices == 3
    assert _refused_field(DialogKind.POLL, max_choices=4) == "settings.max_choices"


def test_a_vox_pops_options_are_yes_and_no_and_one_choice() -> None:
    kept = _settings_of(DialogKind.VOX_POP, max_choices=2)
    assert kept.options == ("yes", "no")
    assert kept.max_choices == 1
    assert _settings_of(DialogKind.VOX_POP, options=("Yes", "NO")).options == ("yes", "no")
    with pytest.raises(InvalidInput, match="a vox pop's options are yes and no"):
        _settings_of(DialogKind.VOX_POP, options=("yes", "maybe"))


def test_settings_a_kind_allows_come_back_unchanged() -> None:
    given = DialogSettings(support_threshold=10, premoderation=True, images=True)
    assert KIND_POLICIES[DialogKind.PROPOSALS].settings(given) == given
    poll = BALLOT_SETTINGS[DialogKind.POLL]
    assert KIND_POLICIES[DialogKind.POLL].settings(poll) == poll


POLL = KIND_POLICIES[DialogKind.POLL]
OPTIONS = DialogSettings(question="Where?", options=("Park", "Square", "Harbour"), max_choices=2)


def test_a_choice_is_spelled_as_its_option() -> None:
    assert POLL.choices(OPTIONS, ["  park ", "HARBOUR"]) == ("Park", "Harbour")


def test_a_choice_that_is_no_option_is_refused_by_its_place() -> None:
    with pytest.raises(InvalidInput) as refused:
        POLL.choices(OPTIONS, ["Park", "Moon"])
    assert refused.value.field == "choices[1]"
    assert "'Moon' is not an option" in refused.value.reason


def test_an_option_chosen_twice_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        POLL.choices(OPTIONS, ["Park", "park"])
    assert (refused.value.field, refused.value.reason) == ("choices[1]", "'Park' is chosen twice")


def test_more_choices_than_allowed_are_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        POLL.choices(OPTIONS, ["Park", "Square", "Harbour"])
    assert (refused.value.field, refused.value.reason) == ("choices", "at most 2 choice(s)")


def test_a_dialog_without_ballots_takes_no_choices() -> None:
    with pytest.raises(Conflict, match="takes posts, not votes"):
        KIND_POLICIES[DialogKind.PETITION].choices(OPTIONS, ["Park"])


# What each kind of post gathers: supports, signatures, or nothing.
ENDORSED = {
    PostKind.PROPOSAL: Endorsement.SUPPORT,
    PostKind.IDEA: Endorsement.SUPPORT,
    PostKind.SUGGESTION: Endorsement.SUPPORT,
    PostKind.TOPIC: Endorsement.SUPPORT,
    PostKind.PROBLEM_REPORT: Endorsement.SUPPORT,
    PostKind.PETITION: Endorsement.SIGNATURE,
    PostKind.COMMENT: None,
    PostKind.STATEMENT: None,  # voted agree, disagree or pass on instead
}


@pytest.mark.parametrize("post", list(PostKind))
@pytest.mark.parametrize("endorsement", list(Endorsement))
def test_what_each_kind_of_post_gathers(post: PostKind, endorsement: Endorsement) -> None:
    rules = POST_RULES[post]
    if ENDORSED[post] is endorsement:
        rules.ensure_endorsable(endorsement)
        return
    with pytest.raises(Conflict) as refused:
        rules.ensure_endorsable(endorsement)
    expected = {
        Endorsement.SIGNATURE: "only a petition can be signed",
        Endorsement.SUPPORT: "a petition is signed, not supported"
        if post is PostKind.PETITION
        else f"a {post.value} cannot be supported",
    }[endorsement]
    assert refused.value.reason == expected


def test_a_problem_report_needs_its_place_and_others_do_not() -> None:
    with pytest.raises(InvalidInput) as refused:
        POST_RULES[PostKind.PROBLEM_REPORT].ensure_place(False)
    assert (refused.value.field, refused.value.reason) == (
        "place",
        "a problem report needs its place",
    )
    POST_RULES[PostKind.PROBLEM_REPORT].ensure_place(True)
    for kind in set(PostKind) - {PostKind.PROBLEM_REPORT}:
        POST_RULES[kind].ensure_place(False)


def test_only_a_problem_report_moves_through_statuses() -> None:
    report = POST_RULES[PostKind.PROBLEM_REPORT]
    assert report.statuses == tuple(ReportStatus)
    assert report.initial_status is ReportStatus.RECEIVED
    report.ensure_has_status()
    for kind in set(PostKind) - {PostKind.PROBLEM_REPORT}:
        assert POST_RULES[kind].initial_status is None
        with pytest.raises(Conflict, match="only a problem report has a status"):
            POST_RULES[kind].ensure_has_status()


def test_a_petition_aims_for_its_goal_and_other_posts_for_the_threshold() -> None:
    given = DialogSettings(support_threshold=100, signature_goal=5000)
    assert POST_RULES[PostKind.PETITION].threshold(given) == 5000
    assert POST_RULES[PostKind.PROPOSAL].threshold(given) == 100
    assert POST_RULES[PostKind.IDEA].threshold(given) == 100
    assert POST_RULES[PostKind.COMMENT].threshold(given) is None


def test_every_kind_of_post_earns_its_points() -> None:
    points = DEFAULT_RULES.points
    assert points.for_post("problem-report") == points.problem_report == 5
    assert points.for_post("comment") == points.comment == 2
    assert all(points.for_post(kind) > 0 for kind in PostKind)
    assert points.for_post("ballot") == 0
