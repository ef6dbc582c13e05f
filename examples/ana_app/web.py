"""The example app's HTTP face: HTML forms for the website's screens, a JSON API for the service
desks, and test mode's endpoints, as one WSGI application.

A browser is known by its ``amc_session`` cookie (set on first need); the app stores only its
digest. A form that succeeds answers ``303 See Other`` to the next page; one that is refused
answers 4xx with the page and the reason. The JSON API answers ``{"ok": bool, "message": str}``.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy.orm import Session, sessionmaker

from credlab.examples.ana_app import testing
from credlab.examples.ana_app.desk import SCREENS, Answer, Desk, digest

COOKIE = "amc_session"
MAX_BODY = 64 << 10

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class Request:
    def __init__(self, environ: dict[str, Any]) -> None:
        self.method = str(environ.get("REQUEST_METHOD", "GET"))
        self.path = str(environ.get("PATH_INFO", "/"))
        self.query = {k: v[0] for k, v in parse_qs(str(environ.get("QUERY_STRING", ""))).items()}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(min(length, MAX_BODY)) if length else b""
        kind = str(environ.get("CONTENT_TYPE", ""))
        self.json: dict[str, Any] = {}
        self.form: dict[str, str] = {}
        if kind.startswith("application/json") and raw:
            try:
                loaded = json.loads(raw)
            except ValueError:
                loaded = {}
            self.json = loaded if isinstance(loaded, dict) else {}
        elif raw:
            pairs = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
            self.form = {k: v[0] for k, v in pairs.items()}
        cookies = (part.strip().split("=", 1) for part in str(environ.get("HTTP_COOKIE", "")).split(";") if "=" in part)
        self.cookies = {k: v for k, v in cookies}
        self.new_cookie: str | None = None

    @property
    def browser(self) -> str | None:
        token = self.cookies.get(COOKIE)
        return digest(token) if token else None

    def browser_session(self) -> str:
        """This browser's session digest, starting a session if it has none."""
        if self.browser is None:
            self.new_cookie = secrets.token_urlsafe(24)
            self.cookies[COOKIE] = self.new_cookie
        browser = self.browser
        assert browser is not None
        return browser


def page(title: str, body: str, message: str = "") -> str:
    note = f'<p class="message" role="status">{html.escape(message)}</p>' if message else ""
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{note}{body}</body></html>"
    )


def form(action: str, fields: str, button: str, name: str = "") -> str:
    named = f' name="{name}"' if name else ""
    return f'<form method=post action="{action}"{named}>{fields}<button type=submit>{button}</button></form>'


def field(name: str, label: str, kind: str = "password") -> str:
    return f"<label>{label} <input type={kind} name={name} id={name}></label>"


LOGOUT = form("/logout", "", "LOG OUT", "logout")
PAGES: dict[str, tuple[str, str]] = {
    "/": (
        "Log in",
        form(
            "/login",
            field("member", "Member number", "text")
            + field("secret", "Password")
            + '<input type=hidden name=first_visit id=first_visit value="">',
            "Log in",
            "login",
        )
        + '<p><a href="/reset">Reset Password</a></p>',
    ),
    "/information": (
        "Information for customers logging into Members Only Top Page for the first time",
        LOGOUT + form("/information/continue", "", "Continue (login)", "continue"),
    ),
    "/register": (
        "Web Password registration",
        LOGOUT
        + form(
            "/register",
            field("pin", "AMC password (4 digits)")
            + field("new_password", "Web Password (8 to 16 one-byte alphanumeric characters)"),
            "Register",
            "register",
        )
        + form("/register/pin", field("new_pin", "New AMC password"), "Change AMC password", "change_pin"),
    ),
    "/members": ("Members Only Top Page", "<p>Welcome.</p>" + LOGOUT),
    "/reset": (
        "Resetting Your Password",
        form(
            "/reset/email",
            field("member", "Member number", "text") + field("birth_date", "Date of birth", "text"),
            "Reset Password by email",
            "reset_email",
        )
        + form(
            "/reset/postcard",
            field("member", "Member number", "text") + field("birth_date", "Date of birth", "text"),
            "Reset Password by postcard",
            "reset_postcard",
        ),
    ),
    "/reset/sent": ("Resetting Your Password", "<p>Done. Please check your email or post.</p>"),
    "/reset/form": (
        "Reset your passwords",
        LOGOUT
        + form(
            "/reset/submit",
            field("new_password", "New web password") + field("new_pin", "New AMC password"),
            "Reset",
            "reset",
        ),
    ),
}


