"""Test mode's endpoints (``/test/...``): what a test harness needs and production never offers.

- ``POST /test/members``: a fresh member in a given state with given secrets (a fixture factory);
- ``GET /test/members/NUMBER``: the member's state;
- ``POST /test/clock``: move the app's clock forward;
- ``GET /test/outbox/NUMBER``: the postcards sent to the member, as the post office prints them;
- ``POST /test/access``: whether a channel would take a secret now, changing nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credlab.examples.ana_app.desk import SCREENS, Answer, Desk, refused
from credlab.examples.ana_app.store import Member, Postcard, next_member_number

STATES = frozenset(
    {
        "unregistered",
        "logged_in_with_pin",
        "first_time_information",
        "registration_screen",
        "web_password_set",
        "reset_pending",
        "reset_form",
        "pin_randomized",
    }
)
BIRTH_DATE = "1985-07-21"


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) else None


def new_member(desk: Desk, db: Session, body: dict[str, Any], browser: str | None) -> tuple[Answer, dict[str, Any]]:
    state = _text(body, "state") or "unregistered"
    pin, password = _text(body, "amc_pin"), _text(body, "web_password")
    if state not in STATES:
        return refused(400, f"unknown state {state!r}"), {}
    if pin is None:
        return refused(400, "a member always has an AMC password (amc_pin)"), {}
    if state in SCREENS and browser is None:
        return refused(400, "a member at a screen needs the browser session that is there"), {}
    number = next_member_number(db)
    member = Member(
        number=number,
        email=f"member-{number}@members.example",
        birth_date=BIRTH_DATE,
        state=state,
        pin_hash=desk.hash(pin),
        web_password_hash=desk.hash(password) if password is not None else None,
        pin_change_offered=bool(body.get("pin_change_offered")),
        screen_owner=browser if state in SCREENS else None,
    )
    db.add(member)
    db.flush()
    if body.get("reset_link"):
        desk.send_reset_email(db, member)
    return Answer(True, 201, "created"), {"member": number, "email": member.email, "birth_date": BIRTH_DATE}


def member_state(desk: Desk, db: Session, number: str) -> tuple[Answer, dict[str, Any]]:
    member = db.get(Member, number)
    if member is None:
        return refused(404, "No such member."), {}
    desk.settle(db, member)
    return Answer(True, 200, ""), {"state": member.state}


def outbox(db: Session, number: str) -> dict[str, Any]:
    cards = db.scalars(select(Postcard).where(Postcard.member == number).order_by(Postcard.id))
    return {"postcards": [{"id": card.id, "pin": card.pin, "sent_at": card.sent_at} for card in cards]}


def access(desk: Desk, db: Session, body: dict[str, Any]) -> tuple[Answer, dict[str, Any]]:
    number, channel, secret = _text(body, "member"), _text(body, "channel"), _text(body, "secret")
    member = db.get(Member, number) if number is not None else None
    if member is None or secret is None:
        return refused(400, "give member, channel and secret"), {}
    desk.settle(db, member)
    if channel == "web":
        accepted = desk.accepts_online(member, secret)
    elif channel in ("call_centre", "kiosk"):
        accepted = desk.matches(member.pin_hash, secret)
    else:
        return refused(400, f"unknown channel {channel!r}"), {}
    return Answer(True, 200, ""), {"accepted": accepted}
