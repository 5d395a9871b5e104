"""The pages the gateway serves to citizens as HTML, on the municipality's own host, and what
they share: the language, the layout, the page session and the refusal of forms from other
sites. The sign-in page (``/sign-in``: an e-mailed link's code, an invitation's PIN, a link by
e-mail, the municipality's identity provider) and signing out are here; the other pages are in
gateway/citizen_pages.py.

- **Language.** A page speaks the language asked for with ``?lang=xx`` (the language switcher's
  links; only a language the municipality offers, anything else is ignored), else the
  signed-in person's own preferred language (``IdentityService.preferred_language``), else
  the browser's ``Accept-Language``, else the municipality's default: always one of the
  municipality's languages (``TenantEntry.languages``). ``<html lang>`` and
  ``Content-Language`` say which. The texts are the ``page`` context of the gettext
  catalogues (events/locale).
- **Page session.** Pages work without JavaScript, so signing in on a page gives the browser a
  first-party cookie on the municipality's host: HttpOnly, SameSite=Strict, Secure when the
  request came over https, holding the same access token the API's sign-in answers (and a
  staff member's refresh token, traded for a new access token when the first expires). Only
  the pages read it: the API takes the ``Authorization`` header and never a cookie, so it
  gains no cross-site request surface. Signing out revokes every token of the person and
  clears the cookies.
- **Forms.** Every page form is a POST refused when the browser says it came from another
  site (``from_another_site``). A failed form changes nothing and answers a 4xx page saying
  why, with the same field and reason the API gives.
- **Safety.** Everything shown is escaped (Jinja2 with autoescape); colours are used only when
  they are ``#RRGGBB``, with black or white text, whichever reads at 4.5:1 or more. The
  answers forbid caching, framing and sending the address (with its code) as a Referer to
  another site, and a strict Content-Security-Policy allows only the page's own inline style
  and script, by a nonce made for each answer, and pictures of the same host. These routes are
  not part of the API document.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any, Final
from urllib.parse import urlencode, urlsplit
from uuid import UUID

from jinja2 import Environment, PackageLoader, StrictUndefined
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import MethodNotAllowedException
from litestar.params import QueryParameter

from events import texts
from events.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthenticated,
    Unavailable,
)
from events.texts import N_, choose_language, pgettext
from gateway.auth import client_address, verified
from gateway.dialogs import visible_dialog
from gateway.edge import Injected, edge_of
from gateway.problems import http_problem
from services.dialogs.service import DialogService
from services.identity.access import Caller
from services.identity.oidc import BROWSER_COOKIE_PREFIX, OidcSignIn
from services.identity.records import normalise_pin
from services.identity.service import IdentityService
from services.identity.tokens import REFRESH, REFRESH_LIFETIME, TOKEN_LIFETIME, IssuedToken
from tenants.directory import TenantEntry

DEFAULT_LANGUAGE: Final = "sv"
MAX_CODE_LENGTH: Final = 200  # as the API's redeemSignInLink takes
MAX_EMAIL_LENGTH: Final = 254  # as the API's requestSignInLink takes
MAX_NEXT_LENGTH: Final = 500
SESSION_COOKIE: Final = "tinget_session"
REFRESH_COOKIE: Final = "tinget_refresh"
NEXT_COOKIE: Final = "tinget_next"
"""Where to go after signing in with a link asked for on a page (the link opens in the same
browser, so the page it was asked from is kept here, SameSite=Lax, for the link's lifetime)."""
NEXT_LIFETIME: Final = 15 * 60
LANGUAGE_NAMES: Final = {
    "sv": "Svenska",
    "da": "Dansk",
    "nb": "Norsk bokmål",
    "fi": "Suomi",
    "en": "English",
}
"""Each language in its own words, for the language switcher."""


API_REASONS: Final = (
    N_("is not an e-mail address"),
    N_("must be ticked to go ahead"),
    N_("is not an unsubscribe link this municipality sent"),
    N_("you support this post already"),
    N_("you have signed this petition already"),
    N_("the dialog is closed"),
    N_("must hold at least one choice"),
)
"""Reasons the services give (as the API's problems say them) that the pages' forms meet
most, translated in the catalogues: a page shows the field and the reason, in the page's
language where the reason is one of these, else as the API says it."""


def page_language(language: str) -> str:
    """The page language for a municipality's ``language`` (``sv`` for ``sv-FI``; Swedish
    for one the pages do not speak)."""
    primary = language.split("-")[0].lower()
    return primary if primary in texts.LANGUAGES else DEFAULT_LANGUAGE


def offered_languages(tenant: TenantEntry) -> list[str]:
    """The languages the municipality offers that the pages speak (its default alone when it
    offers none of them)."""
    offered = [language for language in tenant.languages if language in texts.LANGUAGES]
    return offered or [page_language(tenant.default_language)]


def language_for(
    tenant: TenantEntry, preferred: str | None, accept_language: str | None, asked: str | None
) -> tuple[str, bool]:
    """The page's language and whether it was asked for with ``?lang=`` (which wins for that
    view), then the signed-in person's own ``preferred`` language, the browser's and the
    municipality's; anything not offered there is ignored."""
    offered = offered_languages(tenant)
    if asked is not None and asked in offered:
        return asked, True
    default = page_language(tenant.default_language)
    chosen = choose_language(preferred, accept_language, offered, default)
    return page_language(chosen), False


def excerpt(text: str | None, limit: int) -> str | None:
    """``text`` cut to at most ``limit`` characters, at a space where one is near, with an
    ellipsis: what keeps a page small (under 100 KB) whatever its texts' lengths."""
    if text is None or len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + "…"


def onward(value: str | None) -> str | None:
    """Where to go on to after signing in: a local path (``local_path``), but not the
    sign-in pages themselves."""
    path = local_path(value)
    if path is None or path == "/sign-in" or path.startswith(("/sign-in?", "/sign-in/")):
        return None
    return path


def local_path(value: str | None) -> str | None:
    """``value`` when it is a path of this site (``/dialogs/...``), else None: never ``//host``,
    ``/\\host`` (a browser reads both as another host), a scheme, or control characters. Where
    to go after signing in is only ever such a path (no open redirect)."""
    if not value or len(value) > MAX_NEXT_LENGTH or not value.startswith("/"):
        return None
    if value.startswith("//") or "\\" in value or not value.isprintable() or " " in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


_HEX: Final = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_PRIMARY: Final = "#1f4e79"
DEFAULT_BACKGROUND: Final = "#ffffff"
DARK_TEXT: Final = "#000000"
LIGHT_TEXT: Final = "#ffffff"


def _luminance(colour: str) -> float:
    """The relative luminance of ``#RRGGBB`` as WCAG 2.1 defines it."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#RRGGBB`` colours (1 to 21)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on(background: str) -> str:
    """Dark or light text, whichever reads better on ``background`` (always 4.5:1 or more)."""
    return max((DARK_TEXT, LIGHT_TEXT), key=lambda text: contrast(text, background))


def _colour(value: str | None, default: str) -> str:
    """A stored colour when it is ``#RRGGBB`` (the tenant's update checks it; this checks
    again, as it goes into a style sheet), else ``default``."""
    return value if value is not None and _HEX.fullmatch(value) else default


def page_colours(tenant: TenantEntry) -> dict[str, str]:
    """The municipality's colours for a page, each with a text colour that reads on it."""
    primary = _colour(tenant.primary_colour, DEFAULT_PRIMARY)
    background = _colour(tenant.background_colour, DEFAULT_BACKGROUND)
    return {
        "primary": primary,
        "on_primary": text_on(primary),
        "background": background,
        "on_background": text_on(background),
    }


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("gateway", "templates"),
        autoescape=True,  # every template, whatever its name: a tenant's name is input too
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _secure(request: Request[Any, Any, Any]) -> bool:
    return request.url.scheme == "https"


