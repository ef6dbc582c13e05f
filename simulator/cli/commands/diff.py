"""``credlab diff``: what a change to a policy does, for the reviewer of the pull request."""

from __future__ import annotations

import argparse
from typing import Any

from credlab.simulator.cli.options import add_command, progress_line
from credlab.simulator.cli.output import finish

HELP = "what changed between two versions of a spec: text, behaviour, stories; exit 1 if behaviour differs"
DESCRIPTION = """\
Compare OLD_SPEC with NEW_SPEC (or, with --git REV and one spec, the spec as it was at the git
revision REV with the spec as it is now), four ways:

  structure   every element added, removed, changed or renamed, matched by identity (a state's
              name, a transition's id), with both locations;
  behaviour   the two versions explored together on the engine `credlab explore` uses: for each
              kind of difference, the shortest story that tells them apart, written as a scenario
              file under --out and replayed on both versions (it passes on one, fails on the
              other); each password or PIN policy whose accepted strings changed, with counts and
              shortest witnesses; properties and findings whose verdict changed;
  stories     which stories of the library (./scenarios/, or --scenarios) change outcome.

"No behavioural difference" is said only after the joint search ended: a search stopped by
--max-states answers unknown. --format markdown writes a pull-request comment (summary first,
details folded, under 65,000 characters). The diff diagram (DIR/diff.mmd, diff.dot, diff.svg,
diff.png; Mermaid in the comment) draws both versions at once: added green, removed red and
dashed, changed orange, renamed purple, unchanged grey; in Mermaid, transition labels start with
+ added, − removed, ~ changed, ↻ renamed.
Exit 0 no behavioural difference, 1 the versions differ (or unknown), 2 bad input.
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "diff", help=HELP, description=DESCRIPTION, formats=("text", "json", "markdown"))
    parser.add_argument("specs", nargs="+", metavar="SPEC", help="OLD_SPEC NEW_SPEC, or with --git one SPEC")
    parser.add_argument("--git", metavar="REV", help="compare SPEC as it was at git revision REV with SPEC now")
    parser.add_argument(
        "-o", "--out", default="build/diff", metavar="DIR", help="stories and explorations; default build/diff"
    )
    parser.add_argument(
        "--scenarios", action="append", default=[], metavar="PATH", help="story files or folders (default ./scenarios/)"
    )
    parser.add_argument(
        "--max-states", type=int, default=200_000, metavar="N", help="bound of each search; default 200000"
    )
    parser.add_argument(
        "--max-stories", type=int, default=12, metavar="N", help="kinds of difference to find a story for; default 12"
    )
    parser.add_argument(
        "--no-explore", action="store_true", help="skip exploring each version (no property/finding verdict changes)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from credlab.model.errors import UsageError
    from credlab.model.loader import load_spec
    from credlab.simulator.outputs import writable_folder
    from credlab.simulator.render.diff_diagram import write_diff_diagrams
    from credlab.simulator.review.render import markdown, text_lines
    from credlab.simulator.review.revision import spec_at_revision
    from credlab.simulator.review.run import diff_specs

    for name, value in (("--max-states", args.max_states), ("--max-stories", args.max_stories)):
        if value < 1:
            raise UsageError(f"{name} must be at least 1, not {value}")
    out = writable_folder(Path(args.out), "--out")
    if args.git is not None:
        if len(args.specs) != 1:
            raise UsageError("with --git REV give one spec: it is compared with itself as it was at REV")
        old_path, old_name = spec_at_revision(Path(args.specs[0]), args.git, out / "at-revision")
        new_path, new_name = Path(args.specs[0]), args.specs[0]
    elif len(args.specs) != 2:
        raise UsageError(f"give OLD_SPEC NEW_SPEC (or one spec with --git REV), not {len(args.specs)} spec(s)")
    else:
        (old_path, new_path), (old_name, new_name) = map(Path, args.specs), args.specs
    old, new = load_spec(old_path), load_spec(new_path)
    with progress_line() as show:
        if show is not None:
            show("searching both versions together...")
        report = diff_specs(
            old,
            new,
            out=out,
            scenarios=tuple(Path(p) for p in args.scenarios),
            max_states=args.max_states,
            limit=args.max_stories,
            explore=not args.no_explore,
            names=(old_name, new_name),
        )
    diagram = write_diff_diagrams(old, new, report.changes, out)
    if args.format == "markdown":
        args.outcome = 0 if report.ok else 1
        print(markdown(report, diagram.mermaid))
        return int(args.outcome)
    return finish(args, report, lambda: [*text_lines(report), f"diff diagram: {', '.join(diagram.files)}"])
