"""What each member of a focus group sees of it, and its transcript.

A participant sees the released items and the follow-ups sent to them or to everyone; of the
answers, per item: their own always, and the others' (never a hidden one) once they answered
the item themselves, or at once when the group's ``answers_visible_before_answering`` is set.
Everybody is named by pseudonym ("Participant 3"); moderators are "Moderator"; observers are
never shown, nor their notes.

Staff (moderators and observers) see the whole: members (and those removed), the guide with
its schedule and what was withdrawn, every follow-up, every answer with its marks, and the
notes.

The transcript (CSV or HTML, for staff) is what was said, in order of time: each released item
(a withdrawn one too, marked withdrawn) and follow-up by the moderator, each answer by its
author's pseudonym (a removed participant's as well), with its marks. It names no one: no
names, e-mail addresses or person ids, pseudonyms only. Notes stay out of it.
Its headings, the pseudonyms ("Deltagare 3"), the kinds, labels and marks are written in the
language asked for (the catalogues' context ``focus group transcript``); the HTML page writes
times as that language does, the CSV keeps them in ISO 8601 so a spreadsheet sorts them.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import msgspec

from events import texts
from events.spreadsheet import inert
from services.focus_groups.domain import Access, FocusGroup, FollowUp, GuideItem
from services.focus_groups.read_model import AnswerRow, NoteRow


class AnswerView(msgspec.Struct, kw_only=True):
    id: UUID
    author: str  # a pseudonym: "Participant 3"
    mine: bool
    text: str
    pinned: bool
    highlighted: bool
    answered_at: datetime


class ItemView(msgspec.Struct, kw_only=True):
    id: UUID
    kind: str
    text: str
    image_id: str | None
    video_url: str | None
    released_at: datetime
    answered: bool  # the viewer answered it
    others_visible: bool  # the others' answers are shown (false: answer first)
    answers: list[AnswerView]


class FollowUpView(msgspec.Struct, kw_only=True):
    id: UUID
    text: str
    to_me_only: bool
    item_id: UUID | None
    sent_at: datetime
    answered: bool
    others_visible: bool
    answers: list[AnswerView]


class ParticipantView(msgspec.Struct, kw_only=True):
    id: UUID
    title: str
    description: str
    me: str  # the viewer's pseudonym
    answers_visible_before_answering: bool
    items: list[ItemView]
    follow_ups: list[FollowUpView]


class MemberView(msgspec.Struct, kw_only=True):
    person_id: UUID
    role: str
    pseudonym: str | None  # participants only


class StaffItemView(msgspec.Struct, kw_only=True):
    id: UUID
    kind: str
    text: str
    image_id: str | None
    video_url: str | None
    release_at: datetime | None  # null: neither released nor scheduled
    released: bool
    withdrawn_at: datetime | None  # withdrawn from the participants then (null: not)


class StaffFollowUpView(msgspec.Struct, kw_only=True):
    id: UUID
    text: str
    to: UUID | None
    to_pseudonym: str | None
    item_id: UUID | None
    sent_at: datetime


class StaffView(msgspec.Struct, kw_only=True):
    id: UUID
    title: str
    description: str
    answers_visible_before_answering: bool
    access: str  # moderator or observer: what the viewer may do
    members: list[MemberView]
    removed: list[MemberView]  # removed by a moderator, each with the role they held
    items: list[StaffItemView]
    follow_ups: list[StaffFollowUpView]


class StaffAnswerView(msgspec.Struct, kw_only=True):
    id: UUID
    item_id: UUID
    person_id: UUID
    pseudonym: str
    text: str
    pinned: bool
    hidden: bool
    highlighted: bool
    answered_at: datetime


class NoteView(msgspec.Struct, kw_only=True):
    id: UUID
    author_id: UUID
    item_id: UUID | None
    answer_id: UUID | None
    text: str
    written_at: datetime


def _pseudonym(group: FocusGroup, person_id: UUID) -> str:
    return group.pseudonym(person_id) or group.someone()


def _answers(
    group: FocusGroup, rows: Sequence[AnswerRow], viewer: UUID, target: UUID, shown: bool
) -> tuple[bool, list[AnswerView]]:
    mine = [r for r in rows if r.item_id == target and r.person_id == viewer]
    answered = bool(mine)
    visible = [
        r
        for r in rows
        if r.item_id == target and (r.person_id == viewer or (shown and not r.hidden))
    ]
    visible.sort(key=lambda r: (not r.pinned, r.answered_at, str(r.answer_id)))
    return answered, [
        AnswerView(
            id=r.answer_id,
            author=_pseudonym(group, r.person_id),
            mine=r.person_id == viewer,
            text=r.text,
            pinned=r.pinned,
            highlighted=r.highlighted,
            answered_at=r.answered_at,
        )
        for r in visible
    ]


def participant_view(
    group: FocusGroup, viewer: UUID, rows: Sequence[AnswerRow], now: datetime
) -> ParticipantView:
    """The group as a participant sees it (see the module's text)."""
    everyone = group.answers_visible_before_answering

    def item(i: GuideItem) -> ItemView:
        answered = any(r.item_id == i.id and r.person_id == viewer for r in rows)
        shown = everyone or answered
        answered, answers = _answers(group, rows, viewer, i.id, shown)
        return ItemView(
            id=i.id,
            kind=i.kind,
            text=i.text,
            image_id=i.image_id,
            video_url=i.video_url,
            released_at=i.release_at or now,
            answered=answered,
            others_visible=shown,
            answers=answers,
        )

    def follow_up(f: FollowUp) -> FollowUpView:
        answered = any(r.item_id == f.id and r.person_id == viewer for r in rows)
        shown = f.to is None and (everyone or answered)
        answered, answers = _answers(group, rows, viewer, f.id, shown)
        return FollowUpView(
            id=f.id,
            text=f.text,
            to_me_only=f.to is not None,
            item_id=f.item_id,
            sent_at=f.sent_at,
            answered=answered,
            others_visible=shown,
            answers=answers,
        )

    return ParticipantView(
        id=group.id,
        title=group.title,
        description=group.description,
        me=_pseudonym(group, viewer),
        answers_visible_before_answering=everyone,
        items=[item(i) for i in group.released_items(now)],
        follow_ups=[follow_up(f) for f in group.follow_ups_for(viewer)],
    )


def staff_item(item: GuideItem, now: datetime) -> StaffItemView:
    return StaffItemView(
        id=item.id,
        kind=item.kind,
        text=item.text,
        image_id=item.image_id,
        video_url=item.video_url,
        release_at=item.release_at,
        released=item.released(now),
        withdrawn_at=item.withdrawn_at,
    )


def staff_follow_up(group: FocusGroup, f: FollowUp) -> StaffFollowUpView:
    return StaffFollowUpView(
        id=f.id,
        text=f.text,
        to=f.to,
        to_pseudonym=None if f.to is None else group.pseudonym(f.to),
        item_id=f.item_id,
        sent_at=f.sent_at,
    )


def member_view(group: FocusGroup, person_id: UUID, role: str) -> MemberView:
    return MemberView(person_id=person_id, role=role, pseudonym=group.pseudonym(person_id))


def staff_view(group: FocusGroup, access: Access, now: datetime) -> StaffView:
    return StaffView(
        id=group.id,
        title=group.title,
        description=group.description,
        answers_visible_before_answering=group.answers_visible_before_answering,
        access=access.value,
        members=[member_view(group, p, role.value) for p, role in group.members.items()],
        removed=[member_view(group, p, role.value) for p, role in group.removed.items()],
        items=[staff_item(i, now) for i in group.items.values()],
        follow_ups=[staff_follow_up(group, f) for f in group.follow_ups.values()],
    )


def staff_answers(group: FocusGroup, rows: Sequence[AnswerRow]) -> list[StaffAnswerView]:
    return [
        StaffAnswerView(
            id=r.answer_id,
            item_id=r.item_id,
            person_id=r.person_id,
            pseudonym=_pseudonym(group, r.person_id),
            text=r.text,
            pinned=r.pinned,
            hidden=r.hidden,
            highlighted=r.highlighted,
            answered_at=r.answered_at,
        )
        for r in rows
    ]


def note_views(rows: Sequence[NoteRow]) -> list[NoteView]:
    return [
        NoteView(
            id=r.note_id,
            author_id=r.author_id,
            item_id=r.item_id,
            answer_id=r.answer_id,
            text=r.text,
            written_at=r.written_at,
        )
        for r in rows
    ]


# -- the transcript ------------------------------------------------------------------------------

HEADER = ("time", "speaker", "to", "kind", "about", "text", "marks")
"""The columns, as their names read in English."""


def header(language: str) -> tuple[str, ...]:
    """The columns' names in ``language``."""
    return (
        texts.pgettext(language, "focus group transcript", "time"),
        texts.pgettext(language, "focus group transcript", "speaker"),
        texts.pgettext(language, "focus group transcript", "to"),
        texts.pgettext(language, "focus group transcript", "kind"),
        texts.pgettext(language, "focus group transcript", "about"),
        texts.pgettext(language, "focus group transcript", "text"),
        texts.pgettext(language, "focus group transcript", "marks"),
    )


def _word(code: str, language: str) -> str:
    """A kind of line or a mark in ``language`` (an unknown code as it is)."""
    words = {
        "question": texts.pgettext(language, "focus group transcript", "question"),
        "stimulus": texts.pgettext(language, "focus group transcript", "stimulus"),
        "follow-up": texts.pgettext(language, "focus group transcript", "follow-up"),
        "answer": texts.pgettext(language, "focus group transcript", "answer"),
        "pinned": texts.pgettext(language, "focus group transcript", "pinned"),
        "hidden": texts.pgettext(language, "focus group transcript", "hidden"),
        "highlighted": texts.pgettext(language, "focus group transcript", "highlighted"),
        "withdrawn": texts.pgettext(language, "focus group transcript", "withdrawn"),
    }
    return words.get(code, code)


def _speaker(group: FocusGroup, person_id: UUID, language: str) -> str:
    """A participant's pseudonym in ``language`` ("Deltagare 3")."""
    return group.pseudonym(person_id, language) or group.someone(language)


class Line(msgspec.Struct, frozen=True, kw_only=True):
    time: datetime
    speaker: str
    to: str  # "" for everyone
    kind: str  # question, stimulus, follow-up, answer (in the transcript's language)
    about: str  # "Item 2", "Follow-up 1"
    text: str
    marks: str  # pinned, hidden, highlighted (comma separated)
    classes: tuple[str, ...] = ()  # the marks' codes (pinned, hidden, highlighted)

    def cells(self) -> list[str]:
        return [
            self.time.isoformat(),
            self.speaker,
            self.to,
            self.kind,
            self.about,
            self.text,
            self.marks,
        ]


def transcript(
    group: FocusGroup, rows: Sequence[AnswerRow], now: datetime, language: str = "en"
) -> list[Line]:
    """What was said, in order of time, by pseudonym (see the module's text), its labels in
    ``language``."""
    labels: dict[UUID, str] = {}
    order: dict[UUID, int] = {}
    lines: list[Line] = []
    moderator = texts.pgettext(language, "focus group transcript", "Moderator")
    for n, i in enumerate(group.released_items(now, withdrawn=True), start=1):
        labels[i.id] = texts.pgettext(language, "focus group transcript", "Item {n}").format(n=n)
        order[i.id] = len(order)
        image = i.image_id and texts.pgettext(
            language, "focus group transcript", "[image {id}]"
        ).format(id=i.image_id)
        media = " ".join(x for x in (image, i.video_url) if x)
        withdrawn = () if i.withdrawn_at is None else ("withdrawn",)
        lines.append(
            Line(
                time=i.release_at or now,
                speaker=moderator,
                to="",
                kind=_word(i.kind, language),
                about=labels[i.id],
                text=" ".join(x for x in (i.text, media) if x),
                marks=", ".join(_word(m, language) for m in withdrawn),
                classes=withdrawn,
            )
        )
    for n, f in enumerate(group.follow_ups.values(), start=1):
        labels[f.id] = texts.pgettext(language, "focus group transcript", "Follow-up {n}").format(
            n=n
        )
        lines.append(
            Line(
                time=f.sent_at,
                speaker=moderator,
                to="" if f.to is None else _speaker(group, f.to, language),
                kind=_word("follow-up", language),
                about=labels[f.id] + ("" if f.item_id is None else f" ({labels.get(f.item_id)})"),
                text=f.text,
                marks="",
            )
        )
    for r in rows:
        if r.item_id not in labels:
            continue
        marks = [m for m, on in (("pinned", r.pinned), ("hidden", r.hidden)) if on]
        if r.highlighted:
            marks.append("highlighted")
        lines.append(
            Line(
                time=r.answered_at,
                speaker=_speaker(group, r.person_id, language),
                to="",
                kind=_word("answer", language),
                about=labels[r.item_id],
                text=r.text,
                marks=", ".join(_word(m, language) for m in marks),
                classes=tuple(marks),
            )
        )
    lines.sort(key=lambda line: line.time)
    return lines


def transcript_csv(lines: Sequence[Line], language: str = "en") -> bytes:
    """CSV (UTF-8, CRLF), its header row in ``language``, texts made inert against
    spreadsheet formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(language))
    for line in lines:
        writer.writerow([inert(cell) for cell in line.cells()])
    return buffer.getvalue().encode()


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;"
    "padding:.4rem;border-bottom:1px solid #ccc}td.text{white-space:pre-wrap}"
    ".highlighted{background:#fff6cc}.hidden{color:#666}"
)


def transcript_html(group: FocusGroup, lines: Sequence[Line], language: str) -> bytes:
    """A standalone HTML page of the transcript in ``language`` (every text escaped), its
    times as the language writes them."""
    esc = html.escape
    head = "".join(f"<th scope='col'>{esc(h)}</th>" for h in header(language))
    body = []
    for line in lines:
        shown = [texts.format_datetime(line.time, language), *line.cells()[1:]]
        cells = "".join(
            f"<td class='text'>{esc(c)}</td>" if h == "text" else f"<td>{esc(c)}</td>"
            for h, c in zip(HEADER, shown, strict=True)
        )
        body.append(f"<tr class='{esc(' '.join(line.classes))}'>{cells}</tr>")
    title = texts.pgettext(language, "focus group transcript", "{title}: transcript").format(
        title=group.title
    )
    caption = texts.pgettext(
        language, "focus group transcript", "Transcript, participants by pseudonym"
    )
    page = (
        f"<!DOCTYPE html><html lang='{esc(language)}'><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{esc(group.title)}</h1><p>{esc(group.description)}</p>"
        f"<table><caption>{esc(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></main>"
        "</body></html>"
    )
    return page.encode()
