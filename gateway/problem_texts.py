"""Problem documents in the caller's language: their titles, and the reasons Tinget knows.

The language is chosen as everywhere (``events.texts.choose_language``): the browser's
``Accept-Language`` among the languages the municipality of the Host offers, else its default
language (English when the host is no municipality's). A person's own language is not read
here (that would take a database read on every refusal): a client that knows it (``GET
/api/v1/me``) sends it as ``Accept-Language``.

The domain writes its refusals in English, many with values in them (``at most 3
choice(s)``), and msgspec writes the validation messages. Each known reason has a pattern
here and a message id with named fields, translated through the catalogues (``N_``): the
fields keep their values (a limit, an option), only the words around them change. A reason
no pattern knows stays in English. The ``field`` of a problem never changes: it is for
machines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

from events import texts
from events.texts import N_
from gateway import refusal_texts

TITLES = frozenset(
    {
        N_("Invalid input"),
        N_("Unsupported media type"),
        N_("Not found"),
        N_("Conflict"),
        N_("Forbidden"),
        N_("Not signed in"),
        N_("Too many requests"),
        N_("Unavailable"),
        N_("Service unavailable"),
        N_("Refused"),
        N_("Internal error"),
        N_("Unknown tenant"),
        N_("Tenant suspended"),
        N_("Bad Host header"),
        N_("Not Found"),
        N_("Method Not Allowed"),
        N_("Request Entity Too Large"),
        N_("Unsupported Media Type"),
        N_("Not Acceptable"),
    }
)
"""Every problem title Tinget and litestar write, as the message ids of their translations."""

# (pattern of the English reason, message id with the pattern's named groups as its fields).
# The first pattern that matches the whole reason wins.
_REASONS: Sequence[tuple[str, str]] = (
    # msgspec's validation messages
    (r"Expected `(?:int|float)` <= (?P<limit>-?[\d.]+)", N_("must be at most {limit}")),
    (r"Expected `(?:int|float)` >= (?P<limit>-?[\d.]+)", N_("must be at least {limit}")),
    (r"Expected `(?:int|float)` < (?P<limit>-?[\d.]+)", N_("must be less than {limit}")),
    (r"Expected `(?:int|float)` > (?P<limit>-?[\d.]+)", N_("must be more than {limit}")),
    (
        r"Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`",
        N_("must be {expected}, not {got}"),
    ),
    (r"Object missing required field `[^`]+`", N_("is required")),
    (r"Object contains unknown field `[^`]+`", N_("is not a field this operation takes")),
    (r"Invalid enum value (?P<value>.{1,200})", N_("{value} is not one of the values allowed")),
    (r"Expected `str` matching regex .*", N_("is not written in the form this field takes")),
    (r"Invalid UUID", N_("is not an id (a UUID)")),
    (r"Invalid RFC3339 encoded datetime", N_("is not a date and time (RFC 3339)")),
    (r"Invalid RFC3339 encoded date", N_("is not a date (RFC 3339)")),
    (
        r"is required: send the JSON body this operation takes",
        N_("is required: send the JSON body this operation takes"),
    ),
    # texts, addresses and codes
    (r"must not be empty", N_("must not be empty")),
    (r"must be at most (?P<limit>\d+) characters", N_("must be at most {limit} characters")),
    (r"must not contain control characters", N_("must not contain control characters")),
    (r"is not an e-mail address", N_("is not an e-mail address")),
    (
        r"must be 10 letters and digits, as printed \(XXXX-XXXX-XX\)",
        N_("must be 10 letters and digits, as printed (XXXX-XXXX-XX)"),
    ),
    (
        r"'(?P<language>[^']{1,35})' is not a language the municipality offers: (?P<offered>.*)",
        N_("{language} is not a language the municipality offers: {offered}"),
    ),
    # sign-in
    (r"this needs an access token: sign in first", N_("this needs an access token: sign in first")),
    (
        r"the access token has expired; sign in again",
        N_("the access token has expired; sign in again"),
    ),
    (r"the access token is malformed", N_("the access token is malformed")),
    (
        r"the access token was issued for another municipality",
        N_("the access token was issued for another municipality"),
    ),
    # taking part: dialogs, posts, supports, signatures, ballots, problem reports
    (r"no dialog (?P<id>[0-9a-f-]{36})", N_("no dialog {id}")),
    (r"no post (?P<id>[0-9a-f-]{36})", N_("no post {id}")),
    (
        r"the dialog is for invited participants only",
        N_("the dialog is for invited participants only"),
    ),
    (
        r"the dialog asks participants to sign in first",
        N_("the dialog asks participants to sign in first"),
    ),
    (
        r"you are blocked from taking part: (?P<reason>.*)",
        N_("you are blocked from taking part: {reason}"),
    ),
    (
        r"the dialog is a draft and not published yet",
        N_("the dialog is a draft and not published yet"),
    ),
    (r"the dialog opens at (?P<when>\S+)", N_("the dialog opens at {when}")),
    (r"the dialog is closed since (?P<when>\S+)", N_("the dialog is closed since {when}")),
    (r"the dialog is closed: (?P<reason>.*)", N_("the dialog is closed: {reason}")),
    (r"the post has been hidden by a moderator", N_("the post has been hidden by a moderator")),
    (
        r"the post is waiting for a moderator's approval",
        N_("the post is waiting for a moderator's approval"),
    ),
    (r"the post has been withdrawn", N_("the post has been withdrawn")),
    (
        r"only the author may change or withdraw a post",
        N_("only the author may change or withdraw a post"),
    ),
    (
        r"a post can be edited for (?P<minutes>\d+) minutes after it was sent",
        N_("a post can be edited for {minutes} minutes after it was sent"),
    ),
    (r"comments are off in this dialog", N_("comments are off in this dialog")),
    (
        r"only signed-in participants may comment in this dialog",
        N_("only signed-in participants may comment in this dialog"),
    ),
    (r"this dialog does not take images", N_("this dialog does not take images")),
    (r"you support this post already", N_("you support this post already")),
    (r"you have signed this petition already", N_("you have signed this petition already")),
    (
        r"you have voted in this poll already; one vote per person",
        N_("you have voted in this poll already; one vote per person"),
    ),
    (r"only a petition can be signed", N_("only a petition can be signed")),
    (r"a [\w ]+ is signed, not supported", N_("this is signed, not supported")),
    (r"a [\w ]+ cannot be supported", N_("this cannot be supported")),
    (r"a [\w ]+ needs its place", N_("needs the place it is about")),
    (
        r"'(?P<option>.{1,200})' is not an option of this poll",
        N_("{option} is not an option of this poll"),
    ),
    (r"'(?P<option>.{1,200})' is chosen twice", N_("{option} is chosen twice")),
    # participatory budgets: who may vote (services/budgeting/domain.py)
    (
        r"this budget is for those who sign in with the municipality's identity provider",
        N_("this budget is for those who sign in with the municipality's identity provider"),
    ),
    (
        r"this budget checks voters' age or residence with the municipality's identity"
        r" provider: sign in with it",
        N_(
            "this budget checks voters' age or residence with the municipality's identity"
            " provider: sign in with it"
        ),
    ),
    (
        r"this budget is for residents of (?P<area>.{1,200})",
        N_("this budget is for residents of {area}"),
    ),
    (
        r"this budget is for those who are (?P<years>\d+) or older;"
        r" you may vote from (?P<date>\d{4}-\d{2}-\d{2})",
        N_("this budget is for those who are {years} or older; you may vote from {date}"),
    ),
    (
        r"this budget is for those who are (?P<years>\d+) or older on (?P<day>\d{4}-\d{2}-\d{2});"
        r" you turn (?P=years) on (?P<date>\d{4}-\d{2}-\d{2})",
        N_(
            "this budget is for those who are {years} or older on {day}; you turn {years} on {date}"
        ),
    ),
    (
        r"must be voting-closes, ballot or a date \(YYYY-MM-DD\)",
        N_("must be voting-closes, ballot or a date (YYYY-MM-DD)"),
    ),
    # limits and things changing meanwhile
    (
        r"too many attempts; at most (?P<limit>\d+) in (?P<seconds>\d+) seconds",
        N_("too many attempts; at most {limit} in {seconds} seconds"),
    ),
    (
        r"other (?:reports are being made|exports are running) here; try again shortly",
        N_("others are being made here just now; try again shortly"),
    ),
    (
        r"the (?:person|dialog|post) was changed meanwhile; try again",
        N_("it was changed meanwhile; try again"),
    ),
    (r"must be one of (?P<values>.{1,500})", N_("must be one of {values}")),
    (
        r"must be a whole number from (?P<low>-?\d+) to (?P<high>-?\d+)",
        N_("must be a whole number from {low} to {high}"),
    ),
    (r"is listed twice", N_("is listed twice")),
    (
        r"no uploaded image has this id; upload it first",
        N_("no uploaded image has this id; upload it first"),
    ),
    (r"no statement of this dialog has this id", N_("no statement of this dialog has this id")),
    # dialogs, as an administrator sets them up
    (r"must be after opens_at", N_("must be after opens_at")),
    (r"a poll needs its question", N_("a poll needs its question")),
    (r"a poll needs at least two options", N_("a poll needs at least two options")),
    (r"each option must be different", N_("each option must be different")),
    (r"must not exceed the number of options", N_("must not exceed the number of options")),
    (
        r"'(?P<committee>[^']{1,100})' is not a committee of (?P<tenant>.{1,200}) "
        r"\(committees: (?P<known>.*)\)",
        N_("{committee} is not a committee of {tenant} (committees: {known})"),
    ),
    (
        r"results are published after the dialog has closed",
        N_("results are published after the dialog has closed"),
    ),
    # links of the e-mails (tenants/links.py) and other addresses
    (r"must be an absolute https URL", N_("must be an absolute https URL")),
    (
        r"must be https \(plain http only for localhost\)",
        N_("must be https (plain http only for localhost)"),
    ),
    (r"must not carry a user name or password", N_("must not carry a user name or password")),
    (
        r"placeholders may only follow the host: in the path, query or fragment",
        N_("placeholders may only follow the host: in the path, query or fragment"),
    ),
)


def _choices(language: str, n: int) -> str:
    return texts.ngettext(language, "at most {n} choice", "at most {n} choices", n)


def _most_characters(language: str, n: int) -> str:
    return texts.ngettext(
        language, "must be at most {n} character", "must be at most {n} characters", n
    )


def _least_characters(language: str, n: int) -> str:
    return texts.ngettext(
        language, "must be at least {n} character", "must be at least {n} characters", n
    )


def _most_items(language: str, n: int) -> str:
    return texts.ngettext(language, "must hold at most {n} item", "must hold at most {n} items", n)


def _least_items(language: str, n: int) -> str:
    return texts.ngettext(
        language, "must hold at least {n} item", "must hold at least {n} items", n
    )


# Reasons with a count ``n``, in the plural form the count takes (msgspec's length limits
# first: "at least 1 item" reads "minst 1 post", not "minst 1 poster").
_COUNTED: Sequence[tuple[str, Callable[[str, int], str]]] = (
    (r"Expected `str` of length <= (?P<n>\d+)", _most_characters),
    (r"Expected `str` of length >= (?P<n>\d+)", _least_characters),
    (r"Expected `(?:array|object)` of length <= (?P<n>\d+)", _most_items),
    (r"Expected `(?:array|object)` of length >= (?P<n>\d+)", _least_items),
    (r"at most (?P<n>\d+) choice\(s\)", _choices),
    (r"must hold at most (?P<n>\d+) items?", _most_items),
    (r"must hold at least (?P<n>\d+) items?", _least_items),
)

_COMPILED = tuple((re.compile(pattern), message) for pattern, message in _REASONS)
_COMPILED_COUNTED = tuple((re.compile(pattern), counted) for pattern, counted in _COUNTED)


@lru_cache(maxsize=64)
def title(title: str, language: str) -> str:
    """A problem's title in ``language`` (as given when it is none Tinget knows)."""
    return texts.gettext(language, title) if title in TITLES else title


