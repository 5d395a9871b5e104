"""Response bodies: dialogs, posts and poll results as clients see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from services.dialogs.domain import (
    REPORT_BACK_AFTER,
    Dialog,
    DialogSettings,
    DialogTexts,
    texts_in,
)
from services.dialogs.listing import listed_texts
from services.participation.domain import Post

_settings_decoder = msgspec.json.Decoder(DialogSettings)


class DialogView(msgspec.Struct, kw_only=True):
    id: UUID
    kind: str
    status: str
    title: str
    purpose: str
    instructions: str
    committee: str | None
    invite_only: bool
    opens_at: datetime
    closes_at: datetime
    settings: DialogSettings
    close_reason: str | None = None
    results_summary: str | None = None
    posts: int = 0
    ballots: int = 0
    # when it is to report back (publish its results) at the latest
    report_back_by: datetime | None = None
    # the texts in the municipality's other languages (a text left out: the main one)
    translations: dict[str, DialogTexts] = msgspec.field(default_factory=dict)
    # the results summary in the municipality's other languages, where it was published in
    # them (a budget's count publishes its results so): language -> text
    results_translations: dict[str, str] = msgspec.field(default_factory=dict)


def dialog_view(dialog: Dialog, now: datetime, counts: tuple[int, int] = (0, 0)) -> DialogView:
    d = dialog.details
    return DialogView(
        id=dialog.id,
        kind=dialog.kind.value,
        status=dialog.status_at(now).value,
        title=d.title,
        purpose=d.purpose,
        instructions=d.instructions,
        committee=d.committee,
        invite_only=d.invite_only,
        opens_at=d.opens_at,
        closes_at=d.closes_at,
        settings=d.settings,
        close_reason=dialog.close_reason,
        results_summary=dialog.results_summary,
        posts=counts[0],
        ballots=counts[1],
        report_back_by=dialog.report_back_by,
        translations=d.translations,
        results_translations=dialog.results_translations,
    )


def in_language(view: DialogView, language: str) -> DialogView:
    """The view with its title, purpose and instructions in ``language`` (a page's), each
    its translation's where given, else the main text (in the municipality's default)."""
    texts = texts_in(view.translations, language, view.title, view.purpose, view.instructions)
    view.title = texts.title or view.title
    view.purpose = texts.purpose or view.purpose
    view.instructions = texts.instructions or view.instructions
    for tag in (language, language.split("-")[0]):
        if view.results_translations.get(tag):
            view.results_summary = view.results_translations[tag]
            break
    return view


def main_text_languages(view: DialogView, language: str, default: str) -> dict[str, str]:
    """Which of the view's texts ``in_language`` leaves as the main text, in the
    municipality's ``default`` language rather than the page's ``language``: field -> the
    default language, for a ``lang`` attribute on it (WCAG 3.1.2, language of parts)."""
    if language.split("-")[0] == default.split("-")[0]:
        return {}
    given = texts_in(view.translations, language, "", "", "")
    found = {
        name: default
        for name in ("title", "purpose", "instructions")
        if not getattr(given, name) and getattr(view, name)
    }
    summaries = view.results_translations
    if view.results_summary and not (
        summaries.get(language) or summaries.get(language.split("-")[0])
    ):
        found["results_summary"] = default
    return found


def dialog_row_view(row: Any, now: datetime) -> DialogView:
    """A dialog as the listing's row has it, with its texts' and its results summary's
    translations (one row each: a list reads them in the one query that reads the list)."""
    translations, summaries = listed_texts(row)
    status = row["status"]
    if status in ("scheduled", "open") and now >= row["closes_at"]:
        status = "closed"
    elif status == "scheduled" and now >= row["opens_at"]:
        status = "open"
    return DialogView(
        id=row["dialog_id"],
        kind=row["kind"],
        status=status,
        title=row["title"],
        purpose=row["purpose"],
        instructions=row["instructions"],
        committee=row["committee"],
        invite_only=row["access"] == "invited",
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        settings=_settings_decoder.decode(row["settings"]),
        close_reason=row["close_reason"],
        results_summary=row["results_summary"],
        report_back_by=row["report_back_by"] or row["closes_at"] + REPORT_BACK_AFTER,
        posts=row["published_posts"],
        ballots=row["ballots"],
        translations=translations,
        results_translations=summaries,
    )


class PlaceView(msgspec.Struct, kw_only=True):
    latitude: float
    longitude: float
    address: str | None


class AnswerView(msgspec.Struct, kw_only=True):
    """The municipality's latest official answer to a post."""

    state: str  # received, under-consideration, accepted, partly-accepted, rejected, implemented
    text: str
    answered_at: datetime


