"""Serving the example app: ``credlab example-app ana --port N [--db URL] [--bug NAME]``.

It listens on 127.0.0.1 unless told otherwise, sends its email over SMTP (to a capturing server
in tests: ``credlab conform`` runs one), and in test mode (the default for this example) offers
the ``/test/...`` endpoints and a clock only they move. Test mode hashes with argon2's cheapest
parameters so a story library runs in seconds; that is the one thing test mode weakens.
"""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage
from socketserver import ThreadingMixIn
from typing import Any, TextIO
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from argon2 import PasswordHasher, profiles

from credlab.examples.ana_app.bugs import BUGS
from credlab.examples.ana_app.desk import Desk
from credlab.examples.ana_app.store import open_database
from credlab.examples.ana_app.web import App


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str = "no-reply@ana.example") -> None:
        self.host, self.port, self.sender = host, port, sender

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            smtp.send_message(message)


class ThreadingServer(ThreadingMixIn, WSGIServer):
    """One thread per connection: a browser keeps idle connections open, and a server that
    waits on one of them answers nobody else. (The app itself takes one request at a time.)"""

    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    """Logs nothing: a request line holds reset tokens, and tokens are secrets."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _unset(environ: dict[str, Any], start_response: Any) -> list[bytes]:  # pragma: no cover - replaced at once
    raise RuntimeError("the app is not built yet")


def build(*, db: str, bug: str | None, smtp: tuple[str, int], base_url: str, test_mode: bool) -> App:
    hasher = PasswordHasher.from_parameters(profiles.CHEAPEST) if test_mode else PasswordHasher()
    desk = Desk(hasher, SmtpMailer(*smtp), base_url=base_url, test_mode=test_mode, bug=bug)
    return App(desk, open_database(db))


def serve(
    *,
    host: str,
    port: int,
    db: str,
    bug: str | None,
    smtp: tuple[str, int],
    test_mode: bool,
    out: TextIO = sys.stdout,
) -> None:
    """Serve until interrupted; the first line printed names the URL (port 0: a free one)."""
    if bug is not None and bug not in BUGS:
        raise ValueError(f"unknown bug {bug!r}")
    server: WSGIServer = make_server(host, port, _unset, server_class=ThreadingServer, handler_class=QuietHandler)
    url = f"http://{host}:{server.server_port}"  # the reset links' base: known once the port is bound
    server.set_app(build(db=db, bug=bug, smtp=smtp, base_url=url, test_mode=test_mode))
    mode = "test mode" if test_mode else "production mode"
    print(f"ANA example app on {url} ({mode}; bug: {bug or 'none'}; mail via SMTP {smtp[0]}:{smtp[1]})", file=out)
    out.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
