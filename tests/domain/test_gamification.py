"""Gamification in memory: a tenant's rules, leaderboard choices, awards earned once, and the
scoring fold (points by kind of post, taken back on withdrawal, badges and levels)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from eventsourcing.persistence import IntegrityError

from events.model import RecordedEvent
from events.tables import Key
from services.dialogs.kinds import PostKind
from services.gamification.domain import (
    BadgeAward,
    GamificationRules,
    LeaderboardPreference,
    LevelAttainment,
    rules_id,
)
from services.gamification.reactions import score
from services.gamification.rules import (
    DEFAULT_RULES,
    Rules,
    Tally,
    badges_crossed,
    levels_crossed,
)
from services.gamification.scoring import Row, Scoreboard
from services.moderation.domain import ModerationCase
from services.participation.domain import Place, Post, Support
from tests.domain.gwt import CODEC, given, memory_store, then, then_payloads

TENANT = "town"
_positions = count(1)


def test_a_tenants_rules_are_recorded_whole_when_they_change() -> None:
    rules = GamificationRules(tenant_id=TENANT)
    assert rules.id == rules_id(TENANT)
    assert then(rules) == ["GamificationRulesCreated"]
    fewer = msgspec.structs.replace(DEFAULT_RULES, enabled=False)
    assert rules.change(fewer)
    assert then(rules) == ["GamificationRulesChanged"]
    assert given(rules).rules == fewer


def test_the_rules_in_force_again_record_nothing() -> None:
    rules = GamificationRules(tenant_id=TENANT)
    rules.change(DEFAULT_RULES)
    rules = given(rules)
    assert not rules.change(DEFAULT_RULES)
    assert then(rules) == []


def test_nobody_is_on_leaderboards_until_they_opt_in(someone: UUID) -> None:
    choice = given(LeaderboardPreference(person_id=someone))
    assert not choice.opted_in
    assert not choice.choose(False)
    assert then(choice) == []
    assert choice.choose(True)
    assert then(choice) == ["LeaderboardOptedIn"]
    choice = given(choice)
    assert choice.opted_in
    assert not choice.choose(True)
    assert choice.choose(False)
    assert then(choice) == ["LeaderboardOptedOut"]


def test_a_badge_level_is_awarded_once(someone: UUID) -> None:
    store = memory_store()

    def award(dialog_id: UUID | None) -> BadgeAward:
        return BadgeAward(
            person_id=someone, dialog_id=dialog_id, badge="supporter", level=1, title="Supporter"
        )

    store.save(award(uuid4()))
    with pytest.raises(IntegrityError):
        store.save(award(uuid4()))  # earned again elsewhere: still the one award
    store.save(
        BadgeAward(person_id=someone, dialog_id=None, badge="supporter", level=2, title="Backer")
    )


def test_a_level_is_reached_once(someone: UUID) -> None:
    reached = LevelAttainment(person_id=someone, level=2, name="Participant", welcome="Hi")
    again = LevelAttainment(person_id=someone, level=2, name="Participant", welcome="Hi")
    assert reached.id == again.id
    assert LevelAttainment(person_id=someone, level=3, name="C", welcome="Hi").id != reached.id
    assert then(reached) == ["LevelReached"]


def test_levels_by_points() -> None:
    assert DEFAULT_RULES.level_at(0)[0] == 1
    assert DEFAULT_RULES.level_at(49)[1].name == "Newcomer"
    assert DEFAULT_RULES.level_at(50)[1].name == "Participant"
    assert DEFAULT_RULES.level_at(10_000)[1].name == "Civic champion"
    assert levels_crossed(DEFAULT_RULES, 40, 210) == [2, 3]
    assert levels_crossed(DEFAULT_RULES, 0, 49) == []


def test_badges_by_tally() -> None:
    crossed = badges_crossed(DEFAULT_RULES, Tally.COMMENTS, 9, 10)
    assert [(b.key, n) for b, n in crossed] == [("commenter", 2)]
    assert badges_crossed(DEFAULT_RULES, Tally.COMMENTS, 10, 11) == []


# The scoring fold, fed recorded events made from real aggregates.


def recorded(aggregate: Any) -> list[tuple[RecordedEvent, Any]]:
    """The aggregate's new events as the log holds them, with the events decoded."""
    out = []
    for event in aggregate.collect_events():
        definition, data = CODEC.encode(event)
        record = RecordedEvent(
            position=next(_positions),
            tenant_id=TENANT,
            stream_id=event.originator_id,
            version=event.originator_version,
            event_id=uuid4(),
            context=definition.context,
            event_type=definition.name,
            data=data,
            metadata=b"{}",
            recorded_at=datetime.now(UTC),
        )
        out.append((record, CODEC.decode(definition.name, data, record.stream_id, record.version)))
    return out


