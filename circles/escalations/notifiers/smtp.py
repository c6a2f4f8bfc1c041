"""E-mail through an SMTP relay: the standard library's smtplib, in a worker thread.

smtplib rather than a new dependency: one message per page is all it sends, and its
``timeout`` bounds every socket operation (connect, STARTTLS, each command), so a
stalled relay cannot hold the thread for long. A 4xx reply or a network failure is
retried; a 5xx reply is refused for good. The ``Message-ID`` is the same for every try
of one notice, so a mail system that sees it twice may drop the repeat.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage

from circles.escalations.errors import Refused, RetryLater
from circles.escalations.notifiers.base import Notice

__all__ = ["Email", "message"]

_LABELS = {
    "severity": "Severity",
    "circle": "Circle",
    "member": "Member (a pseudonym)",
    "level": "Level",
    "opened_at": "Opened",
    "display_name": "Display name",
    "risk": "Risk",
    "tags": "Screening tags",
    "excerpt": "Excerpt",
}


def message(notice: Notice, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """The e-mail for a trigger notice."""
    page = notice.page
    msg = EmailMessage()
    msg["Subject"] = f"[Circles] {notice.severity}: someone may be at risk ({page['circle']})"
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Message-ID"] = f"<{notice.notice_id}@circles>"
    lines = ["Someone in a Circles peer-support circle may be at risk.", ""]
    for key, label in _LABELS.items():
        if key in page:
            value = page[key]
            shown = ", ".join(value) if isinstance(value, list) else str(value)
            lines.append(f"{label}: {shown}")
    lines.append("")
    if "acknowledge" in page:
        lines += ["Acknowledge (you are on it):", str(page["acknowledge"]), ""]
    if "resolve" in page:
        lines += ["Resolve (nothing more to do):", str(page["resolve"]), ""]
    if "join" in page:
        lines += [
            "Join the circle (you are shown to everyone in it as the on-call professional;",
            "joining acknowledges it too):",
            str(page["join"]),
            "",
        ]
    if "link" in page:
        lines += ["Console:", str(page["link"]), ""]
    msg.set_content("\n".join(lines))
    return msg


class Email:
    """``[[notifiers]] use = "email"``: ``host``, ``port`` (587), ``sender``, ``to`` (a
    list, for responders without their own ``email``), ``starttls`` (true), ``tls``
    (false: implicit TLS, port 465), ``username`` and ``password`` (optional)."""

    #: Only triggers: an acknowledgement by mail would only add noise.
    updates = False

    def __init__(
        self,
        *,
        name: str,
        timeout: float,
        host: str = "",
        port: int = 587,
        sender: str = "",
        to: Sequence[str] = (),
        starttls: bool = True,
        tls: bool = False,
        username: str = "",
        password: str = "",
    ) -> None:
        if not isinstance(host, str) or not host:
            raise ValueError("host: the SMTP relay's name")
        if type(port) is not int or not 0 < port < 65536:
            raise ValueError("port: from 1 to 65535")
        if not isinstance(sender, str) or "@" not in sender:
            raise ValueError("sender: an e-mail address")
        if not isinstance(to, list | tuple) or not all(isinstance(a, str) and "@" in a for a in to):
            raise ValueError("to: a list of e-mail addresses")
        self.name = name
        self._timeout = timeout
        self._host, self._port = host, port
        self._sender = sender
        self._to = tuple(to)
        self._starttls, self._tls = bool(starttls), bool(tls)
        self._username, self._password = username, password

    async def send(self, notice: Notice) -> None:
        own = notice.responder.email if notice.responder else None
        recipients = [own] if own else list(self._to)
        if not recipients:
            raise Refused(f"{self.name}: no address for this responder and no 'to'")
        msg = message(notice, self._sender, recipients)
        await asyncio.to_thread(self._deliver, msg, recipients)

    def _deliver(self, msg: EmailMessage, recipients: list[str]) -> None:
        what = self.name
        try:
            smtp: smtplib.SMTP
            if self._tls:
                context = ssl.create_default_context()
                smtp = smtplib.SMTP_SSL(
                    self._host, self._port, timeout=self._timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
            with smtp:
                if self._starttls and not self._tls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._username:
                    smtp.login(self._username, self._password)
                smtp.send_message(msg, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if any(400 <= code < 500 for code in codes):
                raise RetryLater(f"{what}: recipients deferred", status=min(codes)) from None
            raise Refused(f"{what}: recipients refused", status=min(codes, default=None)) from None
        except smtplib.SMTPResponseException as exc:
            code = exc.smtp_code
            if 400 <= code < 500:
                raise RetryLater(f"{what}: SMTP {code}", status=code) from None
            raise Refused(f"{what}: SMTP {code}", status=code) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise RetryLater(f"{what}: {type(exc).__name__}") from None

    async def aclose(self) -> None:
        return None
