"""A store full of municipal dialogue, for the read-model benches: tenants, people, dialogs,
posts, comments, supports, signatures, ballots, edits, withdrawals and report status changes,
made with the real aggregates and appended through the real store."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eventsourcing.domain import Aggregate

from events.model import NewEvent
from events.repository import EventMetadata, Repository
from services.dialogs.domain import (
    Commenting,
    Dialog,
    DialogDetails,
    DialogKind,
    DialogSettings,
)
from services.identity.domain import Person
from services.identity.keys import Keys
from services.participation.domain import (
    Ballot,
    Place,
    Post,
    ReportStatus,
    Signature,
    Support,
)
from tenants.domain import Tenant

_KINDS = (
    DialogKind.PROPOSALS,
    DialogKind.PETITION,
    DialogKind.VOX_POP,
    DialogKind.POLL,
    DialogKind.DISCUSSION,
    DialogKind.PROBLEM_REPORTS,
    DialogKind.SUGGESTION_BOX,
)
_POST_KIND = {
    DialogKind.PROPOSALS: "proposal",
    DialogKind.PETITION: "petition",
    DialogKind.DISCUSSION: "topic",
    DialogKind.PROBLEM_REPORTS: "problem-report",
    DialogKind.SUGGESTION_BOX: "suggestion",
}
_COMMITTEES = ["Transport", "Education", "Parks and Sports", "Culture", "Social Services"]
_WORDS = "cykel skola park buss lampa väg bibliotek lekplats trafik bänk träd".split()  # noqa: SIM905


@dataclass
class Mix:
    """How one tenant's events are made up (about 10,000 by default)."""

    people: int = 1000
    posts: int = 1200
    comments: int = 1500
    supports: int = 2500
    signatures: int = 500
    ballots: int = 3000
    edits: int = 100
    withdrawals: int = 50
    statuses: int = 100


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize()


def _dialog(rng: random.Random, number: int, now: datetime) -> Dialog:
    kind = _KINDS[number % len(_KINDS)]
    poll = kind in (DialogKind.POLL, DialogKind.VOX_POP)
    settings = DialogSettings(
        comments=Commenting.EVERYONE,
        support_threshold=100_000 if kind is DialogKind.PROPOSALS else None,
        signature_goal=100_000 if kind is DialogKind.PETITION else None,
        question="Vad tycker du?" if poll else None,
        options=("yes", "no") if kind is DialogKind.VOX_POP else ("a", "b", "c") if poll else (),
    )
    dialog = Dialog(
        kind=kind.value,
        details=DialogDetails(
            title=_text(rng, 4),
            purpose=_text(rng, 12),
            instructions=_text(rng, 8),
            committee=_COMMITTEES[number % len(_COMMITTEES)],
            invite_only=False,
            opens_at=now - timedelta(days=30),
            closes_at=now + timedelta(days=30),
            settings=settings,
        ),
    )
    dialog.schedule(now - timedelta(days=31))
    dialog.open_if_due(now)
    return dialog


def tenant_aggregates(
    slug: str, mix: Mix, rng: random.Random, keys: Keys
) -> Iterator[list[Aggregate]]:
    """Groups of aggregates with pending events, in the order they would have happened."""
    now = datetime.now(UTC)
    tenant = Tenant(slug=slug, name=f"Kommun {slug}", default_language="sv")
    tenant.add_host(f"{slug}.tinget.se")
    tenant.change_committees(list(_COMMITTEES))
    yield [tenant]
    people = [uuid.uuid4() for _ in range(mix.people)]
    yield [Person(person_id=p, role="participant", sign_in="device") for p in people]
    dialogs = [_dialog(rng, n, now) for n in range(2 * len(_KINDS))]
    yield list(dialogs)
    with_posts = [d for d in dialogs if d.kind in _POST_KIND]
    polls = [d for d in dialogs if d.kind in (DialogKind.POLL, DialogKind.VOX_POP)]
    posts: list[Post] = []
    for _ in range(mix.posts):
        d = rng.choice(with_posts)
        kind = _POST_KIND[d.kind]
        place = (
            Place(latitude=55.7, longitude=13.2, address="Stortorget")
            if kind == ("problem-report")
            else None
        )
        posts.append(
            Post(
                dialog_id=d.id,
                kind=kind,
                author_id=rng.choice(people),
                anonymous=False,
                title=_text(rng, 4),
                body=_text(rng, 30),
                parent_id=None,
                root_id=None,
                place=place,
                image=None,
                threshold=d.details.settings.support_threshold or d.details.settings.signature_goal,
                id=uuid.uuid4(),
            )
        )
    yield list(posts)
    comments = []
    for _ in range(mix.comments):
        parent = rng.choice(posts)
        comments.append(
            Post(
                dialog_id=parent.dialog_id,
                kind="comment",
                author_id=rng.choice(people),
                anonymous=False,
                title=None,
                body=_text(rng, 15),
                parent_id=parent.id,
                root_id=parent.id,
                place=None,
                image=None,
                threshold=None,
                id=uuid.uuid4(),
            )
        )
    yield list[Aggregate](comments)
    supportable = [p for p in posts if p.kind != "petition"]
    petitions = [p for p in posts if p.kind == "petition"] or supportable
    given: set[tuple[uuid.UUID, uuid.UUID]] = set()
    endorsements: list[Aggregate] = []
    for count, cls, among in (
        (mix.supports, Support, supportable),
        (mix.signatures, Signature, petitions),
    ):
        while count > 0:
            post, person = rng.choice(among), rng.choice(people)
            if (post.id, person) in given:
                continue
            given.add((post.id, person))
            endorsements.append(cls(post_id=post.id, dialog_id=post.dialog_id, person_id=person))
            count -= 1
    yield endorsements
    voters = [(poll, person) for poll in polls for person in people]
    ballots: list[Aggregate] = []
    for poll, person in rng.sample(voters, min(mix.ballots, len(voters))):
        options = poll.details.settings.options
        ballots.append(
            Ballot(
                ballot_id=keys.ballot_stream(slug, poll.id, person),
                dialog_id=poll.id,
                choices=(rng.choice(options),),
                signed_in=False,
            )
        )
    yield ballots
    changed: list[Aggregate] = []
    for post in rng.sample(posts, mix.edits):
        post.edit(post.author_id, post.title, _text(rng, 30), post.created_on)
        changed.append(post)
    for post in rng.sample(posts, mix.withdrawals):
        if not post.withdrawn:
            post.withdraw(post.author_id)
            changed.append(post)
    reports = [p for p in posts if p.kind == "problem-report"]
    for post in rng.sample(reports, min(mix.statuses, len(reports))):
        post.change_report_status(ReportStatus.IN_PROGRESS, "Vi tittar på det")
        changed.append(post)
    yield changed


async def new_events(
    repository: Repository, slug: str, mix: Mix, rng: random.Random, keys: Keys
) -> AsyncIterator[list[NewEvent]]:
    """Each group's events, the posts' texts sealed under their authors' data keys (made
    first, as the participation service does)."""
    meta = EventMetadata(role="participant", request_id="bench")
    person_keys = repository.codec.keys
    for group in tenant_aggregates(slug, mix, rng, keys):
        authors = {a.author_id for a in group if isinstance(a, Post)}
        if authors and person_keys is not None:
            await person_keys.for_writing(slug, authors)
        yield repository.to_new_events([(slug, a) for a in group], meta)
