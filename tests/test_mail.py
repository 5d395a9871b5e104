"""The mailers against a real SMTP server (aiosmtpd on a free local port) and a real folder."""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from services.mail.mailer import (
    FolderMailer,
    Mail,
    MailDeliveryFailed,
    SmtpMailer,
    build_message,
    mailer_from_url,
)
from tests.smtp import Inbox, SmtpServer, free_port, smtp_server

SENDER = "no-reply@tinget.example"
RECIPIENT = "anna.svensson@example.se"
SUBJECT = "Välkommen till Lund \N{EN DASH} din PIN-kod"
TEXT = "Hej Anna!\n\nDin PIN-kod är 482 913. Den gäller i 15 minuter.\n\n/ Lunds kommun\n"
SENDER_NAME = "Lunds kommun \N{EN DASH} Tinget"
HTML = "<p>Hej Anna!</p><p>Din PIN-kod är <strong>482 913</strong>.</p>"


def lund_mail(**changes: Any) -> Mail:
    values: dict[str, Any] = {
        "to": RECIPIENT,
        "subject": SUBJECT,
        "text": TEXT,
        "sender_name": SENDER_NAME,
    }
    values.update(changes)
    return Mail(**values)


def mailer_for(server: SmtpServer, **options: Any) -> SmtpMailer:
    return SmtpMailer(server.host, server.port, sender_address=SENDER, timeout=5.0, **options)


def content_of(part: EmailMessage) -> str:
    """The decoded body; the wire's CRLF line ends (RFC 5322) read back as Python's LF."""
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


def assert_lund_headers(message: EmailMessage) -> None:
    assert message["To"] == RECIPIENT
    assert message["From"].addresses[0].display_name == SENDER_NAME
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["Subject"] == SUBJECT
    assert re.fullmatch(r"<[^<>@\s]+@tinget\.example>", message["Message-ID"])
    assert message["Date"].datetime.tzinfo is not None


async def test_smtp_mailer_delivers_utf8_text_mail(smtp: SmtpServer) -> None:
    unsubscribe = "<https://lund.tinget.example/avregistrera?t=abc>"
    await mailer_for(smtp).send(
        lund_mail(reply_to="dialog@lund.example", headers={"List-Unsubscribe": unsubscribe})
    )

    [envelope] = smtp.inbox.envelopes
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == [RECIPIENT]
    message = smtp.inbox.only_message()
    assert_lund_headers(message)
    assert message["Reply-To"] == "dialog@lund.example"
    assert message["List-Unsubscribe"] == unsubscribe
    assert message.get_content_type() == "text/plain"
    assert content_of(message) == TEXT


async def test_smtp_mailer_sends_html_as_multipart_alternative(smtp: SmtpServer) -> None:
    await mailer_for(smtp).send(lund_mail(html=HTML))

    message = smtp.inbox.only_message()
    assert_lund_headers(message)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert isinstance(parts[0], EmailMessage)
    assert isinstance(parts[1], EmailMessage)
    assert content_of(parts[0]) == TEXT
    assert content_of(parts[1]).strip() == HTML


async def test_delivery_to_a_closed_port_fails_quickly_without_naming_the_recipient() -> None:
    mailer = SmtpMailer("127.0.0.1", free_port(), sender_address=SENDER, timeout=1.0)
    started = time.monotonic()

    with pytest.raises(MailDeliveryFailed) as failure:
        await mailer.send(lund_mail())

    assert time.monotonic() - started < 3.0
    assert "could not connect" in str(failure.value)
    assert RECIPIENT not in str(failure.value)
    assert failure.value.__cause__ is None
    assert failure.value.__suppress_context__


async def test_a_refused_recipient_fails_without_the_server_reply_reaching_the_reason() -> None:
    inbox = Inbox(refuse_rcpt=f"550 5.1.1 <{RECIPIENT}>: no such mailbox")
    with smtp_server(inbox) as server, pytest.raises(MailDeliveryFailed) as failure:
        await mailer_for(server).send(lund_mail())

    assert "refused the recipient" in str(failure.value)
    assert RECIPIENT not in str(failure.value)
    assert inbox.envelopes == []


