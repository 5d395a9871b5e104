"""A dialog's texts in more languages: chosen with fallback, corrected after opening (not a
translation's purpose), and old events (version 1, without translations) still decoded."""

from __future__ import annotations

import json
from uuid import uuid4

import msgspec
import pytest

from events.catalogue import Catalogue
from events.codec import Codec
from events.errors import Conflict
from services.dialogs.domain import Dialog, DialogKind, DialogTexts
from services.notifications.facts import DialogTitle, expanded
from services.notifications.kinds import Kind
from services.notifications.templates import compose
from tests.domain.gwt import OPENS, details, given, replay, scheduled, then

FI = DialogTexts(title="Turvallisempi pyöräily", purpose="Selvitetään reitit")


def codec() -> Codec:
    catalogue = Catalogue()
    catalogue.register(Dialog, "dialogs")
    return Codec(catalogue)


def test_the_texts_in_a_language_fall_back_to_the_main_ones() -> None:
    d = msgspec.structs.replace(details(DialogKind.PROPOSALS), translations={"fi": FI})
    fi = d.texts_in("fi")
    assert (fi.title, fi.purpose, fi.instructions) == (FI.title, FI.purpose, d.instructions)
    assert d.texts_in("fi-FI").title == FI.title  # by its base language
    en = d.texts_in("en")
    assert (en.title, en.purpose, en.instructions) == (d.title, d.purpose, d.instructions)


def test_translations_are_drafted_changed_and_round_trip_through_the_codec() -> None:
    d = msgspec.structs.replace(details(DialogKind.PROPOSALS), translations={"fi": FI})
    dialog = Dialog.draft(DialogKind.PROPOSALS, d)
    c = codec()
    for original in dialog.collect_events():
        definition, data = c.encode(original)
        assert json.loads(data)["class_version"] == 2
        decoded = c.decode(definition.name, data, original.originator_id, 1)
        assert vars(decoded) == vars(original)
    assert replay(Dialog, [decoded]).details.translations == {"fi": FI}


def test_an_open_dialogs_translated_titles_are_corrected_but_not_their_purposes() -> None:
    dialog = scheduled()
    with_fi = msgspec.structs.replace(dialog.details, translations={"fi": FI})
    with pytest.raises(Conflict) as refused:  # a new language brings a purpose
        dialog.change_details(with_fi, OPENS)
    assert refused.value.field == "translations.fi.purpose"
    titled = msgspec.structs.replace(
        dialog.details, translations={"fi": DialogTexts(title="Otsikko", instructions="Ohje")}
    )
    assert dialog.change_details(titled, OPENS)
    assert then(dialog) == ["DialogTextsCorrected"]
    again = given(dialog)
    assert again.details == titled
    moved = msgspec.structs.replace(
        titled, translations={"fi": DialogTexts(title="Otsikko", purpose="Uusi")}
    )
    with pytest.raises(Conflict) as refused:
        again.change_details(moved, OPENS)
    assert refused.value.field == "translations.fi.purpose"


# details as version 1 wrote them: no translations
DETAILS_V1 = {
    k: v
    for k, v in msgspec.to_builtins(details(DialogKind.PROPOSALS)).items()
    if k != "translations"
}


@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        (
            "DialogDrafted",
            {
                "originator_topic": "services.dialogs.domain:Dialog",
                "kind": "proposals",
                "details": DETAILS_V1,
            },
        ),
        ("DialogDetailsChanged", {"details": DETAILS_V1}),
        ("DialogTextsCorrected", {"title": "Safer cycling", "instructions": "Say where"}),
    ],
)
def test_a_version_1_event_without_translations_still_decodes(
    event_type: str, payload: dict[str, object]
) -> None:
    stored = json.dumps({"timestamp": "2026-03-01T00:00:00Z", **payload}).encode()
    event = codec().decode(event_type, stored, uuid4(), 1)
    translations = (
        event.translations if event_type == "DialogTextsCorrected" else event.details.translations
    )
    assert translations == {}
    view = codec().catalogue.view(event_type, ("timestamp",))
    assert view.decode(stored).timestamp.year == 2026


def test_a_notification_names_the_dialog_in_its_language_else_the_main_title() -> None:
    title = DialogTitle("Gatubelysning", {"fi": "Katuvalaistus"})
    details = expanded({"dialog": title, "path": "/"})
    assert details == {"dialog": "Gatubelysning", "dialog:fi": "Katuvalaistus", "path": "/"}
    assert type(details["dialog"]) is str
    subject = {
        language: compose(Kind.DIALOG_RESULTS, details, "Lund", language, None, {}).subject
        for language in ("fi", "fi-FI", "sv", "en")
    }
    assert "Katuvalaistus" in subject["fi"]
    assert "Katuvalaistus" in subject["fi-FI"]  # by its base language
    assert "Gatubelysning" in subject["sv"]
    assert "Gatubelysning" in subject["en"]
    assert not any("dialog:" in s for s in subject.values())
