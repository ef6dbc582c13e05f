"""The ANA policy itself: what each request does to a member, written the way a service team
would write it (an implementation of the policy text, not of credlab's spec: nothing here
imports credlab). Every method takes a database session and the requesting browser's session
digest (None for the service desks' API), and returns an :class:`Answer`.

Screens (logged in with the PIN, the first-time information page, the registration screen, the
reset form) belong to the browser that reached them: while a member is at one, requests about
that member from anyone else are refused.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from credlab.examples.ana_app.store import Clock, Member, Postcard, ResetLink

SCREENS = frozenset({"logged_in_with_pin", "first_time_information", "registration_screen", "reset_form"})
RESETTABLE = frozenset({"unregistered", "web_password_set", "reset_pending", "pin_randomized"})
ONE_BYTE_ALPHANUMERIC = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
LINK_TTL = 2 * 3600
"""'The URL will expire two hours after the mail is sent.'"""


@dataclass(frozen=True, slots=True)
class Answer:
    ok: bool
    status: int
    """The HTTP status the web layer answers with."""
    message: str
    go: str | None = None
    """The page the browser goes to next, on success."""


def refused(status: int, message: str) -> Answer:
    return Answer(False, status, message)


NOT_IDENTIFIED = refused(400, "We could not confirm your identity.")


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Desk:
    def __init__(
        self,
        hasher: PasswordHasher,
        mailer: Mailer,
        *,
        base_url: str,
        test_mode: bool,
        bug: str | None = None,
        link_ttl: int = LINK_TTL,
    ) -> None:
        self.hasher, self.mailer, self.base_url = hasher, mailer, base_url
        self.test_mode, self.bug, self.link_ttl = test_mode, bug, link_ttl

    # --- time ---------------------------------------------------------------------------------
    def now(self, db: Session) -> int:
        if not self.test_mode:
            return int(time.time())
        clock = db.get(Clock, 1)
        return clock.now if clock is not None else 0

    def advance(self, db: Session, seconds: int) -> int:
        clock = db.get(Clock, 1) or Clock(id=1, now=0)
        clock.now += seconds
        db.add(clock)
        return clock.now

    # --- secrets ------------------------------------------------------------------------------
    def hash(self, secret: str) -> str:
        return self.hasher.hash(secret.lower() if self.bug == "case_insensitive" else secret)

    def matches(self, stored: str | None, secret: str) -> bool:
        if stored is None:
            return False
        try:
            return self.hasher.verify(stored, secret.lower() if self.bug == "case_insensitive" else secret)
        except (VerificationError, InvalidHashError):
            return False

    def web_password_ok(self, password: str) -> bool:
        """8 to 16 one-byte alphanumeric characters; alphabet and number must be included."""
        if self.bug == "fullwidth_digits":
            return (
                8 <= len(password) <= 16
                and password.isalnum()
                and any(c.isalpha() for c in password)
                and any(c.isdigit() for c in password)
            )
        return (
            8 <= len(password) <= 16
            and set(password) <= ONE_BYTE_ALPHANUMERIC
            and any(c.isalpha() for c in password)
            and any(c.isdigit() for c in password)
        )

    def pin_ok(self, pin: str) -> bool:
        """A 4-digit number."""
        if self.bug == "fullwidth_digits":
            return len(pin) == 4 and pin.isdigit()
        return len(pin) == 4 and all(c in "0123456789" for c in pin)

    def new_web_password(self, password: str) -> str:
        return password[:16] if self.bug == "truncates_at_16" else password

    # --- looking members up ---------------------------------------------------------------------
    def settle(self, db: Session, member: Member) -> None:
        """Let the reset link expire if its two hours are over: a pending reset (or an open reset
        form) ends, registered or not as the member's web password says."""
        link = self.live_link(db, member)
        if link is None or self.within(db, link, opening=False):
            return
        link.withdrawn = True
        if member.state in ("reset_pending", "reset_form"):
            member.state = "web_password_set" if member.web_password_hash else "unregistered"
            member.screen_owner = None

    def live_link(self, db: Session, member: Member) -> ResetLink | None:
        """The member's latest link, if it has not been withdrawn."""
        latest = db.scalars(select(ResetLink).where(ResetLink.member == member.number).order_by(ResetLink.id.desc()))
        link = latest.first()
        return link if link is not None and not link.withdrawn else None

    def within(self, db: Session, link: ResetLink, *, opening: bool) -> bool:
        age = self.now(db) - link.sent_at
        if self.bug == "expiry_inclusive":
            return age <= self.link_ttl
        if self.bug == "expiry_checked_on_open_only" and not opening:
            return True
        return age < self.link_ttl

    def member(self, db: Session, number: str, browser: str | None) -> tuple[Member | None, Answer | None]:
        """The member ``number``, settled, or why a request about them is refused now."""
        member = db.get(Member, number)
        if member is None:
            return None, refused(404, "No such member.")
        self.settle(db, member)
        if member.state in SCREENS and member.screen_owner is not None and member.screen_owner != browser:
            return None, refused(409, "The member is in the middle of something in another browser.")
        return member, None

    def at_screen(self, db: Session, browser: str | None, *screens: str) -> tuple[Member | None, Answer | None]:
        """The member whose screen this browser is at, if it is one of ``screens``."""
        if browser is None:
            return None, refused(401, "Please log in.")
        member = db.scalars(select(Member).where(Member.screen_owner == browser)).first()
        if member is not None:
            self.settle(db, member)
        if member is None or member.screen_owner != browser or member.state not in screens:
            return None, refused(409, "This page has expired; please start again.")
        return member, None

    def enter(self, member: Member, state: str, browser: str | None) -> None:
        member.state = state
        member.screen_owner = browser if state in SCREENS else None

    # --- the website ----------------------------------------------------------------------------
    def accepts_online(self, member: Member, secret: str) -> bool:
        """Whether the website's login takes ``secret``: the web password once one is registered,
        the AMC password until then."""
        if member.web_password_hash is not None:
            if self.bug == "pin_works_online" and self.matches(member.pin_hash, secret):
                return True
            return self.matches(member.web_password_hash, secret)
        return self.matches(member.pin_hash, secret)

    def login(self, db: Session, number: str, secret: str, first_visit: bool, browser: str) -> Answer:
        member, why = self.member(db, number, browser)
        if member is None:
            return why or NOT_IDENTIFIED
        if member.state in SCREENS:
            return refused(409, "You are already logged in.")
        if not self.accepts_online(member, secret):
            return refused(401, "The member number or password is incorrect.")
        if member.web_password_hash is not None:
            return Answer(True, 303, "Welcome back.", "/members")
        if first_visit:
            self.enter(member, "first_time_information", browser)
            return Answer(True, 303, "", "/information")
        self.enter(member, "registration_screen", browser)
        return Answer(True, 303, "", "/register")

    def continue_login(self, db: Session, browser: str | None) -> Answer:
        member, why = self.at_screen(db, browser, "first_time_information")
        if member is None:
            return why or NOT_IDENTIFIED
        self.enter(member, "registration_screen", browser)
        return Answer(True, 303, "", "/register")

    def register(self, db: Session, pin: str, new_password: str, browser: str | None) -> Answer:
        member, why = self.at_screen(db, browser, "registration_screen")
        if member is None:
            return why or NOT_IDENTIFIED
        pin_right = self.pin_ok(pin) if self.bug == "register_skips_pin_check" else self.matches(member.pin_hash, pin)
        if not pin_right:
            return refused(400, "The AMC password is incorrect.")
        password = self.new_web_password(new_password)
        if not self.web_password_ok(password):
            return refused(400, "Enter 8 to 16 one-byte alphanumeric characters, with a letter and a number.")
        member.web_password_hash = self.hash(password)
        member.pin_change_offered = False
        self.enter(member, "web_password_set", browser)
        return Answer(True, 303, "Your web password is registered.", "/members")

    def change_pin(self, db: Session, new_pin: str, browser: str | None) -> Answer:
        member, why = self.at_screen(db, browser, "registration_screen")
        if member is None:
            return why or NOT_IDENTIFIED
        if not member.pin_change_offered and self.bug != "pin_change_always_offered":
            return refused(403, "The AMC password can be changed here only after a postcard reset.")
        if not self.pin_ok(new_pin):
            return refused(400, "The AMC password is a 4-digit number.")
        member.pin_hash = self.hash(new_pin)
        return Answer(True, 303, "Your AMC password is changed.", "/register")

    def log_out(self, db: Session, browser: str | None) -> Answer:
        member, why = self.at_screen(db, browser, *SCREENS)
        if member is None:
            return why or NOT_IDENTIFIED
        if member.state == "reset_form":
            back = "reset_pending"
        elif member.state != "logged_in_with_pin" and member.pin_change_offered:
            back = "pin_randomized"
        else:
            back = "unregistered"
        self.enter(member, back, browser)
        return Answer(True, 303, "You are logged out.", "/")

    # --- the service desks and kiosks -------------------------------------------------------------
    def desk_authenticate(self, db: Session, number: str, channel: str, pin: str, browser: str | None) -> Answer:
        if channel not in ("call_centre", "kiosk"):
            return refused(400, "Unknown service channel.")
        member, why = self.member(db, number, browser)
        if member is None:
            return why or NOT_IDENTIFIED
        if not self.matches(member.pin_hash, pin):
            return refused(401, "The AMC password is incorrect.")
        return Answer(True, 200, "Identified.")

    # --- resetting --------------------------------------------------------------------------------
    def identify(self, db: Session, number: str, birth_date: str, browser: str | None) -> tuple[Member | None, Answer]:
        """The personal identification procedure: the member number and the date of birth. Every
        refusal gets the same answer (an unknown number, a wrong date, a member in the middle of
        something), so the form tells nobody who is a member."""
        member, why = self.member(db, number, browser)
        if member is None and self.bug == "enumeration" and why is not None:
            return None, why
        if member is None or member.state not in RESETTABLE:
            return None, NOT_IDENTIFIED
        if not secrets.compare_digest(member.birth_date.encode(), birth_date.encode()):
            return None, NOT_IDENTIFIED
        return member, Answer(True, 303, "", "/reset/sent")

    def withdraw_links(self, db: Session, member: Member) -> None:
        for link in db.scalars(select(ResetLink).where(ResetLink.member == member.number, ~ResetLink.withdrawn)):
            link.withdrawn = True

    def send_reset_email(self, db: Session, member: Member) -> None:
        if self.bug != "old_link_survives":
            self.withdraw_links(db, member)
        token = secrets.token_urlsafe(32)
        db.add(ResetLink(member=member.number, token_digest=digest(token), sent_at=self.now(db)))
        db.flush()
        body = (
            "You asked to reset your ANA Mileage Club password.\n\n"
            "Open this URL to reset your web password and/or your AMC password:\n"
            f"{self.base_url}/reset/link/{token}\n\n"
            "The URL will expire two hours after this mail is sent.\n"
        )
        self.mailer.send(member.email, "ANA Mileage Club: password reset", body)

    def request_email_reset(self, db: Session, number: str, birth_date: str, browser: str | None) -> Answer:
        member, answer = self.identify(db, number, birth_date, browser)
        if member is None:
            return answer
        member.pin_change_offered = False
        self.enter(member, "reset_pending", browser)
        self.send_reset_email(db, member)
        return answer

    def request_postcard_reset(self, db: Session, number: str, birth_date: str, browser: str | None) -> Answer:
        member, answer = self.identify(db, number, birth_date, browser)
        if member is None:
            return answer
        pin = f"{secrets.randbelow(10_000):04d}"
        member.pin_hash = self.hash(pin)
        if self.bug != "postcard_keeps_web_password":
            member.web_password_hash = None
        self.withdraw_links(db, member)
        member.pin_change_offered = True
        self.enter(member, "pin_randomized", browser)
        db.add(Postcard(member=member.number, pin=pin, sent_at=self.now(db)))
        return answer

    def open_reset_link(self, db: Session, token: str, browser: str) -> Answer:
        link = db.scalars(select(ResetLink).where(ResetLink.token_digest == digest(token))).first()
        gone = refused(410, "This URL has expired or was already used.")
        if link is None:
            return gone
        member, why = self.member(db, link.member, browser)
        if member is None:
            return why or gone
        latest = self.live_link(db, member)
        if self.bug == "old_link_survives":
            latest = link if not link.withdrawn else None
        if latest is None or latest.id != link.id or not self.within(db, link, opening=True):
            return gone
        if member.state not in ("reset_pending", "unregistered", "web_password_set"):
            return refused(409, "Please log out before using the reset URL.")
        self.enter(member, "reset_form", browser)
        return Answer(True, 200, "Set a new web password and/or AMC password.", "/reset/form")

    def submit_reset(self, db: Session, new_password: str | None, new_pin: str | None, browser: str | None) -> Answer:
        member, why = self.at_screen(db, browser, "reset_form")
        if member is None:
            return why or NOT_IDENTIFIED
        link = self.live_link(db, member)
        if link is None or not self.within(db, link, opening=False):
            return refused(410, "This URL has expired.")
        if new_password is None and new_pin is None:
            return refused(400, "Enter a new web password, a new AMC password, or both.")
        if new_password is not None:
            new_password = self.new_web_password(new_password)
            if not self.web_password_ok(new_password):
                return refused(400, "Enter 8 to 16 one-byte alphanumeric characters, with a letter and a number.")
        if new_pin is not None and not self.pin_ok(new_pin):
            return refused(400, "The AMC password is a 4-digit number.")
        if new_password is not None:
            member.web_password_hash = self.hash(new_password)
        if new_pin is not None:
            member.pin_hash = self.hash(new_pin)
        if self.bug != "reusable_link":
            link.withdrawn = True
        self.enter(member, "web_password_set" if member.web_password_hash else "unregistered", browser)
        return Answer(True, 303, "Your password is reset.", "/")