def _cookie(
    request: Request[Any, Any, Any],
    key: str,
    value: str,
    max_age: int,
    *,
    samesite: str = "strict",
    path: str = "/",
) -> Cookie:
    return Cookie(
        key=key,
        value=value,
        path=path,
        max_age=max_age,
        httponly=True,
        secure=_secure(request),
        samesite=samesite,  # type: ignore[arg-type]
    )


def session_cookies(request: Request[Any, Any, Any], issued: IssuedToken) -> list[Cookie]:
    """The page session of a person just signed in (or refreshed): the access token, and a
    staff member's refresh token."""
    left = int((issued.expires_at - datetime.now(UTC)).total_seconds())
    cookies = [_cookie(request, SESSION_COOKIE, issued.token, max(left, 1))]
    if issued.refresh_token is not None:
        cookies.append(_cookie(request, REFRESH_COOKIE, issued.refresh_token, REFRESH_LIFETIME))
    return cookies


def cleared_cookies(request: Request[Any, Any, Any]) -> list[Cookie]:
    """The page session's cookies, gone."""
    return [_cookie(request, key, "", 0) for key in (SESSION_COOKIE, REFRESH_COOKIE)]


async def page_caller(
    request: Request[Any, Any, Any], tenant: TenantEntry, identity: IdentityService
) -> tuple[Caller | None, list[Cookie]]:
    """The person the page session's cookie names (None without one, or when it was signed
    out, expired or made for another municipality), and the cookies the answer must set: a
    staff member's refreshed token, or the session's cookies cleared when they are no good."""
    token = request.cookies.get(SESSION_COOKIE)
    refresh = request.cookies.get(REFRESH_COOKIE)
    if not token and not refresh:
        return None, []
    edge = edge_of(request.app.state)
    if token:
        try:
            return await verified(edge, token, tenant.tenant_id), []
        except (Unauthenticated, Forbidden):
            pass
    if refresh:
        try:
            issued = await identity.refresh(tenant.tenant_id, refresh)
            caller = await verified(edge, issued.token, tenant.tenant_id)
        except (Unauthenticated, Forbidden):
            pass
        else:
            return caller, session_cookies(request, issued)
    return None, cleared_cookies(request)


