"""What each kind of dialog allows: one frozen policy per kind, looked up once.

A dialog's kind decides what its participants send (which kinds of post, or ballots), what a
post gathers (supports toward a threshold, or signatures toward a goal), which settings an
administrator may give it, and what a vote must look like. The rules are values here, asked by
the aggregates (``Dialog``, ``Post``) and through them by the services, instead of strings
compared wherever a rule is needed.

``KIND_POLICIES`` and ``POST_RULES`` are built once, at import, and never change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

import msgspec

from events import texts
from events.errors import Conflict, InvalidInput


class DialogKind(StrEnum):
    PROPOSALS = "proposals"  # e-förslag: proposals and ideas that gather supports
    PETITION = "petition"  # e-petitions that gather signatures toward a goal
    POLL = "poll"  # a quick poll: one question, options, one ballot per person
    VOX_POP = "vox-pop"  # yes or no, live during a council webcast
    PROBLEM_REPORTS = "problem-reports"  # place, photo, status updates to the reporter
    DISCUSSION = "discussion"  # threaded discussion or chat
    SUGGESTION_BOX = "suggestion-box"  # the widget on the municipality's own site
    SURVEY = "survey"  # a questionnaire (services.surveys), one response per person
    STATEMENTS = "statements"  # short statements voted agree, disagree or pass; opinion maps
    BUDGET = "budget"  # participatory budgeting: projects and ballots of a budget round


class PostKind(StrEnum):
    """What a post is. Stored as its value in ``PostSubmitted.kind``."""

    PROPOSAL = "proposal"
    IDEA = "idea"
    PETITION = "petition"
    SUGGESTION = "suggestion"
    TOPIC = "topic"
    PROBLEM_REPORT = "problem-report"
    COMMENT = "comment"  # an answer to another post, in any dialog with comments on
    STATEMENT = "statement"  # a short statement others vote agree, disagree or pass on


class Endorsement(StrEnum):
    """How a person backs a post: a support, or a signature on a petition."""

    SUPPORT = "support"
    SIGNATURE = "signature"


class Opinion(StrEnum):
    """A participant's vote on a statement, stored as its number in ``StatementVoteCast``."""

    AGREE = "agree"
    DISAGREE = "disagree"
    PASS = "pass"  # noqa: S105 (a vote, not a password)

    @property
    def number(self) -> int:
        """+1 agree, -1 disagree, 0 pass: the cell of the vote matrix."""
        return _OPINION_NUMBERS[self]

    @staticmethod
    def of_number(number: int) -> Opinion:
        return _OPINIONS_BY_NUMBER[number]


_OPINION_NUMBERS = {Opinion.AGREE: 1, Opinion.DISAGREE: -1, Opinion.PASS: 0}
_OPINIONS_BY_NUMBER = {n: o for o, n in _OPINION_NUMBERS.items()}
STATEMENT_MAX_LENGTH = 280  # characters of a statement, as on Polis


