"""Rules for the values a tenant is made of: slug, host, colour, URL, language, texts."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from events.errors import InvalidInput

DEFAULT_MIN_GROUP_SIZE = 5
"""The smallest group whose count results show, unless the tenant set another (3-100)."""
MIN_GROUP_SIZES = range(3, 101)

PLATFORM_TENANT = "_platform"  # holds platform-wide streams (host claims); no slug can be it
# The languages every built-in text of Tinget exists in: Swedish, Danish, Norwegian Bokmål,
# Finnish and English. A tenant's default language is one of them.
OFFERED_LANGUAGES = ("sv", "da", "nb", "fi", "en")
RESERVED_SLUGS = frozenset({"admin", "api", "platform", "tinget", "www", "static", "assets"})

_SLUG = re.compile(r"[a-z][a-z0-9-]{1,38}[a-z0-9]")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def slug(value: str, field: str = "slug") -> str:
    if not _SLUG.fullmatch(value):
        raise InvalidInput(
            field,
            "must be 3-40 characters: lowercase letters, digits and hyphens, starting with a"
            " letter and not ending with a hyphen",
        )
    if "--" in value:
        raise InvalidInput(field, "must not contain two hyphens in a row")
    if value in RESERVED_SLUGS:
        raise InvalidInput(field, f"{value!r} is reserved")
    return value


def host(value: str, field: str = "host") -> str:
    """A host name as browsers send it in the Host header, without port, lowercased."""
    h = value.strip().lower().rstrip(".")
    if not h or len(h) > 253:
        raise InvalidInput(field, "must be a host name of 1-253 characters")
    if not all(_LABEL.fullmatch(label) for label in h.split(".")):
        raise InvalidInput(
            field, f"{value!r} is not a host name (letters, digits, hyphens and dots; no port)"
        )
    return h


_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})


def public_url(value: str, field: str = "public_url") -> str:
    """Where a tenant's pages live, as links in e-mails name them: an absolute https URL (http
    only for a developer's own machine), without user, query or fragment; no trailing slash.

    Every link that leaves the server is built from it, never from a request's Host header.
    """
    cleaned = value.strip()
    try:
        parts = urlsplit(cleaned)
        port = parts.port
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not a URL") from None
    hostname = parts.hostname or ""
    if parts.scheme not in {"https", "http"} or not hostname or len(cleaned) > 500:
        raise InvalidInput(field, "must be an absolute https URL of at most 500 characters")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidInput(field, "must not carry a user name or password")
    if parts.query or parts.fragment or cleaned.endswith(("?", "#")):
        raise InvalidInput(field, "must not carry a query or a fragment")
    shown = f"[{hostname}]" if ":" in hostname else hostname
    if parts.scheme == "http" and shown not in _LOCAL_HOSTS:
        raise InvalidInput(field, "must use https (http only for localhost)")
    if ":" not in hostname:
        host(hostname, field)
    netloc = shown if port is None else f"{shown}:{port}"
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def default_public_url(hosts: list[str] | tuple[str, ...]) -> str | None:
    """A tenant's public URL when none was given: its first host over https (http for a
    developer's localhost)."""
    if not hosts:
        return None
    scheme = "http" if hosts[0] in _LOCAL_HOSTS else "https"
    return f"{scheme}://{hosts[0]}"


def colour(value: str, field: str) -> str:
    if not _COLOUR.fullmatch(value):
        raise InvalidInput(field, f"{value!r} is not a colour of the form #RRGGBB")
    return value.lower()


def url(value: str, field: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"https", "http"} or not parts.netloc or len(value) > 2000:
        raise InvalidInput(field, f"{value!r} is not an http(s) URL of at most 2000 characters")
    return value


def language(value: str, field: str = "default_language") -> str:
    if not _LANGUAGE.fullmatch(value):
        raise InvalidInput(field, f"{value!r} is not a language tag such as 'sv', 'da' or 'en-GB'")
    return value


def offered_language(value: str, field: str = "default_language") -> str:
    """A tenant's default language: a tag of one of the languages Tinget's built-in texts are
    written in (``OFFERED_LANGUAGES``), with an optional region (``en-GB``)."""
    language(value, field)
    if value.split("-")[0] not in OFFERED_LANGUAGES:
        raise InvalidInput(
            field, f"{value!r} is not offered: one of {', '.join(OFFERED_LANGUAGES)}"
        )
    return value


def text(value: str, field: str, *, max_length: int, required: bool = True) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise InvalidInput(field, "must not be empty")
    if len(cleaned) > max_length:
        raise InvalidInput(field, f"must be at most {max_length} characters")
    if _CONTROL.search(cleaned):
        raise InvalidInput(field, "must not contain control characters")
    return cleaned


def committees(items: list[str], field: str = "committees") -> list[str]:
    """A tenant's committees: 0-50 distinct names of at most 100 characters."""
    if len(items) > 50:
        raise InvalidInput(field, "at most 50 committees")
    cleaned: list[str] = []
    for i, item in enumerate(items):
        name = text(item, f"{field}[{i}]", max_length=100)
        if name.casefold() in (c.casefold() for c in cleaned):
            raise InvalidInput(f"{field}[{i}]", f"{name!r} is listed twice")
        cleaned.append(name)
    return cleaned


def min_group_size(value: int, field: str = "min_group_size") -> int:
    """The smallest group a tenant's results show a count for: 3 to 100 (default 5)."""
    if isinstance(value, bool) or value not in MIN_GROUP_SIZES:
        raise InvalidInput(
            field, f"must be a whole number from {MIN_GROUP_SIZES[0]} to {MIN_GROUP_SIZES[-1]}"
        )
    return value