@contextmanager
def smtp_server_with_login(login: str, password: str) -> Iterator[SmtpServer]:
    def authenticator(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data == (
            login.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False)

    with smtp_server(authenticator=authenticator, auth_require_tls=False) as server:
        yield server


async def test_url_credentials_are_percent_decoded_and_used_to_log_in() -> None:
    login, password = "tinget@lund.example", "p@ss:wörd/%"
    with smtp_server_with_login(login, password) as server:
        url = f"smtp://{quote(login, safe='')}:{quote(password, safe='')}@127.0.0.1:{server.port}"
        await mailer_from_url(url, sender_address=SENDER).send(lund_mail())

        assert len(server.inbox.envelopes) == 1

        wrong = f"smtp://{quote(login, safe='')}:wrong@127.0.0.1:{server.port}"
        with pytest.raises(MailDeliveryFailed, match="refused the login"):
            await mailer_from_url(wrong, sender_address=SENDER).send(lund_mail())
        assert len(server.inbox.envelopes) == 1


async def test_folder_mailer_writes_a_parseable_eml(tmp_path: Path) -> None:
    folder = tmp_path / "outbox" / "lund"
    mailer = FolderMailer(folder, sender_address=SENDER)

    await mailer.send(lund_mail())
    await mailer.send(lund_mail(html=HTML))

    files = sorted(folder.iterdir())
    assert len(files) == 2
    assert all(re.fullmatch(r"\d{8}T\d{12}Z-[0-9a-f]{8}\.eml", file.name) for file in files)
    raw = files[0].read_bytes()
    assert b"\r\n" in raw
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert_lund_headers(message)
    assert content_of(message) == TEXT
    second = email.message_from_bytes(files[1].read_bytes(), policy=email.policy.default)
    assert second.get_content_type() == "multipart/alternative"


async def test_folder_mailer_reports_an_unwritable_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")

    with pytest.raises(MailDeliveryFailed) as failure:
        await FolderMailer(blocker / "outbox").send(lund_mail())
    assert RECIPIENT not in str(failure.value)


@pytest.mark.parametrize(
    "to", ["a@example.se, b@example.se", "not an address", "anna@", "x@y.se\r\nBcc: z@w.se", ""]
)
def test_build_message_refuses_anything_but_one_recipient_without_echoing_it(to: str) -> None:
    with pytest.raises(
        ValueError, match=r"^the recipient must be exactly one valid e-mail address$"
    ):
        build_message(lund_mail(to=to), SENDER)


def test_build_message_keeps_its_own_headers() -> None:
    with pytest.raises(ValueError, match="From"):
        build_message(lund_mail(headers={"From": "someone@else.example"}), SENDER)


def test_mailer_from_url_reads_smtp_with_login_starttls_and_from() -> None:
    mailer = mailer_from_url(
        "smtp://tinget%40lund.example:s%C3%A4kert%3A%2F@mail.lund.example?starttls=true"
        "&from=noreply%40lund.example"
    )

    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port) == ("mail.lund.example", 587)
    assert (mailer.username, mailer.password) == ("tinget@lund.example", "säkert:/")
    assert mailer.starttls
    assert not mailer.use_tls
    assert mailer.sender_address == "noreply@lund.example"


def test_mailer_from_url_default_ports_and_sender() -> None:
    plain = mailer_from_url("smtp://relay.example", sender_address=SENDER)
    explicit = mailer_from_url("smtp://relay.example:2525?starttls=true")
    tls = mailer_from_url("smtps://relay.example")

    assert isinstance(plain, SmtpMailer)
    assert (plain.port, plain.starttls, plain.use_tls) == (25, False, False)
    assert (plain.username, plain.password, plain.sender_address) == (None, None, SENDER)
    assert isinstance(explicit, SmtpMailer)
    assert (explicit.port, explicit.starttls) == (2525, True)
    assert isinstance(tls, SmtpMailer)
    assert (tls.port, tls.starttls, tls.use_tls) == (465, False, True)
    assert tls.sender_address == "no-reply@tinget.localhost"


def test_mailer_from_url_reads_a_folder() -> None:
    mailer = mailer_from_url("file:///srv/tinget%20mail")

    assert isinstance(mailer, FolderMailer)
    assert mailer.folder == Path("/srv/tinget mail")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://x", "unsupported mail URL scheme 'http'"),
        ("smtp://", "has no host"),
        ("smtps://user:secret@:465", "has no host"),
        ("smtp://relay.example?starttls=maybe", "starttls must be true or false"),
        ("smtps://relay.example?starttls=true", "smtps:// already speaks TLS"),
        ("smtp://relay.example?tls=1", "unknown smtp:// mail URL options: tls"),
        ("smtp://relay.example:port", "invalid port"),
        ("file://host/folder", "takes no host"),
        ("file:relative/folder", "absolute folder"),
    ],
)
def test_mailer_from_url_refuses_what_it_cannot_use(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)) as failure:
        mailer_from_url(url)
    assert "secret" not in str(failure.value)
