"""The example app's database: members, reset links, the postcard outbox and the test clock.

Secrets are stored as argon2 hashes, reset tokens as SHA-256 digests (a token is long and random,
so a fast digest is enough and lets the app find a link by its token). A postcard's PIN is the
one plaintext: it is what the postal service prints on the card.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "members"

    number: Mapped[str] = mapped_column(String(10), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    birth_date: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(32))
    """Where the member is in the policy's lifecycle (the spec's state names)."""
    pin_hash: Mapped[str] = mapped_column(String(200))
    web_password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    pin_change_offered: Mapped[bool] = mapped_column(Boolean, default=False)
    screen_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The digest of the browser session that is at one of the member's screens."""


class ResetLink(Base):
    __tablename__ = "reset_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    member: Mapped[str] = mapped_column(ForeignKey("members.number"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[int] = mapped_column(Integer)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    """Used, replaced by a newer request, or ended by a postcard reset."""


class Postcard(Base):
    __tablename__ = "postcards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    member: Mapped[str] = mapped_column(ForeignKey("members.number"), index=True)
    pin: Mapped[str] = mapped_column(String(4))
    sent_at: Mapped[int] = mapped_column(Integer)


class Clock(Base):
    """Test mode's clock: seconds since the app started, moved only by ``POST /test/clock``."""

    __tablename__ = "clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    now: Mapped[int] = mapped_column(Integer)


def open_database(url: str) -> sessionmaker[Session]:
    """Connect, create the tables, and hand back a session factory. ``sqlite://`` (memory) keeps
    one connection for the process, so that every request sees the same database."""
    engine: Engine
    if url in ("sqlite://", "sqlite:///:memory:"):
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA foreign_keys=ON"))
    Base.metadata.create_all(engine)
    return sessionmaker(engine, expire_on_commit=False)


def next_member_number(db: Session) -> str:
    """Member numbers are handed out in order (10 digits), so runs are reproducible."""
    numbers = db.scalars(select(Member.number)).all()
    return str(max((int(n) for n in numbers), default=1_000_000_000) + 1)
