"""Opinion maps in memory: planted opinion groups are recovered, the planted consensus
statement is found, group ids persist across recomputations, and the input's edges."""

from __future__ import annotations

import random
from uuid import UUID, uuid4

import pytest
from sklearn.metrics import adjusted_rand_score

from services.analysis.opinion import (
    MIN_VOTES,
    Computed,
    PreviousMap,
    VoteMatrix,
    compute,
)

Vote = tuple[UUID, UUID, int]


def planted(
    people: int = 300,
    statements: int = 40,
    seed: int = 7,
    noise: float = 0.15,
    votes_per_person: tuple[int, int] = (12, 30),
) -> tuple[dict[UUID, UUID | None], list[Vote], dict[UUID, int], UUID]:
    """A conversation with two planted groups: on each divisive statement one group agrees and
    the other disagrees (each vote flipped to the other side or a pass with chance ``noise``);
    statement 0 is agreed by both groups (the planted consensus). Each person votes on a
    random part of the statements, always on the consensus statement's neighbourhood by
    chance only. Answers statements, votes, each person's group and the consensus statement."""
    pick = random.Random(seed)
    ids = sorted((uuid4() for _ in range(statements)), key=str)
    consensus = ids[0]
    side = {s: pick.choice((1, -1)) for s in ids}  # how group 0 votes on a divisive one
    persons = [uuid4() for _ in range(people)]
    group = {p: i % 2 for i, p in enumerate(persons)}
    votes: list[Vote] = []
    for person in persons:
        for statement in pick.sample(ids, pick.randint(*votes_per_person)):
            if statement == consensus:
                meant = 1
            else:
                meant = side[statement] if group[person] == 0 else -side[statement]
            roll = pick.random()
            if roll < noise / 2:
                meant = -meant
            elif roll < noise:
                meant = 0
            votes.append((statement, person, meant))
    return dict.fromkeys(ids), votes, group, consensus


def test_planted_two_groups_are_recovered_and_the_consensus_statement_found() -> None:
    statements, votes, truth, consensus = planted()
    computed = compute(VoteMatrix.of(statements, votes))
    found = computed.members
    people = sorted(found)
    assert len(people) == len(truth)
    ari = adjusted_rand_score([truth[UUID(p)] for p in people], [found[p] for p in people])
    assert ari >= 0.9, ari
    assert len(computed.map.groups) == 2
    assert [c.statement_id for c in computed.map.consensus] == [consensus]
    # each group has representative statements, on the side its members planted
    for group in computed.map.groups:
        assert group.representative
        assert consensus not in {r.statement_id for r in group.representative}
        for r in group.representative:
            assert r.share_in > r.share_out
            assert r.votes_in >= 3


def test_recovery_holds_with_sparse_votes_and_noise_at_another_seed() -> None:
    statements, votes, truth, consensus = planted(
        people=600, statements=120, seed=11, noise=0.2, votes_per_person=(10, 25)
    )
    computed = compute(VoteMatrix.of(statements, votes))
    people = sorted(computed.members)
    ari = adjusted_rand_score(
        [truth[UUID(p)] for p in people], [computed.members[p] for p in people]
    )
    assert ari >= 0.9, ari
    assert consensus in {c.statement_id for c in computed.map.consensus}


def _ids(computed: Computed) -> dict[str, int]:
    return dict(computed.members)


def test_groups_keep_their_ids_when_more_votes_arrive() -> None:
    statements, votes, truth, _ = planted(people=400, seed=3)
    half = len(votes) // 2
    first = compute(VoteMatrix.of(statements, votes[:half]))
    previous = PreviousMap(members=first.members, axes=first.axes, next_group=first.next_group)
    second = compute(VoteMatrix.of(statements, votes), previous)
    assert {g.id for g in first.map.groups} == {g.id for g in second.map.groups} == {1, 2}
    # the people placed both times stay in the group of the same id (nearly all of them)
    both = set(first.members) & set(second.members)
    same = sum(first.members[p] == second.members[p] for p in both)
    assert same >= 0.95 * len(both)
    # the ids follow the planted groups, not the order k-means happened to find them in
    for gid in (1, 2):
        planted_groups = {truth[UUID(p)] for p, g in second.members.items() if g == gid}
        assert len(planted_groups) <= 2
    # and the axes keep their orientation
    common = [s for s in first.axes if s in second.axes]
    for axis in (0, 1):
        dot = sum(first.axes[s][axis] * second.axes[s][axis] for s in common)
        assert dot > 0


def test_ids_survive_a_reversed_input_order_and_a_new_group_gets_a_new_id() -> None:
    statements, votes, _, _ = planted(people=200, seed=5)
    first = compute(VoteMatrix.of(statements, votes))
    again = compute(
        VoteMatrix.of(statements, list(reversed(votes))),
        PreviousMap(members=first.members, axes=first.axes, next_group=first.next_group),
    )
    assert again.members == first.members  # the same votes: the same map
    assert again.map == first.map
    # a previous map whose groups share nobody with these: new ids, after the old ones
    stranger = PreviousMap(members={str(uuid4()): 1, str(uuid4()): 2}, next_group=3)
    renamed = compute(VoteMatrix.of(statements, votes), stranger)
    assert {g.id for g in renamed.map.groups} == {3, 4}
    assert renamed.next_group == 5


def test_a_statements_author_agrees_with_it_and_passers_by_are_not_placed() -> None:
    author, other = uuid4(), uuid4()
    statements: dict[UUID, UUID | None] = {uuid4(): author for _ in range(3)}
    first = next(iter(statements))
    matrix = VoteMatrix.of(statements, [(first, other, -1), (uuid4(), other, 1)])
    assert len(matrix.participants) == 2
    assert len(matrix.values) == 4  # three authored agreements and one vote; the stray is out
    computed = compute(matrix)
    assert computed.map.groups == []
    assert computed.members == {}
    assert computed.map.voters == 2
    assert computed.map.votes == 4


@pytest.mark.parametrize("people", [0, 1, 3])
def test_too_few_participants_make_no_groups(people: int) -> None:
    statements = {uuid4(): None for _ in range(10)}
    votes = [(s, p, 1) for p in (uuid4() for _ in range(people)) for s in statements]
    computed = compute(VoteMatrix.of(statements, votes))
    assert computed.map.groups == []
    assert computed.map.silhouette is None
    assert computed.map.voters == people


def test_participants_with_too_few_votes_are_left_unplaced() -> None:
    statements, votes, _, _ = planted(people=100, seed=9)
    shy = uuid4()
    votes += [(s, shy, 1) for s in list(statements)[: MIN_VOTES - 1]]
    computed = compute(VoteMatrix.of(statements, votes))
    assert str(shy) not in computed.members
    assert computed.map.voters == computed.map.placed + 1


def test_everyone_voting_alike_gives_one_group_without_failing() -> None:
    statements = {uuid4(): None for _ in range(8)}
    votes = [(s, p, 1) for p in (uuid4() for _ in range(10)) for s in statements]
    computed = compute(VoteMatrix.of(statements, votes))
    assert len(computed.map.groups) == 1
    assert computed.map.groups[0].size == 10
    assert {c.statement_id for c in computed.map.consensus} == set(statements)
