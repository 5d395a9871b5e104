"""Sending e-mail: sign-in links, invitation PIN codes and, later, notifications.

A `Mail` says what to send; `build_message` turns it into an RFC 5322 message; a `Mailer`
delivers it. Production uses `SmtpMailer` against a real SMTP server; the embedded development
mode uses `FolderMailer`, which leaves each message as an `.eml` file a developer can open.
`mailer_from_url` picks one from the deployment's configuration.

Recipient addresses are personal data: no error raised here names one, so they never reach logs.
"""

from __future__ import annotations

import asyncio
import email.errors
import email.policy
import os
import tempfile
import uuid
from datetime import UTC, datetime
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
import msgspec

__all__ = [
    "FolderMailer",
    "Mail",
    "MailDeliveryFailed",
    "Mailer",
    "SmtpMailer",
    "build_message",
    "mailer_from_url",
]


class Mail(msgspec.Struct, frozen=True, kw_only=True):
    """One e-mail to one person, from a municipality."""

    to: str
    subject: str
    text: str
    html: str | None = None
    sender_name: str
    """The municipality's name, shown in From next to the deployment's sender address."""
    reply_to: str | None = None
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    """Extra headers (List-Unsubscribe, ...); they may not replace the ones built here."""


class MailDeliveryFailed(Exception):
    """The mail could not be handed over; the reason is readable and names no recipient."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Mailer(Protocol):
    """Delivers a mail or raises `MailDeliveryFailed`."""

    async def send(self, mail: Mail) -> None: ...


class _VerbatimHeader(UnstructuredHeader, BaseHeader):
    """A header written on one line as it is: mail clients look for a plain ``<https://...>``
    in List-Unsubscribe (RFC 2369, RFC 8058), and the standard library would fold a URL longer
    than a line into RFC 2047 encoded words, which they do not decode there."""

    def fold(self, *, policy: email.policy.Policy) -> str:
        line = f"{self.name}: {self}"
        if line.isascii() and len(line) <= 998:  # RFC 5322's limit for one line
            return line + policy.linesep
        folded: str = super().fold(policy=policy)
        return folded


_HEADERS = HeaderRegistry()
for _name in ("list-unsubscribe", "list-unsubscribe-post"):
    _HEADERS.map_to_type(_name, _VerbatimHeader)
# The SMTP policy (CRLF line ends, so bodies are in canonical form on the wire and on disk),
# with the verbatim headers; a header keeps its class whatever policy later writes it out.
_POLICY = email.policy.SMTP.clone(header_factory=_HEADERS)


def build_message(mail: Mail, sender_address: str) -> EmailMessage:
    """The RFC 5322 message for `mail`, From `"<sender_name>" <sender_address>`.

    Non-ASCII in names, subject and bodies is encoded by the stdlib (RFC 2047, MIME). With
    `html` the message is multipart/alternative (plain text first, as the fallback).
    Raises ValueError (naming no address) for a recipient that is not one e-mail address.
    """
    message = EmailMessage(policy=_POLICY)
    message["From"] = Address(display_name=mail.sender_name, addr_spec=sender_address)
    message["To"] = _one_recipient(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = datetime.now(UTC)
    message["Message-ID"] = make_msgid(domain=sender_address.rpartition("@")[2] or None)
    if mail.reply_to is not None:
        message["Reply-To"] = mail.reply_to
    for name, value in mail.headers.items():
        if name in message:
            raise ValueError(f"the header {name} is set by build_message and cannot be replaced")
        message[name] = value
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message


def _one_recipient(to: str) -> Address:
    """`to` as exactly one address; the stdlib parser is lenient and its errors quote `to`."""
    recipients: tuple[Address, ...] = ()
    try:
        parsed = email.policy.SMTP.header_factory("To", to)
    except (ValueError, IndexError, email.errors.MessageError):
        pass
    else:
        # Non-ASCII local parts are fine: aiosmtplib asks the server for SMTPUTF8.
        if all(isinstance(d, email.errors.NonASCIILocalPartDefect) for d in parsed.defects):
            recipients = parsed.addresses
    if len(recipients) != 1 or not recipients[0].username or not recipients[0].domain:
        raise ValueError("the recipient must be exactly one valid e-mail address")
    return recipients[0]


class SmtpMailer:
    """Delivers over SMTP with aiosmtplib, one connection per mail.

    `starttls` requires the STARTTLS upgrade (typically port 587); `use_tls` speaks TLS from
    the first byte (SMTPS, port 465). With neither the connection stays plain.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender_address: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        use_tls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        if starttls and use_tls:
            raise ValueError("starttls and use_tls exclude each other")
        self.host = host
        self.port = port
        self.sender_address = sender_address
        self.username = username
        self.password = password
        self.starttls = starttls
        self.use_tls = use_tls
        self.timeout = timeout

    async def send(self, mail: Mail) -> None:
        message = build_message(mail, self.sender_address)
        try:
            await aiosmtplib.send(
                message,
                sender=self.sender_address,
                recipients=[mail.to],
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                use_tls=self.use_tls,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            # `from None`: the original error's text may quote the recipient (a 550 reply does).
            raise MailDeliveryFailed(self._reason(error)) from None

    def _reason(self, error: Exception) -> str:
        """Says what went wrong in our own words, so no server text (or address) leaks."""
        server = f"the SMTP server {self.host}:{self.port}"
        if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
            return f"{server} refused the recipient"
        if isinstance(error, aiosmtplib.SMTPAuthenticationError):
            return f"{server} refused the login ({error.code})"
        if isinstance(error, aiosmtplib.SMTPRecipientRefused):
            return f"{server} refused the recipient ({error.code})"
        if isinstance(error, aiosmtplib.SMTPSenderRefused):
            return f"{server} refused the sender address ({error.code})"
        if isinstance(error, aiosmtplib.SMTPResponseException):
            return f"{server} answered {error.code}"
        if isinstance(error, TimeoutError):
            return f"{server} did not answer within {self.timeout:g} s"
        if isinstance(error, aiosmtplib.SMTPServerDisconnected):
            return f"{server} closed the connection"
        if isinstance(error, aiosmtplib.SMTPConnectError | OSError):
            return f"could not connect to {server} ({type(error).__name__})"
        return f"{server}: {type(error).__name__}"


class FolderMailer:
    """Writes each mail as an `.eml` file into a folder, for the embedded development mode.

    Files are named by UTC timestamp and a short uuid, so they sort by time, and appear
    atomically (written aside, then renamed), so a watcher never sees half a message.
    """

    def __init__(self, folder: Path, *, sender_address: str = "no-reply@tinget.localhost") -> None:
        self.folder = folder
        self.sender_address = sender_address

    async def send(self, mail: Mail) -> None:
        data = build_message(mail, self.sender_address).as_bytes(policy=email.policy.SMTP)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}.eml"
        try:
            await asyncio.to_thread(self._write, name, data)
        except OSError as error:
            raise MailDeliveryFailed(
                f"could not write the mail into {self.folder} ({type(error).__name__})"
            ) from None

    def _write(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(temporary, self.folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def mailer_from_url(url: str, *, sender_address: str = "no-reply@tinget.localhost") -> Mailer:
    """The mailer a URL names.

    - `smtp://[user:pass@]host[:port][?starttls=true][&from=addr]`: port 25, or 587 with
      starttls; user and password are percent-decoded.
    - `smtps://[user:pass@]host[:port][?from=addr]`: TLS from the start, port 465.
    - `file:///absolute/folder`: a `FolderMailer`.

    `from` overrides `sender_address`. Errors never quote the URL: it may hold a password.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    sender = query.pop("from", sender_address)
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError("a file:// mail URL takes no host: file:///absolute/folder")
        folder = Path(unquote(parts.path))
        if not folder.is_absolute():
            raise ValueError("a file:// mail URL needs an absolute folder: file:///absolute/folder")
        _refuse_unknown(query, scheme)
        return FolderMailer(folder, sender_address=sender)
    if scheme not in ("smtp", "smtps"):
        raise ValueError(
            f"unsupported mail URL scheme {scheme!r}: use smtp://, smtps:// or file:///folder"
        )
    if not parts.hostname:
        raise ValueError(f"the {scheme}:// mail URL has no host")
    try:
        explicit_port = parts.port
    except ValueError:
        raise ValueError(f"the {scheme}:// mail URL has an invalid port") from None
    starttls = _flag(query.pop("starttls", "false"), "starttls")
    use_tls = scheme == "smtps"
    if use_tls and starttls:
        raise ValueError("smtps:// already speaks TLS; starttls=true belongs to smtp://")
    _refuse_unknown(query, scheme)
    default_port = 465 if use_tls else 587 if starttls else 25
    return SmtpMailer(
        parts.hostname,
        explicit_port or default_port,
        sender_address=sender,
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
        starttls=starttls,
        use_tls=use_tls,
    )


def _flag(value: str, name: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError(f"the mail URL's {name} must be true or false")


def _refuse_unknown(query: dict[str, str], scheme: str) -> None:
    if query:
        raise ValueError(f"unknown {scheme}:// mail URL options: {', '.join(sorted(query))}")
