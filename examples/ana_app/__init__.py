"""The ANA Mileage Club web password policy as a small web service: the reference implementation
``credlab example-app ana`` serves and ``credlab conform`` tests.

Real parts throughout: SQLAlchemy over SQLite (or PostgreSQL by URL), argon2 password hashes,
reset links as random tokens stored hashed with an expiry, email over SMTP, postcards in an
outbox table, HTML forms for the website's screens and a JSON API for the service desks. Test
mode adds the endpoints a test harness needs (``/test/...``: a fresh member, the clock, the
outbox) and is the only way to move the clock. ``--bug NAME`` seeds one realistic defect
(:mod:`credlab.examples.ana_app.bugs`).
"""
