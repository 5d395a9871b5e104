"""Where the links in a tenant's e-mails point: its own public URL, or a URL template per
kind of link, when the municipality runs its own front end.

A template is an absolute URL with named placeholders, such as
``https://www.lund.se/delta/login?code={code}``. Each kind of link knows its placeholders
(``LINK_KINDS``); a template may use only those, and the ones that carry what the link is for
(the sign-in code, the unsubscribe token) it must use. Checked strictly on save, each
refusal naming the field (``link_templates.sign-in``):

- https only; plain http only for a loopback host (``localhost``, ``127.0.0.1``, ``[::1]``), for
  a front end under development on the administrator's own machine;
- no user name or password in it, no spaces or control characters, at most ``MAX_LENGTH``
  characters;
- placeholders only after the host (in the path, query or fragment), never in the scheme or
  host: a value can never send the link to another site;
- no format specs or conversions (``{code!r}``, ``{code:>9}``), braces matched.

Each value is URL-encoded when filled (``quote(value, safe="")``), so a value cannot add a
parameter, a path or a fragment of its own. Without a template for a kind, the link is the
tenant's public URL and Tinget's own path, as before.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from types import MappingProxyType
from urllib.parse import quote, urlsplit

from events.errors import InvalidInput

MAX_LENGTH = 500
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})

LINK_KINDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        # the one-time sign-in link (sign-in e-mails and staff invitations): /sign-in?code=
        "sign-in": frozenset({"code"}),
        # where an invited person types the PIN their invitation carries: /sign-in
        "pin-sign-in": frozenset(),
        # a citizen panel's invitation: /panels/{panel_id}/join?code=
        "panel-invitation": frozenset({"panel_id", "code"}),
        # the links of notifications: a dialog, a post, a decision, the front page
        "dialog": frozenset({"dialog_id"}),
        "post": frozenset({"post_id"}),
        "decision": frozenset({"decision_id"}),
        "home": frozenset(),
        # the one-click unsubscribe link of every notification e-mail (RFC 8058: the mail
        # client POSTs to it; the front end must pass the POST on to /api/v1/unsubscribe)
        "unsubscribe": frozenset({"token"}),
    }
)
REQUIRED: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "sign-in": frozenset({"code"}),
        "panel-invitation": frozenset({"code"}),
        "unsubscribe": frozenset({"token"}),
    }
)
"""Placeholders a kind's template must use: a sign-in link without its code signs nobody in."""

_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f<>\"\\^`|]")


def check_template(kind: str, template: str, field: str) -> str:
    """``template`` if it is a valid URL template for ``kind``, else ``InvalidInput``."""
    if kind not in LINK_KINDS:
        raise InvalidInput(field, f"unknown kind of link; known: {', '.join(LINK_KINDS)}")
    if not template or len(template) > MAX_LENGTH:
        raise InvalidInput(field, f"must be a URL of 1 to {MAX_LENGTH} characters")
    if _UNSAFE.search(template):
        raise InvalidInput(field, 'must not contain spaces, control characters or <>"\\^`|')
    allowed = LINK_KINDS[kind]
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        raise InvalidInput(field, "has an unmatched brace") from None
    names: set[str] = set()
    for literal, name, spec, conversion in parsed:
        if "}" in literal or "{" in literal:
            raise InvalidInput(field, "has an unmatched brace")
        if name is None:
            continue
        if name not in allowed:
            known = ", ".join(f"{{{n}}}" for n in sorted(allowed)) or "none"
            raise InvalidInput(
                field, f"unknown placeholder {{{name}}}; a {kind} link knows {known}"
            )
        if spec or conversion:
            raise InvalidInput(field, f"the placeholder {{{name}}} takes no format or conversion")
        names.add(name)
    missing = sorted(REQUIRED.get(kind, frozenset()) - names)
    if missing:
        raise InvalidInput(field, f"must contain {{{missing[0]}}}: a {kind} link needs it")
    try:
        whole = urlsplit(fill(template, dict.fromkeys(allowed, "x")))
        host = whole.hostname
        whole.port  # noqa: B018 (a port that is no number raises here)
    except ValueError:
        raise InvalidInput(field, "is not a URL") from None
    if whole.scheme not in ("https", "http") or not host:
        raise InvalidInput(field, "must be an absolute https URL")
    if "@" in whole.netloc:
        raise InvalidInput(field, "must not carry a user name or password")
    if whole.scheme == "http" and host not in LOOPBACK:
        raise InvalidInput(field, "must be https (plain http only for localhost)")
    first = template.find("{")
    if first >= 0:
        prefix = f"{whole.scheme}://{whole.netloc}".lower()
        head = template[:first].lower()
        if not (head.startswith(prefix) and head[len(prefix) : len(prefix) + 1] in ("/", "?", "#")):
            raise InvalidInput(
                field, "placeholders may only follow the host: in the path, query or fragment"
            )
    return template


def check_templates(templates: Mapping[str, str], field: str = "link_templates") -> dict[str, str]:
    """Every template checked (its field ``link_templates.<kind>``), in the kinds' order."""
    cleaned: dict[str, str] = {}
    for kind, template in templates.items():
        cleaned[kind] = check_template(kind, template, f"{field}.{kind}")
    return {k: cleaned[k] for k in LINK_KINDS if k in cleaned}


def fill(template: str, values: Mapping[str, str]) -> str:
    """The template with each placeholder's value URL-encoded (nothing in it stays a ``/``,
    ``?``, ``&``, ``#`` or ``%`` of the URL's own)."""
    return template.format_map({k: quote(str(v), safe="") for k, v in values.items()})


def link(
    templates: Mapping[str, str], base: str | None, kind: str, path: str, **values: str
) -> str | None:
    """The link of ``kind``: the tenant's template filled with ``values`` when it has one,
    else its public URL ``base`` and Tinget's own ``path``; None without either."""
    template = templates.get(kind)
    if template is not None:
        return fill(template, values)
    return None if base is None else base + path


_PATHS = (
    (re.compile(r"/dialogs/(?P<dialog_id>[0-9a-f-]{36})"), "dialog"),
    (re.compile(r"/posts/(?P<post_id>[0-9a-f-]{36})"), "post"),
    (re.compile(r"/decisions/(?P<decision_id>[0-9a-f-]{36})"), "decision"),
    (re.compile(r"/?"), "home"),
)


def link_to_path(templates: Mapping[str, str], base: str | None, path: str) -> str | None:
    """The link to one of Tinget's own paths (a notification's ``/posts/<id>``), through the
    template of its kind when the tenant has one."""
    for pattern, kind in _PATHS:
        found = pattern.fullmatch(path)
        if found is not None:
            return link(templates, base, kind, path, **found.groupdict())
    return None if base is None else base + path
