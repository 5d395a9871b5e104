"""More refusals in the caller's language: a participatory budget's (the ballot, the phases),
and those the municipality's administrators, moderators and analysts meet most (settings,
dialogs, moderation, analyses, ideas, questionnaires, panels, focus groups, notification
templates).

As in ``gateway.problem_texts`` (which asks here for what its own patterns do not know), each
reason is a pattern of the English text the domain writes, and a message id with the
pattern's named groups as its fields. Some need more than their values kept:

- a count takes its plural form (``at most 1 project``, ``at most 3 projects``);
- an amount is written as the language writes numbers (``12 000`` in Swedish) and a moment as
  it writes dates (``2026-03-01 09:00 UTC``);
- a word inside the reason is itself translated (a staff role, a budget's phase).

Those are the ``_WORDED`` patterns, each with a function that writes the reason in a
language from the values found; the others (``_KEPT``) keep their values as written. A quoted
value (``'north'``) is shown without its quotes, as the citizens' refusals are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, date, datetime

from events import texts
from events.texts import N_
from services.identity.texts import role_name

Worded = Callable[[str, Mapping[str, str]], str | None]
"""Writes a reason in a language from the values its pattern found (None: cannot)."""

ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _quoted(name: str) -> str:
    """A value written with ``!r``: ``'north'``, without its quotes as the group."""
    return f"'(?P<{name}>[^']{{1,200}})'"


def _number(value: str, language: str) -> str:
    """A whole number found in English (``40000000`` or ``40,000,000``) as ``language`` writes
    it."""
    try:
        return texts.format_number(int(value.replace(",", "")), language)
    except ValueError:
        return value


def _moment(value: str, language: str) -> str:
    """An ISO 8601 moment (``2026-03-01T09:00:00+00:00``) as ``language`` writes it, in UTC
    as Tinget records moments, saying so (``2026-03-01 09:00 UTC``)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return f"{texts.format_datetime(moment.astimezone(UTC), language, 'short')} UTC"


def _numbers(message: str, *names: str) -> Worded:
    """``message`` with the groups ``names`` written as numbers, the others as found."""

    def worded(language: str, found: Mapping[str, str]) -> str:
        values = {**found, **{n: _number(found[n], language) for n in names}}
        return texts.gettext(language, message).format(**values)

    return worded


def _moments(message: str, *names: str) -> Worded:
    """``message`` with the groups ``names`` written as moments, the others as found."""

    def worded(language: str, found: Mapping[str, str]) -> str:
        values = {**found, **{n: _moment(found[n], language) for n in names}}
        return texts.gettext(language, message).format(**values)

    return worded


def _role_word(role: str, language: str) -> str:
    """A role's id (``analyst``, ``participant``) as ``language`` names it; an unknown one as
    it is."""
    others = {
        "participant": texts.pgettext(language, "role", "participant"),
        "external-analyst": texts.pgettext(language, "role", "external analyst"),
        "consultant": texts.pgettext(language, "role", "consultant"),
        "operations": texts.pgettext(language, "role", "operations"),
    }
    return others.get(role) or role_name(role, language)


def _role(message: str) -> Worded:
    """``message`` with the group ``role`` (a role's id) as the language names it."""

    def worded(language: str, found: Mapping[str, str]) -> str:
        role = _role_word(found["role"], language)
        return texts.gettext(language, message).format(**{**found, "role": role})

    return worded


# -- a participatory budget's phases -------------------------------------------------------------


def _phase_name(phase: str, language: str) -> str | None:
    names = {
        "proposals": texts.pgettext(language, "budget phase", "proposals"),
        "review": texts.pgettext(language, "budget phase", "review"),
        "voting": texts.pgettext(language, "budget phase", "voting"),
        "results": texts.pgettext(language, "budget phase", "results"),
        "implementation": texts.pgettext(language, "budget phase", "implementation"),
    }
    return names.get(phase)


def _phase_action(action: str, language: str) -> str | None:
    actions = {
        "ballots are cast": texts.pgettext(language, "budget action", "ballots are cast"),
        "results are counted": texts.pgettext(language, "budget action", "results are counted"),
        "results are recorded": texts.pgettext(language, "budget action", "results are recorded"),
        "projects are proposed": texts.pgettext(language, "budget action", "projects are proposed"),
        "projects are reviewed": texts.pgettext(language, "budget action", "projects are reviewed"),
        "implementation is reported": texts.pgettext(
            language, "budget action", "implementation is reported"
        ),
    }
    return actions.get(action)


def _phase_closed(language: str, found: Mapping[str, str]) -> str | None:
    """``ballots are cast only in the voting phase (from ... to ...); the review phase is
    under way``: the action, the phases and the times in ``language``."""
    action = _phase_action(found["action"], language)
    phase = _phase_name(found["phase"], language)
    current = _phase_name(found["current"], language) if found["current"] else None
    if action is None or phase is None or (found["current"] and current is None):
        return None
    opens = _moment(found["opens"], language)
    if not found["closes"]:
        when = texts.gettext(language, "from {opens}").format(opens=opens)
    else:
        closes = _moment(found["closes"], language)
        when = texts.gettext(language, "from {opens} to {closes}").format(
            opens=opens, closes=closes
        )
    if current is None:
        now = texts.gettext(language, "no phase is under way")
    else:
        now = texts.gettext(language, "the {phase} phase is under way").format(phase=current)
    return texts.gettext(language, "{action} only in the {phase} phase ({when}); {now}").format(
        action=action, phase=phase, when=when, now=now
    )


def _phase(message: str) -> Worded:
    """``message`` with the group ``phase`` (a budget's phase) as the language names it."""

    def worded(language: str, found: Mapping[str, str]) -> str | None:
        phase = _phase_name(found["phase"], language)
        if phase is None:
            return None
        return texts.gettext(language, message).format(**{**found, "phase": phase})

    return worded


def _day(message: str, *names: str) -> Worded:
    """``message`` with the groups ``names`` (dates, YYYY-MM-DD) as the language writes them."""

    def worded(language: str, found: Mapping[str, str]) -> str:
        values = dict(found)
        for name in names:
            with suppress(ValueError):
                values[name] = texts.format_date(date.fromisoformat(found[name]), language)
        return texts.gettext(language, message).format(**values)

    return worded


def _nested(message: str, name: str) -> Worded:
    """``message`` with the group ``name`` (a reason given inside this one: the identity
    provider's answer) in the language too when a pattern knows it, else as written."""

    def worded(language: str, found: Mapping[str, str]) -> str:
        inner = reason(found[name], language) or found[name]
        return texts.gettext(language, message).format(**{**found, name: inner})

    return worded


def _field_named(language: str, found: Mapping[str, str]) -> str | None:
    """``state: this sign-in has expired; ...``: a reason naming the field it is about in
    front (where the refusal carries no field of its own), the field as it is."""
    inner = reason(found["reason"], language)
    return None if inner is None else f"{found['field']}: {inner}"


def _dialog_takes(language: str, found: Mapping[str, str]) -> str | None:
    """``a poll dialog takes votes, not posts``: what a kind of dialog takes and what it was
    sent, in the language's words."""
    words = {
        "posts": texts.pgettext(language, "what a dialog takes", "posts"),
        "votes": texts.pgettext(language, "what a dialog takes", "votes"),
        "questionnaire responses": texts.pgettext(
            language, "what a dialog takes", "questionnaire responses"
        ),
        "budget projects and ballots": texts.pgettext(
            language, "what a dialog takes", "budget projects and ballots"
        ),
    }
    takes, sent = words.get(found["takes"]), words.get(found["sent"])
    if takes is None or sent is None:
        return None
    return texts.gettext(language, "a {kind} dialog takes {takes}, not {sent}").format(
        kind=found["kind"], takes=takes, sent=sent
    )


def _token_use(language: str, found: Mapping[str, str]) -> str | None:
    """``this token is for refresh, not for access``: what a token is for, in words."""
    words = {
        "access": texts.pgettext(language, "what a token is for", "access"),
        "refresh": texts.pgettext(language, "what a token is for", "refresh"),
    }
    use, wanted = words.get(found["use"]), words.get(found["wanted"])
    if use is None or wanted is None:
        return None
    return texts.gettext(language, "this token is for {use}, not for {wanted}").format(
        use=use, wanted=wanted
    )


def _survey_count(language: str, found: Mapping[str, str]) -> str | None:
    """A questionnaire's ``needs at least 2 options`` or ``at most 20 sections``: the count in
    the plural form it takes, for each thing a questionnaire counts."""
    n = int(found["n"])
    noun = found["noun"].removesuffix("s")
    least = {
        "option": texts.ngettext(
            language, "needs at least {n} option", "needs at least {n} options", n
        ),
        "row": texts.ngettext(language, "needs at least {n} row", "needs at least {n} rows", n),
        "section": texts.ngettext(
            language, "needs at least {n} section", "needs at least {n} sections", n
        ),
        "question": texts.ngettext(
            language, "needs at least {n} question", "needs at least {n} questions", n
        ),
    }
    most = {
        "option": texts.ngettext(language, "at most {n} option", "at most {n} options", n),
        "row": texts.ngettext(language, "at most {n} row", "at most {n} rows", n),
        "section": texts.ngettext(language, "at most {n} section", "at most {n} sections", n),
        "question": texts.ngettext(language, "at most {n} question", "at most {n} questions", n),
    }
    written = (least if found["least"] else most).get(noun)
    return None if written is None else written.format(n=found["n"])


# -- reasons whose values need more than keeping ------------------------------------------------

# -- what did not answer: a service Tinget depends on (503) ---------------------------------------


def _provider_part(what: str, language: str) -> str:
    """A part of an identity provider in ``language`` (an unknown one as it is)."""
    parts = {
        "discovery document": texts.pgettext(
            language, "identity provider", "the identity provider's discovery document"
        ),
        "key set": texts.pgettext(language, "identity provider", "the identity provider's key set"),
        "token endpoint": texts.pgettext(
            language, "identity provider", "the identity provider's token endpoint"
        ),
        "token endpoint's answer": texts.pgettext(
            language, "identity provider", "the identity provider's token endpoint's answer"
        ),
    }
    return parts.get(what, what)


# a part of the identity provider named in a 503 (its discovery document has patterns of its
# own, written when a provider is configured)
_PROVIDER_PART = r"the identity provider's (?P<what>(?!discovery document)[\w' ]{1,60})"


def _provider(message: str) -> Worded:
    """``message`` about a part of the identity provider (its ``{part}``), the other groups as
    found, and a reason it carries (``why``) in ``language`` where known."""

    def worded(language: str, found: Mapping[str, str]) -> str:
        values = {**found, "part": _provider_part(found["what"], language)}
        if found.get("why"):
            values["why"] = reason(found["why"], language) or found["why"]
        return texts.gettext(language, message).format(**values)

    return worded


def _invited_before(language: str, found: Mapping[str, str]) -> str:
    """``invitees[3]: <why>; the 3 before it were invited``: the reason in ``language``."""
    why = reason(found["why"], language) or found["why"]
    return texts.gettext(language, "{field}: {why}; those before it ({n}) were invited").format(
        field=found["field"], why=why, n=found["n"]
    )