class ReportStatus(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in-progress"
    FIXED = "fixed"
    REJECTED = "rejected"


class AnswerState(StrEnum):
    """Where the municipality's official answer to a proposal, idea, petition or suggestion
    stands. Problem reports have their own statuses (``ReportStatus``)."""

    RECEIVED = "received"
    UNDER_CONSIDERATION = "under-consideration"
    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly-accepted"
    REJECTED = "rejected"
    IMPLEMENTED = "implemented"


class Commenting(StrEnum):
    """Who may comment: everyone taking part, only the signed-in (not device tokens), nobody."""

    EVERYONE = "everyone"
    SIGNED_IN = "signed-in"
    OFF = "off"


class DialogSettings(msgspec.Struct, frozen=True, kw_only=True):
    comments: Commenting = Commenting.EVERYONE
    images: bool = False
    anonymous: bool = True  # device tokens may take part, without sign-in
    support_threshold: int | None = None
    signature_goal: int | None = None
    question: str | None = None
    options: tuple[str, ...] = ()
    max_choices: int = 1
    premoderation: bool = False  # posts and comments wait for a moderator's approval


@dataclass(frozen=True, slots=True)
class PostRules:
    """What a kind of post gathers and needs."""

    kind: PostKind
    endorsement: Endorsement | None  # None: it cannot be supported or signed
    needs_place: bool = False
    statuses: tuple[ReportStatus, ...] = ()  # the statuses it moves through; the first is new
    answerable: bool = False  # the municipality answers it officially (``AnswerState``)
    max_length: int | None = None  # characters its body may have, where shorter than any post's
    titled: bool = True  # may have a title
    editable: bool = True  # its author may edit it for a while after sending
    votable: bool = False  # participants vote agree, disagree or pass on it (a statement)

    @property
    def initial_status(self) -> ReportStatus | None:
        return self.statuses[0] if self.statuses else None

    def ensure_endorsable(self, endorsement: Endorsement) -> None:
        """Refuse a support of a post that is signed or cannot be backed, and a signature of
        anything but a petition."""
        if endorsement is self.endorsement:
            return
        if endorsement is Endorsement.SIGNATURE:
            raise Conflict("only a petition can be signed")
        if self.endorsement is Endorsement.SIGNATURE:
            raise Conflict(f"a {self.kind.value} is signed, not supported")
        raise Conflict(f"a {self.kind.value} cannot be supported")

    def ensure_place(self, given: bool) -> None:
        if self.needs_place and not given:
            raise InvalidInput("place", f"a {self.kind.value.replace('-', ' ')} needs its place")

    def threshold(self, settings: DialogSettings) -> int | None:
        """The count its endorsements aim for: the petition's goal, or the support threshold."""
        if self.endorsement is Endorsement.SIGNATURE:
            return settings.signature_goal
        if self.endorsement is Endorsement.SUPPORT:
            return settings.support_threshold
        return None

    def ensure_text(self, title: str | None, body: str) -> None:
        """Refuse a title on a kind without one, and a body longer than the kind allows."""
        name = self.kind.value.replace("-", " ")
        if title is not None and not self.titled:
            raise InvalidInput("title", f"a {name} has no title")
        if self.max_length is not None and len(body) > self.max_length:
            raise InvalidInput("body", f"a {name} is at most {self.max_length} characters")

    def ensure_editable(self) -> None:
        if not self.editable:
            name = self.kind.value.replace("-", " ")
            raise Conflict(f"a {name} cannot be edited: votes on it were given to its words")

    def ensure_votable(self) -> None:
        if not self.votable:
            raise Conflict(f"this {self.kind.value.replace('-', ' ')} is no statement to vote on")

    def ensure_has_status(self) -> None:
        if not self.statuses:
            raise Conflict("only a problem report has a status")

    def ensure_answerable(self) -> None:
        """Refuse an official answer to anything but a proposal, idea, petition or suggestion."""
        if self.answerable:
            return
        if self.statuses:
            raise Conflict(
                "a problem report is answered by changing its status, not with an official answer"
            )
        kinds = ", ".join(k.value for k, r in POST_RULES.items() if r.answerable)
        raise Conflict(f"a {self.kind.value} gets no official answer; only a {kinds} does")


_SUPPORTED = Endorsement.SUPPORT
POST_RULES: Mapping[PostKind, PostRules] = MappingProxyType(
    {
        PostKind.PROPOSAL: PostRules(
            kind=PostKind.PROPOSAL, endorsement=_SUPPORTED, answerable=True
        ),
        PostKind.IDEA: PostRules(kind=PostKind.IDEA, endorsement=_SUPPORTED, answerable=True),
        PostKind.PETITION: PostRules(
            kind=PostKind.PETITION, endorsement=Endorsement.SIGNATURE, answerable=True
        ),
        PostKind.SUGGESTION: PostRules(
            kind=PostKind.SUGGESTION, endorsement=_SUPPORTED, answerable=True
        ),
        PostKind.TOPIC: PostRules(kind=PostKind.TOPIC, endorsement=_SUPPORTED),
        PostKind.PROBLEM_REPORT: PostRules(
            kind=PostKind.PROBLEM_REPORT,
            endorsement=_SUPPORTED,
            needs_place=True,
            statuses=tuple(ReportStatus),
        ),
        PostKind.COMMENT: PostRules(kind=PostKind.COMMENT, endorsement=None),
        PostKind.STATEMENT: PostRules(
            kind=PostKind.STATEMENT,
            endorsement=None,  # voted on (agree, disagree, pass), not supported
            max_length=STATEMENT_MAX_LENGTH,
            titled=False,
            editable=False,
            votable=True,
        ),
    }
)


def post_rules(kind: str) -> PostRules:
    """The rules of a kind of post (its value as stored in ``PostSubmitted``)."""
    return POST_RULES[PostKind(kind)]


@dataclass(frozen=True, slots=True)
class KindPolicy:
    """What one kind of dialog allows."""

    kind: DialogKind
    posts: tuple[PostKind, ...] = ()  # what participants post; the first is the default
    ballots: bool = False  # takes ballots: a question, options, one ballot per person
    responses: bool = False  # takes questionnaire responses: one per person (a survey)
    fixed_options: tuple[str, ...] = ()  # options that are always these (a vox pop's yes, no)
    single_choice: bool = False  # max_choices is always 1, whatever the administrator gives
    support_threshold: bool = False  # may set a support threshold for its posts
    signature_goal: bool = False  # may set a signature goal for its petitions
    opinions: bool = False  # its statements are voted on and mapped into opinion groups
    budget: bool = False  # a participatory budget: projects and ballots of its budget round

    @property
    def takes_posts(self) -> bool:
        return bool(self.posts)

    @property
    def premoderation(self) -> bool:
        """Whether posts can wait for a moderator: only where there are posts."""
        return self.takes_posts

    @property
    def takes(self) -> str:
        """What participants send in this kind of dialog, in words for a refusal."""
        if self.responses:
            return "questionnaire responses"
        if self.budget:
            return "budget projects and ballots"
        return "votes" if self.ballots else "posts"

    def post_kind(self, given: str | None) -> PostKind:
        """The kind of a new post: the one ``given``, or the dialog's first; refused in a dialog
        that takes votes or questionnaire responses, or for a kind the dialog does not take."""
        if not self.posts:
            raise Conflict(f"a {self.kind.value} dialog takes {self.takes}, not posts")
        chosen = given or self.posts[0]
        if chosen not in self.posts:
            raise InvalidInput(
                "kind", f"must be one of {', '.join(k.value for k in self.posts)} in this dialog"
            )
        return PostKind(chosen)

    def option_label(self, option: str, language: str) -> str:
        """How ``option`` is shown in ``language``: a fixed option (a vox pop's ``yes`` and
        ``no``, stored so whatever the language) by its word there (Ja, Nej, Kyllä, Ei); an
        option an administrator wrote as written."""
        label = _FIXED_OPTION_LABELS.get(option) if option in self.fixed_options else None
        return option if label is None else label(language)

    def ensure_ballots(self) -> None:
        if not self.ballots:
            raise Conflict(f"a {self.kind.value} dialog takes {self.takes}, not votes")

    def ensure_opinions(self) -> None:
        """Refuse an opinion map of a dialog whose posts are not statements."""
        if not self.opinions:
            raise Conflict(f"a {self.kind.value} dialog has no statements to map opinions of")

    def ensure_responses(self) -> None:
        """Refuse a questionnaire or a response in a dialog that is no survey."""
        if not self.responses:
            raise Conflict(
                f"a {self.kind.value} dialog takes {self.takes}, not questionnaire responses"
            )

    def settings(self, given: DialogSettings) -> DialogSettings:
        """The settings this kind keeps of ``given`` (texts already cleaned), or the first
        setting it refuses, named."""
        options = list(given.options)
        question = given.question
        if self.fixed_options:
            if options and tuple(o.lower() for o in options) != self.fixed_options:
                allowed = " and ".join(self.fixed_options)
                name = self.kind.value.replace("-", " ")
                raise InvalidInput("settings.options", f"a {name}'s options are {allowed}")
            options = list(self.fixed_options)
        if self.ballots:
            if question is None:
                raise InvalidInput("settings.question", "a poll needs its question")
            if len(options) < 2:
                raise InvalidInput("settings.options", "a poll needs at least two options")
            if len({o.casefold() for o in options}) != len(options):
                raise InvalidInput("settings.options", "each option must be different")
            if given.max_choices > len(options):
                raise InvalidInput("settings.max_choices", "must not exceed the number of options")
        elif options or question is not None:
            raise InvalidInput("settings.options", "only polls and vox pops have options")
        if given.support_threshold is not None and not self.support_threshold:
            raise InvalidInput("settings.support_threshold", "only proposals have a threshold")
        if given.signature_goal is not None and not self.signature_goal:
            raise InvalidInput("settings.signature_goal", "only petitions have a signature goal")
        if given.premoderation and not self.premoderation:
            raise InvalidInput(
                "settings.premoderation", f"{self.kind.value} dialogs take no posts to approve"
            )
        return msgspec.structs.replace(
            given,
            options=tuple(options),
            question=question,
            max_choices=1 if self.single_choice else given.max_choices,
        )

    def choices(self, settings: DialogSettings, given: Sequence[str]) -> tuple[str, ...]:
        """A ballot's choices as the dialog's options spell them: each an option (case and
        surrounding blanks aside), none twice, at most ``max_choices``."""
        self.ensure_ballots()
        by_folded = {o.casefold(): o for o in settings.options}
        choices: list[str] = []
        for i, text in enumerate(given):
            option = by_folded.get(text.strip().casefold())
            if option is None:
                raise InvalidInput(f"choices[{i}]", f"{text!r} is not an option of this poll")
            if option in choices:
                raise InvalidInput(f"choices[{i}]", f"{option!r} is chosen twice")
            choices.append(option)
        if len(choices) > settings.max_choices:
            raise InvalidInput("choices", f"at most {settings.max_choices} choice(s)")
        return tuple(choices)


# The words of the fixed options, each a literal call so Babel's extractor finds the message.
_FIXED_OPTION_LABELS: Mapping[str, Callable[[str], str]] = MappingProxyType(
    {
        "yes": lambda language: texts.pgettext(language, "vox pop answer", "yes"),
        "no": lambda language: texts.pgettext(language, "vox pop answer", "no"),
    }
)


KIND_POLICIES: Mapping[DialogKind, KindPolicy] = MappingProxyType(
    {
        DialogKind.PROPOSALS: KindPolicy(
            kind=DialogKind.PROPOSALS,
            posts=(PostKind.PROPOSAL, PostKind.IDEA),
            support_threshold=True,
        ),
        DialogKind.PETITION: KindPolicy(
            kind=DialogKind.PETITION, posts=(PostKind.PETITION,), signature_goal=True
        ),
        DialogKind.POLL: KindPolicy(kind=DialogKind.POLL, ballots=True),
        DialogKind.VOX_POP: KindPolicy(
            kind=DialogKind.VOX_POP, ballots=True, fixed_options=("yes", "no"), single_choice=True
        ),
        DialogKind.PROBLEM_REPORTS: KindPolicy(
            kind=DialogKind.PROBLEM_REPORTS, posts=(PostKind.PROBLEM_REPORT,)
        ),
        DialogKind.DISCUSSION: KindPolicy(kind=DialogKind.DISCUSSION, posts=(PostKind.TOPIC,)),
        DialogKind.SUGGESTION_BOX: KindPolicy(
            kind=DialogKind.SUGGESTION_BOX, posts=(PostKind.SUGGESTION,)
        ),
        # A survey's ``anonymous`` setting (the default) means its responses name nobody, and
        # device tokens may answer; without it, respondents sign in and responses name them.
        DialogKind.SURVEY: KindPolicy(kind=DialogKind.SURVEY, responses=True),
        # Polis-style: short statements, each voted agree, disagree or pass by the others;
        # the votes are mapped into opinion groups (services.analysis.opinion).
        DialogKind.STATEMENTS: KindPolicy(
            kind=DialogKind.STATEMENTS, posts=(PostKind.STATEMENT,), opinions=True
        ),
        # Participatory budgeting: its budget round (services.budgeting) holds the districts,
        # rules and phases; projects and ballots go to the round, not to posts or polls.
        DialogKind.BUDGET: KindPolicy(kind=DialogKind.BUDGET, budget=True),
    }
)


def kind_policy(kind: str) -> KindPolicy:
    """The policy of a kind of dialog (its value as stored in ``DialogDrafted``)."""
    return KIND_POLICIES[DialogKind(kind)]
