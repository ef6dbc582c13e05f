"""``credlab conform``: drive the spec's stories through a system under test, step by step."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from credlab.simulator.cli.options import add_command
from credlab.simulator.cli.output import finish

if TYPE_CHECKING:
    from credlab.simulator.conform.drive import ConformReport

HELP = "drive the spec's stories through a system under test; exit 1 on a divergence"
DESCRIPTION = """\
Replay the spec's story library (or the given scenario files and folders) on the spec and on a
system under test in lock step: after every event, the same event with the same inputs is
performed on the system, and accepted/refused, the messages sent, the state (where the system
shows one) and, at each `access` expectation, which credentials a channel takes must agree.
Secrets the system draws (a random PIN on a postcard) are checked against the policy and adopted.

A URL target is a web service driven through an HTTP binding (--binding FILE: per event a request
template, how acceptance reads, where email and postcards are read; credlab captures the
system's email with an SMTP server of its own while it runs). Each divergence lists the HTTP
exchange of every step as cURL lines, secrets replaced by what they are.

Then, unless --no-paths, the shortest story to every transition and every state of the spec
(coverage-directed), then --walks random walks (Hypothesis: a diverging walk is shrunk to the
shortest; --seed picks them). --target spec:FILE takes another spec's reference behaviour as the system
(last release's spec, a variant). Each divergence is written under --out as the shortest story that shows it: the spec
passes it (`credlab simulate`), the system does not (`credlab conform`). Stories the system cannot
start are skipped with the reason. Exit 0 when nothing diverges, 1 when something does, 2 on bad input.
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "conform", formats=("text", "json", "junit"), help=HELP, description=DESCRIPTION)
    parser.add_argument("spec", metavar="SPEC", help="the spec file")
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO_OR_DIR", help="stories to drive (default: the library)"
    )
    parser.add_argument("--target", required=True, help="the system under test: a URL (with --binding), or spec:FILE")
    parser.add_argument("--binding", metavar="FILE", help="how to drive a URL target (examples/ana_app/binding.yaml)")
    parser.add_argument(
        "--browser",
        action="store_true",
        help="do the binding's browser events through the HTML forms in headless Chromium",
    )
    parser.add_argument(
        "--smtp", metavar="HOST:PORT", help="capture the system's email here instead of where the binding says"
    )
    parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a spec parameter")
    parser.add_argument("--seed", type=int, default=0, help="random seed (the spec side's draws); default 0")
    parser.add_argument("--out", default="build/conform", metavar="DIR", help="where divergent stories are written")
    parser.add_argument(
        "--walks", type=int, default=100, metavar="N", help="random walks to try (0: none); default 100"
    )
    parser.add_argument("--walk-steps", type=int, default=20, metavar="N", help="steps per random walk; default 20")
    parser.add_argument(
        "--no-paths",
        action="store_true",
        help="skip the shortest story to every transition and state (the library only)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from credlab.simulator import api

    report = api.conform(
        args.spec,
        args.target,
        args.scenarios,
        settings=args.set,
        out=args.out,
        seed=args.seed,
        paths=not args.no_paths,
        walks=args.walks,
        walk_steps=args.walk_steps,
        binding=args.binding,
        smtp=args.smtp,
        browser=args.browser,
    )

    def text() -> Iterator[str]:
        yield f"{report.spec} against {report.target}: {report.stories} stories, {report.steps} steps"
        for d in report.divergences:
            yield f"  DIVERGES {d.story} ({d.source}) at step {d.step}: expected {d.expected}; observed {d.observed}"
            yield f"    shortest story: {d.scenario_file}"
            yield from (f"    {line}" for line in d.exchange)
        for name, failure in report.spec_failures:
            yield f"  FAILS ON THE SPEC {name}: {failure.splitlines()[0]}"
        for name, why in report.skipped:
            yield f"  skipped {name}: {why}"
        states, transitions = report.states, report.transitions
        yield f"  coverage: states {states[0]}/{states[1]}, transitions {transitions[0]}/{transitions[1]}"
        yield "PASS: no divergence" if report.ok else f"FAIL: {len(report.divergences)} divergence(s)"

    if args.format == "junit":
        args.outcome = 0 if report.ok else 1
        sys.stdout.write(junit(report))
        return int(args.outcome)
    return finish(args, report, text)


def junit(report: ConformReport) -> str:
    """JUnit XML: one testcase per story driven (and one for the random walks); a divergence is
    a failure with the shortest story's file, a story the target cannot start is skipped, a
    story that fails on the spec itself is an error."""
    from xml.etree import ElementTree  # only --format junit pays for it

    suites = ElementTree.Element("testsuites", name="credlab conform")
    suite = ElementTree.SubElement(
        suites,
        "testsuite",
        name=f"{report.spec} against {report.target}",
        tests=str(len(report.played)),
        failures=str(len(report.divergences)),
        errors=str(len(report.spec_failures)),
        skipped=str(len(report.skipped)),
    )
    diverged = {d.story: d for d in report.divergences}
    skipped, failed = dict(report.skipped), dict(report.spec_failures)
    for name, source in report.played:
        case = ElementTree.SubElement(suite, "testcase", classname=source.rpartition(":")[0], name=name)
        if name in diverged:
            d = diverged[name]
            failure = ElementTree.SubElement(
                case, "failure", message=f"step {d.step}: expected {d.expected}; observed {d.observed}"
            )
            failure.text = "\n".join([f"shortest story: {d.scenario_file}", *d.exchange])
        elif name in skipped:
            ElementTree.SubElement(case, "skipped", message=skipped[name])
        elif name in failed:
            ElementTree.SubElement(case, "error", message=failed[name].splitlines()[0]).text = failed[name]
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