class Fold:
    """A scoreboard and the posts it knows, fed events in log order."""

    def __init__(self, rules: Rules = DEFAULT_RULES) -> None:
        self.rules = rules
        self.board = Scoreboard(people={}, dialogs={})
        self.posts: dict[Key, Row] = {}

    def feed(self, aggregate: Any) -> None:
        for record, event in recorded(aggregate):
            score(self.board, self.posts, self.rules, record, event)

    def points(self, person: UUID) -> int:
        return int(self.board.people[(TENANT, person)]["points"])

    def tally(self, person: UUID, tally: Tally) -> int:
        return int(self.board.people[(TENANT, person)][tally.value])

    def awards(self) -> list[str]:
        return [a.kind.__name__ for a in self.board.awards.get(TENANT, [])]


def post(kind: PostKind, author: UUID, dialog_id: UUID, **fields: Any) -> Post:
    values: dict[str, Any] = {
        "dialog_id": dialog_id,
        "kind": kind.value,
        "author_id": author,
        "anonymous": False,
        "title": None,
        "body": "Text",
        "parent_id": None,
        "root_id": None,
        "place": Place(latitude=1.0, longitude=2.0) if kind is PostKind.PROBLEM_REPORT else None,
        "image": None,
        "threshold": None,
        "id": uuid4(),
    } | fields
    return Post(**values)


@pytest.mark.parametrize("kind", list(PostKind))
def test_each_kind_of_post_earns_its_points(kind: PostKind, author: UUID) -> None:
    fold = Fold()
    fold.feed(post(kind, author, uuid4()))
    assert fold.points(author) == DEFAULT_RULES.points.for_post(kind)
    tally = Tally.COMMENTS if kind is PostKind.COMMENT else Tally.POSTS
    assert fold.tally(author, tally) == 1
    assert fold.tally(author, Tally.DIALOGS) == 1


def test_a_first_post_earns_a_badge_once(author: UUID) -> None:
    fold = Fold()
    dialog_id = uuid4()
    fold.feed(post(PostKind.PROPOSAL, author, dialog_id))
    fold.feed(post(PostKind.PROPOSAL, author, dialog_id))
    assert fold.awards() == ["BadgeAward"]  # "first-proposal" at one post, not again at two


def test_a_withdrawn_post_takes_back_its_points(author: UUID) -> None:
    fold = Fold()
    petition = post(PostKind.PETITION, author, uuid4())
    fold.feed(petition)
    assert fold.points(author) == 10
    petition.withdraw(author)
    fold.feed(petition)
    assert fold.points(author) == 0
    assert fold.tally(author, Tally.POSTS) == 0


def test_a_hidden_post_counts_again_when_restored(author: UUID) -> None:
    fold = Fold()
    idea = post(PostKind.IDEA, author, uuid4())
    fold.feed(idea)
    case = ModerationCase(post_id=idea.id, dialog_id=idea.dialog_id, author_id=author)
    case.hide(uuid4(), "rude")
    fold.feed(case)
    assert fold.points(author) == 0
    case.restore(uuid4(), "not rude")
    fold.feed(case)
    assert fold.points(author) == 10


def test_a_support_earns_points_for_the_supporter(author: UUID, someone: UUID) -> None:
    fold = Fold()
    idea = post(PostKind.IDEA, author, uuid4())
    fold.feed(idea)
    fold.feed(Support(post_id=idea.id, dialog_id=idea.dialog_id, person_id=someone))
    assert fold.points(someone) == DEFAULT_RULES.points.support
    assert fold.tally(someone, Tally.ENDORSEMENTS) == 1
    assert fold.points(author) == 10  # the author's points do not grow by others' supports


def test_a_reached_threshold_earns_the_author_points(author: UUID) -> None:
    fold = Fold()
    proposal = post(PostKind.PROPOSAL, author, uuid4(), threshold=1)
    fold.feed(proposal)
    assert proposal.reach_threshold(1)
    fold.feed(proposal)
    assert fold.points(author) == 10 + DEFAULT_RULES.points.threshold_reached
    assert fold.tally(author, Tally.THRESHOLDS) == 1


def test_nothing_is_counted_while_gamification_is_off(author: UUID) -> None:
    fold = Fold(msgspec.structs.replace(DEFAULT_RULES, enabled=False))
    fold.feed(post(PostKind.PROPOSAL, author, uuid4()))
    assert (TENANT, author) not in fold.board.people
    assert fold.awards() == []


def test_rules_survive_the_store_whole() -> None:
    rules = GamificationRules(tenant_id=TENANT)
    changed = msgspec.structs.replace(
        DEFAULT_RULES, points=msgspec.structs.replace(DEFAULT_RULES.points, petition=99)
    )
    rules.change(changed)
    [_, (name, payload)] = then_payloads(rules)
    assert name == "GamificationRulesChanged"
    assert payload["points"].for_post("petition") == 99
    assert given(rules).rules == changed
