"""``credlab policy import-rules``: Password Rules strings (one per line, or the corpus JSON of
password-manager-resources) read into credlab policies, written as one spec so that every
``credlab policy`` command works on them.

Each entry is imported or refused with its location (``file:line:col``) and the reason; what the
format's reference parser would silently ignore is imported without it and said in ``notes``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from credlab.model import ir
from credlab.model.errors import Location, Problem, SpecError
from credlab.model.jsonsrc import parse_json
from credlab.model.password_rules import RulesError, parse_rules, policy_rules
from credlab.model.yamlsrc import read_text
from credlab.simulator.outputs import write_atomic
from credlab.simulator.results import Json

LIMITS = (
    "Password Rules cannot say 'three of these four kinds of character': a site that means it is "
    "imported with only what its string says.",
    "Password Rules has no listed (breached, common) values, personal information or reuse rules.",
    "Password Rules classes are ASCII, or 'unicode' for every character; nothing in between.",
)
"""What the format cannot say, stated with every import."""


@dataclass(frozen=True, slots=True)
class Entry:
    site: str
    """The domain (corpus) or ``file:line``."""
    text: str
    where: Location
    """Where the rules string starts (its first character)."""


@dataclass(frozen=True, slots=True)
class ImportedEntry:
    name: str
    site: str
    imported: bool
    reason: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ImportReport:
    source: str
    out: str | None
    entries: tuple[ImportedEntry, ...]

    @property
    def ok(self) -> bool:
        return all(e.imported for e in self.entries)

    def to_json(self) -> Json:
        return {
            "ok": self.ok,
            "source": self.source,
            "out": self.out,
            "imported": sum(e.imported for e in self.entries),
            "refused": sum(not e.imported for e in self.entries),
            "entries": [
                {"name": e.name, "site": e.site, "imported": e.imported, "reason": e.reason, "notes": list(e.notes)}
                for e in self.entries
            ],
            "limits": list(LIMITS),
        }


def read_entries(path: Path) -> list[Entry]:
    """The rules strings in ``path``: a JSON object ``{domain: {"password-rules": str}}`` (the
    corpus), or text with one rules string per line (``#`` starts a comment line)."""
    shown = str(path)
    text = read_text(path, what="password rules")
    if text.lstrip().startswith("{"):
        return _corpus_entries(text, shown)
    entries = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            column = len(line) - len(line.lstrip()) + 1
            entries.append(Entry(f"{path.stem}:{number}", line.strip(), Location(shown, number, column)))
    return entries


def _corpus_entries(text: str, shown: str) -> list[Entry]:
    data = parse_json(text, shown, expected="a JSON object of sites")
    if not isinstance(data, dict):
        raise SpecError([Problem(Location(shown), 'expected a JSON object: {site: {"password-rules": ...}}')])
    marks = _value_marks(text)
    entries = []
    for site, value in data.items():
        where = marks.get(site, Location(shown))
        where = Location(shown, where.line, where.column)
        rules = value.get("password-rules") if isinstance(value, dict) else None
        entries.append(Entry(str(site), rules if isinstance(rules, str) else "", where))
    return entries


def _value_marks(text: str) -> dict[str, Location]:
    """Where each site's ``password-rules`` string starts (JSON is YAML: the composer has marks)."""
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return {}
    found: dict[str, Location] = {}
    if not isinstance(root, yaml.MappingNode):
        return found
    for key, value in root.value:
        if isinstance(value, yaml.MappingNode):
            for inner_key, inner in value.value:
                if inner_key.value == "password-rules":
                    found[key.value] = Location("", inner.start_mark.line + 1, inner.start_mark.column + 2)
    return found


def policy_name(site: str, taken: set[str]) -> str:
    """``1800flowers.com`` → ``site_1800flowers_com``: a credlab name, unique among ``taken``."""
    name = re.sub(r"[^a-z0-9]+", "_", site.lower()).strip("_")
    name = name if name[:1].isalpha() else f"site_{name}"
    unique, n = name, 2
    while unique in taken:
        unique, n = f"{name}_{n}", n + 1
    taken.add(unique)
    return unique


def import_rules(path: Path, out: Path | None) -> tuple[ImportReport, str]:
    """Every entry of ``path`` imported or refused; the spec text holding the imported policies."""
    taken: set[str] = set()
    results: list[ImportedEntry] = []
    policies: list[tuple[str, Entry, list[tuple[str, str, str]]]] = []
    for entry in read_entries(path):
        name = policy_name(entry.site, taken)
        try:
            parsed = parse_rules(entry.text)
        except RulesError as error:
            place = Location(entry.where.path, entry.where.line, entry.where.column + error.offset)
            results.append(ImportedEntry(name, entry.site, False, f"{place}: {error.message}", ()))
            continue
        rules = [(rule_id, _check_yaml(check), message) for rule_id, check, message in policy_rules(parsed)]
        if not rules:
            results.append(ImportedEntry(name, entry.site, False, f"{entry.where}: the rules say nothing", ()))
            continue
        policies.append((name, entry, rules))
        results.append(ImportedEntry(name, entry.site, True, None, parsed.notes))
    text = spec_text(path, policies)
    written = str(out) if out is not None and policies else None
    return ImportReport(str(path), written, tuple(results)), text


def _check_yaml(check: ir.RuleCheck) -> str:
    q = json.dumps
    match check:
        case ir.LengthCheck(minimum=low, maximum=None):
            return f"{{length: {{min: {low}}}}}"
        case ir.LengthCheck(minimum=low, maximum=high):
            return f"{{length: {{min: {low}, max: {high}}}}}"
        case ir.AlphabetCheck(classes=classes):
            return f"{{alphabet: [{', '.join(q(c) for c in classes)}]}}"
        case ir.MustIncludeCheck(classes=classes):
            return f"{{must_include: [{', '.join(q(c) for c in classes)}]}}"
        case ir.MustIncludeOneOfCheck(classes=classes):
            return f"{{must_include_one_of: [{', '.join(q(c) for c in classes)}]}}"
        case ir.MaxConsecutiveCheck(count=count):
            return f"{{max_consecutive: {count}}}"
    raise AssertionError(f"no YAML for {check!r}")  # pragma: no cover - policy_rules makes only these


def spec_text(path: Path, policies: list[tuple[str, Entry, list[tuple[str, str, str]]]]) -> str:
    """A spec holding ``policies``, each citing its rules string as its source; a one-state
    account whose password any of them may judge keeps the spec valid."""
    q = json.dumps
    first = policies[0][0] if policies else "imported"
    lines = [
        f"# Imported by `credlab policy import-rules {path.name}`: each policy cites its Password Rules",
        "# string as its source. The account below only keeps the spec valid.",
        "credlab: 1",
        f"name: {re.sub(r'[^a-z0-9]+', '_', path.stem.lower()).strip('_') or 'imported'}",
        f"title: {q('Password rules imported from ' + path.name)}",
        "sources:",
        *(f"  {name}: {q(entry.site + ': ' + (entry.text or '(empty)'))}" for name, entry, _ in policies),
        "policies:",
    ]
    for name, entry, rules in policies:
        lines += [f"  {name}:", "    kind: password", f"    description: {q(entry.site)}", "    rules:"]
        for rule_id, check, message in rules:
            lines += [
                f"      - id: {rule_id}",
                "        severity: reject",
                f"        check: {check}",
                f"        message: {q(message)}",
                f"        source: {name}",
            ]
    if not policies:
        return "\n".join(lines[:6]) + "\n"
    lines += [
        "credentials:",
        f"  password: {{kind: password, policy: {first}}}",
        "channels:",
        "  web: {kind: online, description: The site.}",
        "access:",
        f"  - {{channel: web, credential: password, source: {first}}}",
        "states:",
        f"  account: {{description: An account with a password., source: {first}}}",
        "initial: account",
        "events:",
        f"  set_password: {{inputs: {{new_password: {{type: secret}}}}, source: {first}}}",
        "transitions:",
        "  - id: set_password",
        "    event: set_password",
        "    from: account",
        f"    when: [{{satisfies: {{input: new_password, policy: {first}}}}}]",
        "    do: [{set_credential: {credential: password, from: new_password}}]",
        f"    source: {first}",
    ]
    return "\n".join(lines) + "\n"


def write_spec(out: Path, text: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, text)
