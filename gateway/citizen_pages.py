"""The citizens' pages beside sign-in (gateway/pages.py, which describes what every page
shares: language, layout, page session, forms): the front page, a dialog's page (supporting
a proposal or signing a petition with a form), the person's own page (their posts,
notifications, notification preferences, data export and erasure), the unsubscribe link's
confirmation, and a 404 page for what is not there.

Every page reads what the API's reads read and refuses what the API refuses, with the same
field and reason: a dialog another municipality holds, a draft, or an invite-only dialog the
person was not invited to is a 404 page here as it is a 404 there. A form's write goes through
the same service call as the API's, and the page that shows its outcome is served only once
the read models have applied it (the position the write reached, as ``Tinget-Min-Position``
waits for), so a citizen who supports a proposal sees it counted.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Final
from uuid import UUID

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.types import Method

from events.errors import Conflict, Forbidden, InvalidInput, NotFound
from events.positions import written_position
from events.texts import N_
from gateway.auth import tenant_of_host
from gateway.dialogs import visible_dialog
from gateway.edge import Injected, edge_of
from gateway.pages import (
    PageContext,
    cleared_cookies,
    excerpt,
    forbidden_form,
    form_field,
    from_another_site,
    invalid_message,
    not_found,
    page_context,
    problem_page,
    redirect,
    render,
    wants_page,
)
from gateway.pagination import decode_cursor, encode_cursor
from gateway.polls import results_of
from gateway.views import (
    DialogView,
    PostView,
    dialog_row_view,
    dialog_view,
    in_language,
    main_text_languages,
    post_row_view,
)
from services.dialogs.domain import Dialog
from services.dialogs.kinds import Endorsement, post_rules
from services.dialogs.listing import DialogQueries
from services.dialogs.service import DialogService, utc_now
from services.identity.access import event_metadata
from services.identity.service import IdentityService
from services.notifications import unsubscribe
from services.notifications.kinds import NOTIFYING, Digest, notifying_kind
from services.notifications.service import NotificationService, Preference, Preferences
from services.participation.commands import CastVote
from services.participation.decision_listing import DecisionQueries
from services.participation.post_listing import PostQueries
from services.participation.service import ParticipationService
from services.participation.tallies import TallyQueries
from tenants.directory import TenantEntry

# What keeps each page under 100 KB whatever the texts' lengths: the newest few of a list, and
# long texts cut (a post's body may be 10 000 characters, a results summary 20 000).
MAX_POSTS: Final = 20  # the newest posts a dialog's page shows
MAX_DECISIONS: Final = 5
MAX_DIALOGS: Final = 100  # the newest dialogs the front page looks through
MAX_LISTED: Final = 30  # open dialogs on the front page
MAX_FINISHED: Final = 10  # dialogs with results on the front page
MAX_MY_POSTS: Final = 20
POST_TEXT: Final = 800  # characters of a post's body shown
ANSWER_TEXT: Final = 600
DECISION_TEXT: Final = 1000
SUMMARY_TEXT: Final = 4000
CARD_TEXT: Final = 300  # a dialog's purpose or summary in a list
MAX_TOKEN_LENGTH: Final = 500  # as unsubscribe.verify takes
MAX_CURSOR_LENGTH: Final = 200  # as the API's cursors are taken
BAD_BEFORE: Final = N_("is not a link to older posts that this site gave out")
"""Why a dialog's page refuses its ``before`` (catalogued without a context, as the reasons
of the services are, so ``PageContext.api_reason`` says it in the page's language)."""


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def _sign_in_first(page: PageContext, back_to: str) -> Response[str]:
    return redirect(page, page.url("/sign-in", next=back_to))


def status_label(page: PageContext, status: str) -> str:
    labels = {
        "draft": page.say("Draft"),
        "scheduled": page.say("Opens soon"),
        "open": page.say("Open"),
        "closed": page.say("Closed"),
        "results-published": page.say("Results published"),
    }
    return labels.get(status, status)