def reason(text: str, language: str) -> str | None:
    """A known reason in ``language``, its values kept; None when no pattern knows it (here
    or in ``gateway.refusal_texts``: a budget's refusals and the staff's)."""
    for pattern, message in _COMPILED:
        found = pattern.fullmatch(text)
        if found is not None:
            return texts.gettext(language, message).format(**found.groupdict())
    for pattern, counted in _COMPILED_COUNTED:
        found = pattern.fullmatch(text)
        if found is not None:
            return counted(language, int(found.group("n"))).format(**found.groupdict())
    return refusal_texts.reason(text, language)


def translate(body: Mapping[str, object], language: str) -> dict[str, object]:
    """A problem document with its title and known reasons in ``language``: each of its
    ``errors`` (field, reason) and its ``detail`` when that is ``field: reason`` or a reason
    alone. Anything unknown stays as written; the fields stay as they are."""
    translated = dict(body)
    if isinstance(body.get("title"), str):
        translated["title"] = title(str(body["title"]), language)
    errors = body.get("errors")
    if isinstance(errors, list):
        translated["errors"] = [
            {**e, "reason": reason(str(e.get("reason")), language) or e.get("reason")}
            if isinstance(e, dict)
            else e
            for e in errors
        ]
    detail = body.get("detail")
    if isinstance(detail, str):
        translated["detail"] = _detail(detail, body.get("field"), language)
    return translated


_MORE = re.compile(r"^(?P<reason>.*) \(and (?P<n>\d+) more\)$", re.S)


def _detail(detail: str, field: object, language: str) -> str:
    if language.split("-")[0] == texts.FALLBACK:
        return detail
    head, more = detail, ""
    counted = _MORE.match(detail)
    if counted is not None:
        head = counted.group("reason")
        n = int(counted.group("n"))
        more = " " + texts.ngettext(language, "(and {n} more)", "(and {n} more)", n).format(n=n)
    prefix = f"{field}: " if isinstance(field, str) and head.startswith(f"{field}: ") else ""
    known = reason(head[len(prefix) :], language)
    if known is None:
        return detail
    return f"{prefix}{known}{more}"