@dataclass
class PageContext:
    """One page view: the municipality, who is signed in, the language and what to set."""

    request: Request[Any, Any, Any]
    tenant: TenantEntry
    caller: Caller | None
    language: str
    asked_language: bool
    cookies: list[Cookie] = field(default_factory=list)

    def say(self, message: str) -> str:
        """A page text (an English message id of the ``page`` context) in the language."""
        return pgettext(self.language, "page", message)

    def api_reason(self, reason: str) -> str:
        """A reason the services give (as the API's problems do), in the page's language
        where the catalogues have it, else as the API says it."""
        return texts.gettext(self.language, reason)

    def url(self, path: str, **query: str) -> str:
        """A link to ``path`` on this site that keeps the language asked for with ``?lang=``."""
        params = dict(query)
        if self.asked_language:
            params["lang"] = self.language
        return f"{path}?{urlencode(params)}" if params else path


async def page_context(
    request: Request[Any, Any, Any], tenant: TenantEntry, identity: IdentityService
) -> PageContext:
    caller, cookies = await page_caller(request, tenant, identity)
    asked = request.query_params.get("lang")
    preferred = None  # the person's own language, read from their record
    if caller is not None and not caller.anonymous:
        preferred = await identity.preferred_language(caller.tenant_id, caller.person_id)
    language, was_asked = language_for(
        tenant, preferred, request.headers.get("accept-language"), asked
    )
    return PageContext(request, tenant, caller, language, was_asked, cookies)


def _headers(nonce: str, language: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}';"
            " img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none';"
            " base-uri 'none'"
        ),
        "Cache-Control": "no-store",
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Content-Language": language,
    }


def _switcher(page: PageContext) -> list[dict[str, str | bool]]:
    """The language switcher's links: this page (its path and query) in each offered
    language."""
    request = page.request
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return [
        {
            "code": language,
            "name": LANGUAGE_NAMES[language],
            "url": f"{request.url.path}?{urlencode([*kept, ('lang', language)])}",
            "current": language == page.language,
        }
        for language in offered_languages(page.tenant)
    ]


def render(
    page: PageContext,
    template: str,
    status: int,
    title: str,
    **context: Any,
) -> Response[str]:
    """A page of ``template`` (which extends base.html) in the page's language and the
    municipality's branding, answered with ``status`` and the page's cookies."""
    nonce = secrets.token_urlsafe(18)
    language = page.language
    tenant = page.tenant
    html = (
        _environment()
        .get_template(template)
        .render(
            language=language,
            title=title,
            tenant_name=tenant.name,
            colours=page_colours(tenant),
            logo_url=(
                f"/api/v1/branding/logo?v={tenant.logo_sha256[:16]}" if tenant.logo_sha256 else None
            ),
            signed_in=page.caller is not None,
            switcher=_switcher(page),
            here=page.request.url.path,
            url=page.url,
            nonce=nonce,
            _=page.say,
            number=lambda n: texts.format_number(n, language),
            day=lambda moment: texts.format_date(
                moment.date() if isinstance(moment, datetime) else moment, language
            ),
            **context,
        )
    )
    return Response(
        html,
        status_code=status,
        media_type=MediaType.HTML,
        headers=_headers(nonce, language),
        cookies=page.cookies,
    )