def answer_label(page: PageContext, state: str) -> str:
    labels = {
        "received": page.say("Received"),
        "under-consideration": page.say("Under consideration"),
        "accepted": page.say("Accepted"),
        "partly-accepted": page.say("Partly accepted"),
        "rejected": page.say("Rejected"),
        "implemented": page.say("Implemented"),
    }
    return labels.get(state, state)


def how_to_take_part(page: PageContext, kind: str) -> str:
    """What a person does in a dialog of ``kind``, in a sentence."""
    ways = {
        "proposals": page.say(
            "Read the proposals and support the ones you agree with: sign in, then press"
            " Support. Each person supports a proposal once."
        ),
        "petition": page.say(
            "Read the petitions and sign the ones you agree with: sign in, then press Sign."
            " Each person signs a petition once."
        ),
        "poll": page.say(
            "Answer the question with one ballot per person; the results are shown here."
        ),
        "vox-pop": page.say("Answer yes or no; the results are shown here as they come in."),
        "problem-reports": page.say(
            "Report a problem with its place; the municipality tells you how it moves along."
        ),
        "discussion": page.say("Take part in the discussion and comment on what others wrote."),
        "suggestion-box": page.say("Leave a suggestion for the municipality."),
        "survey": page.say("Answer the questionnaire; each person answers once."),
        "statements": page.say("Say whether you agree or disagree with each statement, or pass."),
    }
    return ways.get(kind, "")


def notification_kind_label(page: PageContext, kind: str) -> str:
    labels = {
        "report-status": page.say("A problem you reported moved along"),
        "threshold-reached": page.say("A post reached its goal"),
        "badge-earned": page.say("You earned a badge"),
        "level-reached": page.say("You reached a new level"),
        "moderation-decision": page.say("A moderator's decision about your post"),
        "dialog-results": page.say("The results of a dialog you took part in"),
        "post-answered": page.say("The municipality answered a post you are behind"),
        "report-back-due": page.say("A dialog is due to report back"),
        "decision-recorded": page.say("A committee decided on a post you are behind"),
        "post-merged": page.say("A post you are behind was merged with another"),
        "panel-round": page.say("A survey for your panel"),
        "panel-round-reminder": page.say("A reminder of your panel's survey"),
        "project-updated": page.say("A budget project you follow has news"),
    }
    return labels.get(kind, kind)


class DialogItem(msgspec.Struct, kw_only=True):
    """A dialog in a list of the front page, its status in words."""

    view: DialogView
    status: str
    # the texts shown in the municipality's default language, not the page's: field -> language
    langs: dict[str, str] = msgspec.field(default_factory=dict)


class PostItem(msgspec.Struct, kw_only=True):
    """A post on a dialog's page: what it gathers (supports or signatures) and its answer."""

    view: PostView
    endorsement: str | None
    answer: str | None


def posts_before(given: str | None) -> tuple[datetime, UUID] | None:
    """The ``before`` of a dialog's page (the link to its older posts: the last post the page
    before showed), or None for its newest posts; one the pages did not give out is
    ``InvalidInput`` naming ``before``."""
    if not given:
        return None
    try:
        found = None if len(given) > MAX_CURSOR_LENGTH else decode_cursor(given)
        # the pages give out a post's time in UTC: a time without a zone, or one beyond what
        # the database holds once in UTC, is none of theirs
        if found is None or found[0].tzinfo is None:
            raise InvalidInput("before", BAD_BEFORE)
        return found[0].astimezone(UTC), found[1]
    except (InvalidInput, OverflowError):
        raise InvalidInput("before", BAD_BEFORE) from None