BUILT_IN_LANGUAGES = ("sv", "da", "nb", "fi", "en")
"""The languages every built-in text of Tinget exists in; a tenant offers a subset of them."""


def languages(items: list[str], field: str = "languages") -> list[str]:
    """The languages a tenant offers: 1-5 distinct built-in languages, in the tenant's order."""
    if not items:
        raise InvalidInput(field, "must offer at least one language")
    cleaned: list[str] = []
    for i, item in enumerate(items):
        if item not in BUILT_IN_LANGUAGES:
            raise InvalidInput(
                f"{field}[{i}]",
                f"{item!r} is not a built-in language ({', '.join(BUILT_IN_LANGUAGES)})",
            )
        if item in cleaned:
            raise InvalidInput(f"{field}[{i}]", f"{item!r} is listed twice")
        cleaned.append(item)
    return cleaned


FRONT_PAGE_SECTIONS = (
    "welcome",
    "featured-dialogs",
    "open-dialogs-by-committee",
    "results-and-decisions",
)
"""The sections a tenant's front page is made of, in the order the tenant chooses."""
DEFAULT_FRONT_PAGE = ("welcome", "open-dialogs-by-committee", "results-and-decisions")
MAX_FEATURED_DIALOGS = 12


def front_page(items: list[str], field: str = "front_page.sections") -> list[str]:
    """The front page's sections: each of ``FRONT_PAGE_SECTIONS`` at most once."""
    cleaned: list[str] = []
    for i, item in enumerate(items):
        if item not in FRONT_PAGE_SECTIONS:
            raise InvalidInput(
                f"{field}[{i}]", f"{item!r} is not a section ({', '.join(FRONT_PAGE_SECTIONS)})"
            )
        if item in cleaned:
            raise InvalidInput(f"{field}[{i}]", f"{item!r} is listed twice")
        cleaned.append(item)
    return cleaned


VIDEO_HOSTS = frozenset(
    {
        "www.youtube.com",
        "youtube.com",
        "youtu.be",
        "www.youtube-nocookie.com",
        "vimeo.com",
        "player.vimeo.com",
        "video.dreambroker.com",
        "www.dreambroker.com",
    }
)
"""The video players a front page's hero may embed. The page shows the video in a frame under
the municipality's name and colours, so only known players are embedded (an arbitrary page in
that frame could pass for the municipality's own): YouTube (and its no-cookie host), Vimeo and
Dream Broker, which Nordic municipalities use."""


def video_url(value: str, field: str = "hero_video_url") -> str:
    """A hero video: an https URL of a known video player (``VIDEO_HOSTS``), no user name."""
    cleaned = value.strip()
    try:
        parts = urlsplit(cleaned)
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not a URL") from None
    if parts.scheme != "https" or len(cleaned) > 500 or _CONTROL.search(cleaned) or " " in cleaned:
        raise InvalidInput(field, "must be an https URL of at most 500 characters")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidInput(field, "must not carry a user name or password")
    if (parts.hostname or "") not in VIDEO_HOSTS or parts.port not in (None, 443):
        hosts = ", ".join(sorted(VIDEO_HOSTS))
        raise InvalidInput(field, f"must be a video on a known player ({hosts})")
    return cleaned


COMMENTING = ("everyone", "signed-in", "off")
"""Who may comment in a dialog (services.dialogs.kinds.Commenting's values)."""

MAX_ALLOWED_ORIGINS = 20


def origin(value: str, field: str) -> str:
    """A web origin allowed to call Tinget from a browser: ``scheme://host[:port]``, exactly.

    https only (http for a developer's localhost: an http page can be rewritten on its way by
    anyone on the network, who would then act as that origin); no path, query, fragment, user
    name or wildcard. Written as browsers send it in ``Origin``: lowercase, without a default
    port."""
    cleaned = value.strip()
    if "*" in cleaned:
        raise InvalidInput(field, "must name one origin exactly: no wildcard")
    try:
        parts = urlsplit(cleaned)
        port = parts.port
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not an origin (scheme://host[:port])") from None
    scheme = parts.scheme.lower()
    if scheme not in {"https", "http"} or not parts.hostname or len(cleaned) > 300:
        raise InvalidInput(field, "must be an https origin, scheme://host[:port]")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidInput(field, "must not carry a user name or password")
    if parts.path or parts.query or parts.fragment or cleaned.endswith(("?", "#")):
        raise InvalidInput(field, "must be an origin only: no path, query or fragment")
    hostname = parts.hostname
    shown = f"[{hostname}]" if ":" in hostname else hostname
    if scheme == "http" and shown not in _LOCAL_HOSTS:
        raise InvalidInput(field, "must use https (http only for localhost)")
    if ":" not in hostname:
        shown = host(hostname, field)
    if port == {"https": 443, "http": 80}[scheme]:
        port = None
    return f"{scheme}://{shown}" if port is None else f"{scheme}://{shown}:{port}"


def origins(items: list[str], field: str = "allowed_origins") -> list[str]:
    """A tenant's allowed origins: at most ``MAX_ALLOWED_ORIGINS`` distinct origins."""
    if len(items) > MAX_ALLOWED_ORIGINS:
        raise InvalidInput(field, f"at most {MAX_ALLOWED_ORIGINS} origins")
    cleaned: list[str] = []
    for i, item in enumerate(items):
        checked = origin(item, f"{field}[{i}]")
        if checked in cleaned:
            raise InvalidInput(f"{field}[{i}]", f"{checked!r} is listed twice")
        cleaned.append(checked)
    return cleaned