def redirect(page: PageContext, path: str) -> Response[str]:
    """303 to a path of this site (the page's cookies set on the way)."""
    return Response(
        "",
        status_code=303,
        headers={"Location": path, "Cache-Control": "no-store"},
        cookies=page.cookies,
    )


def invalid_message(page: PageContext, error: InvalidInput) -> str:
    """What the API says of a value it refuses (its field and reason), the reason in the
    page's language where the catalogues have it."""
    return f"{error.field}: {page.api_reason(error.reason)}"


def retry_after(answer: Response[str], refused: TooManyRequests) -> Response[str]:
    answer.headers["Retry-After"] = str(max(1, int(refused.retry_after)))
    return answer


async def form_field(request: Request[Any, Any, Any], name: str) -> str:
    """A text field of the posted form, trimmed (empty when missing, a file or not a form)."""
    given = (await request.form()).get(name)
    return given.strip() if isinstance(given, str) else ""


def from_another_site(request: Request[Any, Any, Any]) -> bool:
    """Whether the browser says the form was sent from another site (one that would sign a
    citizen in as someone else). ``Sec-Fetch-Site`` decides when the browser sends it: only
    ``same-origin`` and ``none`` (typed, bookmarked) are taken, so not even another
    municipality's host under the same domain. An older browser's ``Origin`` must be this host
    (``null``, as from a sandboxed frame, is refused). Without either header (a client that is
    no browser) the form is taken."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.lower() not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False
    host = (request.headers.get("host") or "").lower()
    return origin == "null" or urlsplit(origin).netloc.lower() != host


def problem_page(page: PageContext, status: int, message: str) -> Response[str]:
    """A page saying what went wrong (``status``: 4xx, or 503 for a moment), with a way back
    to the front page."""
    titles: Mapping[int, Callable[[], str]] = {
        401: lambda: page.say("Not signed in"),
        403: lambda: page.say("Not accepted"),
        404: lambda: page.say("Page not found"),
        409: lambda: page.say("Already done"),
        429: lambda: page.say("Too many attempts"),
        503: lambda: page.say("Not there yet"),
    }
    title = titles.get(status, lambda: page.say("Something is missing or wrong"))()
    return render(page, "problem.html", status, title, message=message)


def not_found(page: PageContext) -> Response[str]:
    return problem_page(
        page, 404, page.say("There is no such page here. It may have been moved or removed.")
    )


HTML: Final = "text/html"
_ANSWERS: Final = ["application/problem+json", "application/json", HTML]


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """Whether the client asks for HTML before JSON (``Accept``): a browser's navigation
    (``text/html,...,*/*;q=0.8``) does, a client that wants JSON, sends ``*/*`` or no
    ``Accept`` at all does not (JSON comes first among equals)."""
    return request.accept.best_match(_ANSWERS) == HTML


_DIALOG_FORM = re.compile(r"/dialogs/(?P<id>[0-9A-Za-z-]{1,64})/.*", re.DOTALL)


def form_page(path: str) -> str:
    """The page a form's address (``path``, decoded: hostile) belongs to: a dialog's form's
    the dialog's page (its id only letters, digits and dashes, so nothing of the path but the
    id reaches the ``Location`` header), the sign-in's forms' the sign-in page, the person's
    own page's forms' that page, any other the front page."""
    found = _DIALOG_FORM.fullmatch(path)
    if found is not None:
        return f"/dialogs/{found.group('id')}"
    for page in ("/sign-in", "/me"):
        if path.startswith(f"{page}/"):
            return page
    return "/"


def visited_form_address(
    request: Request[Any, Any, Any], exc: MethodNotAllowedException
) -> Response[Any]:
    """A browser's visit (``GET``, HTML asked for) to a page form's own address, which takes
    only the form (a bookmark, a shared link, the address bar after a refused form): on to the
    page the form is on (303), kept in the language asked for. Anything else, and every path
    of the API, gets the 405 problem."""
    path = request.url.path
    if (
        request.method in ("GET", "HEAD")
        and path != "/api"
        and not path.startswith("/api/")
        and wants_page(request)
    ):
        target = form_page(path)
        asked = request.query_params.get("lang")
        if asked in texts.LANGUAGES:
            target = f"{target}?{urlencode({'lang': asked})}"
        return Response("", status_code=303, headers={"location": target})
    return http_problem(request, exc)


def forbidden_form(page: PageContext) -> Response[str]:
    return problem_page(
        page, 403, page.say("The form was sent from another site and was not accepted.")
    )


def widget_origin(tenant: TenantEntry, given: str | None) -> str | None:
    """The origin of a widget's page that opened the sign-in popup, when it is exactly one of
    the municipality's allowed origins (gateway/cors.py); any other is ignored."""
    if given and given in tenant.allowed_origins:
        return given
    return None


