"""The ANA example app (``credlab example-app ana``) is a real service: it listens on 127.0.0.1,
keeps argon2 hashes and hashed reset tokens in a real database, sends real email over SMTP, and
only test mode lets a client create members or move its clock."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from credlab.examples.ana_app.bugs import BUGS
from credlab.simulator.cli.main import main
from credlab.simulator.conform.mailbox import Mailbox
from tests.fixtures.example_app import running_app


def call(url: str, path: str, body: dict[str, Any] | None = None, form: str | None = None) -> tuple[int, Any]:
    data, kind = None, ""
    if body is not None:
        data, kind = json.dumps(body).encode(), "application/json"
    elif form is not None:
        data, kind = form.encode(), "application/x-www-form-urlencoded"
    request = urllib.request.Request(url + path, data=data, headers={"Content-Type": kind} if kind else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            raw = answer.read()
            status = answer.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode()


def test_the_bugs_are_listed_and_a_wrong_name_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["example-app", "ana", "--list-bugs"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == list(BUGS) and len(listed) >= 10
    assert main(["example-app", "ana", "--bug", "reusable_lnk"]) == 2
    assert "did you mean 'reusable_link'" in capsys.readouterr().err


def test_secrets_are_stored_as_argon2_hashes_and_links_as_digests(tmp_path: Path) -> None:
    db = tmp_path / "ana.db"
    with running_app(None, "--db", f"sqlite:///{db}") as app:
        assert app.url.startswith("http://127.0.0.1:")
        host, port = app.smtp.rsplit(":", 1)
        box = Mailbox(host, int(port)).open()
        try:
            status, made = call(
                app.url, "/test/members", {"amc_pin": "0123", "web_password": "Sakura2024", "state": "web_password_set"}
            )
            assert status == 201
            status, page = call(
                app.url, "/reset/email", form=f"member={made['member']}&birth_date={made['birth_date']}"
            )
            assert status == 200 and "Please check your email" in page  # after the 303 to /reset/sent
            mail = box.take(made["email"])
        finally:
            box.close()
    assert [m.subject for m in mail] == ["ANA Mileage Club: password reset"]
    token = mail[0].body.split("/reset/link/")[1].split()[0]
    stored = db.read_bytes()
    assert b"Sakura2024" not in stored and b"0123" not in stored and token.encode() not in stored
    with sqlite3.connect(db) as connection:
        pin_hash, password_hash = connection.execute("select pin_hash, web_password_hash from members").fetchone()
        (digest,) = connection.execute("select token_digest from reset_links").fetchone()
    assert pin_hash.startswith("$argon2id$") and password_hash.startswith("$argon2id$")
    assert len(digest) == 64 and int(digest, 16) >= 0


def test_production_mode_offers_no_test_endpoints() -> None:
    with running_app(None, "--production") as app:
        for path, body in (("/test/members", {"amc_pin": "0123"}), ("/test/clock", {"seconds": 7200})):
            status, answer = call(app.url, path, body)
            assert (status, answer["ok"]) == (404, False)
        status, page = call(app.url, "/")
        assert status == 200 and "Reset Password" in page


def test_the_clock_moves_only_forward_and_only_by_whole_seconds() -> None:
    with running_app() as app:
        assert call(app.url, "/test/clock", {"seconds": 7199}) == (200, {"message": "", "now": 7199, "ok": True})
        for bad in (-1, "1h", True):
            status, _ = call(app.url, "/test/clock", {"seconds": bad})
            assert status == 400
