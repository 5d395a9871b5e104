"""Message templates: a tenant's own texts as events, checked on save, filled on send.

Each (kind, language) of a tenant is one small aggregate, so two administrators editing two
different texts never conflict. A template is Python ``str.format`` text limited to the
placeholders of its kind: an unknown name, attribute access (``{tenant.__class__}``), a format
spec or an unmatched brace is refused on save with the field that holds it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events import texts
from events.errors import InvalidInput
from services.notifications.defaults import base_language, default_template, status_word
from services.notifications.kinds import PLACEHOLDERS, REQUIRED, Kind
from tenants import links

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/notifications")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_SUBJECT = 200
MAX_BODY = 10_000

Custom = Mapping[tuple[str, str], tuple[str, str]]
"""A tenant's own templates: (kind, language) to (subject, body)."""


def template_stream(kind: str, language: str) -> UUID:
    return uuid5(_NAMESPACE, f"template:{kind}:{language}")


class NotificationTemplate(Aggregate):
    """A tenant's own subject and body for one kind of message in one language."""

    @staticmethod
    def create_id(kind: str, language: str) -> UUID:
        return template_stream(kind, language)

    @event("Created")
    def __init__(self, kind: str, language: str) -> None:
        self.kind = kind
        self.language = language
        self.subject: str | None = None
        self.body: str | None = None

    def change(self, subject: str, body: str) -> bool:
        """Record new texts; saving the same texts again records nothing."""
        if (subject, body) == (self.subject, self.body):
            return False
        self._changed(kind=self.kind, language=self.language, subject=subject, body=body)
        return True

    @event("NotificationTemplateChanged")
    def _changed(self, kind: str, language: str, subject: str, body: str) -> None:
        self.subject = subject
        self.body = body


def _placeholders(kind: Kind, text: str, field: str) -> set[str]:
    allowed = PLACEHOLDERS[kind]
    known = ", ".join(f"{{{name}}}" for name in sorted(allowed))
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise InvalidInput(
            field, "has an unmatched brace; write {{ or }} for a brace itself"
        ) from None
    names: set[str] = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in allowed:
            shown = f"{{{name}}}" if name else "{}"
            raise InvalidInput(field, f"unknown placeholder {shown}; a {kind} text knows {known}")
        if spec or conversion:
            raise InvalidInput(field, f"the placeholder {{{name}}} takes no format or conversion")
        names.add(name)
    return names


def check_template(kind: Kind, subject: str, body: str) -> tuple[str, str]:
    """The texts cleaned, or ``InvalidInput`` naming ``subject`` or ``body`` and the reason."""
    subject = subject.strip()
    body = body.strip()
    for field, value, limit in (("subject", subject, MAX_SUBJECT), ("body", body, MAX_BODY)):
        if not value:
            raise InvalidInput(field, "must not be empty")
        if len(value) > limit:
            raise InvalidInput(field, f"must be at most {limit} characters")
        if _CONTROL.search(value):
            raise InvalidInput(field, "must not contain control characters")
    if "\n" in subject or "\r" in subject:
        raise InvalidInput("subject", "must be one line")
    names = _placeholders(kind, subject, "subject") | _placeholders(kind, body, "body")
    missing = sorted(REQUIRED.get(kind, frozenset()) - names)
    if missing:
        raise InvalidInput("body", f"must contain {{{missing[0]}}}: a {kind} is useless without")
    return subject, body


def choose(kind: Kind, language: str, custom: Custom) -> tuple[str, str]:
    """The tenant's template in ``language`` (or its base language), else the built-in one."""
    for tag in (language, base_language(language)):
        found = custom.get((kind.value, tag))
        if found is not None:
            return found
    return default_template(kind, language)


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def fill(subject: str, body: str, values: Mapping[str, str]) -> tuple[str, str]:
    """The message: placeholders filled (a missing value is empty), the subject on one line and
    the blank lines an empty value leaves behind folded."""
    given = _Values(values)
    filled_subject = " ".join(subject.format_map(given).split())
    filled_body = re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", body.format_map(given)).strip()
    return filled_subject, filled_body


def local_date(value: str, language: str) -> str:
    """A date the notifier recorded as ``2026-05-12``, as ``language`` writes it (``12 maj
    2026``); anything else as given."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return texts.format_date(day, language)


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    link: str


def compose(
    kind: Kind,
    details: Mapping[str, str],
    tenant_name: str,
    language: str,
    base: str | None,
    custom: Custom,
    link_templates: Mapping[str, str] | None = None,
) -> Message:
    """A notification's texts in ``language``: the tenant's template (or the built-in one)
    filled with the values the notifier recorded, statuses in words and the link made whole:
    the tenant's URL template of the link's kind when it has one, else its public URL ``base``
    and the path the notifier recorded."""
    given = {k: v for k, v in details.items() if k != "path" and ":" not in k}
    # a value recorded in other languages too (a dialog's title as ``dialog:fi``, a budget's
    # results as ``message:fi``): the language's (else its base language's), else the main one
    for name in list(given):
        for tag in (base_language(language), language):
            if details.get(f"{name}:{tag}"):
                given[name] = details[f"{name}:{tag}"]
    if "status" in given:
        given["status"] = status_word(given["status"], language, kind)
    if "date" in given:
        given["date"] = local_date(given["date"], language)
    if given.get("photo"):  # an image's path: a whole link on the tenant's public URL
        photo = given["photo"]
        given["photo"] = (
            ""
            if base is None
            else texts.pgettext(language, "notification", "Photo: {url}").format(url=base + photo)
        )
    link = links.link_to_path(link_templates or {}, base, details.get("path", "/")) or ""
    subject, body = fill(
        *choose(kind, language, custom), {**given, "tenant": tenant_name, "link": link}
    )
    return Message(subject, body, link)
