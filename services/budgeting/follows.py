"""Following a budget project: being told of its implementation updates.

A ``ProjectFollow`` is one person's following of one project. Its stream id is a name-based
hash of the project and the person (``follow_id``), so a second "follow" of the same person is
the same stream and records nothing: following is idempotent by the stream's identity, and so
is unfollowing. Whoever proposed a project follows it from the start (the proposal's append
records it); those who voted for it do not: a ballot names no voter, and nothing here links
one to a project.

Each event names the project and the person, so a read model keeps who follows what without
reading the stream's history; the listing shows a project's followers as a count only.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.errors import Forbidden, SignInNeeded
from services.budgeting.domain import BudgetProject
from services.identity.access import Caller, Permission

__all__ = ["ProjectFollow", "follow_id", "may_follow", "require_follower"]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/budgeting/follows")


def follow_id(project_id: UUID, person_id: UUID) -> UUID:
    """The stream of a person's following of a project."""
    return uuid5(_NAMESPACE, f"follow:{project_id}:{person_id}")


def may_follow(by: Caller) -> bool:
    """A signed-in participant (no device token: a follower is told by e-mail or in the app
    they sign in to) of a role that takes part."""
    return not by.anonymous and by.may(Permission.TAKE_PART)


def require_follower(by: Caller) -> None:
    """Refuse whoever may not follow a project: a device token (sign in first), a role that
    takes no part."""
    if by.anonymous:
        raise SignInNeeded("sign in to follow a project")
    by.require(Permission.TAKE_PART)


class ProjectFollow(Aggregate):
    """One person following one budget project, or no longer (they may follow it again)."""

    @staticmethod
    def create_id(project_id: UUID, person_id: UUID) -> UUID:
        return follow_id(project_id, person_id)

    @classmethod
    def start(cls, project: BudgetProject, by: Caller) -> ProjectFollow:
        """The caller follows ``project`` (the first time)."""
        require_follower(by)
        return cls(project_id=project.id, person_id=by.person_id)

    @classmethod
    def by_proposer(cls, project: BudgetProject) -> ProjectFollow:
        """The project's proposer follows it from the start."""
        assert project.proposer_id is not None  # proposed, not imported from a file
        return cls(project_id=project.id, person_id=project.proposer_id)

    @event("BudgetProjectFollowed")
    def __init__(self, project_id: UUID, person_id: UUID) -> None:
        self.project_id = project_id
        self.person_id = person_id
        self.following = True

    def _theirs(self, by: Caller) -> None:
        require_follower(by)
        if by.person_id != self.person_id:
            raise Forbidden("one follows or unfollows a project for oneself only")

    def follow(self, by: Caller) -> bool:
        """Follow again; False (nothing recorded) when following already."""
        self._theirs(by)
        if self.following:
            return False
        self._followed_again(self.project_id, self.person_id)
        return True

    @event("BudgetProjectFollowedAgain")
    def _followed_again(self, project_id: UUID, person_id: UUID) -> None:
        self.following = True

    def unfollow(self, by: Caller) -> bool:
        """Stop following; False (nothing recorded) when not following."""
        self._theirs(by)
        if not self.following:
            return False
        self._unfollowed(self.project_id, self.person_id)
        return True

    @event("BudgetProjectUnfollowed")
    def _unfollowed(self, project_id: UUID, person_id: UUID) -> None:
        self.following = False
