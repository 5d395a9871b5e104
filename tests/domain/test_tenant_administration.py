"""The values a municipality's administrators set: origins, video links, languages, the front
page, the events of the Tenant, and the staff invitation's texts. In memory, no database."""

from __future__ import annotations

import pytest

from events.errors import InvalidInput
from services.dialogs.kinds import Commenting
from services.identity.texts import ROLE_NAMES, builtin
from tenants import values
from tenants.domain import Tenant
from tenants.staff import STAFF_ROLES


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://www.lund.se", "https://www.lund.se"),
        ("HTTPS://WWW.Lund.SE", "https://www.lund.se"),
        ("https://www.lund.se:443", "https://www.lund.se"),
        ("https://intranet.lund.se:8443", "https://intranet.lund.se:8443"),
        ("http://localhost:5173", "http://localhost:5173"),
    ],
)
def test_an_origin_is_kept_as_browsers_send_it(given: str, kept: str) -> None:
    assert values.origin(given, "allowed_origins[0]") == kept


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("https://www.lund.se/", "no path"),
        ("https://www.lund.se/embed", "no path"),
        ("https://*.lund.se", "wildcard"),
        ("*", "wildcard"),
        ("ftp://www.lund.se", "https"),
        ("javascript:alert(1)", "https"),
        ("http://www.lund.se", "https"),
        ("https://user:pw@www.lund.se", "user name"),
        ("https://www.lund.se?x=1", "no path"),
        ("https://www.lund.se:99999", "not an origin"),
        ("null", "https"),
    ],
)
def test_an_origin_that_is_not_exactly_one_is_refused_naming_the_field(
    given: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        values.origins(["https://ok.lund.se", given])
    assert refused.value.field == "allowed_origins[1]"
    assert reason in str(refused.value)


def test_an_origin_listed_twice_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        values.origins(["https://www.lund.se", "https://WWW.lund.se:443"])
    assert refused.value.field == "allowed_origins[1]"


@pytest.mark.parametrize(
    "given",
    [
        "javascript:alert(1)",
        "http://www.youtube.com/watch?v=x",
        "https://evil.example/watch?v=x",
        "https://www.youtube.com.evil.example/x",
        "https://user@www.youtube.com/x",
        "data:text/html,<script>",
    ],
)
def test_a_hero_video_is_an_https_link_to_a_known_player(given: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        values.video_url(given)
    assert refused.value.field == "hero_video_url"
    assert values.video_url("https://www.youtube.com/watch?v=abc") == (
        "https://www.youtube.com/watch?v=abc"
    )
    assert values.video_url("https://player.vimeo.com/video/1") == (
        "https://player.vimeo.com/video/1"
    )


def test_languages_are_built_in_ones_each_once() -> None:
    assert values.languages(["sv", "en"]) == ["sv", "en"]
    for given, field in ((["sv", "de"], "languages[1]"), (["fi", "fi"], "languages[1]")):
        with pytest.raises(InvalidInput) as refused:
            values.languages(given)
        assert refused.value.field == field
    with pytest.raises(InvalidInput) as refused:
        values.languages([])
    assert refused.value.field == "languages"


def test_the_front_page_has_each_known_section_at_most_once() -> None:
    assert values.front_page(["featured-dialogs", "welcome"]) == ["featured-dialogs", "welcome"]
    for given, field in (
        (["welcome", "welcome"], "front_page.sections[1]"),
        (["welcome", "news"], "front_page.sections[1]"),
    ):
        with pytest.raises(InvalidInput) as refused:
            values.front_page(given)
        assert refused.value.field == field


def test_the_commenting_defaults_are_the_dialogs_own_values() -> None:
    assert set(values.COMMENTING) == {c.value for c in Commenting}


def test_a_tenant_records_each_administrative_change_as_an_event() -> None:
    tenant = Tenant(slug="lund", name="Lund", default_language="sv")
    tenant.change_languages(["sv", "en"])
    tenant.change_front_page(sections=["welcome"], featured_dialogs=[])
    tenant.change_hero(image_sha256=None, image_content_type=None, video_url="https://vimeo.com/1")
    tenant.change_dialog_defaults(
        comments="signed-in", images=True, anonymous=False, premoderation=True
    )
    tenant.change_allowed_origins(["https://www.lund.se"])

    names = [type(e).__name__ for e in tenant.collect_events()]

    assert names[1:] == [
        "LanguagesChanged",
        "FrontPageChanged",
        "HeroChanged",
        "DialogDefaultsChanged",
        "AllowedOriginsChanged",
    ]
    assert (tenant.languages, tenant.front_page, tenant.hero_video_url) == (
        ["sv", "en"],
        ["welcome"],
        "https://vimeo.com/1",
    )
    assert (tenant.default_comments, tenant.default_premoderation) == ("signed-in", True)
    assert tenant.allowed_origins == ["https://www.lund.se"]


def test_the_staff_invitation_and_its_role_names_exist_in_every_built_in_language() -> None:
    assert set(ROLE_NAMES) == STAFF_ROLES
    for language in values.BUILT_IN_LANGUAGES:
        subject, body = builtin("staff-invitation", language)
        english = builtin("staff-invitation", "en")
        assert (subject, body) != english or language == "en", language
        assert "{link}" in body
        assert "{role}" in subject
        for role in STAFF_ROLES:
            assert ROLE_NAMES[role][language], (role, language)