class PostView(msgspec.Struct, kw_only=True):
    id: UUID
    dialog_id: UUID
    kind: str
    status: str
    title: str | None
    body: str
    author_id: UUID | None  # None when posted anonymously
    author_name: str | None
    mine: bool
    parent_id: UUID | None
    place: PlaceView | None
    image_url: str | None
    report_status: str | None
    report_message: str | None
    supports: int
    signatures: int
    comments: int
    threshold_reached: bool
    created_at: datetime
    edited_at: datetime | None
    # why a moderator hid, restored or decided: shown to the author and to moderators only
    moderation_reason: str | None = None
    # the municipality's latest official answer (proposals, ideas, petitions, suggestions)
    answer: AnswerView | None = None
    # status 'merged': the post this near-duplicate was merged into (its supports count there)
    merged_into: UUID | None = None


def _row_answer(row: Any) -> AnswerView | None:
    if row is None or row["answer_state"] is None:
        return None
    return AnswerView(
        state=row["answer_state"], text=row["answer_text"], answered_at=row["answered_at"]
    )


def _image_url(sha256: str | None) -> str | None:
    return None if sha256 is None else f"/api/v1/images/{sha256}"


def post_row_view(row: Any, viewer: UUID | None, *, moderator: bool = False) -> PostView:
    anonymous = row["anonymous"]
    mine = viewer is not None and viewer == row["author_id"]
    place = (
        None
        if row["latitude"] is None
        else PlaceView(latitude=row["latitude"], longitude=row["longitude"], address=row["address"])
    )
    return PostView(
        id=row["post_id"],
        dialog_id=row["dialog_id"],
        kind=row["kind"],
        status=row["status"],
        title=row["title"],
        body=row["body"] if row["status"] != "withdrawn" else "",
        author_id=None if anonymous else row["author_id"],
        author_name=None if anonymous else row["display_name"],
        mine=mine,
        parent_id=row["parent_id"],
        place=place,
        image_url=_image_url(row["image"]),
        report_status=row["report_status"],
        report_message=row["report_message"],
        supports=row["supports"],
        signatures=row["signatures"],
        comments=row["published_comments"],
        threshold_reached=row["threshold_reached"],
        created_at=row["created_at"],
        edited_at=row["edited_at"],
        moderation_reason=row["moderation_reason"] if mine or moderator else None,
        answer=_row_answer(row),
        merged_into=row["merged_into"],
    )


class Accepted(msgspec.Struct, kw_only=True):
    """A command that was recorded; its effect shows in the listings within moments."""

    id: UUID
    status: str = "recorded"


def post_accepted(post: Post) -> Accepted:
    return Accepted(id=post.id)


class ChoiceTally(msgspec.Struct, kw_only=True):
    choice: str  # the option as stored and voted for
    label: str  # as shown, in the municipality's language: a vox pop's yes and no in its words
    votes: int


class VoteRecorded(msgspec.Struct, kw_only=True):
    dialog_id: UUID
    status: str = "recorded"


class PollResults(msgspec.Struct, kw_only=True):
    dialog_id: UUID
    question: str | None
    status: str
    ballots: int
    anonymous_ballots: int  # from anonymous device tokens
    signed_in_ballots: int  # from people signed in with an e-mail link or an invitation PIN
    results: list[ChoiceTally]


def post_view(
    post: Post, viewer: UUID | None, counts: Any = None, edited_at: datetime | None = None
) -> PostView:
    """A post from its aggregate (read-your-writes), with counts from the listing if given."""
    place = post.place
    return PostView(
        id=post.id,
        dialog_id=post.dialog_id,
        kind=post.kind,
        status="withdrawn" if post.withdrawn else "published",
        title=post.title,
        body="" if post.withdrawn else post.body,
        author_id=None if post.anonymous else post.author_id,
        author_name=None,
        mine=viewer == post.author_id,
        parent_id=post.parent_id,
        place=None
        if place is None
        else PlaceView(latitude=place.latitude, longitude=place.longitude, address=place.address),
        image_url=_image_url(post.image),
        report_status=None if post.report_status is None else post.report_status.value,
        report_message=None if counts is None else counts["report_message"],
        supports=0 if counts is None else counts["supports"],
        signatures=0 if counts is None else counts["signatures"],
        comments=0 if counts is None else counts["published_comments"],
        threshold_reached=post.threshold_reached,
        created_at=post.created_on,
        edited_at=edited_at or (None if counts is None else counts["edited_at"]),
        answer=_aggregate_answer(post, counts),
    )


def _aggregate_answer(post: Post, counts: Any) -> AnswerView | None:
    """The post's latest answer as its aggregate holds it. When it was given comes from the
    listing; right after the answer (the listing not caught up yet) it is the post's last
    change, which is the answer itself."""
    if post.answer_state is None or post.answer_text is None:
        return None
    listed = _row_answer(counts)
    if listed is not None and (listed.state, listed.text) == (post.answer_state, post.answer_text):
        return listed
    return AnswerView(
        state=post.answer_state.value, text=post.answer_text, answered_at=post.modified_on
    )