async def _dialog_page(
    page: PageContext,
    dialogs: DialogService,
    dialog_queries: DialogQueries,
    post_queries: PostQueries,
    tally_queries: TallyQueries,
    decision_queries: DecisionQueries,
    dialog_id: UUID,
    status: int = 200,
    message: str | None = None,
    notice: str | None = None,
    before: str | None = None,
) -> Response[str]:
    """A dialog's page; its posts the ``MAX_POSTS`` newest, or those older than ``before``
    (a cursor ``posts_before`` took: the page of its older posts), with a link to the next
    older ones while there are more."""
    tenant_id = page.tenant.tenant_id
    try:
        dialog = await visible_dialog(dialogs, tenant_id, dialog_id, page.caller)
    except NotFound:
        return not_found(page)
    now = utc_now()
    view = dialog_view(dialog, now, await dialog_queries.counts(tenant_id, dialog_id))
    langs = main_text_languages(view, page.language, page.tenant.default_language)
    view = in_language(view, page.language)
    rows = await post_queries.posts(tenant_id, dialog_id, posts_before(before), MAX_POSTS + 1)
    older = None
    if len(rows) > MAX_POSTS:
        rows = rows[:MAX_POSTS]
        older = encode_cursor(rows[-1]["created_at"], rows[-1]["post_id"])
    reader = None if page.caller is None else page.caller.person_id
    posts = []
    for row in rows:
        post = post_row_view(row, reader)
        post.body = excerpt(post.body, POST_TEXT) or ""
        if post.answer is not None:
            post.answer.text = excerpt(post.answer.text, ANSWER_TEXT) or ""
        endorsement = post_rules(post.kind).endorsement
        posts.append(
            PostItem(
                view=post,
                endorsement=None if endorsement is None else endorsement.value,
                answer=None if post.answer is None else answer_label(page, post.answer.state),
            )
        )
    poll = None
    if dialog.policy.ballots:
        poll = results_of(dialog, await tally_queries.counts(tenant_id, dialog_id), page.language)
    many = dialog.details.settings.max_choices > 1 and not dialog.policy.single_choice
    decisions = [
        {**dict(row), "text": excerpt(row["text"], DECISION_TEXT)}
        for row in (await decision_queries.answering(tenant_id, dialog_id))[:MAX_DECISIONS]
    ]
    view.results_summary = excerpt(view.results_summary, SUMMARY_TEXT)
    return render(
        page,
        "dialog.html",
        status,
        view.title,
        dialog=view,
        langs=langs,
        status_label=status_label(page, view.status),
        taking_part=how_to_take_part(page, view.kind),
        is_open=view.status == "open",
        posts=posts,
        more_posts=view.posts > len(posts),
        older_posts=None if older is None else page.url(f"/dialogs/{dialog.id}", before=older),
        newest_posts=None if before is None else page.url(f"/dialogs/{dialog.id}"),
        # the forms of a page of older posts lead back to it
        form_query={} if before is None else {"before": before},
        support=Endorsement.SUPPORT.value,
        signature=Endorsement.SIGNATURE.value,
        poll=poll,
        many_choices=many,
        decisions=decisions,
        message=message,
        notice=notice,
    )


def _card(page: PageContext, view: DialogView) -> DialogItem:
    """A dialog as a list shows it, in the page's language: its purpose and results summary
    cut short, its status in words."""
    langs = main_text_languages(view, page.language, page.tenant.default_language)
    view = in_language(view, page.language)
    view.purpose = excerpt(view.purpose, CARD_TEXT) or ""
    view.results_summary = excerpt(view.results_summary, CARD_TEXT)
    return DialogItem(view=view, status=status_label(page, view.status), langs=langs)


