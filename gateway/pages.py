"""The pages the gateway serves to citizens as HTML: the sign-in page that an e-mailed link
(``{public URL}/sign-in?code=...``) leads to, and an invitation's (``/sign-in``, where the
person types the PIN code from the invitation, or asks for a link by e-mail).

Pages are rendered on the server and work without JavaScript: the link's page shows a form
holding the code, and only pressing its button (a POST to the same address) uses the code, so
a mail scanner that opens links does not spend it. The answer says the person is signed in,
with the municipality's name and colours, in its default language (Swedish when the pages do
not speak it). With JavaScript, the signed-in page keeps the token for the API in the tab's
``sessionStorage`` under ``tinget.token`` (gone when the tab closes; never a cookie).

Everything shown is escaped (Jinja2 with autoescape); colours are used only when they are
``#RRGGBB``, with black or white text, whichever reads at 4.5:1 or more. The answers forbid
caching, framing and sending the address (with its code) as a Referer to another site, and a
strict Content-Security-Policy allows only the page's own inline style and script, by a nonce
made for each answer. A form sent from another site is refused. These routes are not part of
the API document.
"""

from __future__ import annotations

import re
import secrets
from functools import cache
from typing import Annotated, Any, Final
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from events.errors import InvalidInput, TooManyRequests, Unauthenticated
from gateway.auth import client_address
from gateway.edge import Injected
from services.identity.records import normalise_pin
from services.identity.service import IdentityService
from tenants.directory import TenantEntry

DEFAULT_LANGUAGE: Final = "sv"
MAX_CODE_LENGTH: Final = 200  # as the API's redeemSignInLink takes
MAX_EMAIL_LENGTH: Final = 254  # as the API's requestSignInLink takes

