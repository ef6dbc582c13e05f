"""``credlab example-app ana``: serve the reference implementation of the ANA policy."""

from __future__ import annotations

import argparse
from typing import Any

from credlab.model.errors import UsageError
from credlab.simulator.cli.options import add_command

HELP = "serve an example implementation to test with credlab conform (ana)"
DESCRIPTION = """\
Serve the reference implementation of a policy, for `credlab conform` to test:

  credlab example-app ana --port 8000
  credlab conform spec/ana_web_password.yaml --target http://127.0.0.1:8000 \\
      --binding examples/ana_app/binding.yaml

`ana` is the ANA Mileage Club web password policy as a small web service on real parts:
SQLAlchemy over SQLite (in memory unless --db names a database URL; PostgreSQL needs its driver),
argon2 password hashes, reset links as random tokens stored hashed, email over SMTP (to --smtp,
where `credlab conform` listens while it runs) and postcards in an outbox table. Test mode (the
default; --production turns it off) offers /test/ endpoints and a clock only they move.

--bug NAME seeds one realistic defect; --list-bugs names them. It serves on 127.0.0.1 unless
--host says otherwise, until interrupted. The first line printed gives the URL (--port 0: any free port).
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "example-app", help=HELP, description=DESCRIPTION, formats=("text",))
    parser.add_argument("app", metavar="APP", choices=["ana"], help="which example: ana")
    parser.add_argument("--port", type=int, default=8000, help="the port to listen on (0: any free one); default 8000")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on; default 127.0.0.1")
    parser.add_argument(
        "--db", default="sqlite://", metavar="URL", help="a SQLAlchemy database URL; default: SQLite in memory"
    )
    parser.add_argument("--bug", metavar="NAME", help="seed one defect (see --list-bugs)")
    parser.add_argument("--list-bugs", action="store_true", help="name the defects --bug can seed, and exit")
    parser.add_argument(
        "--smtp", default="127.0.0.1:8025", metavar="HOST:PORT", help="where email is sent; default 127.0.0.1:8025"
    )
    parser.add_argument(
        "--production", action="store_true", help="no /test/ endpoints, the wall clock, full-cost hashing"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from credlab.simulator.conform.binding import smtp_address

    try:
        from credlab.examples.ana_app.bugs import BUGS
        from credlab.examples.ana_app.serve import serve
    except ImportError as error:  # the example's parts are an optional extra
        raise UsageError(
            f"the example app needs {error.name}: install credlab's example parts, pip install 'credlab[example]'"
        ) from None
    if args.list_bugs:
        width = max(map(len, BUGS))
        for name, what in BUGS.items():
            print(f"{name:<{width}}  {what}")
        return 0
    if args.bug is not None and args.bug not in BUGS:
        from credlab.model.schema import did_you_mean

        raise UsageError(
            f"--bug {args.bug!r} is not one of the seeded bugs{did_you_mean(args.bug, BUGS)}; see --list-bugs"
        )
    if not 0 <= args.port < 65536:
        raise UsageError(f"--port {args.port}: a port is 0 to 65535")
    serve(
        host=args.host,
        port=args.port,
        db=args.db,
        bug=args.bug,
        smtp=smtp_address(args.smtp),
        test_mode=not args.production,
    )
    return 0