def _sign_in_page(
    page: PageContext,
    status: int,
    *,
    code: str = "",
    message: str | None = None,
    notice: str | None = None,
    email: str = "",
    next_path: str | None = None,
    origin: str | None = None,
    providers: list[str] | None = None,
) -> Response[str]:
    """The sign-in forms: with ``code`` (an e-mailed link's) one form holding it; without,
    the PIN form and the e-mail form; ``message`` says what went wrong, ``notice`` what went
    well."""
    return render(
        page,
        "sign_in.html",
        status,
        page.say("Sign in to {tenant}").format(tenant=page.tenant.name),
        code=code,
        message=message,
        notice=notice,
        email=email,
        next_path=next_path,
        widget_origin=origin,
        providers=providers or [],
    )


def _session_made(
    page: PageContext, request: Request[Any, Any, Any], issued: IssuedToken
) -> str | None:
    """The tokens made this browser's page session (its cookies on ``page``); the page the
    person came from, kept in this browser before signing in, is forgotten and returned."""
    page.cookies = session_cookies(request, issued)
    next_path = onward(request.cookies.get(NEXT_COOKIE))
    if next_path is not None:
        page.cookies.append(_cookie(request, NEXT_COOKIE, "", 0, samesite="lax"))
    return next_path


def _signed_in_page(
    page: PageContext,
    issued: IssuedToken,
    origin: str | None,
    *,
    invited: bool = False,
    invitation: dict[str, str] | None = None,
    onward: str | None = None,
) -> Response[str]:
    """The page saying the person is signed in: with JavaScript it keeps the token for the
    API in the tab (``sessionStorage``), and in a widget's popup hands it to the widget's page
    (``postMessage`` to that exact origin) and closes."""
    session: dict[str, str] = {"token": issued.token}
    if origin is not None:
        session["origin"] = origin
    return render(
        page,
        "signed_in.html",
        200,
        page.say("You are signed in"),
        session=session,
        widget=origin is not None,
        invited=invited,
        invitation=invitation,
        onward=onward,
    )