_TEXTS: Final[dict[str, dict[str, str]]] = {
    "sv": {
        "email_heading": "Ingen länk? Få en inloggningslänk via e-post",
        "email_label": "E-postadress",
        "email_submit": "Skicka länken",
        "sent": "Om adressen kan ta emot e-post är en inloggningslänk på väg."
        " Öppna den inom 15 minuter.",
        "bad_email": "Ange en giltig e-postadress.",
        "intro_pin": "Skriv in PIN-koden från din inbjudan och tryck på knappen.",
        "failed_pin": "PIN-koden fungerar inte: den har redan använts, har gått ut eller är okänd."
        " Kontrollera koden i din inbjudan.",
        "title": "Logga in hos {tenant}",
        "intro": "Tryck på knappen för att logga in med länken från ditt mejl.",
        "code_label": "Inloggningskod",
        "submit": "Logga in",
        "done_title": "Du är inloggad",
        "done": "Du är nu inloggad hos {tenant} och kan gå vidare till medborgardialogen.",
        "failed_title": "Inloggningen misslyckades",
        "failed": "Länken fungerar inte: den har redan använts, har gått ut eller är okänd."
        " Varje länk fungerar en gång, i 15 minuter. Be om en ny inloggningslänk.",
        "missing": "Ange koden från inloggningslänken.",
        "too_many": "För många försök. Vänta en stund och försök igen.",
        "forbidden": "Formuläret skickades från en annan webbplats och togs inte emot.",
    },
    "da": {
        "email_heading": "Intet link? Få et login-link på e-mail",
        "email_label": "E-mailadresse",
        "email_submit": "Send linket",
        "sent": "Hvis adressen kan modtage e-mail, er et login-link på vej."
        " Åbn det inden for 15 minutter.",
        "bad_email": "Angiv en gyldig e-mailadresse.",
        "intro_pin": "Skriv PIN-koden fra din invitation, og tryk på knappen.",
        "failed_pin": "PIN-koden virker ikke: den er allerede brugt, er udløbet eller er ukendt."
        " Kontrollér koden i din invitation.",
        "title": "Log ind hos {tenant}",
        "intro": "Tryk på knappen for at logge ind med linket fra din e-mail.",
        "code_label": "Loginkode",
        "submit": "Log ind",
        "done_title": "Du er logget ind",
        "done": "Du er nu logget ind hos {tenant} og kan fortsætte til borgerdialogen.",
        "failed_title": "Login mislykkedes",
        "failed": "Linket virker ikke: det er allerede brugt, er udløbet eller er ukendt."
        " Hvert link virker én gang, i 15 minutter. Bed om et nyt login-link.",
        "missing": "Angiv koden fra login-linket.",
        "too_many": "For mange forsøg. Vent lidt, og prøv igen.",
        "forbidden": "Formularen blev sendt fra et andet websted og blev ikke modtaget.",
    },
    "nb": {
        "email_heading": "Ingen lenke? Få en innloggingslenke på e-post",
        "email_label": "E-postadresse",
        "email_submit": "Send lenken",
        "sent": "Hvis adressen kan motta e-post, er en innloggingslenke på vei."
        " Åpne den innen 15 minutter.",
        "bad_email": "Skriv inn en gyldig e-postadresse.",
        "intro_pin": "Skriv inn PIN-koden fra invitasjonen din og trykk på knappen.",
        "failed_pin": "PIN-koden virker ikke: den er allerede brukt, har utløpt eller er ukjent."
        " Kontroller koden i invitasjonen din.",
        "title": "Logg inn hos {tenant}",
        "intro": "Trykk på knappen for å logge inn med lenken fra e-posten din.",
        "code_label": "Innloggingskode",
        "submit": "Logg inn",
        "done_title": "Du er logget inn",
        "done": "Du er nå logget inn hos {tenant} og kan gå videre til innbyggerdialogen.",
        "failed_title": "Innloggingen mislyktes",
        "failed": "Lenken virker ikke: den er allerede brukt, har utløpt eller er ukjent."
        " Hver lenke virker én gang, i 15 minutter. Be om en ny innloggingslenke.",
        "missing": "Skriv inn koden fra innloggingslenken.",
        "too_many": "For mange forsøk. Vent litt og prøv igjen.",
        "forbidden": "Skjemaet ble sendt fra et annet nettsted og ble ikke tatt imot.",
    },
    "fi": {
        "email_heading": "Ei linkkiä? Tilaa kirjautumislinkki sähköpostiin",
        "email_label": "Sähköpostiosoite",
        "email_submit": "Lähetä linkki",
        "sent": "Jos osoite voi vastaanottaa sähköpostia, kirjautumislinkki on matkalla."
        " Avaa se 15 minuutin kuluessa.",
        "bad_email": "Anna kelvollinen sähköpostiosoite.",
        "intro_pin": "Kirjoita kutsusi PIN-koodi ja paina painiketta.",
        "failed_pin": "PIN-koodi ei toimi: se on jo käytetty, vanhentunut tai tuntematon."
        " Tarkista kutsusi koodi.",
        "title": "Kirjaudu sisään: {tenant}",
        "intro": "Kirjaudu sisään sähköpostisi linkillä painamalla painiketta.",
        "code_label": "Kirjautumiskoodi",
        "submit": "Kirjaudu sisään",
        "done_title": "Olet kirjautunut sisään",
        "done": "Olet nyt kirjautunut palveluun {tenant} ja voit jatkaa asukasvuoropuheluun.",
        "failed_title": "Kirjautuminen epäonnistui",
        "failed": "Linkki ei toimi: se on jo käytetty, vanhentunut tai tuntematon. Jokainen"
        " linkki toimii kerran, 15 minuutin ajan. Pyydä uusi kirjautumislinkki.",
        "missing": "Anna kirjautumislinkin koodi.",
        "too_many": "Liian monta yritystä. Odota hetki ja yritä uudelleen.",
        "forbidden": "Lomake lähetettiin toiselta sivustolta, eikä sitä otettu vastaan.",
    },
    "en": {
        "email_heading": "No link? Get a sign-in link by e-mail",
        "email_label": "E-mail address",
        "email_submit": "Send the link",
        "sent": "If the address can receive e-mail, a sign-in link is on its way."
        " Open it within 15 minutes.",
        "bad_email": "Enter a valid e-mail address.",
        "intro_pin": "Enter the PIN code from your invitation and press the button.",
        "failed_pin": "The PIN code does not work: it has been used already, has expired or"
        " is not known. Check the code in your invitation.",
        "title": "Sign in to {tenant}",
        "intro": "Press the button to sign in with the link from your e-mail.",
        "code_label": "Sign-in code",
        "submit": "Sign in",
        "done_title": "You are signed in",
        "done": "You are now signed in to {tenant} and can go on to the citizen dialogue.",
        "failed_title": "Signing in did not work",
        "failed": "The link does not work: it has been used already, has expired or is not"
        " known. Each link works once, for 15 minutes. Ask for a new sign-in link.",
        "missing": "Enter the code from the sign-in link.",
        "too_many": "Too many attempts. Wait a moment and try again.",
        "forbidden": "The form was sent from another site and was not accepted.",
    },
}


def page_language(language: str) -> str:
    """The page language for a municipality's ``language`` (``sv`` for ``sv-FI``; Swedish
    for one the pages do not speak)."""
    primary = language.split("-")[0].lower()
    return primary if primary in _TEXTS else DEFAULT_LANGUAGE


def page_texts(language: str, tenant: str) -> dict[str, str]:
    """Every text of the pages in ``language``, the municipality's name filled in as plain
    text (the template escapes it)."""
    texts = _TEXTS[page_language(language)]
    return {key: text.replace("{tenant}", tenant) for key, text in texts.items()}


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