async def _front_page(
    page: PageContext, dialogs: DialogService, dialog_queries: DialogQueries
) -> Response[str]:
    tenant = page.tenant
    caller = page.caller
    now = utc_now()
    rows = await dialog_queries.page(
        tenant.tenant_id,
        drafts=False,
        signed_in=caller is not None,
        kind=None,
        committee=None,
        after=None,
        limit=MAX_DIALOGS,
    )
    listed: list[DialogItem] = []
    for row in rows:
        if row["access"] == "invited" and not await dialogs.admitted(caller, row["dialog_id"]):
            continue
        listed.append(_card(page, dialog_row_view(row, now)))
    by_committee: dict[str, list[DialogItem]] = {}
    current = [i for i in listed if i.view.status in ("open", "scheduled")][:MAX_LISTED]
    for item in current:
        by_committee.setdefault(item.view.committee or "", []).append(item)
    finished = [i for i in listed if i.view.status in ("results-published", "closed")]
    finished.sort(key=lambda i: i.view.status != "results-published")
    finished = finished[:MAX_FINISHED]
    featured: list[DialogItem] = []
    for given in tenant.featured_dialogs:
        dialog_id = _uuid(given)
        if dialog_id is None:
            continue
        try:
            dialog: Dialog = await visible_dialog(dialogs, tenant.tenant_id, dialog_id, caller)
        except NotFound:
            continue
        featured.append(_card(page, dialog_view(dialog, now)))
    welcome = [part.strip() for part in (tenant.welcome_text or "").split("\n\n") if part.strip()]
    return render(
        page,
        "front.html",
        200,
        page.say("Citizen dialogue"),
        sections=list(tenant.front_page),
        welcome=welcome,
        hero_url=(
            f"/api/v1/branding/assets/{tenant.hero_image_sha256}"
            if tenant.hero_image_sha256
            else None
        ),
        featured=featured,
        committees=sorted(by_committee.items(), key=lambda item: (item[0] == "", item[0])),
        finished=finished,
    )


UNKNOWN_PATHS: Final = [
    "/{unknown:path}",
    "/dialogs",
    "/dialogs/{dialog_id:str}/{rest:path}",
    "/dialogs/{dialog_id:str}/posts",
    "/dialogs/{dialog_id:str}/posts/{post_id:str}",
    "/dialogs/{dialog_id:str}/posts/{post_id:str}/{endorsement:str}/{rest:path}",
]
"""Where a path no route has ends up, so a browser gets the 404 page rather than a JSON
problem: everything beside the routes, under ``/`` and under a dialog's page. The router
does not step back from a path it has begun to follow, so ``/dialogs``, what is below a
dialog's page and what is on the way to its forms' addresses are named beside ``/``;
``/api/...`` follows the API's own routes and never gets here. A form's own address
(``.../votes``, ``.../posts/{id}/support``) is no unknown path: a browser's ``GET`` there goes
on to the form's page (``visited_form_address`` in gateway/pages.py), anyone else's is a 405."""
ANY_METHOD: Final[list[HttpMethod | Method]] = [
    HttpMethod.GET,
    HttpMethod.HEAD,
    HttpMethod.POST,
    HttpMethod.PUT,
    HttpMethod.PATCH,
    HttpMethod.DELETE,
    HttpMethod.OPTIONS,  # its own, or litestar would answer 204 for a path that is not there
]