class App:
    """The WSGI application over a :class:`Desk` and a database."""

    def __init__(self, desk: Desk, sessions: sessionmaker[Session]) -> None:
        self.desk, self.sessions = desk, sessions
        self.one_at_a_time = threading.Lock()
        """Requests are served one at a time: SQLite in memory is one connection, and the test
        clock and the member's screen must not change under a request."""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        with self.one_at_a_time, self.sessions.begin() as db:
            status, headers, body = self.route(request, db)
        if request.new_cookie is not None:
            headers.append(("Set-Cookie", f"{COOKIE}={request.new_cookie}; Path=/; HttpOnly; SameSite=Lax"))
        data = body.encode()
        headers.append(("Content-Length", str(len(data))))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [data]

    def route(self, r: Request, db: Session) -> tuple[int, list[tuple[str, str]], str]:
        desk, f = self.desk, r.form
        if r.method == "GET":
            if r.path.startswith("/reset/link/"):
                answer = desk.open_reset_link(db, r.path.removeprefix("/reset/link/"), r.browser_session())
                return self.html(answer, "/reset")
            if r.path in PAGES:
                title, body = PAGES[r.path]
                return 200, [("Content-Type", "text/html; charset=utf-8")], page(title, body)
            if r.path.startswith("/test/"):
                return self.test(r, db)
            return 404, [("Content-Type", "text/html; charset=utf-8")], page("Not found", "")
        if r.path.startswith("/api/"):
            j = r.json
            if r.path == "/api/desk/authenticate":
                return self.api(
                    desk.desk_authenticate(
                        db, str(j.get("member", "")), str(j.get("channel", "")), str(j.get("pin", "")), r.browser
                    )
                )
            return self.api(Answer(False, 404, "No such API."))
        if r.path.startswith("/test/"):
            return self.test(r, db)
        forms: dict[str, Callable[[], Answer]] = {
            "/login": lambda: desk.login(
                db, f.get("member", ""), f.get("secret", ""), f.get("first_visit") == "1", r.browser_session()
            ),
            "/information/continue": lambda: desk.continue_login(db, r.browser),
            "/register": lambda: desk.register(db, f.get("pin", ""), f.get("new_password", ""), r.browser),
            "/register/pin": lambda: desk.change_pin(db, f.get("new_pin", ""), r.browser),
            "/logout": lambda: desk.log_out(db, r.browser),
            "/reset/email": lambda: desk.request_email_reset(
                db, f.get("member", ""), f.get("birth_date", ""), r.browser
            ),
            "/reset/postcard": lambda: desk.request_postcard_reset(
                db, f.get("member", ""), f.get("birth_date", ""), r.browser
            ),
            "/reset/submit": lambda: desk.submit_reset(db, f.get("new_password"), f.get("new_pin"), r.browser),
        }
        handler = forms.get(r.path)
        if handler is None:
            return 404, [("Content-Type", "text/html; charset=utf-8")], page("Not found", "")
        return self.html(handler(), r.path)

    def html(self, answer: Answer, here: str) -> tuple[int, list[tuple[str, str]], str]:
        if answer.ok and answer.go is not None and answer.status == 303:
            return 303, [("Location", answer.go), ("Content-Type", "text/html; charset=utf-8")], ""
        title, body = PAGES.get(answer.go or here, PAGES["/"]) if answer.ok else PAGES.get(here, PAGES["/"])
        return answer.status, [("Content-Type", "text/html; charset=utf-8")], page(title, body, answer.message)

    def api(self, answer: Answer, extra: dict[str, Any] | None = None) -> tuple[int, list[tuple[str, str]], str]:
        body = {"ok": answer.ok, "message": answer.message, **(extra or {})}
        return answer.status, [("Content-Type", "application/json")], json.dumps(body, sort_keys=True)

    def test(self, r: Request, db: Session) -> tuple[int, list[tuple[str, str]], str]:
        if not self.desk.test_mode:
            return self.api(Answer(False, 404, "Test mode is off."))
        if r.method == "POST" and r.path == "/test/members":
            wants_screen = r.json.get("state") in SCREENS
            return self.api(*testing.new_member(self.desk, db, r.json, r.browser_session() if wants_screen else None))
        if r.method == "GET" and r.path.startswith("/test/members/"):
            return self.api(*testing.member_state(self.desk, db, r.path.removeprefix("/test/members/")))
        if r.method == "POST" and r.path == "/test/clock":
            seconds = r.json.get("seconds")
            if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
                return self.api(Answer(False, 400, "seconds: a whole number, 0 or more"))
            return self.api(Answer(True, 200, ""), {"now": self.desk.advance(db, seconds)})
        if r.method == "GET" and r.path.startswith("/test/outbox/"):
            return self.api(Answer(True, 200, ""), testing.outbox(db, r.path.removeprefix("/test/outbox/")))
        if r.method == "POST" and r.path == "/test/access":
            return self.api(*testing.access(self.desk, db, r.json))
        return self.api(Answer(False, 404, "No such test endpoint."))
