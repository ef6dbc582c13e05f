"""``credlab diagram``: draw specs for reviews, and check that ``diagrams/`` is current.

The work is split so that each part can be read alone: :mod:`credlab.simulator.render.view` decides
what is drawn, :mod:`credlab.simulator.render.dot` and :mod:`credlab.simulator.render.mermaid` how. This
command's work is in :mod:`credlab.simulator.render.diagram_files`: it reads the overlay files (a trace, a
coverage report) and checks them against the spec, plans the output files, then writes them or
compares them with what is there. (This module only declares the command: the CLI imports every
command's module, and drawing needs modules that cost more to import than `credlab validate` does.)

Decisions a reviewer may want to know:

* PNG bytes differ across Graphviz builds, so a PNG records the SHA-256 of its DOT source in a
  ``tEXt`` chunk; ``--check`` compares that, and writing leaves a PNG alone while it matches.
* Without Graphviz's ``dot``, DOT, Mermaid and README.md are written anyway and the exit code
  is 2 when SVG or PNG were asked for; ``--check`` then trusts an SVG whose recorded DOT hash is
  current and reports it ``unchecked``, never ``stale``.
* Variant views (``--focus``, ``--highlight``, ``--coverage``) need ``-o DIR`` other than
  ``diagrams/``: the committed diagrams are always the plain ones.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from credlab.simulator.cli.options import add_command
from credlab.simulator.cli.output import emit_json
from credlab.simulator.render.diagram_formats import DEFAULT_DIR, DETAILS, FORMATS, NEEDS_REGENERATING, RENDERED

if TYPE_CHECKING:
    from credlab.simulator.render.diagram_files import DiagramFiles

HELP = "draw specs as Graphviz (DOT, SVG, PNG) and Mermaid diagrams; --check that diagrams/ is current"
DESCRIPTION = """\
Draw each spec's state machine for reviews: every state (lifecycle states bold, initial ones
marked, groups boxed), every transition with its event, guards and effects, channels in colour,
deadline expiries dashed, and a legend. SVG elements carry the policy text they come from and
their rule ids as tooltips. Files: DIR/<spec name>.dot|.svg|.png|.mmd and DIR/README.md, which
embeds the Mermaid diagrams (they render in GitHub and GitLab). Same spec, same bytes.

Variant views, written only with -o DIR (never into diagrams/, which holds the committed
diagrams that --check compares): --focus STATE (the state, its predecessors and successors),
--highlight TRACE (a JSON Lines trace drawn as a numbered path) and --coverage FILE (greys out
what a run never exercised; JSON {"states": {"covered", "total", "missed": [names]},
"transitions": {...}}, maybe under a top-level "coverage" key).

--check compares DIR (default diagrams/) with what this command would write: DOT, Mermaid,
README.md and SVG byte for byte; a PNG by the hash of the DOT source it records (PNG bytes differ
across Graphviz builds). With no SPEC it also reports files no spec produces.

SVG and PNG need Graphviz's dot. Without it, DOT and Mermaid are still written, and the exit
code is 2 if SVG or PNG were asked for (the default; use --formats dot,mmd to ask for less);
--check then verifies each SVG only by the DOT hash it records and reports it "unchecked".

Exit codes: 0 done / current; 1 --check found a stale, missing or unexpected file; 2 bad input.
JSON (--format json): {"ok": bool, "mode": "write"|"check", "dir": DIR, "graphviz": bool,
"files": [{"path", "spec" (null for README.md), "format": "dot"|"svg"|"png"|"mmd"|"md",
"status", "reason"}]}. status is written|unchanged|skipped when writing and
current|stale|missing|unexpected|unchecked with --check; reason explains all but
written, unchanged and current.
"""


def _formats(text: str) -> tuple[str, ...]:
    asked = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in asked if f not in FORMATS]
    if unknown or not asked:
        raise argparse.ArgumentTypeError(f"{','.join(unknown) or text!r}: choose from {','.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in asked)


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "diagram", help=HELP, description=DESCRIPTION)
    parser.add_argument("specs", nargs="*", metavar="SPEC", help="spec files (default: every spec/*.yaml)")
    parser.add_argument("-o", "--output", metavar="DIR", help=f"where to write (default: {DEFAULT_DIR}/)")
    parser.add_argument(
        "--formats", type=_formats, default=FORMATS, metavar="LIST", help="comma-separated (default: dot,svg,png,mmd)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 naming each stale or missing file; write none")
    parser.add_argument("--focus", metavar="STATE", help="draw only STATE and its direct predecessors and successors")
    parser.add_argument("--highlight", metavar="TRACE", help="draw a trace file's transitions as a numbered path")
    parser.add_argument("--coverage", metavar="FILE", help="grey out what a coverage report says was never exercised")
    parser.add_argument(
        "--detail",
        choices=DETAILS,
        default="rules",
        help="what a transition's label says: its rule id (default), its guards and effects in full, or its event",
    )
    parser.set_defaults(run=run, parser=parser)


def _output(args: argparse.Namespace) -> Path:
    """The output folder; refuses option combinations that make no sense."""
    parser: argparse.ArgumentParser = args.parser
    variant = bool(args.focus or args.highlight or args.coverage or args.detail != "rules")
    out = Path(args.output) if args.output else DEFAULT_DIR
    if variant and args.check:
        parser.error(
            "--check compares the committed diagrams; it takes no --focus, --highlight, --coverage or --detail"
        )
    if variant and (args.output is None or out.resolve() == DEFAULT_DIR.resolve()):
        parser.error(
            f"--focus, --highlight, --coverage and --detail draw a variant view: write it elsewhere with -o DIR "
            f"({DEFAULT_DIR}/ holds the committed diagrams that --check compares)"
        )
    if variant and len(args.specs) != 1:
        parser.error("--focus, --highlight and --coverage apply to one spec; name it")
    return out


def _print(report: DiagramFiles) -> None:
    counts: dict[str, int] = {}
    checking = report.mode == "check"
    for f in report.files:
        counts[f.status] = counts.get(f.status, 0) + 1
        if not checking or f.status != "current":
            print(f"{f.path}: {f.status}" + (f": {f.reason}" if f.reason else ""))
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    if checking and any(f.status in NEEDS_REGENERATING for f in report.files):
        summary += "; run `credlab diagram` to regenerate"
    print(f"{report.dir}/: {summary}")


def run(args: argparse.Namespace) -> int:
    from credlab.model.errors import UsageError
    from credlab.simulator import api
    from credlab.simulator.render.dot import INSTALL_HINT

    out = _output(args)
    try:
        report = api.diagrams(
            args.specs,
            out=out,
            formats=args.formats,
            check=args.check,
            focus=args.focus,
            highlight=args.highlight,
            coverage=args.coverage,
            detail=args.detail,
        )
    except UsageError as error:
        args.parser.error(str(error))
    code = args.outcome = (0 if report.ok else 1) if args.check else (0 if report.ok else 2)
    if args.format == "json":
        emit_json(report.to_json())
    else:
        _print(report)
    if not report.graphviz and any(f in RENDERED for f in args.formats):
        done = (
            "SVG files were checked only by the DOT source they record"
            if args.check
            else "DOT, Mermaid and README.md were written"
        )
        print(
            f"credlab diagram: {'error' if code == 2 else 'note'}: SVG and PNG need Graphviz's dot, which is not "
            f"installed; {INSTALL_HINT}. {done}.",
            file=sys.stderr,
        )
    return code
