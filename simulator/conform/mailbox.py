"""A real SMTP server that keeps what a system under test sends: the mailbox of every member.

``credlab conform`` listens where the binding says (``mail: {smtp: 127.0.0.1:8025}``) while it
runs; the system sends its email there as it would to any relay. Messages are filed by
recipient, in arrival order. An SMTP ``DATA`` is answered only once the message is filed, so
when the system's HTTP answer arrives, the email it sent on the way is already here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from credlab.model.errors import UsageError


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    body: str


class _Keeper:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        part = parsed.get_body(("plain", "html"))
        body = part.get_content() if part is not None else ""
        for to in envelope.rcpt_tos:
            self.box.file(Mail(to.lower(), str(parsed.get("Subject", "")), str(body)))
        return "250 Message accepted for delivery"


class Mailbox:
    """An SMTP server on ``host:port`` (started by :meth:`open`, stopped by :meth:`close`)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._lock = threading.Lock()
        self._mail: dict[str, list[Mail]] = {}
        self._controller: Any = None

    def open(self) -> Mailbox:
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            raise UsageError("reading a system's email needs aiosmtpd: pip install 'credlab[http]'") from None
        controller = Controller(_Keeper(self), hostname=self.host, port=self.port, ready_timeout=10)
        try:
            controller.start()
        except (OSError, RuntimeError) as error:
            raise UsageError(
                f"cannot listen for email on {self.host}:{self.port} ({error}); is another capture running there?"
            ) from None
        self._controller = controller
        return self

    def close(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def file(self, mail: Mail) -> None:
        with self._lock:
            self._mail.setdefault(mail.to, []).append(mail)

    def take(self, address: str) -> list[Mail]:
        """The mail that reached ``address`` since the last take, oldest first."""
        with self._lock:
            return self._mail.pop(address.lower(), [])
