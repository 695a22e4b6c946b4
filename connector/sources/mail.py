"""E-mail through an SMTP server (standard library): update requests and stock take packs."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from connector.config import SmtpConfig, redact
from mappings.errors import RdsyncError


@dataclass(frozen=True)
class Mail:
    """One message: plain text and HTML alternatives, and files attached."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None
    cc: tuple[str, ...] = ()
    files: tuple[tuple[str, bytes, str], ...] = field(default=())  # (name, content, mime)


class MailRefused(RdsyncError):
    """The server refused the message or the sign-in: says which and what to check."""


class Mailer:
    """Sends through `[routines.smtp]`: STARTTLS, implicit TLS or plain, signing in when a
    password is configured. One connection serves every message of a `session()`."""

    def __init__(self, config: SmtpConfig, *, at: float | None = None) -> None:
        self.config = config
        self.at = at  # the message Date (seconds since the epoch), from the one clock

    @contextmanager
    def session(self) -> Iterator[smtplib.SMTP]:
        cfg = self.config
        try:
            server: smtplib.SMTP
            if cfg.tls == "ssl":
                context = ssl.create_default_context()
                server = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout_seconds, context=context
                )
            else:
                server = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_seconds)
            with server:
                if cfg.tls == "starttls":
                    server.starttls(context=ssl.create_default_context())
                if cfg.username and cfg.password is not None:
                    server.login(cfg.username, cfg.password)
                yield server
        except smtplib.SMTPAuthenticationError as error:
            raise MailRefused(
                f"the mail server refused the sign-in (SMTP {error.smtp_code})",
                where="routines.smtp.username",
                fix="Check routines.smtp.username and the password in the environment "
                "variable routines.smtp.password_env names.",
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise MailRefused(
                f"cannot send mail through {cfg.host}:{cfg.port}: {redact(str(error))}",
                where="routines.smtp.host",
                fix="Check routines.smtp host, port and tls (starttls: 587, ssl: 465), and that "
                "this machine may reach the server.",
            ) from None

    def message(self, mail: Mail) -> EmailMessage:
        # Folded at RFC 5322's hard limit, not at 78: Python folds a long subject before its
        # first word, and a client then shows it with a leading space.
        message = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
        message["From"] = self.config.sender
        message["To"] = ", ".join(mail.to)
        if mail.cc:
            message["Cc"] = ", ".join(mail.cc)
        message["Subject"] = mail.subject
        message["Date"] = formatdate(self.at, usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.config.sender.rsplit("@", 1)[-1])
        message.set_content(mail.text)
        if mail.html is not None:
            message.add_alternative(mail.html, subtype="html")
        for name, content, mime in mail.files:
            main, _, sub = mime.partition("/")
            message.add_attachment(content, maintype=main, subtype=sub, filename=name)
        return message

    def send(self, server: smtplib.SMTP, mail: Mail) -> None:
        """Send one message; a refusal of every recipient is MailRefused."""
        try:
            server.send_message(self.message(mail), to_addrs=[*mail.to, *mail.cc])
        except smtplib.SMTPRecipientsRefused as error:
            raise MailRefused(
                f"the mail server refused {', '.join(sorted(error.recipients))}",
                where="routines.people",
                fix="Correct the address in the tool's user profile or in [routines.people].",
            ) from None


def addresses(values: Sequence[str]) -> tuple[str, ...]:
    """Each address once, in the order given, compared without case."""
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return tuple(seen.values())
