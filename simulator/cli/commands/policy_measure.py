"""``credlab policy count`` and ``credlab policy compare``: what a policy accepts, exactly."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

from credlab.simulator.cli.options import add_command
from credlab.simulator.cli.output import finish

COUNT_HELP = "how many strings a policy accepts, per length and in total (exact)"
COUNT_DESCRIPTION = """\
Count the strings the named policy accepts, per length and in total, exactly (Python big
integers, no sampling), over every Unicode scalar value. Only `reject` rules that judge the
string alone count; rules that need other facts (the member's name, passwords used elsewhere)
are named as not counted. A policy with no upper length accepts infinitely many strings: its
lengths are listed a little past its last bound. Exit 0; 2 on bad input.
"""
COMPARE_HELP = "compare two policies: equal, subset, superset, overlap or disjoint, with witnesses"
COMPARE_DESCRIPTION = """\
Compare the strings two policies accept. Each side is SPEC:POLICY (the same spec or two). Prints
the relation (A equal to B, A a subset of B, a superset, overlapping or disjoint) and, for what
only A accepts, only B accepts and both accept: how many strings, and the shortest one (the
first in order: lowercase letters, uppercase, digits, symbols, then other characters).
Exit 0 when the policies accept exactly the same strings, 1 when they differ, 2 on bad input.
"""


IMPORT_HELP = "read Password Rules strings (or the corpus JSON) into credlab policies"
IMPORT_DESCRIPTION = """\
Read Password Rules strings (Apple's passwordrules format: minlength, maxlength, required,
allowed, max-consecutive) into credlab policies, written as one spec (-o, default
build/imported/<file>.yaml) that every `credlab policy` command takes. FILE holds one rules
string per line, or the password-manager-resources corpus JSON ({site: {"password-rules": ...}}).
Each entry is imported or refused with file:line:col and the reason; what the format's reference
parser ignores is ignored too, and said. Exit 0 when every entry is imported, 1 when some are
refused, 2 on bad input.
"""


AUDIT_HELP = "audit a policy against a standard: NIST SP 800-63B-4, OWASP ASVS 5 levels 1-3"
AUDIT_DESCRIPTION = """\
Judge the named policy against every password requirement of a standard's profile
(nist-800-63b-4, asvs-5-l1, asvs-5-l2, asvs-5-l3), each quoted with its source. A failure shows a
witness: a password the standard requires to be accepted that the policy refuses, or one it
requires to be refused that the policy accepts (`credlab policy check` confirms it). Rate
limiting belongs to the lifecycle: the spec is explored and its unlimited_guessing findings
decide it. Requirements no policy can show (hints, rotation, storage) are listed apart.
Exit 0 when every requirement passes, 1 when any fails or is unknown, 2 on bad input.
"""


EXPORT_HELP = "write a policy as a Password Rules string, saying what the format cannot"
EXPORT_DESCRIPTION = """\
Write the named policy as a Password Rules string (Apple's passwordrules format), list every
rule the format cannot say (listed values, personal information, advice), and check the string
by reading it back: it must accept exactly the strings the exported rules accept.
Exit 0 when the whole policy is exported, 1 when some rule is left out, 2 on bad input.
"""


def add_parsers(policy_sub: Any) -> None:
    export = add_command(policy_sub, "export-rules", help=EXPORT_HELP, description=EXPORT_DESCRIPTION)
    export.add_argument("spec", metavar="SPEC", help="the spec file")
    export.add_argument("--policy", required=True, help="the policy's name, e.g. web_password")
    export.set_defaults(run=run_export)
    audit = add_command(policy_sub, "audit", help=AUDIT_HELP, description=AUDIT_DESCRIPTION)
    audit.add_argument("spec", metavar="SPEC", help="the spec file")
    audit.add_argument("--policy", required=True, help="the policy's name, e.g. web_password")
    audit.add_argument("--against", required=True, metavar="PROFILE", help="nist-800-63b-4, asvs-5-l1, -l2 or -l3")
    audit.set_defaults(run=run_audit)
    imported = add_command(policy_sub, "import-rules", help=IMPORT_HELP, description=IMPORT_DESCRIPTION)
    imported.add_argument("file", metavar="FILE", help="Password Rules strings, or the corpus JSON")
    imported.add_argument("-o", "--out", metavar="SPEC", help="where to write the spec (default build/imported/)")
    imported.set_defaults(run=run_import)
    count = add_command(policy_sub, "count", help=COUNT_HELP, description=COUNT_DESCRIPTION)
    count.add_argument("spec", metavar="SPEC", help="the spec file")
    count.add_argument("--policy", required=True, help="the policy's name, e.g. web_password")
    count.set_defaults(run=run_count)
    compare = add_command(policy_sub, "compare", help=COMPARE_HELP, description=COMPARE_DESCRIPTION)
    compare.add_argument(
        "a", metavar="SPEC_A:POLICY", help="the first policy, e.g. spec/ana_web_password.yaml:web_password"
    )
    compare.add_argument("b", metavar="SPEC_B:POLICY", help="the second policy")
    compare.set_defaults(run=run_compare)


def _number(count: int | None) -> str:
    """Exact up to 30 digits; beyond, three significant digits and the power of ten (the exact
    figure is in ``--format json``)."""
    if count is None:
        return "infinitely many"
    digits = str(count)
    if len(digits) <= 30:
        return f"{count:,}"
    return f"{digits[0]}.{digits[1:3]} × 10^{len(digits) - 1}"


def _log2(count: int | None) -> str:
    from credlab.model.policy_measures import log2

    bits = log2(count)
    return "" if bits is None else f" (2^{bits:.1f})"


def run_count(args: argparse.Namespace) -> int:
    from credlab.simulator import api
    from credlab.simulator.results_policies import UNICODE, shown

    report = api.count_policy(args.spec, args.policy)

    def text() -> Iterator[str]:
        m = report.measure
        yield f"{report.spec}: policy {m.policy} (Unicode {UNICODE})"
        width = max((len(f"{c:,}") for _, c in m.lengths), default=1)
        yield f"  {'length':>6}  {'accepted':>{width}}"
        for n, c in m.lengths:
            yield f"  {n:>6}  {c:>{width},}"
        if m.accepted.count is None and m.lengths:
            yield f"  {'…':>6}  (no upper length: every longer length too)"
        yield f"  total: {_number(m.accepted.count)}{_log2(m.accepted.count)}"
        if m.accepted.shortest is not None:
            yield f"  shortest accepted: {shown(m.accepted.shortest)}"
        if m.not_counted:
            yield f"  not counted (they need other facts): {', '.join(m.not_counted)}"

    return finish(args, report, text)


RELATION_TEXT = {
    "equal": "A and B accept exactly the same strings",
    "subset": "A accepts only strings B accepts (A is stricter)",
    "superset": "B accepts only strings A accepts (B is stricter)",
    "overlap": "each accepts strings the other refuses",
    "disjoint": "no string is accepted by both",
}


def run_compare(args: argparse.Namespace) -> int:
    from credlab.simulator import api
    from credlab.simulator.results_policies import UNICODE, shown

    report = api.compare_policies(args.a, args.b)

    def text() -> Iterator[str]:
        c = report.comparison
        yield f"A = {report.a}, B = {report.b} (Unicode {UNICODE})"
        yield f"  {c.relation}: {RELATION_TEXT[c.relation]}"
        for label, part in (("only A accepts", c.only_a), ("only B accepts", c.only_b), ("both accept", c.both)):
            witness = f"; shortest {shown(part.shortest)}" if part.shortest is not None else ""
            yield f"  {label}: {_number(part.count)}{_log2(part.count)}{witness}"
        if c.not_counted:
            yield f"  not compared (they need other facts): {', '.join(c.not_counted)}"

    return finish(args, report, text)


def run_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from credlab.simulator import api

    report = api.import_rules(args.file, out=args.out)

    def text() -> Iterator[str]:
        done = sum(e.imported for e in report.entries)
        yield f"{report.source}: {done} of {len(report.entries)} imported" + (
            f" into {report.out}" if report.out else ""
        )
        for e in report.entries:
            if not e.imported:
                yield f"  refused {e.site}: {e.reason}"
            for note in e.notes:
                yield f"  note {e.site}: {note}"
        if report.out:
            yield f"  count one: credlab policy count {Path(report.out)} --policy {report.entries[0].name}"

    return finish(args, report, text)


AUDIT_MARK = {"pass": "pass", "fail": "FAIL", "unknown": "????"}


def run_audit(args: argparse.Namespace) -> int:
    from credlab.simulator import api
    from credlab.simulator.results_policies import shown

    report = api.audit_policy(args.spec, args.policy, args.against)

    def text() -> Iterator[str]:
        used = "used alone" if report.single_factor else "used with another factor"
        yield f"{report.spec}: policy {report.policy} against {report.profile.title} ({used})"
        width = max(len(r.requirement.id) for r in report.results)
        for r in report.results:
            witness = f"; witness {shown(r.witness)}" if r.witness is not None else ""
            mark, req = AUDIT_MARK[r.status], r.requirement
            yield f"  {mark}  {req.id:<{width}}  {req.strength:<9}  {r.detail}{witness}"
        for story in report.evidence:
            yield f"  evidence: {story}"
        yield "  not audited (no policy can show them):"
        for what, why in report.profile.not_audited:
            yield f"    {what}: {why}"

    return finish(args, report, text)


def run_export(args: argparse.Namespace) -> int:
    from credlab.simulator import api

    report = api.export_rules(args.spec, args.policy)

    def text() -> Iterator[str]:
        yield f"{report.spec}: policy {report.policy} as Password Rules"
        yield f"  {report.rules}"
        check = "read back, it accepts exactly what the exported rules accept"
        yield (
            f"  {check}"
            if report.equal_on_import
            else f"  NOT EQUAL: {check.replace('it accepts', 'it does not accept')}"
        )
        for rule, why in report.left_out:
            yield f"  not exported: {rule}: {why}"
        if report.advice:
            yield f"  advice, never part of Password Rules: {', '.join(report.advice)}"

    return finish(args, report, text)