def _page(
    tenant: TenantEntry,
    status: int,
    *,
    code: str = "",
    message: str | None = None,
    notice: str | None = None,
    email: str = "",
    token: str | None = None,
) -> Response[str]:
    """The sign-in page: the forms (with ``code``, ``email``, an optional ``message`` of what
    went wrong and ``notice`` of what went well), or, with a ``token``, the signed-in page that
    keeps it for the API."""
    nonce = secrets.token_urlsafe(18)
    language = page_language(tenant.default_language)
    html = (
        _environment()
        .get_template("sign_in.html")
        .render(
            language=language,
            tenant_name=tenant.name,
            text=page_texts(language, tenant.name),
            colours=page_colours(tenant),
            code=code,
            message=message,
            notice=notice,
            email=email,
            token=token,
            nonce=nonce,
        )
    )
    return Response(
        html,
        status_code=status,
        media_type=MediaType.HTML,
        headers={
            "Content-Security-Policy": (
                f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}';"
                " img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
            ),
            "Cache-Control": "no-store",
            "Referrer-Policy": "same-origin",
            "X-Content-Type-Options": "nosniff",
            "Content-Language": language,
        },
    )


def _retry_after(answer: Response[str], refused: TooManyRequests) -> Response[str]:
    answer.headers["Retry-After"] = str(max(1, int(refused.retry_after)))
    return answer


async def _field(request: Request[Any, Any, Any], name: str) -> str:
    """A text field of the posted form, trimmed (empty when missing, a file or not a form)."""
    given = (await request.form()).get(name)
    return given.strip() if isinstance(given, str) else ""


def _from_another_site(request: Request[Any, Any, Any]) -> bool:
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


class PagesController(Controller):
    """The citizens' pages, as HTML on the municipality's own host."""

    path = "/"
    include_in_schema = False

    @get("/sign-in", sync_to_thread=False)
    def sign_in_page(
        self,
        tenant: NamedDependency[TenantEntry],
        code: Annotated[str | None, QueryParameter(description="the e-mailed link's code")] = None,
    ) -> Response[str]:
        """The page an e-mailed sign-in link opens: a form holding the link's code. Without a
        code (an invitation's link) the form asks for the invitation's PIN code."""
        return _page(tenant, 200, code=(code or "")[:MAX_CODE_LENGTH])

    @post("/sign-in", status_code=200)
    async def sign_in(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        request: Request[Any, Any, Any],
    ) -> Response[str]:
        """The form's button: use the code (an e-mailed link's, or an invitation's PIN) and
        show that the person is signed in (200), or the form again with why not: no code
        (400), a code used, expired or unknown (401), a form from another site (403), too
        many attempts (429, with Retry-After)."""
        texts = page_texts(tenant.default_language, tenant.name)
        if _from_another_site(request):
            return _page(tenant, 403, message=texts["forbidden"])
        code = await _field(request, "code")
        if not code or len(code) > MAX_CODE_LENGTH:
            return _page(tenant, 400, message=texts["missing"])
        pin = normalise_pin(code) != ""  # an invitation's PIN, else an e-mailed link's code
        client = client_address(request)
        try:
            if pin:
                issued = await identity.redeem_pin(tenant.tenant_id, code, client)
            else:
                issued = await identity.redeem_link(tenant.tenant_id, code, client)
        except Unauthenticated:
            return _page(tenant, 401, code=code, message=texts["failed_pin" if pin else "failed"])
        except TooManyRequests as refused:
            return _retry_after(_page(tenant, 429, code=code, message=texts["too_many"]), refused)
        return _page(tenant, 200, token=issued.token)

    @post("/sign-in/email", status_code=200)
    async def request_link(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        request: Request[Any, Any, Any],
    ) -> Response[str]:
        """The e-mail form of the page without a code: e-mail a sign-in link (200, saying a
        link is on its way whether or not the address is known), or the form again with why
        not: not an address (400), a form from another site (403), too many (429)."""
        texts = page_texts(tenant.default_language, tenant.name)
        if _from_another_site(request):
            return _page(tenant, 403, message=texts["forbidden"])
        email = await _field(request, "email")
        if len(email) > MAX_EMAIL_LENGTH:
            return _page(tenant, 400, message=texts["bad_email"])
        try:
            await identity.send_sign_in_link(tenant, email, client_address(request))
        except InvalidInput:
            return _page(tenant, 400, email=email, message=texts["bad_email"])
        except TooManyRequests as refused:
            return _retry_after(_page(tenant, 429, email=email, message=texts["too_many"]), refused)
        return _page(tenant, 200, notice=texts["sent"])