_WORDED: Sequence[tuple[str, Worded]] = (
    # a participatory budget: the phases and the ballot
    (
        r"(?P<action>[a-z ]+) only in the (?P<phase>[a-z]+) phase"
        r" \(from (?P<opens>\S+?)(?: to (?P<closes>\S+))?\);"
        r" (?:the (?P<current>[a-z]+) phase is under way|no phase is under way)",
        _phase_closed,
    ),
    (
        r"at most (?P<n>\d+) projects on a ballot",
        lambda language, found: texts.ngettext(
            language,
            "at most {n} project on a ballot",
            "at most {n} projects on a ballot",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"over budget: they cost (?P<cost>\d+) together, the budget is (?P<budget>\d+)",
        _numbers(
            N_("over budget: they cost {cost} together, the budget is {budget}"), "cost", "budget"
        ),
    ),
    (
        r"spread (?P<n>\d+) points over the projects chosen",
        lambda language, found: texts.ngettext(
            language,
            "spread {n} point over the projects chosen",
            "spread {n} points over the projects chosen",
            int(found["n"]),
        ).format(n=_number(found["n"], language)),
    ),
    (
        r"give points to each of the (?P<n>\d+) projects chosen",
        lambda language, found: texts.ngettext(
            language,
            "give points to the {n} project chosen",
            "give points to each of the {n} projects chosen",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"do not add up: (?P<sum>\d+), not the (?P<points>\d+) to spread",
        _numbers(N_("do not add up: {sum}, not the {points} to spread"), "sum", "points"),
    ),
    (
        r"a feasible project's cost, from 1 to (?P<limit>\d+)",
        _numbers(N_("a feasible project's cost, from 1 to {limit}"), "limit"),
    ),
    (
        r"a points ballot spreads from 1 to (?P<limit>1000000) points",
        _numbers(N_("a points ballot spreads from 1 to {limit} points"), "limit"),
    ),
    (r"the (?P<phase>[a-z]+) phase needs an end", _phase(N_("the {phase} phase needs an end"))),
    (
        r"must not be before (?P<phase>[a-z]+) closes",
        _phase(N_("must not be before the {phase} phase closes")),
    ),
    (r"the (?P<phase>[a-z]+) phase has begun", _phase(N_("the {phase} phase has begun"))),
    (r"the (?P<phase>[a-z]+) phase is over", _phase(N_("the {phase} phase is over"))),
    (
        r"is (?P<size>\d+x\d+) pixels; at most (?P<side>\d+) pixels on a side and"
        r" (?P<pixels>[\d,]+) pixels in all",
        _numbers(
            N_("is {size} pixels; at most {side} pixels on a side and {pixels} pixels in all"),
            "side",
            "pixels",
        ),
    ),
    (
        r"is too large; at most (?P<side>\d+) pixels on a side and (?P<pixels>[\d,]+) pixels"
        r" in all",
        _numbers(
            N_("is too large; at most {side} pixels on a side and {pixels} pixels in all"),
            "side",
            "pixels",
        ),
    ),
    (
        r"is (?P<size>\d+) bytes; at most (?P<limit>\d+)",
        _numbers(N_("is {size} bytes; at most {limit}"), "size", "limit"),
    ),
    (
        r"slow mode: one message every (?P<n>\d+) seconds; wait (?P<wait>\d+) more seconds",
        lambda language, found: texts.ngettext(
            language,
            "slow mode: one message every {n} seconds; wait {wait} more second",
            "slow mode: one message every {n} seconds; wait {wait} more seconds",
            int(found["wait"]),
        ).format(**found),
    ),
    # a survey's answers
    (
        r"choose at least (?P<n>\d+) options",
        lambda language, found: texts.ngettext(
            language, "choose at least {n} option", "choose at least {n} options", int(found["n"])
        ).format(n=found["n"]),
    ),
    (
        r"choose at most (?P<n>\d+) options",
        lambda language, found: texts.ngettext(
            language, "choose at most {n} option", "choose at most {n} options", int(found["n"])
        ).format(n=found["n"]),
    ),
    (
        r"must rank every option, (?P<n>\d+) in all, not (?P<given>\d+)",
        lambda language, found: texts.ngettext(
            language,
            "must rank every option, {n} in all, not {given}",
            "must rank every option, {n} in all, not {given}",
            int(found["n"]),
        ).format(**found),
    ),
    (
        r"must rank the top (?P<n>\d+) options, (?P=n) in all, not (?P<given>\d+)",
        lambda language, found: texts.ngettext(
            language,
            "must rank the top {n} option, not {given}",
            "must rank the top {n} options, not {given}",
            int(found["n"]),
        ).format(**found),
    ),
    (r"must not be before (?P<day>\d{4}-\d{2}-\d{2})", _day(N_("must not be before {day}"), "day")),
    (r"must not be after (?P<day>\d{4}-\d{2}-\d{2})", _day(N_("must not be after {day}"), "day")),
    # moments
    (
        r"must not be before the dialog closes \((?P<closes>\S+)\)",
        _moments(N_("must not be before the dialog closes ({closes})"), "closes"),
    ),
    (r"the survey closed at (?P<when>\S+)", _moments(N_("the survey closed at {when}"), "when")),
    (
        r"the survey's questionnaire has not gone out at (?P<when>\S+) \(it is (?P<stage>[\w-]+)\)",
        _moments(
            N_(
                "the survey's questionnaire has not gone out: it goes out at {when} (it is {stage})"
            ),
            "when",
        ),
    ),
    (
        r"the dialog opened at (?P<when>\S+): a questionnaire goes out when its dialog opens,"
        r" so schedule it before then",
        _moments(
            N_(
                "the dialog opened at {when}: a questionnaire goes out when its dialog opens,"
                " so schedule it before then"
            ),
            "when",
        ),
    ),
    # staff roles named in the reason
    (
        r"the role '(?P<role>[\w-]+)' may not administer",
        _role(N_("the role {role} may not administer")),
    ),
    (
        r"the role '(?P<role>[\w-]+)' may not moderate",
        _role(N_("the role {role} may not moderate")),
    ),
    (r"the role '(?P<role>[\w-]+)' may not analyse", _role(N_("the role {role} may not analyse"))),
    (
        r"the role '(?P<role>[\w-]+)' may not take-part",
        _role(N_("the role {role} may not take part")),
    ),
    (
        r"the role '(?P<role>[\w-]+)' may not approve-surveys",
        _role(N_("the role {role} may not approve questionnaires")),
    ),
    (
        r"the role '(?P<role>[\w-]+)' may not answer",
        _role(N_("the role {role} may not answer for the municipality")),
    ),
    (r"the role '(?P<role>[\w-]+)' may not operate", _role(N_("the role {role} may not operate"))),
    (
        r"the role '(?P<role>[\w-]+)' may not read survey responses",
        _role(N_("the role {role} may not read survey responses")),
    ),
    (
        r"the role '(?P<role>[\w-]+)' may not read survey results",
        _role(N_("the role {role} may not read survey results")),
    ),
    (
        r"the role '(?P<role>[\w-]+)' may not review questionnaires",
        _role(N_("the role {role} may not review questionnaires")),
    ),
    (
        r"the role '(?P<role>[\w-]+)' may not see a panel's (?P<what>members|samples|rounds)",
        lambda language, found: {
            "members": _role(N_("the role {role} may not see a panel's members")),
            "samples": _role(N_("the role {role} may not see a panel's samples")),
            "rounds": _role(N_("the role {role} may not see a panel's rounds")),
        }[found["what"]](language, found),
    ),
    (
        r"the role '(?P<role>[\w-]+)' may not export a budget's ballots",
        _role(N_("the role {role} may not export a budget's ballots")),
    ),
    (
        rf"the person (?P<id>{ID}) is a (?P<role>[\w-]+): members are administrators,"
        r" analysts or external analysts",
        _role(
            N_(
                "the person {id} is a {role}: members are administrators, analysts or external"
                " analysts"
            )
        ),
    ),
    (
        r"the address belongs to a (?P<role>[\w-]+) of the municipality: add them as a member"
        r" by person_id",
        _role(
            N_(
                "the address belongs to a {role} of the municipality: add them as a member by"
                " person_id"
            )
        ),
    ),
    (
        r"the address belongs to a (?P<role>[\w-]+) of the municipality: add staff as a"
        r" moderator or observer",
        _role(
            N_(
                "the address belongs to a {role} of the municipality: add staff as a moderator"
                " or observer"
            )
        ),
    ),
    (
        r"the address belongs to a (?P<role>[\w-]+) already: change their role",
        _role(N_("the address belongs to a {role} already: change their role")),
    ),
    (
        r"the address belongs to a (?P<role>[\w-]+) already",
        _role(N_("the address belongs to a {role} already")),
    ),
    (r"the address belongs to a (?P<role>[\w-]+)", _role(N_("the address belongs to a {role}"))),
    (
        r"a (?P<role>[\w-]+) may not moderate: add them as an observer",
        _role(N_("a {role} may not moderate: add them as an observer")),
    ),
    (
        r"is a (?P<role>[\w-]+): the steering group is made of administrators and committee"
        r" members",
        _role(
            N_("is a {role}: the steering group is made of administrators and committee members")
        ),
    ),
    (
        r"staff \((?P<role>[\w-]+)\) are not blocked; change their role first",
        _role(N_("staff ({role}) are not blocked; change their role first")),
    ),
    (
        r"the person has the role '(?P<role>[\w-]+)' already",
        _role(N_("the person has the role {role} already")),
    ),
    # counts in administrators' settings
    (
        r"a focus group has at most (?P<n>\d+) members",
        lambda language, found: texts.ngettext(
            language,
            "a focus group has at most {n} member",
            "a focus group has at most {n} members",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"a guide has at most (?P<n>\d+) items",
        lambda language, found: texts.ngettext(
            language,
            "a guide has at most {n} item",
            "a guide has at most {n} items",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"at most (?P<n>\d+) members",
        lambda language, found: texts.ngettext(
            language, "at most {n} member", "at most {n} members", int(found["n"])
        ).format(n=found["n"]),
    ),
    (
        r"the analysis has (?P<n>\d+) members, the most",
        lambda language, found: texts.ngettext(
            language,
            "the analysis has {n} member, the most",
            "the analysis has {n} members, the most",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"at most (?P<n>\d+) items(?P<where> in one theme)?",
        lambda language, found: (
            texts.ngettext(
                language,
                "at most {n} item in one theme",
                "at most {n} items in one theme",
                int(found["n"]),
            )
            if found["where"]
            else texts.ngettext(language, "at most {n} item", "at most {n} items", int(found["n"]))
        ).format(n=found["n"]),
    ),
    (
        r"the theme holds (?P<n>\d+) items already",
        lambda language, found: texts.ngettext(
            language,
            "the theme holds {n} item already",
            "the theme holds {n} items already",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"at most (?P<n>\d+) codes on one item",
        lambda language, found: texts.ngettext(
            language,
            "at most {n} code on one item",
            "at most {n} codes on one item",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"the codebook holds (?P<n>\d+) codes already",
        lambda language, found: texts.ngettext(
            language,
            "the codebook holds {n} code already",
            "the codebook holds {n} codes already",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"at most (?P<n>\d+) questions a stage",
        lambda language, found: texts.ngettext(
            language,
            "at most {n} question a stage",
            "at most {n} questions a stage",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"the idea holds (?P<n>\d+) notes already",
        lambda language, found: texts.ngettext(
            language,
            "the idea holds {n} note already",
            "the idea holds {n} notes already",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"at most (?P<n>\d+) background questions",
        lambda language, found: texts.ngettext(
            language,
            "at most {n} background question",
            "at most {n} background questions",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"at most (?P<n>\d+) reminders",
        lambda language, found: texts.ngettext(
            language, "at most {n} reminder", "at most {n} reminders", int(found["n"])
        ).format(n=found["n"]),
    ),
    (
        r"must be at most (?P<n>\d+) days after the sending",
        lambda language, found: texts.ngettext(
            language,
            "must be at most {n} day after the sending",
            "must be at most {n} days after the sending",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"must be between 0 and the (?P<n>\d+) active members",
        lambda language, found: texts.ngettext(
            language,
            "must be between 0 and the {n} active member",
            "must be between 0 and the {n} active members",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"at most (?P<n>\d+) featured dialogs",
        lambda language, found: texts.ngettext(
            language, "at most {n} featured dialog", "at most {n} featured dialogs", int(found["n"])
        ).format(n=found["n"]),
    ),
    (
        r"at most (?P<n>\d+) origins",
        lambda language, found: texts.ngettext(
            language, "at most {n} origin", "at most {n} origins", int(found["n"])
        ).format(n=found["n"]),
    ),
    (
        r"at most (?P<n>\d+) languages",
        lambda language, found: texts.ngettext(
            language, "at most {n} language", "at most {n} languages", int(found["n"])
        ).format(n=found["n"]),
    ),
    (
        r"at most (?P<n>\d+) committees",
        lambda language, found: texts.ngettext(
            language, "at most {n} committee", "at most {n} committees", int(found["n"])
        ).format(n=found["n"]),
    ),
    (
        r"at most (?P<n>\d+) browsers; remove one first",
        lambda language, found: texts.ngettext(
            language,
            "at most {n} browser; remove one first",
            "at most {n} browsers; remove one first",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"give one result for each of the (?P<n>\d+) districts",
        lambda language, found: texts.ngettext(
            language,
            "give one result for the {n} district",
            "give one result for each of the {n} districts",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    (
        r"these suggestions have (?P<n>\d+) groups, numbered from 0",
        lambda language, found: texts.ngettext(
            language,
            "these suggestions have {n} group, numbered from 0",
            "these suggestions have {n} groups, numbered from 0",
            int(found["n"]),
        ).format(n=found["n"]),
    ),
    # the platform's operators
    (
        r"the role '(?P<role>[\w-]+)' may not read the platform's tenants",
        _role(N_("the role {role} may not read the platform's tenants")),
    ),
    (
        r"the role '(?P<role>[\w-]+)' may only read the platform's tenants",
        _role(N_("the role {role} may only read the platform's tenants")),
    ),
    # sign-in: tokens, codes, the identity provider
    (r"(?P<field>state|code): (?P<reason>.+)", _field_named),
    (r"this token is for (?P<use>[\w-]+), not for (?P<wanted>[\w-]+)", _token_use),
    (
        r"has no OpenID Connect discovery document Tinget can use: (?P<why>.+)",
        _nested(N_("has no OpenID Connect discovery document Tinget can use: {why}"), "why"),
    ),
    (
        r"the identity provider's discovery document could not be fetched: (?P<why>.+)",
        _nested(
            N_("the identity provider's discovery document could not be fetched: {why}"), "why"
        ),
    ),
    (
        r"the identity provider's (?P<field>authorization_endpoint|token_endpoint|jwks_uri):"
        r" (?P<why>.+)",
        _nested(N_("the identity provider's {field}: {why}"), "why"),
    ),
    (
        r"the identity provider's discovery document is larger than (?P<n>\d+) bytes",
        _numbers(N_("the identity provider's discovery document is larger than {n} bytes"), "n"),
    ),
    # web push subscriptions
    (
        r"must be (?P<n>\d+) bytes",
        lambda language, found: texts.ngettext(
            language, "must be {n} byte", "must be {n} bytes", int(found["n"])
        ).format(n=_number(found["n"], language)),
    ),
    # requests themselves
    (
        r"the body is larger than (?P<n>\d+) bytes",
        _numbers(N_("the body is larger than {n} bytes"), "n"),
    ),
    # a participatory budget's results and its Pabulib files
    (
        r"not a count of " + _quoted("district") + r" \((?P<amount>\d+)\) by (?P<counting>[\w-]+)",
        _numbers(N_("not a count of {district} ({amount}) by {counting}"), "amount"),
    ),
    (
        r"(?P<n>\d+) fields, the header has (?P<width>\d+)",
        lambda language, found: texts.ngettext(
            language,
            "{n} field, the header has {width}",
            "{n} fields, the header has {width}",
            int(found["n"]),
        ).format(**found),
    ),
    (
        r"(?P<given>\d+) points for (?P<n>\d+) projects",
        lambda language, found: texts.ngettext(
            language,
            "{given} points for {n} project",
            "{given} points for {n} projects",
            int(found["n"]),
        ).format(**found),
    ),
    # dialogs' kinds
    (
        r"a (?P<kind>[\w-]+) dialog takes (?P<takes>questionnaire responses|budget projects and"
        r" ballots|votes|posts), not (?P<sent>posts|votes|questionnaire responses)",
        _dialog_takes,
    ),
    (
        r"a (?P<kind>[\w ]+) is at most (?P<n>\d+) characters",
        lambda language, found: texts.ngettext(
            language,
            "a {kind} is at most {n} character",
            "a {kind} is at most {n} characters",
            int(found["n"]),
        ).format(kind=found["kind"], n=_number(found["n"], language)),
    ),
    # the questionnaire editor
    (
        r"(?:(?P<least>needs at least)|at most) (?P<n>\d+)"
        r" (?P<noun>options?|rows?|sections?|questions?)",
        _survey_count,
    ),
    (
        r"at most (?P<n>\d+) questions in all, not (?P<total>\d+)",
        _numbers(N_("at most {n} questions in all, not {total}"), "n", "total"),
    ),
    (
        r"falls at (?P<when>\S+), after the survey closes \((?P<closes>\S+)\)",
        _moments(N_("falls at {when}, after the survey closes ({closes})"), "when", "closes"),
    ),
    # a participatory budget: importing a Pabulib file into its round
    (
        r"a Pabulib file is imported only before voting opens \((?P<opens>\S+)\);"
        r" (?:the (?P<current>[a-z]+) phase is under way|no phase is under way)",
        lambda language, found: _import_closed(language, found),
    ),
    (
        r"at most (?P<n>\d+) points for a project",
        _numbers(N_("at most {n} points for a project"), "n"),
    ),
    # a service Tinget depends on does not answer (503): what did not, in the caller's words
    (
        _PROVIDER_PART + r" is larger than (?P<n>\d+) bytes",
        _provider(N_("{part} is larger than {n} bytes")),
    ),
    (
        _PROVIDER_PART + r" is not a JSON object",
        _provider(N_("{part} is not a JSON object")),
    ),
    (
        _PROVIDER_PART + r" is not JSON",
        _provider(N_("{part} is not JSON")),
    ),
    (
        _PROVIDER_PART + r" answered (?P<status>\d+)",
        _provider(N_("{part} answered {status}")),
    ),
    (
        _PROVIDER_PART + r" could not be fetched: (?P<error>.*)",
        _provider(N_("{part} could not be fetched: {error}")),
    ),
    (
        r"the identity provider's (?P<what>token endpoint): (?P<error>.*)",
        _provider(N_("{part} did not answer: {error}")),
    ),
    (
        r"the identity provider's (?P<what>key set) is not valid",
        _provider(N_("{part} is not valid")),
    ),
    (
        r"(?P<field>\w+\[\d+\]): (?P<why>.+); the (?P<n>\d+) before it were invited",
        _invited_before,
    ),
)

# -- reasons whose values are kept as written ---------------------------------------------------

_KEPT: Sequence[tuple[str, str]] = (
    # a participatory budget: ballots
    (r"choose at least one project", N_("choose at least one project")),
    (
        r"too many: at most (?P<limit>\d+), not (?P<count>\d+)",
        N_("too many: at most {limit}, not {count}"),
    ),
    (
        _quoted("project") + r" is ranked twice: a rank repeated",
        N_("{project} is ranked twice: a rank repeated"),
    ),
    (_quoted("project") + r" is chosen twice: a rank repeated", N_("{project} is chosen twice")),
    (
        _quoted("project") + r" is not a project of this round",
        N_("{project} is not a project of this round"),
    ),
    (
        _quoted("project") + r" is a project of district " + _quoted("district") + ", not this one",
        N_("{project} is a project of the district {district}, not this one"),
    ),
    (
        _quoted("project") + r" was found not feasible and is not on the ballot",
        N_("{project} was found not feasible and is not on the ballot"),
    ),
    (r"a [a-z]+ ballot gives no points", N_("this ballot gives no points")),
    (r"must be at least (?P<limit>-?\d+)", N_("must be at least {limit}")),
    (
        r"you have voted in "
        + _quoted("district")
        + ": a voter votes in one district of this budget",
        N_("you have voted in {district}: a voter votes in one district of this budget"),
    ),
    (r"this is the ballot of " + _quoted("district"), N_("this is the ballot of {district}")),
    (
        r"you have voted already: a ballot here is final once cast",
        N_("you have voted already: a ballot here is final once cast"),
    ),
    (r"a ballot in this round is final once cast", N_("a ballot in this round is final once cast")),
    (
        _quoted("district") + r" is not a district of this round",
        N_("{district} is not a district of this round"),
    ),
    (
        r"sign in to take part in a participatory budget",
        N_("sign in to take part in a participatory budget"),
    ),
    (
        r"this budget is for those who sign in with the municipality's identity provider",
        N_("this budget is for those who sign in with the municipality's identity provider"),
    ),
    (
        r"your ballot kept changing meanwhile; try again",
        N_("your ballot kept changing meanwhile; try again"),
    ),
    (rf"no budget dialog (?P<id>{ID})", N_("no budget dialog {id}")),
    (rf"no project (?P<id>{ID}) in this budget", N_("no project {id} in this budget")),
    (r"a (?P<kind>[\w-]+) dialog has no budget round", N_("a {kind} dialog has no budget round")),
    # a participatory budget: its administrators
    (r"the results are recorded already", N_("the results are recorded already")),
    (
        r"the ballots are still being filed; count again in a moment",
        N_("the ballots are still being filed; count again in a moment"),
    ),
    # a service Tinget depends on does not answer (503), or a fault of Tinget's own (500)
    (
        r"a service Tinget depends on does not answer",
        N_("a service Tinget depends on does not answer"),
    ),
    (
        r"the database does not answer just now; try again shortly",
        N_("the database does not answer just now; try again shortly"),
    ),
    (
        r"the image store does not answer; try again",
        N_("the image store does not answer; try again"),
    ),
    (
        r"the read models have not reached position (?P<position>\d+) within (?P<seconds>\d+) s;"
        r" try again shortly",
        N_(
            "the read models have not reached position {position} within {seconds} s; try again"
            " shortly"
        ),
    ),
    (
        r"(?P<tenant>.{1,200}) has no public address to come back to after sign-in",
        N_("{tenant} has no public address to come back to after sign-in"),
    ),
    (
        r"the provider's client secret was sealed under another deployment's secret; an"
        r" administrator must set it again",
        N_(
            "the provider's client secret was sealed under another deployment's secret; an"
            " administrator must set it again"
        ),
    ),
    (
        r"no platform console URL is configured \(TINGET_PLATFORM_URL\)",
        N_("no platform console URL is configured (TINGET_PLATFORM_URL)"),
    ),
    (r"the e-mail could not be sent: (?P<error>.*)", N_("the e-mail could not be sent: {error}")),
    (
        r"the invitation could not be sent: (?P<error>.*)",
        N_("the invitation could not be sent: {error}"),
    ),
    (
        r"something went wrong on our side; the incident id helps operations find it",
        N_("something went wrong on our side; the incident id helps operations find it"),
    ),
    (
        r"no district " + _quoted("district") + " in this budget",
        N_("no district {district} in this budget"),
    ),
    (
        r"voting has opened: the rules and districts stay as voters found them",
        N_("voting has opened: the rules and districts stay as voters found them"),
    ),
    (
        r"proposal collection has opened: the districts stay",
        N_("proposal collection has opened: the districts stay"),
    ),
    (
        r"the project was not funded: it has no implementation",
        N_("the project was not funded: it has no implementation"),
    ),
    (
        r"the project's implementation was cancelled",
        N_("the project's implementation was cancelled"),
    ),
    (
        r"a project found not feasible has no final cost",
        N_("a project found not feasible has no final cost"),
    ),
    (
        r"a round has at least one district or theme",
        N_("a round has at least one district or theme"),
    ),
    (
        r"1-40 lowercase letters, digits and hyphens, not starting or ending with one",
        N_("1-40 lowercase letters, digits and hyphens, not starting or ending with one"),
    ),
    (r"must be from (?P<low>-?\d+) to (?P<high>-?\d+)", N_("must be from {low} to {high}")),
    (_quoted("key") + r" is named twice", N_("{key} is named twice")),
    (
        r"give each phase once, in order: (?P<phases>.+)",
        N_("give each phase once, in order: {phases}"),
    ),
    (r"must be after it opens", N_("must be after it opens")),
    (r"must not be in the past", N_("must not be in the past")),
    (
        r"a budget dialog needs its round: districts, rules and phases",
        N_("a budget dialog needs its round: districts, rules and phases"),
    ),
    (r"only a budget dialog has a budget round", N_("only a budget dialog has a budget round")),
    (
        r"a budget dialog opens and closes with its round: reschedule its phases",
        N_("a budget dialog opens and closes with its round: reschedule its phases"),
    ),
    (
        r"a ranked ballot orders a top k: give k",
        N_("a ranked ballot orders a top k: give k"),
    ),
    (
        r"a knapsack ballot is bounded by the budget",
        N_("a knapsack ballot is bounded by the budget"),
    ),
    (r"only an approval ballot may be bounded so", N_("only an approval ballot may be bounded so")),
    (
        r"only a points ballot has points, not (?P<kind>[a-z]+)",
        N_("only a points ballot has points, not {kind}"),
    ),
    (r"the file is empty", N_("the file is empty")),
    (r"at most (?P<n>\d+)", N_("at most {n}")),
    (r"the project belongs to another round", N_("the project belongs to another round")),
    (r"the ballot belongs to another round", N_("the ballot belongs to another round")),
    (r"at most (?P<n>\d+) characters", N_("at most {n} characters")),
    (_quoted("id") + r" cannot be a Pabulib project id", N_("{id} cannot be a Pabulib project id")),
    (r"not UTF-8 text \(byte (?P<n>\d+)\)", N_("not UTF-8 text (byte {n})")),
    # a survey's answers
    (r"must be a list of option ids", N_("must be a list of option ids")),
    (
        _quoted("option") + r" is not an option of this question",
        N_("{option} is not an option of this question"),
    ),
    (r"must be the id of one option", N_("must be the id of one option")),
    (r"must be a whole number", N_("must be a whole number")),
    (r"must be a number", N_("must be a number")),
    (
        r"must be a number between (?P<low>-\S+) and (?P<high>\S+)",
        N_("must be a number between {low} and {high}"),
    ),
    (r"must be at most (?P<limit>-?[\d.e+]+)", N_("must be at most {limit}")),
    (r"must be at least (?P<limit>-?[\d.e+]+)", N_("must be at least {limit}")),
    (r"must be a text", N_("must be a text")),
    (r"must map row ids to points of the scale", N_("must map row ids to points of the scale")),
    (_quoted("row") + r" is not a row of this question", N_("{row} is not a row of this question")),
    (r"is required: every row needs an answer", N_("is required: every row needs an answer")),
    (r"must be a date written YYYY-MM-DD", N_("must be a date written YYYY-MM-DD")),
    (r"is not a question of this questionnaire", N_("is not a question of this questionnaire")),
    (r"is required", N_("is required")),
    (
        r"is not shown: its condition on an earlier answer is not met",
        N_("is not shown: its condition on an earlier answer is not met"),
    ),
    (
        r"your draft was saved meanwhile from another device; read it and try again",
        N_("your draft was saved meanwhile from another device; read it and try again"),
    ),
    (
        r"your draft was saved meanwhile from another device; try again",
        N_("your draft was saved meanwhile from another device; try again"),
    ),
    (r"you have no draft answers to this survey", N_("you have no draft answers to this survey")),
    # taking part otherwise: statements, decisions, chat, images, notifications
    (r"the statement has been withdrawn", N_("the statement has been withdrawn")),
    (
        r"you wrote this statement; it counts as your agreement",
        N_("you wrote this statement; it counts as your agreement"),
    ),
    (
        r"your vote on this statement kept changing meanwhile; try again",
        N_("your vote on this statement kept changing meanwhile; try again"),
    ),
    (rf"no decision (?P<id>{ID})", N_("no decision {id}")),
    (r"your messages kept colliding; try again", N_("your messages kept colliding; try again")),
    (
        rf"no message (?P<id>{ID}) in this dialog's chat",
        N_("no message {id} in this dialog's chat"),
    ),
    (
        r"only moderators see (?P<status>[\w-]+) messages",
        N_("only moderators see {status} messages"),
    ),
    (
        r"must be an event id of this stream: a whole number",
        N_("must be an event id of this stream: a whole number"),
    ),
    (
        r"your choice was changed meanwhile; try again",
        N_("your choice was changed meanwhile; try again"),
    ),
    (
        r"no leaderboard: gamification is off in this municipality",
        N_("no leaderboard: gamification is off in this municipality"),
    ),
    (r"is empty", N_("is empty")),
    (r"has no pixels", N_("has no pixels")),
    (
        r"does not decode as (?P<format>\w+): not an image",
        N_("does not decode as {format}: not an image"),
    ),
    (r"must be a PNG, JPEG or WebP image", N_("must be a PNG, JPEG or WebP image")),
    (rf"no notification (?P<id>{ID})", N_("no notification {id}")),
    (rf"no push subscription (?P<id>{ID})", N_("no push subscription {id}")),
    (
        r"is not an unsubscribe link this municipality sent",
        N_("is not an unsubscribe link this municipality sent"),
    ),
    (
        r"is not a link to older posts that this site gave out",
        N_("is not a link to older posts that this site gave out"),
    ),
    # anything changed meanwhile, looked for and not found, given twice
    (
        r"the (?:analysis|focus group|panel|municipality|chat's settings|template|rules)"
        r" (?:was|were) changed meanwhile; try again",
        N_("it was changed meanwhile; try again"),
    ),
    (
        r"the (?:analysis|idea|questionnaire) was changed meanwhile; read it and try again",
        N_("it was changed meanwhile; read it again and try again"),
    ),
    (
        r"the rules were changed meanwhile; read them again and retry",
        N_("it was changed meanwhile; read it again and try again"),
    ),
    (r"changed meanwhile; try again", N_("it was changed meanwhile; try again")),
    (
        r"the tenant was changed by someone else meanwhile; try again",
        N_("it was changed meanwhile; try again"),
    ),
    (
        r"the text was decided on meanwhile; read it and try again",
        N_("the text was decided on meanwhile; read it and try again"),
    ),
    (
        r"one of the posts was changed or merged meanwhile; read them and try again",
        N_("one of the posts was changed or merged meanwhile; read them and try again"),
    ),
    (
        r"the message was moderated meanwhile; try again",
        N_("the message was moderated meanwhile; try again"),
    ),
    (_quoted("value") + r" is listed twice", N_("{value} is listed twice")),
    (rf"(?P<value>{ID}) is listed twice", N_("{value} is listed twice")),
    (rf"no person (?P<id>{ID})", N_("no person {id}")),
    (rf"the person (?P<id>{ID}) was erased", N_("the person {id} was erased")),
    (rf"no staff member (?P<id>{ID})", N_("no staff member {id}")),
    (r"is not a cursor this API gave out", N_("is not a cursor this API gave out")),
    (r"is required: (?P<one>[a-z]+) or (?P<other>[a-z]+)", N_("is required: {one} or {other}")),
    # settings
    (r"must offer at least one language", N_("must offer at least one language")),
    (
        _quoted("language") + r" is not a built-in language \((?P<known>[^)]*)\)",
        N_("{language} is not a built-in language ({known})"),
    ),
    (
        r"the default language " + _quoted("language") + r" must be among the languages offered",
        N_("the default language {language} must be among the languages offered"),
    ),
    (
        _quoted("language") + r" is not a language tag such as 'sv', 'da' or 'en-GB'",
        N_("{language} is not a language tag such as 'sv', 'da' or 'en-GB'"),
    ),
    (
        _quoted("language") + r" is not offered: one of (?P<known>.+)",
        N_("{language} is not offered: one of {known}"),
    ),
    (
        r"(?P<language>[\w-]{1,35}) is the municipality's default language: its texts are the"
        r" main ones",
        N_("{language} is the municipality's default language: its texts are the main ones"),
    ),
    (
        r"is not a language (?P<tenant>.{1,200}) offers \(others than its default: (?P<known>.*)\)",
        N_("is not a language {tenant} offers (others than its default: {known})"),
    ),
    (
        r"a language tag is at most (?P<n>\d+) characters",
        N_("a language tag is at most {n} characters"),
    ),
    (
        _quoted("value") + r" is not a colour of the form #RRGGBB",
        N_("{value} is not a colour of the form #RRGGBB"),
    ),
    (_quoted("value") + r" is not a URL", N_("{value} is not a URL")),
    (r"is not a URL", N_("is not a URL")),
    (
        r"must be an absolute https URL of at most 500 characters",
        N_("must be an absolute https URL of at most 500 characters"),
    ),
    (
        r"must be an https URL of at most 500 characters",
        N_("must be an https URL of at most 500 characters"),
    ),
    (r"must not carry a query or a fragment", N_("must not carry a query or a fragment")),
    (r"must use https \(http only for localhost\)", N_("must use https (http only for localhost)")),
    (
        _quoted("value") + r" is not an http\(s\) URL of at most 2000 characters",
        N_("{value} is not an http(s) URL of at most 2000 characters"),
    ),
    (
        r"must be a video on a known player \((?P<known>[^)]*)\)",
        N_("must be a video on a known player ({known})"),
    ),
    (r"must name one origin exactly: no wildcard", N_("must name one origin exactly: no wildcard")),
    (
        _quoted("value") + r" is not an origin \(scheme://host\[:port\]\)",
        N_("{value} is not an origin (scheme://host[:port])"),
    ),
    (
        r"must be an https origin, scheme://host\[:port\]",
        N_("must be an https origin, scheme://host[:port]"),
    ),
    (
        r"must be an origin only: no path, query or fragment",
        N_("must be an origin only: no path, query or fragment"),
    ),
    (
        _quoted("value") + r" is not a section \((?P<known>[^)]*)\)",
        N_("{value} is not a section ({known})"),
    ),
    (
        r"must be a whole number from (?P<low>-?\d+) to (?P<high>-?\d+)",
        N_("must be a whole number from {low} to {high}"),
    ),
    (rf"no dialog (?P<id>{ID}) in this municipality", N_("no dialog {id} in this municipality")),
    (
        r"an invite-only dialog cannot be featured on the front page",
        N_("an invite-only dialog cannot be featured on the front page"),
    ),
    (
        r"a draft cannot be featured: publish it first",
        N_("a draft cannot be featured: publish it first"),
    ),
    (r"unknown kind of link; known: (?P<known>.+)", N_("unknown kind of link; known: {known}")),
    (r"must be a URL of 1 to (?P<n>\d+) characters", N_("must be a URL of 1 to {n} characters")),
    (
        r'must not contain spaces, control characters or <>"\\\^`\|',
        N_('must not contain spaces, control characters or <>"\\^`|'),
    ),
    (r"has an unmatched brace", N_("has an unmatched brace")),
    (
        r"has an unmatched brace; write \{\{ or \}\} for a brace itself",
        N_("has an unmatched brace; write {{ or }} for a brace itself"),
    ),
    (
        r"unknown placeholder (?P<name>\{\w*\}); a (?P<kind>[\w-]+) text knows (?P<known>.*)",
        N_("unknown placeholder {name}; a {kind} text knows {known}"),
    ),
    (
        r"unknown placeholder (?P<name>\{\w*\}); a map-tile link knows (?P<known>.*)",
        N_("unknown placeholder {name}; a map-tile link knows {known}"),
    ),
    (
        r"must contain (?P<name>\{\w+\}): a map-tile link needs it",
        N_("must contain {name}: a map-tile link needs it"),
    ),
    (
        r"unknown placeholder (?P<name>\{\w*\}); a (?P<kind>[\w-]+) link knows (?P<known>.*)",
        N_("unknown placeholder {name}; a {kind} link knows {known}"),
    ),
    (
        r"the placeholder (?P<name>\{\w*\}) takes no format or conversion",
        N_("the placeholder {name} takes no format or conversion"),
    ),
    (
        r"must contain (?P<name>\{\w+\}): a (?P<kind>[\w-]+) is useless without",
        N_("must contain {name}: a {kind} is useless without it"),
    ),
    (
        r"must contain (?P<name>\{\w+\}): a (?P<kind>[\w-]+) link needs it",
        N_("must contain {name}: a {kind} link needs it"),
    ),
    (r"must be one line", N_("must be one line")),
    (
        _quoted("kind") + r" is not a kind of notification; known: (?P<known>.+)",
        N_("{kind} is not a kind of notification; known: {known}"),
    ),
    (
        _quoted("kind") + r" cannot be turned off; these can: (?P<known>.+)",
        N_("{kind} cannot be turned off; these can: {known}"),
    ),
    (
        r"this is the municipality's last administrator: make someone else administrator first",
        N_("this is the municipality's last administrator: make someone else administrator first"),
    ),
    (r"must be at most 200 printable characters", N_("must be at most 200 printable characters")),
    (
        r"(?P<tenant>.{1,200}) has no public address for the links in its e-mails",
        N_("{tenant} has no public address for the links in its e-mails"),
    ),
    (
        r"dashboards are for administrators, analysts and operations",
        N_("dashboards are for administrators, analysts and operations"),
    ),
    (r"must be before until", N_("must be before until")),
    (r"the range may span at most ten years", N_("the range may span at most ten years")),
    (
        r"the first level starts at 0 points",
        N_("the first level starts at 0 points"),
    ),
    (r"must be more than the level before", N_("must be more than the level before")),
    (_quoted("name") + r" names another level already", N_("{name} names another level already")),
    (_quoted("key") + r" is the key of another badge", N_("{key} is the key of another badge")),
    # dialogs, as administrators run them
    (r"the dialog is (?P<status>[\w-]+), not a draft", N_("the dialog is {status}, not a draft")),
    (
        r"the dialog's closing time has passed; change it first",
        N_("the dialog's closing time has passed; change it first"),
    ),
    (
        r"the dialog is (?P<status>[\w-]+); only an open one can be closed",
        N_("the dialog is {status}; only an open one can be closed"),
    ),
    (
        r"the dialog has reported back already: its results are published",
        N_("the dialog has reported back already: its results are published"),
    ),
    (
        r"once a dialog has opened only its title and instructions can be corrected,"
        r" not (?P<fixed>.+)",
        N_(
            "once a dialog has opened only its title and instructions can be corrected, not {fixed}"
        ),
    ),
    (
        r"the dialog is open to all; invitations are for invite-only dialogs",
        N_("the dialog is open to all; invitations are for invite-only dialogs"),
    ),
    (r"only polls and vox pops have options", N_("only polls and vox pops have options")),
    (r"only proposals have a threshold", N_("only proposals have a threshold")),
    (r"only petitions have a signature goal", N_("only petitions have a signature goal")),
    (
        r"(?P<kind>[\w-]+) dialogs take no posts to approve",
        N_("{kind} dialogs take no posts to approve"),
    ),
    (
        r"a (?P<kind>[\w -]+)'s options are (?P<allowed>.+)",
        N_("the options of a {kind} are {allowed}"),
    ),
    (
        r"a (?P<kind>[\w-]+) dialog has no statements to map opinions of",
        N_("a {kind} dialog has no statements to map opinions of"),
    ),
    (r"a (?P<kind>[\w-]+) dialog has no poll results", N_("a {kind} dialog has no poll results")),
    (
        r"a (?P<kind>[\w-]+) dialog has no chat; only a discussion has",
        N_("a {kind} dialog has no chat; only a discussion has"),
    ),
    (
        r"a (?P<kind>[\w -]+) gets no official answer; only a (?P<kinds>.+) does",
        N_("a {kind} gets no official answer; only a {kinds} does"),
    ),
    (
        r"a problem report is answered by changing its status, not with an official answer",
        N_("a problem report is answered by changing its status, not with an official answer"),
    ),
    (r"only a problem report has a status", N_("only a problem report has a status")),
    (r"the report is (?P<status>[\w-]+) already", N_("the report is {status} already")),
    (
        r"the post is (?P<state>[\w-]+) already; 'received' comes before any other answer",
        N_("the post is {state} already; 'received' comes before any other answer"),
    ),
    (
        r"the post has this answer \((?P<state>[\w-]+)\) already",
        N_("the post has this answer ({state}) already"),
    ),
    (
        r"a decision answers at least one dialog or post",
        N_("a decision answers at least one dialog or post"),
    ),
    (r"each may be linked once", N_("each may be linked once")),
    # moderation
    (
        r"the post is (?P<state>[\w-]+), not waiting for approval",
        N_("the post is {state}, not waiting for approval"),
    ),
    (r"the post is hidden already", N_("the post is hidden already")),
    (
        r"the post is (?P<state>[\w-]+); only a hidden post is restored",
        N_("the post is {state}; only a hidden post is restored"),
    ),
    (
        r"the post is (?P<state>[\w-]+); only a hidden post is appealed",
        N_("the post is {state}; only a hidden post is appealed"),
    ),
    (
        r"only the author of a post may appeal its hiding",
        N_("only the author of a post may appeal its hiding"),
    ),
    (
        r"the post has been appealed already; an author appeals once",
        N_("the post has been appealed already; an author appeals once"),
    ),
    (
        r"no appeal of this post is waiting for a decision",
        N_("no appeal of this post is waiting for a decision"),
    ),
    (
        r"the moderator who hid the post may not decide its appeal; another moderator must",
        N_("the moderator who hid the post may not decide its appeal; another moderator must"),
    ),
    (
        r"the author of a post may not decide its appeal",
        N_("the author of a post may not decide its appeal"),
    ),
    (r"the person is blocked already", N_("the person is blocked already")),
    (r"the person is not blocked", N_("the person is not blocked")),
    (r"you cannot block or unblock yourself", N_("you cannot block or unblock yourself")),
    (r"the post has been withdrawn by its author", N_("the post has been withdrawn by its author")),
    (r"must be 'open' or 'decided'", N_("must be 'open' or 'decided'")),
    (
        rf"the post was merged into (?P<id>{ID}) already",
        N_("the post was merged into {id} already"),
    ),
    (
        rf"the post was merged into (?P<id>{ID}); take part there",
        N_("the post was merged into {id}; take part there"),
    ),
    (r"a post cannot be merged into itself", N_("a post cannot be merged into itself")),
    (r"a comment is not merged", N_("a comment is not merged")),
    (
        rf"(?P<id>{ID}) was itself merged into (?P<into>{ID})",
        N_("{id} was itself merged into {into}"),
    ),
    (
        r"a (?P<kind>[\w-]+) is not merged: only proposals, ideas and suggestions \(a petition's"
        r" signatures are its signers' own, for its text\)",
        N_(
            "a {kind} is not merged: only proposals, ideas and suggestions (a petition's"
            " signatures are its signers' own, for its text)"
        ),
    ),
    (rf"(?P<id>{ID}) has been withdrawn", N_("{id} has been withdrawn")),
    (
        r"the message is (?P<status>[\w-]+), not waiting for approval",
        N_("the message is {status}, not waiting for approval"),
    ),
    (r"the message is hidden already", N_("the message is hidden already")),
    (
        r"only a shown message is pinned; this one is (?P<status>[\w-]+)",
        N_("only a shown message is pinned; this one is {status}"),
    ),
    (r"the message is pinned already", N_("the message is pinned already")),
    (r"the message is not pinned", N_("the message is not pinned")),
    (r"the dialog's chat is not live", N_("the dialog's chat is not live")),
    (
        r"must be a whole number of seconds from 0 \(off\) to (?P<n>\d+)",
        N_("must be a whole number of seconds from 0 (off) to {n}"),
    ),
    # analyses, their codes, themes and ideas
    (rf"no analysis (?P<id>{ID})", N_("no analysis {id}")),
    (rf"analysis (?P<id>{ID}) is not ready yet", N_("analysis {id} is not ready yet")),
    (r"an analysis covers at least one dialog", N_("an analysis covers at least one dialog")),
    (r"an analysis covers at most (?P<n>\d+)", N_("an analysis covers at most {n}")),
    (rf"no member (?P<id>{ID})", N_("no member {id}")),
    (
        r"the analysis's last member cannot be removed",
        N_("the analysis's last member cannot be removed"),
    ),
    (
        r"a (?P<kind>[\w-]+) dialog has no posts or survey answers to analyse",
        N_("a {kind} dialog has no posts or survey answers to analyse"),
    ),
    (
        r"an external analyst may not join an analysis over an invite-only dialog, which only"
        r" its invitees and the municipality's staff see",
        N_(
            "an external analyst may not join an analysis over an invite-only dialog, which"
            " only its invitees and the municipality's staff see"
        ),
    ),
    (
        r"the analysis covers an invite-only dialog, which only its invitees and the"
        r" municipality's staff see: an external analyst may not join it",
        N_(
            "the analysis covers an invite-only dialog, which only its invitees and the"
            " municipality's staff see: an external analyst may not join it"
        ),
    ),
    (
        r"an external analyst is a member: a focus group, invite-only, is shown to its members"
        r" and the municipality's staff alone",
        N_(
            "an external analyst is a member: a focus group, invite-only, is shown to its"
            " members and the municipality's staff alone"
        ),
    ),
    (rf"no focus group (?P<id>{ID})", N_("no focus group {id}")),
    (rf"(?P<id>{ID}) is no item of this analysis", N_("{id} is no item of this analysis")),
    (rf"(?P<id>{ID}) has been hidden by a moderator", N_("{id} has been hidden by a moderator")),
    (
        rf"(?P<id>{ID}) is waiting for a moderator's approval",
        N_("{id} is waiting for a moderator's approval"),
    ),
    (rf"no item (?P<id>{ID}) in this analysis", N_("no item {id} in this analysis")),
    (rf"no theme (?P<id>{ID}) in this analysis", N_("no theme {id} in this analysis")),
    (
        rf"the theme (?P<id>{ID}) was merged into (?P<into>{ID})",
        N_("the theme {id} was merged into {into}"),
    ),
    (
        rf"no item (?P<id>{ID}) in the theme (?P<theme>{ID})",
        N_("no item {id} in the theme {theme}"),
    ),
    (
        rf"the item (?P<id>{ID}) was merged into (?P<into>{ID})",
        N_("the item {id} was merged into {into}"),
    ),
    (rf"(?P<id>{ID}) was merged into (?P<into>{ID})", N_("{id} was merged into {into}")),
    (rf"(?P<id>{ID}) is not a theme of this analysis", N_("{id} is not a theme of this analysis")),
    (rf"(?P<id>{ID}) is not in this theme", N_("{id} is not in this theme")),
    (r"a theme cannot be merged with itself", N_("a theme cannot be merged with itself")),
    (
        r"the theme was made from a suggestion already",
        N_("the theme was made from a suggestion already"),
    ),
    (r"a split moves at least one item", N_("a split moves at least one item")),
    (
        r"a split leaves at least one item in the theme: this moves them all",
        N_("a split leaves at least one item in the theme: this moves them all"),
    ),
    (
        rf"(?P<id>{ID}) is not a code of (?P<owner>.{{1,200}})",
        N_("{id} is not a code of {owner}"),
    ),
    (
        rf"(?P<id>{ID}) is itself nested under (?P<parent>{ID}): codes nest one level deep",
        N_("{id} is itself nested under {parent}: codes nest one level deep"),
    ),
    (
        r"the code " + _quoted("label") + r" is there already at that level",
        N_("the code {label} is there already at that level"),
    ),
    (
        rf"(?P<id>{ID}) is no code of this analysis nor of the municipality's codebook",
        N_("{id} is no code of this analysis nor of the municipality's codebook"),
    ),
    (
        r"must be from (?P<low>-?\d+) to (?P<high>-?\d+), not (?P<given>-?\d+)",
        N_("must be from {low} to {high}, not {given}"),
    ),
    (r"is no kind of item: one of (?P<known>.+)", N_("is no kind of item: one of {known}")),
    (
        r"the items have changed since these suggestions were made: ask for them again",
        N_("the items have changed since these suggestions were made: ask for them again"),
    ),
    (rf"no idea (?P<id>{ID}) in this analysis", N_("no idea {id} in this analysis")),
    (rf"(?P<id>{ID}) is no member of this analysis", N_("{id} is no member of this analysis")),
    (
        rf"(?P<id>{ID}) is no post of this analysis: an idea is made of posts \(not comments or"
        r" survey answers\), as its decision answers posts",
        N_(
            "{id} is no post of this analysis: an idea is made of posts (not comments or"
            " survey answers), as its decision answers posts"
        ),
    ),
    (
        _quoted("stage") + r" is no stage \(stages: (?P<known>[^)]*)\)",
        N_("{stage} is no stage (stages: {known})"),
    ),
    (
        _quoted("stage") + r" is no stage with questions \(stages: (?P<known>[^)]*)\)",
        N_("{stage} is no stage with questions (stages: {known})"),
    ),
    (
        r"a key is a lower-case letter, then up to 39 letters, digits or hyphens",
        N_("a key is a lower-case letter, then up to 39 letters, digits or hyphens"),
    ),
    (_quoted("key") + r" is asked twice", N_("{key} is asked twice")),
    (r"an idea comes from at least one item", N_("an idea comes from at least one item")),
    (
        r"the idea was decided: it takes no more changes",
        N_("the idea was decided: it takes no more changes"),
    ),
    (r"give at least one answer", N_("give at least one answer")),
    (
        _quoted("key")
        + r" is no question of the (?P<stage>[\w-]+) stage \(its questions: (?P<known>[^)]*)\)",
        N_("{key} is no question of the {stage} stage (its questions: {known})"),
    ),
    (
        r"an idea ready for decision moves on by its decision: record it",
        N_("an idea ready for decision moves on by its decision: record it"),
    ),
    (
        r"the idea is (?P<stage>[\w-]+): its next stage is (?P<next>[\w-]+)",
        N_("the idea is {stage}: its next stage is {next}"),
    ),
    (
        r"the idea is (?P<stage>[\w-]+): only an idea ready for decision is decided",
        N_("the idea is {stage}: only an idea ready for decision is decided"),
    ),
    (
        r"only administrators and analysts read the idea questions",
        N_("only administrators and analysts read the idea questions"),
    ),
    # questionnaires and surveys
    (
        r"questionnaires here are approved \(or sent back\) by the municipality's steering group,"
        r" and you are not in it",
        N_(
            "questionnaires here are approved (or sent back) by the municipality's steering"
            " group, and you are not in it"
        ),
    ),
    (
        r"the survey has opened: correct the questionnaire as a new version",
        N_("the survey has opened: correct the questionnaire as a new version"),
    ),
    (
        r"the questionnaire is (?P<stage>[\w-]+); only a draft is submitted",
        N_("the questionnaire is {stage}; only a draft is submitted"),
    ),
    (
        r"the questionnaire is (?P<stage>[\w-]+), not waiting for approval",
        N_("the questionnaire is {stage}, not waiting for approval"),
    ),
    (
        r"revision (?P<revision>\d+) is waiting for approval, not (?P<given>\d+): read it first",
        N_("revision {revision} is waiting for approval, not {given}: read it first"),
    ),
    (
        r"a questionnaire is approved by someone who wrote none of it: ask another person",
        N_("a questionnaire is approved by someone who wrote none of it: ask another person"),
    ),
    (
        r"the questionnaire is (?P<stage>[\w-]+); only an approved one is scheduled",
        N_("the questionnaire is {stage}; only an approved one is scheduled"),
    ),
    (r"must be in the future", N_("must be in the future")),
    (
        r"the questionnaire is (?P<stage>[\w-]+); until the survey opens, revise the draft",
        N_("the questionnaire is {stage}; until the survey opens, revise the draft"),
    ),
    (
        r"the questionnaire has versions 1 to (?P<n>\d+), not (?P<given>-?\d+)",
        N_("the questionnaire has versions 1 to {n}, not {given}"),
    ),
    (
        r"the questionnaire has no version yet, not (?P<given>-?\d+)",
        N_("the questionnaire has no version yet, not {given}"),
    ),
    (
        r"the questionnaire is (?P<stage>[\w-]+); comments are for drafts",
        N_("the questionnaire is {stage}; comments are for drafts"),
    ),
    (_quoted("id") + r" is not a question of the draft", N_("{id} is not a question of the draft")),
    (
        rf"the survey (?P<id>{ID}) has no questionnaire yet",
        N_("the survey {id} has no questionnaire yet"),
    ),
    (r"the survey has no questionnaire yet", N_("the survey has no questionnaire yet")),
    (
        r"the survey's questionnaire has not gone out \(it is (?P<stage>[\w-]+)\)",
        N_("the survey's questionnaire has not gone out (it is {stage})"),
    ),
    (r"is no person of this municipality", N_("is no person of this municipality")),
    (
        _quoted("id") + r" is not a single choice question of the survey",
        N_("{id} is not a single choice question of the survey"),
    ),
    (
        _quoted("id") + r" is not a free text question of the survey",
        N_("{id} is not a free text question of the survey"),
    ),
    (
        r"the survey has no free text answer (?P<response>[\w-]+)/(?P<id>[\w-]+)",
        N_("the survey has no free text answer {response}/{id}"),
    ),
    (
        r"must have a text in the default language " + _quoted("language"),
        N_("must have a text in the default language {language}"),
    ),
    (_quoted("id") + r" is the id of option (?P<n>\d+)", N_("{id} is the id of option {n}")),
    (_quoted("id") + r" is the id of row (?P<n>\d+)", N_("{id} is the id of row {n}")),
    (
        _quoted("id") + r" is the id of (?P<path>sections\[\d+\]\.questions\[\d+\])",
        N_("{id} is the id of {path}"),
    ),
    (
        _quoted("id") + r" is not the id of a question before this one",
        N_("{id} is not the id of a question before this one"),
    ),
    (
        _quoted("option") + r" is not an option of " + _quoted("question"),
        N_("{option} is not an option of {question}"),
    ),
    (
        r"one-of refers to a single or multiple choice question; (?P<path>\S+) is not",
        N_("one-of refers to a single or multiple choice question; {path} is not"),
    ),
    (
        r"in-range refers to a rating, Likert or number question; (?P<path>\S+) is not",
        N_("in-range refers to a rating, Likert or number question; {path} is not"),
    ),
    (
        r"a question's condition cannot refer to the question itself",
        N_("a question's condition cannot refer to the question itself"),
    ),
    (r"needs at least one option", N_("needs at least one option")),
    (_quoted("option") + r" is given twice", N_("{option} is given twice")),
    (r"must not be less than (?P<other>\w+)", N_("must not be less than {other}")),
    # panels and their rounds
    (rf"no panel (?P<id>{ID})", N_("no panel {id}")),
    (rf"no sample (?P<id>{ID}) of panel (?P<panel>{ID})", N_("no sample {id} of panel {panel}")),
    (rf"no round (?P<id>{ID}) of panel (?P<panel>{ID})", N_("no round {id} of panel {panel}")),
    (
        r"must be 1-40 lower-case letters, digits, '-' or '_', starting with one of a-z0-9",
        N_("must be 1-40 lower-case letters, digits, '-' or '_', starting with one of a-z0-9"),
    ),
    (_quoted("id") + r" is the id of another question", N_("{id} is the id of another question")),
    (r"a question has 2 to (?P<n>\d+) options", N_("a question has 2 to {n} options")),
    (
        _quoted("id") + r" is missing: a background question, once offered, stays",
        N_("{id} is missing: a background question, once offered, stays"),
    ),
    (
        r"(?P<ids>'[^']{1,200}'(?:, '[^']{1,200}')*) missing: an option, once offered, stays",
        N_("{ids} missing: an option, once offered, stays"),
    ),
    (
        r"another panel is called " + _quoted("name") + ": pick another name",
        N_("another panel is called {name}: pick another name"),
    ),
    (
        r"not a background question of the panel \(questions: (?P<known>[^)]*)\)",
        N_("not a background question of the panel (questions: {known})"),
    ),
    (r"not a background question of the panel", N_("not a background question of the panel")),
    (
        _quoted("option") + r" is not an option \(options: (?P<known>[^)]*)\)",
        N_("{option} is not an option (options: {known})"),
    ),
    (r"must be between 0 and (?P<n>\d+)", N_("must be between 0 and {n}")),
    (r"a sample of all active members takes none", N_("a sample of all active members takes none")),
    (r"a stratified sample names a question", N_("a stratified sample names a question")),
    (r"a stratified sample says how many to draw", N_("a stratified sample says how many to draw")),
    (
        rf"the sample has a round already \((?P<id>{ID})\)",
        N_("the sample has a round already ({id})"),
    ),
    (r"is a (?P<kind>[\w-]+) dialog, not a survey", N_("is a {kind} dialog, not a survey")),
    (
        r"the survey is a draft: publish it before starting a round",
        N_("the survey is a draft: publish it before starting a round"),
    ),
    (
        r"the survey's questionnaire is (?P<stage>[\w-]+): a round starts once it is approved"
        r" and scheduled",
        N_(
            "the survey's questionnaire is {stage}: a round starts once it is approved and"
            " scheduled"
        ),
    ),
    (
        _quoted("offset") + r" is no offset: a number of days \(at most (?P<n>\d+)\) or an ISO"
        r" 8601 duration in days, hours or minutes \(P3D, PT12H\)",
        N_(
            "{offset} is no offset: a number of days (at most {n}) or an ISO 8601 duration in"
            " days, hours or minutes (P3D, PT12H)"
        ),
    ),
    (r"must be after the sending \(positive\)", N_("must be after the sending (positive)")),
    (r"must come after the reminder before it", N_("must come after the reminder before it")),
    (
        r"already a member of the panel \((?P<status>[\w-]+)\)",
        N_("already a member of the panel ({status})"),
    ),
    (
        r"the membership is (?P<status>[\w-]+); join the panel first",
        N_("the membership is {status}; join the panel first"),
    ),
    (
        r"the membership is (?P<status>[\w-]+); only an active one pauses",
        N_("the membership is {status}; only an active one pauses"),
    ),
    (
        r"the membership is (?P<status>[\w-]+); only a paused one resumes",
        N_("the membership is {status}; only a paused one resumes"),
    ),
    (
        r"the membership is (?P<status>[\w-]+); there is nothing to leave",
        N_("the membership is {status}; there is nothing to leave"),
    ),
    (
        r"the panel's consent text must be accepted \(true\) to join",
        N_("the panel's consent text must be accepted (true) to join"),
    ),
    (
        r"the panel takes members by invitation only, and there is none for you",
        N_("the panel takes members by invitation only, and there is none for you"),
    ),
    (r"the link is no invitation to this panel", N_("the link is no invitation to this panel")),
    (r"you have no membership of this panel", N_("you have no membership of this panel")),
    (
        r"sign in with your e-mail address to be a panel member",
        N_("sign in with your e-mail address to be a panel member"),
    ),
    # focus groups
    (
        r"must be the id of an uploaded image \(64 hex digits\)",
        N_("must be the id of an uploaded image (64 hex digits)"),
    ),
    (r"a question must have a text", N_("a question must have a text")),
    (
        r"a stimulus needs a text, an image_id or a video_url",
        N_("a stimulus needs a text, an image_id or a video_url"),
    ),
    (
        r"you are no moderator or observer of this focus group",
        N_("you are no moderator or observer of this focus group"),
    ),
    (
        r"only the focus group's moderators may do this",
        N_("only the focus group's moderators may do this"),
    ),
    (
        r"only the focus group's moderators and observers see this",
        N_("only the focus group's moderators and observers see this"),
    ),
    (
        r"only the focus group's participants take part in it",
        N_("only the focus group's participants take part in it"),
    ),
    (
        r"the person is a (?P<role>[\w-]+) of this focus group already",
        N_("the person is a {role} of this focus group already"),
    ),
    (
        rf"no item (?P<id>{ID}) in this focus group's guide",
        N_("no item {id} in this focus group's guide"),
    ),
    (rf"no item (?P<id>{ID}) in this focus group", N_("no item {id} in this focus group")),
    (rf"no answer (?P<id>{ID}) in this focus group", N_("no answer {id} in this focus group")),
    (r"the item is released already", N_("the item is released already")),
    (
        r"must name its time zone \(e\.g\. 2026-03-01T18:00:00Z\)",
        N_("must name its time zone (e.g. 2026-03-01T18:00:00Z)"),
    ),
    (
        r"must be later than now; leave it out to release now",
        N_("must be later than now; leave it out to release now"),
    ),
    (r"is no participant of this focus group", N_("is no participant of this focus group")),
    (r"is no item of this focus group's guide", N_("is no item of this focus group's guide")),
    (r"the item is not released yet", N_("the item is not released yet")),
    (
        r"the item is not released yet: answers wait for its release",
        N_("the item is not released yet: answers wait for its release"),
    ),
    (r"is no member of the municipality's staff", N_("is no member of the municipality's staff")),
    (r"the person is staff of this focus group", N_("the person is staff of this focus group")),
    (
        r"is no item or follow-up of this focus group",
        N_("is no item or follow-up of this focus group"),
    ),
    (r"is no answer in this focus group", N_("is no answer in this focus group")),
    # the platform and its operators: tenants, hosts, slugs, suspension
    (
        r"host " + _quoted("host") + r" already belongs to this tenant",
        N_("host {host} already belongs to this tenant"),
    ),
    (
        r"the host " + _quoted("host") + r" is not one of this tenant's",
        N_("the host {host} is not one of this tenant's"),
    ),
    (r"the tenant is suspended already", N_("the tenant is suspended already")),
    (r"the tenant is not suspended", N_("the tenant is not suspended")),
    (
        r"tenant " + _quoted("tenant") + r" is suspended: (?P<reason>.*)",
        N_("tenant {tenant} is suspended: {reason}"),
    ),
    (r"the host " + _quoted("host") + r" is free already", N_("the host {host} is free already")),
    (
        r"the host " + _quoted("host") + r" belongs to a tenant already",
        N_("the host {host} belongs to a tenant already"),
    ),
    (r"the slug " + _quoted("slug") + r" is taken", N_("the slug {slug} is taken")),
    (
        r"the host " + _quoted("host") + r" is not one of tenant " + _quoted("tenant") + r"'s",
        N_("the host {host} is not one of tenant {tenant}'s"),
    ),
    (
        r"a tenant keeps at least one host: add another first",
        N_("a tenant keeps at least one host: add another first"),
    ),
    (r"no tenant " + _quoted("tenant"), N_("no tenant {tenant}")),
    (
        r"a host was claimed by another tenant meanwhile",
        N_("a host was claimed by another tenant meanwhile"),
    ),
    (
        r"must be 3-40 characters: lowercase letters, digits and hyphens, starting with a letter"
        r" and not ending with a hyphen",
        N_(
            "must be 3-40 characters: lowercase letters, digits and hyphens, starting with a"
            " letter and not ending with a hyphen"
        ),
    ),
    (r"must not contain two hyphens in a row", N_("must not contain two hyphens in a row")),
    (_quoted("value") + r" is reserved", N_("{value} is reserved")),
    (r"must be a host name of 1-253 characters", N_("must be a host name of 1-253 characters")),
    (
        _quoted("value") + r" is not a host name \(letters, digits, hyphens and dots; no port\)",
        N_("{value} is not a host name (letters, digits, hyphens and dots; no port)"),
    ),
    (
        r"this needs a platform token: sign in at the platform console",
        N_("this needs a platform token: sign in at the platform console"),
    ),
    (r"this needs a platform token", N_("this needs a platform token")),
    (
        r"no platform console is configured on this deployment",
        N_("no platform console is configured on this deployment"),
    ),
    (r"must be consultant or operations", N_("must be consultant or operations")),
    (
        r"no platform staff member has this address",
        N_("no platform staff member has this address"),
    ),
    (
        r"the person is not \(or no longer\) platform staff",
        N_("the person is not (or no longer) platform staff"),
    ),
    (
        r"platform staff have no person in the municipality",
        N_("platform staff have no person in the municipality"),
    ),
    (
        r"the caller has no person record in this municipality",
        N_("the caller has no person record in this municipality"),
    ),
    # a municipality's host, its branding and widgets
    (
        r"no municipality is served at host " + _quoted("host"),
        N_("no municipality is served at host {host}"),
    ),
    (
        r"(?P<tenant>.{1,200}) is suspended: no reason given",
        N_("{tenant} is suspended: no reason given"),
    ),
    (r"(?P<tenant>.{1,200}) is suspended: (?P<reason>.*)", N_("{tenant} is suspended: {reason}")),
    (r"there is no widget " + _quoted("name"), N_("there is no widget {name}")),
    (r"(?P<tenant>.{1,200}) has no logo", N_("{tenant} has no logo")),
    (r"the logo's bytes are missing", N_("the logo's bytes are missing")),
    (r"no picture has this id", N_("no picture has this id")),
    (r"no image has this id", N_("no image has this id")),
    # sign-in: codes and links, access tokens
    (r"the sign-in link is not known", N_("the sign-in link is not known")),
    (r"the PIN code is not known", N_("the PIN code is not known")),
    (
        r"the sign-in link has been used already; each works once",
        N_("the sign-in link has been used already; each works once"),
    ),
    (
        r"the PIN code has been used already; each works once",
        N_("the PIN code has been used already; each works once"),
    ),
    (
        r"the sign-in link has expired; ask for a new one",
        N_("the sign-in link has expired; ask for a new one"),
    ),
    (
        r"the PIN code has expired; ask for a new one",
        N_("the PIN code has expired; ask for a new one"),
    ),
    (
        r"the platform token was revoked; sign in again",
        N_("the platform token was revoked; sign in again"),
    ),
    (
        r"the access token was revoked; sign in again",
        N_("the access token was revoked; sign in again"),
    ),
    (
        r"the access token names no person of this municipality",
        N_("the access token names no person of this municipality"),
    ),
    (
        r"the access token must be signed with HS256",
        N_("the access token must be signed with HS256"),
    ),
    (
        r"the access token was not issued by this municipality's Tinget",
        N_("the access token was not issued by this municipality's Tinget"),
    ),
    (r"the access token's claims are not valid", N_("the access token's claims are not valid")),
    (r"the access token has another issuer", N_("the access token has another issuer")),
    (r"the access token is not valid yet", N_("the access token is not valid yet")),
    (
        r"the access token's role does not fit its issuer",
        N_("the access token's role does not fit its issuer"),
    ),
    (
        r"the Authorization header must be 'Bearer <token>'",
        N_("the Authorization header must be 'Bearer <token>'"),
    ),
    (
        r"a device's token is no person's session",
        N_("a device's token is no person's session"),
    ),
    # the identity provider: its settings, as an administrator gives them
    (r"no sign-in provider " + _quoted("name") + r" here", N_("no sign-in provider {name} here")),
    (
        r"must be a URL of at most 2000 printable characters",
        N_("must be a URL of at most 2000 printable characters"),
    ),
    (r"must name a host", N_("must name a host")),
    (r"must not have a fragment", N_("must not have a fragment")),
    (r"must be an https URL", N_("must be an https URL")),
    (
        r"must not be a loopback address \(this machine\)",
        N_("must not be a loopback address (this machine)"),
    ),
    (
        r"must be a public host name, not a local one",
        N_("must be a public host name, not a local one"),
    ),
    (
        r"must not be a private, loopback or reserved address",
        N_("must not be a private, loopback or reserved address"),
    ),
    (
        r"must be 1 to (?P<n>\d+) printable characters",
        N_("must be 1 to {n} printable characters"),
    ),
    (
        r"citizens are signed in by the claim that carries their national identity number: name"
        r" it \(letters, digits, _ \. : / -, at most 100\)",
        N_(
            "citizens are signed in by the claim that carries their national identity number:"
            " name it (letters, digits, _ . : / -, at most 100)"
        ),
    ),
    (
        r"is only for providers that sign in citizens",
        N_("is only for providers that sign in citizens"),
    ),
    (
        r"must be a claim's name \(letters, digits, _ \. : / -, at most 100\)",
        N_("must be a claim's name (letters, digits, _ . : / -, at most 100)"),
    ),
    (r"is required for a new provider", N_("is required for a new provider")),
    (
        r"must be 1 to 40 lower-case letters, digits and hyphens, starting with a letter or"
        r" digit, and not 'callback'",
        N_(
            "must be 1 to 40 lower-case letters, digits and hyphens, starting with a letter or"
            " digit, and not 'callback'"
        ),
    ),
    (r"must be 1 to 100 characters, no spaces", N_("must be 1 to 100 characters, no spaces")),
    (r"must include openid", N_("must include openid")),
    (
        r"must include email: staff are found by their address",
        N_("must include email: staff are found by their address"),
    ),
    (
        r"(?P<source>[\w-]+) is read from identity_claim: only for providers that sign in"
        r" citizens",
        N_("{source} is read from identity_claim: only for providers that sign in citizens"),
    ),
    (
        r"the providers were changed meanwhile, again and again; try again",
        N_("the providers were changed meanwhile, again and again; try again"),
    ),
    (r"the providers were changed meanwhile; try again", N_("it was changed meanwhile; try again")),
    # the identity provider's answers, as Tinget reads them at a sign-in
    (
        r"the identity provider's discovery document names another issuer",
        N_("the identity provider's discovery document names another issuer"),
    ),
    (
        r"the identity provider's discovery document answered (?P<status>\d+)",
        N_("the identity provider's discovery document answered {status}"),
    ),
    (
        r"the identity provider's discovery document is not JSON",
        N_("the identity provider's discovery document is not JSON"),
    ),
    (
        r"the identity provider's discovery document is not a JSON object",
        N_("the identity provider's discovery document is not a JSON object"),
    ),
    (
        r"the identity provider's discovery document is not valid: (?P<why>.+)",
        N_("the identity provider's discovery document is not valid: {why}"),
    ),
    (r"(?P<host>[^\s:]+) does not resolve(?:: .*)?", N_("{host} does not resolve")),
    (
        r"refused: (?P<host>[^\s:]+) has a non-public address",
        N_("refused: {host} has a non-public address"),
    ),
    (
        r"the sign-in provider was removed meanwhile; sign in again",
        N_("the sign-in provider was removed meanwhile; sign in again"),
    ),
    (
        r"this sign-in is not known here; sign in again",
        N_("this sign-in is not known here; sign in again"),
    ),
    (
        r"this sign-in was finished already; each works once",
        N_("this sign-in was finished already; each works once"),
    ),
    (r"this sign-in has expired; sign in again", N_("this sign-in has expired; sign in again")),
    (
        r"this sign-in was begun in another browser; sign in again here",
        N_("this sign-in was begun in another browser; sign in again here"),
    ),
    (
        r"the identity provider did not accept the sign-in code",
        N_("the identity provider did not accept the sign-in code"),
    ),
    (
        r"the identity provider answered no ID token",
        N_("the identity provider answered no ID token"),
    ),
    (r"the ID token is malformed", N_("the ID token is malformed")),
    (
        r"the ID token is signed with (?P<alg>.{1,100}); only (?P<allowed>.*) are taken",
        N_("the ID token is signed with {alg}; only {allowed} are taken"),
    ),
    (
        r"the ID token is signed by a key the identity provider does not publish",
        N_("the ID token is signed by a key the identity provider does not publish"),
    ),
    (r"the ID token's signature does not verify", N_("the ID token's signature does not verify")),
    (r"the ID token was issued by another issuer", N_("the ID token was issued by another issuer")),
    (
        r"the ID token was issued for another client",
        N_("the ID token was issued for another client"),
    ),
    (
        r"the ID token was issued for several clients, not for this one",
        N_("the ID token was issued for several clients, not for this one"),
    ),
    (r"the ID token has no expiry or issue time", N_("the ID token has no expiry or issue time")),
    (r"the ID token has expired", N_("the ID token has expired")),
    (r"the ID token was issued in the future", N_("the ID token was issued in the future")),
    (r"the ID token was issued too long ago", N_("the ID token was issued too long ago")),
    (
        r"the ID token's nonce is not this sign-in's",
        N_("the ID token's nonce is not this sign-in's"),
    ),
    (r"the ID token names no subject", N_("the ID token names no subject")),
    (
        r"the identity provider vouched for no e-mail address",
        N_("the identity provider vouched for no e-mail address"),
    ),
    (
        r"no staff member of this municipality has that e-mail address",
        N_("no staff member of this municipality has that e-mail address"),
    ),
    (
        r"the identity provider's ID token carries no " + _quoted("claim"),
        N_("the identity provider's ID token carries no {claim}"),
    ),
    # web push subscriptions
    (
        r"must be base64url, as the browser gives it",
        N_("must be base64url, as the browser gives it"),
    ),
    (r"must be an uncompressed P-256 public key", N_("must be an uncompressed P-256 public key")),
    (r"must be an https URL of a push service", N_("must be an https URL of a push service")),
    (
        r"must name its push service, not an IP address",
        N_("must name its push service, not an IP address"),
    ),
    (r"must use the default https port", N_("must use the default https port")),
    (
        r"(?P<host>\S{1,253}) is not a known browser push service",
        N_("{host} is not a known browser push service"),
    ),
    (
        r"must be an http\(s\) URL of the test push service",
        N_("must be an http(s) URL of the test push service"),
    ),
    # the audit trail's query
    (
        r"needs a time zone, e\.g\. 2025-03-01T00:00:00Z",
        N_("needs a time zone, e.g. 2025-03-01T00:00:00Z"),
    ),
    (r"must be later than since", N_("must be later than since")),
    (r"is neither an event type nor a context", N_("is neither an event type nor a context")),
    # requests themselves: headers, bodies, media types
    (
        r"must be a host name or IP address with an optional port, nothing else",
        N_("must be a host name or IP address with an optional port, nothing else"),
    ),
    (
        r"a value holds a character that cannot be stored \(such as NUL\)",
        N_("a value holds a character that cannot be stored (such as NUL)"),
    ),
    (r"must not contain the NUL character", N_("must not contain the NUL character")),
    (r"the request ended before its body", N_("the request ended before its body")),
    (r"not valid JSON: Input data was truncated", N_("is not valid JSON: it ends too soon")),
    (
        r"not valid JSON: JSON is malformed: .{1,200} \(byte (?P<byte>\d+)\)",
        N_("is not valid JSON: it is malformed at byte {byte}"),
    ),
    (r"not valid JSON: .*", N_("is not valid JSON")),
    (
        r"(?P<given>'[^']{0,200}'|none) is not taken here; send (?P<wanted>.{1,500})",
        N_("{given} is not taken here; send {wanted}"),
    ),
    (r"given more than once", N_("given more than once")),
    (
        r"must be a log position: a whole number from 1 up",
        N_("must be a log position: a whole number from 1 up"),
    ),
    (
        r"the report is text/html or application/pdf \(or ask with \?format=\)",
        N_("the report is text/html or application/pdf (or ask with ?format=)"),
    ),
    (
        r"this Idempotency-Key was used for another post",
        N_("this Idempotency-Key was used for another post"),
    ),
    # taking part: flags, follows, answers, the pages' forms
    (r"you have flagged this post already", N_("you have flagged this post already")),
    (
        r"the (?:post's moderation|person's block) changed meanwhile; try again",
        N_("it was changed meanwhile; try again"),
    ),
    (r"the report was changed meanwhile; try again", N_("it was changed meanwhile; try again")),
    (r"the appeal was decided meanwhile", N_("the appeal was decided meanwhile")),
    (
        r"supports kept changing; they will be carried on redelivery",
        N_("supports kept changing; they will be carried on redelivery"),
    ),
    (
        r"the post kept changing; the threshold will be recorded on redelivery",
        N_("the post kept changing; the threshold will be recorded on redelivery"),
    ),
    (r"sign in to follow a project", N_("sign in to follow a project")),
    (
        r"one follows or unfollows a project for oneself only",
        N_("one follows or unfollows a project for oneself only"),
    ),
    (r"you have answered this survey already", N_("you have answered this survey already")),
    (r"must hold at least one choice", N_("must hold at least one choice")),
    (r"must be ticked to go ahead", N_("must be ticked to go ahead")),
    (r"must be answered", N_("must be answered")),
    # dialogs' kinds
    (r"a (?P<kind>[\w ]+) has no title", N_("a {kind} has no title")),
    (
        r"a (?P<kind>[\w ]+) cannot be edited: votes on it were given to its words",
        N_("a {kind} cannot be edited: votes on it were given to its words"),
    ),
    (
        r"this (?P<kind>[\w ]+) is no statement to vote on",
        N_("this {kind} is no statement to vote on"),
    ),
    # an analysis's ideas
    (
        r"the (?P<stage>[\w-]+) stage has unanswered questions: (?P<questions>.+)",
        N_("the {stage} stage has unanswered questions: {questions}"),
    ),
    # the questionnaire editor
    (
        _quoted("id") + r" is a (?P<type>[\w-]+) question in version (?P<version>\d+): a question"
        r" keeps its type; a new one takes a new id",
        N_(
            "{id} is a {type} question in version {version}: a question keeps its type; a new"
            " one takes a new id"
        ),
    ),
    (
        r"must be 1-40 letters \(a-z, A-Z\), digits, '_' or '-', starting with a letter or digit",
        N_("must be 1-40 letters (a-z, A-Z), digits, '_' or '-', starting with a letter or digit"),
    ),
    (
        r"must be from 1 to the number of options",
        N_("must be from 1 to the number of options"),
    ),
    (
        r"a scale has (?P<least>\d+) to (?P<most>\d+) points: max must be from (?P<low>-?\d+) to"
        r" (?P<high>-?\d+)",
        N_("a scale has {least} to {most} points: max must be from {low} to {high}"),
    ),
    (r"a Likert scale labels both its ends", N_("a Likert scale labels both its ends")),
    (r"must not be before earliest", N_("must not be before earliest")),
    (
        r"no answer to " + _quoted("question") + r" can be from (?P<low>\S+) to (?P<high>\S+)",
        N_("no answer to {question} can be from {low} to {high}"),
    ),
    # a Pabulib file, line by line
    (r"a whole amount above 0", N_("a whole amount above 0")),
    (
        _quoted("type") + r": Tinget reads approval, choose-1, cumulative and ordinal votes",
        N_("{type}: Tinget reads approval, choose-1, cumulative and ordinal votes"),
    ),
    (
        r"comes before the META, PROJECTS or VOTES section",
        N_("comes before the META, PROJECTS or VOTES section"),
    ),
    (
        r"the section \(and its header line\) is missing",
        N_("the section (and its header line) is missing"),
    ),
    (
        r"says (?P<said>.{1,200}), the file has (?P<found>\d+)",
        N_("says {said}, the file has {found}"),
    ),
    (r"a line of key;value", N_("a line of key;value")),
    (r"the header has no " + _quoted("name") + r" column", N_("the header has no {name} column")),
    (r"an id without commas", N_("an id without commas")),
    (_quoted("value") + r" is no whole amount above 0", N_("{value} is no whole amount above 0")),
    (_quoted("voter") + r" votes twice", N_("{voter} votes twice")),
    (r"names a project twice", N_("names a project twice")),
    (
        r"not a `;`-separated line: field larger than field limit \((?P<n>\d+)\)",
        N_("not a `;`-separated line: a field is longer than {n} characters"),
    ),
    (r"not a `;`-separated line: .*", N_("not a `;`-separated line")),
    (r"the section appears twice", N_("the section appears twice")),
    (r"the key is given twice", N_("the key is given twice")),
    (
        _quoted("project") + r" is not a project of the file",
        N_("{project} is not a project of the file"),
    ),
    (r"whole numbers, none below 0", N_("whole numbers, none below 0")),
    (
        r"does not decode as (?P<format>\w+): the file is damaged or cut short",
        N_("does not decode as {format}: the file is damaged or cut short"),
    ),
    # focus groups: members removed, guide items deleted and withdrawn, the live stream
    (
        r"a moderator removed you from this focus group",
        N_("a moderator removed you from this focus group"),
    ),
    (rf"no member (?P<id>{ID}) in this focus group", N_("no member {id} in this focus group")),
    (
        r"the focus group's last moderator cannot be removed: add another moderator first",
        N_("the focus group's last moderator cannot be removed: add another moderator first"),
    ),
    (
        r"the person was a participant of this focus group",
        N_("the person was a participant of this focus group"),
    ),
    (r"the item was withdrawn", N_("the item was withdrawn")),
    (r"the item is released: withdraw it instead", N_("the item is released: withdraw it instead")),
    (
        r"the item is not released: delete it instead",
        N_("the item is not released: delete it instead"),
    ),
    (
        r"the item was withdrawn: it takes no more answers",
        N_("the item was withdrawn: it takes no more answers"),
    ),
    (r"must be an event id of this stream", N_("must be an event id of this stream")),
    # a participatory budget: importing a Pabulib file into its round (and reading one)
    (
        r"a Pabulib file is imported into this round already: one import per round",
        N_("a Pabulib file is imported into this round already: one import per round"),
    ),
    (r"at most (?P<n>\d+) projects", N_("at most {n} projects")),
    (r"not a `;`-separated line: (?P<error>.+)", N_("not a `;`-separated line: {error}")),
    (
        r"comes before the META, PROJECTS or VOTES section",
        N_("comes before the META, PROJECTS or VOTES section"),
    ),
    (r"the section appears twice", N_("the section appears twice")),
    (
        r"the section \(and its header line\) is missing",
        N_("the section (and its header line) is missing"),
    ),
    (r"a whole amount above 0", N_("a whole amount above 0")),
    (
        _quoted("type") + r": Tinget reads approval, choose-1, cumulative and ordinal votes",
        N_("{type}: Tinget reads approval, choose-1, cumulative and ordinal votes"),
    ),
    (
        r"says (?P<said>.{1,40}), the file has (?P<found>\d+)",
        N_("says {said}, the file has {found}"),
    ),
    (r"a line of key;value", N_("a line of key;value")),
    (r"the key is given twice", N_("the key is given twice")),
    (
        r"the header has no " + _quoted("column") + " column",
        N_("the header has no {column} column"),
    ),
    (r"(?P<n>\d+) fields, the header has (?P<width>\d+)", N_("{n} fields, the header has {width}")),
    (r"an id without commas", N_("an id without commas")),
    (_quoted("id") + r" is given twice", N_("{id} is given twice")),
    (
        r"'(?P<value>[^']{0,200})' is no whole amount above 0",
        N_("{value} is no whole amount above 0"),
    ),
    (_quoted("voter") + r" votes twice", N_("{voter} votes twice")),
    (
        _quoted("project") + r" is not a project of the file",
        N_("{project} is not a project of the file"),
    ),
    (r"names a project twice", N_("names a project twice")),
    (r"(?P<given>\d+) points for (?P<n>\d+) projects", N_("{given} points for {n} projects")),
    (r"whole numbers, none below 0", N_("whole numbers, none below 0")),
)


def _import_closed(language: str, found: Mapping[str, str]) -> str | None:
    """``a Pabulib file is imported only before voting opens (...); the review phase is under
    way``: the moment and the phase in ``language``."""
    current = _phase_name(found["current"], language) if found["current"] else None
    if found["current"] and current is None:
        return None
    if current is None:
        now = texts.gettext(language, "no phase is under way")
    else:
        now = texts.gettext(language, "the {phase} phase is under way").format(phase=current)
    return texts.gettext(
        language, "a Pabulib file is imported only before voting opens ({opens}); {now}"
    ).format(opens=_moment(found["opens"], language), now=now)


_COMPILED_WORDED = tuple((re.compile(pattern), worded) for pattern, worded in _WORDED)
_COMPILED_KEPT = tuple((re.compile(pattern), message) for pattern, message in _KEPT)


def reason(text: str, language: str) -> str | None:
    """A reason these patterns know in ``language``, or None."""
    for pattern, worded in _COMPILED_WORDED:
        found = pattern.fullmatch(text)
        if found is not None:
            written = worded(language, found.groupdict(default=""))
            if written is not None:
                return written
    for pattern, message in _COMPILED_KEPT:
        found = pattern.fullmatch(text)
        if found is not None:
            return texts.gettext(language, message).format(**found.groupdict(default=""))
    return None