class CitizenPagesController(Controller):
    """The municipality's pages for citizens (HTML; not part of the API document)."""

    path = "/"
    include_in_schema = False

    @route(UNKNOWN_PATHS, http_method=ANY_METHOD)
    async def unknown_path(
        self, identity: Injected[IdentityService], request: Request[Any, Any, Any]
    ) -> Response[str]:
        """A path no page has: for a browser (``Accept`` asks for HTML first, ``GET``), the
        404 page in the municipality's branding and language with a link to the front page;
        for anyone else, and for any path of the API, the 404 problem the router gives. An
        unknown host is refused as everywhere (its tenant is resolved for the page only)."""
        path = request.url.path
        if (
            request.method not in ("GET", "HEAD")
            or path == "/api"
            or path.startswith("/api/")
            or not wants_page(request)
        ):
            raise NotFoundException()
        tenant = await tenant_of_host(request.app.state, request.headers.get("host"))
        return not_found(await page_context(request, tenant, identity))

    @get("/")
    async def front(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        dialogs: Injected[DialogService],
        dialog_queries: Injected[DialogQueries],
        request: Request[Any, Any, Any],
    ) -> Response[str]:
        """The front page: the sections the municipality chose, in its order."""
        page = await page_context(request, tenant, identity)
        return await _front_page(page, dialogs, dialog_queries)

    @get("/dialogs/{dialog_id:str}")
    async def dialog(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        dialogs: Injected[DialogService],
        dialog_queries: Injected[DialogQueries],
        post_queries: Injected[PostQueries],
        tally_queries: Injected[TallyQueries],
        decision_queries: Injected[DecisionQueries],
        request: Request[Any, Any, Any],
        dialog_id: FromPath[str],
    ) -> Response[str]:
        """A dialog's page: purpose, instructions, status, how to take part, a poll's
        results, the posts with their supports and official answers, and the decisions.
        Its posts are the 20 newest, with a link to the older ones (``?before=``, naming the
        last post shown); a ``before`` the page did not give out is a 400 page naming it."""
        page = await page_context(request, tenant, identity)
        parsed = _uuid(dialog_id)
        if parsed is None:
            return not_found(page)
        before = request.query_params.get("before") or None
        try:
            posts_before(before)
        except InvalidInput as refused:
            return await _dialog_page(
                page,
                dialogs,
                dialog_queries,
                post_queries,
                tally_queries,
                decision_queries,
                parsed,
                status=400,
                message=invalid_message(page, refused),
            )
        done = request.query_params.get("done")
        notice = {
            "support": page.say("Thank you: your support is counted."),
            "signature": page.say("Thank you: your signature is counted."),
            "vote": page.say("Thank you: your vote is counted."),
        }.get(done or "")
        return await _dialog_page(
            page,
            dialogs,
            dialog_queries,
            post_queries,
            tally_queries,
            decision_queries,
            parsed,
            notice=notice,
            before=before,
        )

    @post("/dialogs/{dialog_id:str}/posts/{post_id:str}/{endorsement:str}", status_code=303)
    async def endorse(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        dialogs: Injected[DialogService],
        dialog_queries: Injected[DialogQueries],
        post_queries: Injected[PostQueries],
        tally_queries: Injected[TallyQueries],
        decision_queries: Injected[DecisionQueries],
        participation: Injected[ParticipationService],
        request: Request[Any, Any, Any],
        dialog_id: FromPath[str],
        post_id: FromPath[str],
        endorsement: FromPath[str],
    ) -> Response[str]:
        """The Support (``.../support``) or Sign (``.../signature``) button of a post: done,
        then back to the dialog's page once it shows it (303); not signed in: to sign-in and
        back. Refused as the API refuses it (409 done already, 403, 404), with the page."""
        page = await page_context(request, tenant, identity)
        if from_another_site(request):
            return forbidden_form(page)
        parsed_dialog, parsed_post = _uuid(dialog_id), _uuid(post_id)
        if (
            parsed_dialog is None
            or parsed_post is None
            or endorsement not in ("support", "signature")
        ):
            return not_found(page)
        back = f"/dialogs/{parsed_dialog}"
        caller = page.caller
        if caller is None:
            return _sign_in_first(page, back)
        row = await post_queries.row(tenant.tenant_id, parsed_post)
        if row is None or row["dialog_id"] != parsed_dialog:
            return not_found(page)

        async def write() -> None:
            if endorsement == "support":
                await participation.support(caller, parsed_post)
            else:
                await participation.sign(caller, parsed_post)

        # the button of a page of older posts leads back to that page
        before = request.query_params.get("before") or None
        try:
            posts_before(before)
        except InvalidInput:
            before = None
        again = functools.partial(
            _dialog_page,
            page,
            dialogs,
            dialog_queries,
            post_queries,
            tally_queries,
            decision_queries,
            parsed_dialog,
            before=before,
        )
        kept = {} if before is None else {"before": before}
        done = page.url(back, done=endorsement, **kept) + f"#post-{parsed_post}"
        return await _written(page, request, write, again, done)

    @post("/dialogs/{dialog_id:str}/votes", status_code=303)
    async def vote(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        dialogs: Injected[DialogService],
        dialog_queries: Injected[DialogQueries],
        post_queries: Injected[PostQueries],
        tally_queries: Injected[TallyQueries],
        decision_queries: Injected[DecisionQueries],
        participation: Injected[ParticipationService],
        request: Request[Any, Any, Any],
        dialog_id: FromPath[str],
    ) -> Response[str]:
        """A poll's or vox pop's ballot form (``choice``, once per option chosen): cast, as
        the API casts it (one ballot per person, naming no voter), then back to the page once
        its results count it (303). Refused as the API refuses it: no or an unknown choice
        (422), a second ballot or a closed poll (409), with the page."""
        page = await page_context(request, tenant, identity)
        if from_another_site(request):
            return forbidden_form(page)
        parsed = _uuid(dialog_id)
        if parsed is None:
            return not_found(page)
        back = f"/dialogs/{parsed}"
        caller = page.caller
        if caller is None:
            return _sign_in_first(page, back)
        form = await request.form()
        choices = (
            [c for c in form.getall("choice") if isinstance(c, str)] if "choice" in form else []
        )

        async def write() -> None:
            if not choices:
                raise InvalidInput("choices", "must hold at least one choice")
            await participation.vote(caller, parsed, CastVote(choices=choices[:20]))

        again = functools.partial(
            _dialog_page,
            page,
            dialogs,
            dialog_queries,
            post_queries,
            tally_queries,
            decision_queries,
            parsed,
        )
        return await _written(page, request, write, again, page.url(back, done="vote") + "#results")

    @get("/me")
    async def me(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        notifications: Injected[NotificationService],
        request: Request[Any, Any, Any],
    ) -> Response[str]:
        """The person's own page: their posts, their notifications, their notification
        preferences (a form), their data to download and the way to erasure."""
        page = await page_context(request, tenant, identity)
        if page.caller is None:
            return _sign_in_first(page, "/me")
        return await _my_page(page, identity, notifications)

    @post("/me/preferences", status_code=303)
    async def set_preferences(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        notifications: Injected[NotificationService],
        request: Request[Any, Any, Any],
    ) -> Response[str]:
        """The preferences form: for each kind listed, e-mail and in-app on or off and e-mail
        at once or daily (push stays as it is); then back to the page (303). A kind or a
        choice the API refuses: the page again (422) with its field and reason, nothing
        changed."""
        page = await page_context(request, tenant, identity)
        if from_another_site(request):
            return forbidden_form(page)
        if page.caller is None:
            return _sign_in_first(page, "/me")
        form = await request.form()
        kinds = [k for k in form.getall("kind") if isinstance(k, str)] if "kind" in form else []
        current = {p.kind: p for p in await notifications.preferences(page.caller)}
        try:
            wanted = []
            for i, kind in enumerate(kinds[:50]):
                digest = form.get(f"digest:{kind}", Digest.IMMEDIATE.value)
                if digest not in (Digest.IMMEDIATE.value, Digest.DAILY.value):
                    raise InvalidInput(
                        f"preferences[{i}].digest",
                        f"must be one of {Digest.IMMEDIATE.value}, {Digest.DAILY.value}",
                    )
                kept = current.get(kind)
                wanted.append(
                    Preference(
                        kind=kind[:40],
                        email=f"email:{kind}" in form,
                        in_app=f"in_app:{kind}" in form,
                        push=True if kept is None else kept.push,
                        digest=Digest(digest),
                    )
                )
            await notifications.set_preferences(page.caller, Preferences(preferences=wanted))
        except InvalidInput as refused:
            return await _my_page(
                page, identity, notifications, 422, invalid_message(page, refused)
            )
        return redirect(page, page.url("/me", saved="1"))

    @get("/me/data")
    async def my_data(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        request: Request[Any, Any, Any],
    ) -> Response[Any]:
        """Everything held about the person, as a JSON file to download (as getMyData)."""
        page = await page_context(request, tenant, identity)
        if page.caller is None:
            return _sign_in_first(page, "/me")
        data = await identity.personal_data(page.caller, page.caller.person_id)
        return Response(
            msgspec.json.encode(data),
            media_type=MediaType.JSON,
            headers={
                "Content-Disposition": 'attachment; filename="my-data.json"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
            cookies=page.cookies,
        )

    @get("/me/erasure")
    async def erasure_page(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        request: Request[Any, Any, Any],
    ) -> Response[str]:
        """The erasure's confirm step: what erasure does, and a button to go ahead."""
        page = await page_context(request, tenant, identity)
        if page.caller is None:
            return _sign_in_first(page, "/me/erasure")
        return render(
            page, "erasure.html", 200, page.say("Erase my data"), done=False, message=None
        )

    @post("/me/erasure", status_code=200)
    async def erase(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        request: Request[Any, Any, Any],
    ) -> Response[str]:
        """Erase the person, when the confirm box is ticked (else 422 and nothing done): as an
        administrator's erasure does, their address and name go, their tokens are taken back
        and what they wrote reads as erased. The page session ends. Not for staff (403): an
        administrator erases them, and keeps the municipality's last administrator."""
        page = await page_context(request, tenant, identity)
        if from_another_site(request):
            return forbidden_form(page)
        if page.caller is None:
            return _sign_in_first(page, "/me/erasure")
        if await form_field(request, "confirm") != "yes":
            message = invalid_message(page, InvalidInput("confirm", "must be ticked to go ahead"))
            return render(
                page, "erasure.html", 422, page.say("Erase my data"), done=False, message=message
            )
        caller = page.caller
        if caller.staff:  # the municipality's staff are erased by an administrator (the API)
            return problem_page(
                page,
                403,
                page.say(
                    "The municipality's staff are erased by an administrator, not on this page."
                ),
            )
        await identity.erase_person(tenant.tenant_id, caller.person_id, event_metadata(caller))
        page.cookies = cleared_cookies(request)
        page.caller = None
        return render(
            page, "erasure.html", 200, page.say("Your data is erased"), done=True, message=None
        )

    @get("/unsubscribe")
    async def unsubscribe_page(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        notifications: Injected[NotificationService],
        request: Request[Any, Any, Any],
        token: Annotated[
            str | None, QueryParameter(description="the e-mail's link's token")
        ] = None,
    ) -> Response[str]:
        """The page an e-mail's unsubscribe link opens: which e-mails it stops, and a button
        (opening the page stops nothing, so a mail scanner that follows links does not)."""
        page = await page_context(request, tenant, identity)
        given = (token or "")[:MAX_TOKEN_LENGTH]
        try:
            kinds = unsubscribe_kinds(notifications, tenant.tenant_id, given)
        except InvalidInput as refused:
            return _unsubscribe_page(page, 400, given, [], invalid_message(page, refused), False)
        return _unsubscribe_page(page, 200, given, kinds, None, False)

    @post("/unsubscribe", status_code=200)
    async def unsubscribe(
        self,
        tenant: NamedDependency[TenantEntry],
        identity: Injected[IdentityService],
        notifications: Injected[NotificationService],
        request: Request[Any, Any, Any],
    ) -> Response[str]:
        """The page's button: those e-mails stop (as the one-click POST of RFC 8058 to the
        API's address does); a token this municipality did not sign: 400, nothing changed."""
        page = await page_context(request, tenant, identity)
        if from_another_site(request):
            return forbidden_form(page)
        given = (await form_field(request, "token"))[:MAX_TOKEN_LENGTH]
        try:
            stopped = await notifications.unsubscribe(tenant.tenant_id, given)
        except InvalidInput as refused:
            return _unsubscribe_page(page, 400, given, [], invalid_message(page, refused), False)
        return _unsubscribe_page(page, 200, given, stopped.kinds, None, True)


def unsubscribe_kinds(notifications: NotificationService, tenant_id: str, token: str) -> list[str]:
    """The kinds of e-mail an unsubscribe link's token would stop, as the API's unsubscribe
    reads it (a token this municipality did not sign: ``InvalidInput`` naming ``token``)."""
    claim = unsubscribe.verify(notifications.keys, token, tenant_id)
    if claim.kind == unsubscribe.ALL_KINDS:
        return [kind.value for kind in NOTIFYING]
    return [notifying_kind(claim.kind, "token").value]


async def _written(
    page: PageContext,
    request: Request[Any, Any, Any],
    write: Callable[[], Awaitable[None]],
    again: Callable[[int, str], Awaitable[Response[str]]],
    done: str,
) -> Response[str]:
    """A form's write, done as the API does it, then on to ``done`` once the read models show
    it (303); refused as the API refuses it (404, or ``again``: the page with the reason, 422,
    409 or 403), in the page's language."""
    try:
        await write()
    except NotFound:
        return not_found(page)
    except InvalidInput as refused:
        return await again(422, invalid_message(page, refused))
    except Conflict as refused:
        return await again(409, page.api_reason(str(refused)))
    except Forbidden as refused:
        return await again(403, page.api_reason(str(refused)))
    if not await _seen(request, page.tenant):
        return _not_yet(page)
    return redirect(page, done)


async def _seen(request: Request[Any, Any, Any], tenant: TenantEntry) -> bool:
    """Wait until the read models have applied this request's own writes (at most the API's
    read wait); whether they have."""
    position = written_position()
    if not position:
        return True
    edge = edge_of(request.app.state)
    return await edge.positions.wait(tenant.tenant_id, position, edge.read_wait)


def _not_yet(page: PageContext) -> Response[str]:
    answer = problem_page(
        page,
        503,
        page.say("It is done, but not shown here yet. Reload the page in a moment."),
    )
    answer.headers["Retry-After"] = "1"
    return answer


async def _my_page(
    page: PageContext,
    identity: IdentityService,
    notifications: NotificationService,
    status: int = 200,
    message: str | None = None,
) -> Response[str]:
    caller = page.caller
    assert caller is not None
    data = await identity.personal_data(caller, caller.person_id)
    listed, _ = await notifications.page(caller, page.tenant, False, MAX_MY_POSTS, None)
    for item in listed.items:
        item.title = excerpt(item.title, 200) or ""
        item.body = excerpt(item.body, CARD_TEXT) or ""
    preferences = [
        {"kind": p.kind, "label": notification_kind_label(page, p.kind), "preference": p}
        for p in await notifications.preferences(caller)
    ]
    posts = [
        {**post, "body": excerpt(post.get("body"), CARD_TEXT)}
        for post in sorted(
            data.get("posts", []), key=lambda p: str(p.get("created_at", "")), reverse=True
        )[:MAX_MY_POSTS]
    ]
    return render(
        page,
        "me.html",
        status,
        page.say("My page"),
        posts=posts,
        notifications=listed.items,
        unread=listed.unread,
        preferences=preferences,
        saved=page.request.query_params.get("saved") == "1" and status == 200,
        message=message,
        daily=Digest.DAILY.value,
    )


def _unsubscribe_page(
    page: PageContext,
    status: int,
    token: str,
    kinds: list[str],
    message: str | None,
    done: bool,
) -> Response[str]:
    return render(
        page,
        "unsubscribe.html",
        status,
        page.say("Unsubscribe from e-mails"),
        token=token,
        kinds=[notification_kind_label(page, kind) for kind in kinds],
        message=message,
        done=done,
    )