class PagesController(Controller):
    """Signing in and out on the municipality's pages."""

    path = "/"
    include_in_schema = False

    @get("/sign-in")
    async def sign_in_page(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        oidc: Injected[OidcSignIn],
        request: Request[Any, Any, Any],
        code: Annotated[str | None, QueryParameter(description="the e-mailed link's code")] = None,
        next_path: Annotated[str | None, QueryParameter(name="next")] = None,
        widget: Annotated[str | None, QueryParameter(name="widget_origin")] = None,
    ) -> Response[str]:
        """The page an e-mailed sign-in link opens: a form holding the link's code. Without a
        code (an invitation's link) the form asks for the invitation's PIN code, or an e-mail
        address to send a link to. ``next``: the page of this site to go on to."""
        page = await page_context(request, tenant, identity)
        providers = [] if code else await oidc.listed(tenant.tenant_id, None)
        return _sign_in_page(
            page,
            200,
            code=(code or "")[:MAX_CODE_LENGTH],
            next_path=onward(next_path),
            origin=widget_origin(tenant, widget),
            providers=[provider.name for provider in providers],
        )

    @post("/sign-in", status_code=200)
    async def sign_in(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        dialogs: Injected[DialogService],
        request: Request[Any, Any, Any],
    ) -> Response[str]:
        """The form's button: use the code (an e-mailed link's, or an invitation's PIN), give
        the browser its page session and go on to the page the person came from (303), or
        show that they are signed in (200); or the form again with why not: no code (400), a
        code used, expired or unknown (401), a form from another site (403), too many
        attempts (429, with Retry-After)."""
        page = await page_context(request, tenant, identity)
        if from_another_site(request):
            return _sign_in_page(
                page,
                403,
                message=page.say("The form was sent from another site and was not accepted."),
            )
        code = await form_field(request, "code")
        next_path = onward(await form_field(request, "next")) or onward(
            request.cookies.get(NEXT_COOKIE)
        )
        origin = widget_origin(tenant, await form_field(request, "widget_origin"))
        if not code or len(code) > MAX_CODE_LENGTH:
            return _sign_in_page(
                page,
                400,
                message=page.say("Enter the code from the sign-in link."),
                next_path=next_path,
                origin=origin,
            )
        pin = normalise_pin(code) != ""  # an invitation's PIN, else an e-mailed link's code
        client = client_address(request)
        invited_to: UUID | None = None
        try:
            if pin:
                issued, invited_to = await identity.redeem_invitation(
                    tenant.tenant_id, code, client
                )
            else:
                issued = await identity.redeem_link(tenant.tenant_id, code, client)
        except Unauthenticated:
            failed = (
                page.say(
                    "The PIN code does not work: it has been used already, has expired or is"
                    " not known. Check the code in your invitation."
                )
                if pin
                else page.say(
                    "The link does not work: it has been used already, has expired or is not"
                    " known. Each link works once, for 15 minutes. Ask for a new sign-in link."
                )
            )
            return _sign_in_page(
                page, 401, code=code, message=failed, next_path=next_path, origin=origin
            )
        except TooManyRequests as refused:
            return retry_after(
                _sign_in_page(
                    page,
                    429,
                    code=code,
                    message=page.say("Too many attempts. Wait a moment and try again."),
                    next_path=next_path,
                    origin=origin,
                ),
                refused,
            )
        page.cookies = [*session_cookies(request, issued)]
        if NEXT_COOKIE in request.cookies:
            page.cookies.append(_cookie(request, NEXT_COOKIE, "", 0, samesite="lax"))
        if origin is None and next_path is not None:
            return redirect(page, next_path)
        invitation = None
        if invited_to is not None:
            page.caller = await verified(edge_of(request.app.state), issued.token, tenant.tenant_id)
            try:
                dialog = await visible_dialog(dialogs, tenant.tenant_id, invited_to, page.caller)
            except NotFound:
                pass  # withdrawn meanwhile, or a draft still
            else:
                title = dialog.details.texts_in(page.language).title or dialog.details.title
                invitation = {"id": str(dialog.id), "title": title}
        return _signed_in_page(page, issued, origin, invited=pin, invitation=invitation)

    @post("/sign-in/email", status_code=200)
    async def request_link(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        request: Request[Any, Any, Any],
    ) -> Response[str]:
        """The e-mail form of the page without a code: e-mail a sign-in link (200, saying a
        link is on its way whether or not the address is known), or the form again with why
        not: not an address (400), a form from another site (403), too many (429). The page to
        go on to after signing in with the link is kept in this browser; in a widget's popup,
        the popup stays to hand the widget the token once the link signs in in this browser."""
        page = await page_context(request, tenant, identity)
        if from_another_site(request):
            return _sign_in_page(
                page,
                403,
                message=page.say("The form was sent from another site and was not accepted."),
            )
        email = await form_field(request, "email")
        next_path = onward(await form_field(request, "next"))
        origin = widget_origin(tenant, await form_field(request, "widget_origin"))
        bad = page.say("Enter a valid e-mail address.")
        if len(email) > MAX_EMAIL_LENGTH:
            return _sign_in_page(page, 400, message=bad, next_path=next_path, origin=origin)
        try:
            await identity.send_sign_in_link(tenant, email, client_address(request))
        except InvalidInput as refused:
            message = f"{bad} {invalid_message(page, refused)}"
            return _sign_in_page(
                page, 400, email=email, message=message, next_path=next_path, origin=origin
            )
        except TooManyRequests as refused:
            return retry_after(
                _sign_in_page(
                    page,
                    429,
                    email=email,
                    message=page.say("Too many attempts. Wait a moment and try again."),
                    next_path=next_path,
                    origin=origin,
                ),
                refused,
            )
        if next_path is not None:
            page.cookies.append(
                _cookie(request, NEXT_COOKIE, next_path, NEXT_LIFETIME, samesite="lax")
            )
        return _sign_in_page(
            page,
            200,
            origin=origin,
            notice=page.say(
                "If the address can receive e-mail, a sign-in link is on its way."
                " Open it within 15 minutes."
            ),
        )

    @get("/sign-in/oidc/callback")
    async def identity_provider_callback(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        oidc: Injected[OidcSignIn],
        request: Request[Any, Any, Any],
        code: Annotated[str | None, QueryParameter(max_length=2000)] = None,
        sign_in_state: Annotated[str | None, QueryParameter(name="state", max_length=200)] = None,
    ) -> Response[str]:
        """Where the municipality's identity provider sends the browser back (the redirect
        URI registered there). The browser that began the sign-in carries its cookie here too:
        the sign-in is finished here, as the API's ``finishOidcSignIn`` finishes it, the tokens
        made the page session, and a page says the person is signed in, with a link to the
        page they came from or the front page (200), no script needed. A sign-in that does not
        finish: 401 (403: no staff member has the provider's e-mail address; 429: too many;
        503: the provider did not answer), nothing made. A browser without the cookie (a
        sign-in begun before it was kept for this page) gets the page whose script passes the
        code and state to the API and hands the tokens to ``/sign-in/session``."""
        page = await page_context(request, tenant, identity)
        if (
            code
            and sign_in_state
            and any(n.startswith(BROWSER_COOKIE_PREFIX) for n in request.cookies)
        ):
            failed = page.say("Signing in did not work. Start again from the sign-in page.")
            try:
                issued = await oidc.finish(
                    tenant, code, sign_in_state, client_address(request), request.cookies
                )
            except Unauthenticated:
                return problem_page(page, 401, failed)
            except Forbidden:
                return problem_page(page, 403, failed)
            except TooManyRequests as refused:
                message = page.say("Too many attempts. Wait a moment and try again.")
                return retry_after(problem_page(page, 429, message), refused)
            except Unavailable:
                message = page.say(
                    "The municipality's identity provider did not answer. Start again from the"
                    " sign-in page in a moment."
                )
                return problem_page(page, 503, message)
            # The page says so rather than redirecting: the browser came from the provider's
            # site, and the session's SameSite=Strict cookie goes along from the next click on.
            next_path = _session_made(page, request, issued)
            page.caller = await verified(edge_of(request.app.state), issued.token, tenant.tenant_id)
            return _signed_in_page(page, issued, None, onward=next_path)
        return render(
            page,
            "oidc_callback.html",
            200,
            page.say("Signing in"),
            sign_in={"code": code or "", "state": sign_in_state or ""},
        )

    @post("/sign-in/session", status_code=303)
    async def page_session(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        request: Request[Any, Any, Any],
    ) -> Response[str]:
        """A token the API gave this browser (the identity provider's sign-in) made the page
        session: checked as the API checks it (this municipality's, not taken back), then on
        to the page the person came from, or the front page (303). A token that is no good:
        401, no session; a form from another site: 403."""
        page = await page_context(request, tenant, identity)
        if from_another_site(request):
            return forbidden_form(page)
        token = await form_field(request, "token")
        refresh = await form_field(request, "refresh_token")
        edge = edge_of(request.app.state)
        try:
            caller = await verified(edge, token, tenant.tenant_id)
            if caller.anonymous:
                raise Unauthenticated("a device's token is no person's session")
            if refresh:
                edge.tokens.verify(refresh, tenant.tenant_id, use=REFRESH)
        except (Unauthenticated, Forbidden):
            return problem_page(
                page,
                401,
                page.say("Signing in did not work. Start again from the sign-in page."),
            )
        issued = IssuedToken(
            token=token,
            person_id=caller.person_id,
            role=caller.role,
            expires_at=datetime.now(UTC) + timedelta(seconds=TOKEN_LIFETIME[caller.sign_in]),
            refresh_token=refresh or None,
        )
        next_path = _session_made(page, request, issued)
        return redirect(page, next_path or page.url("/"))

    @post("/sign-out", status_code=303)
    async def sign_out(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        request: Request[Any, Any, Any],
    ) -> Response[str]:
        """Sign out: every token of the person is taken back (on every device) and the page
        session's cookies are cleared; then to the front page."""
        page = await page_context(request, tenant, identity)
        if from_another_site(request):
            return forbidden_form(page)
        if page.caller is not None:
            await identity.sign_out(page.caller)
        page.cookies = cleared_cookies(request)
        page.caller = None
        return redirect(page, page.url("/"))
