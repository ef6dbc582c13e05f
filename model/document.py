"""The policy text behind a spec, and the proof that every line of it is accounted for.

A spec names its policy text (``document.file``, in the spec's own folder). Each line of the
text must either be covered by quotes under ``sources:`` or be listed under
``document.unquoted`` with the reason it states no rule: a rule nobody encoded is a defect.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from credlab.model import ir
from credlab.model.errors import Location, Problems, SpecError
from credlab.model.schema import Obj, items_of
from credlab.model.yamlsrc import read_text

_IMAGE = re.compile(r"!\[(?P<alt>.*)\]\([^)]*\)")  # greedy: alt texts hold [A to Z]
_LIST_MARKER = re.compile(r"^(?:[-*]\s+)+")
_FILLER = re.compile(r"[\s|*\-]*")


def resolve_document_path(spec_path: Path, name: str) -> Path | None:
    """The document's path if ``name`` stays inside the spec's folder, else None."""
    if not name or Path(name).is_absolute() or ".." in Path(name).parts or "\\" in name:
        return None
    folder = spec_path.parent.resolve()
    candidate = (folder / name).resolve()
    return candidate if candidate.is_relative_to(folder) else None


def read_document(spec_path: Path, name: str, where: Location, problems: Problems) -> str | None:
    path = resolve_document_path(spec_path, name)
    if path is None:
        problems.add(where, f"document '{name}' must be a file in the spec's own folder (no '..', no absolute path)")
        return None
    try:
        return read_text(path, what="policy text")
    except SpecError as error:
        problems.add(where, f"cannot use document '{name}': {error.problems[0].message}")
        return None


def rule_lines(text: str) -> Iterator[tuple[int, str]]:
    """The document's non-empty lines as (1-based line number, normalized text).

    Normalizing drops list markers and turns a Markdown image into its alt text, which is
    where the ANA page repeats its password rule.
    """
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _IMAGE.sub(lambda m: m.group("alt"), raw)
        line = _LIST_MARKER.sub("", line.strip()).strip()
        if _FILLER.fullmatch(line):
            continue
        yield number, line


def uncovered_lines(text: str, quotes: Iterable[str], unquoted: Iterable[str]) -> list[tuple[int, str]]:
    """Lines neither tiled by ``quotes`` (up to punctuation) nor listed as ``unquoted``, each with
    what no quote covers (the whole line when nothing of it is quoted; ``…`` marks a quoted part)."""
    ordered = sorted(set(quotes), key=len, reverse=True)
    explained = {line.strip() for line in unquoted}
    missing = []
    for number, line in rule_lines(text):
        if line in explained:
            continue
        rest = line
        for quote in ordered:
            rest = rest.replace(quote, "\0")
        if not _FILLER.fullmatch(rest.replace("\0", " ").strip(" .")):
            parts = [part.strip() for part in rest.split("\0")]
            shown = " … ".join(part for part in parts if part) if "\0" in rest else line
            missing.append((number, ("… " if not parts[0] else "") + shown + (" …" if not parts[-1] else "")))
    return missing


def first_difference(quote: str, text: str) -> tuple[int, str | None]:
    """How much of ``quote`` the text has word for word (the longest prefix found in it), and the
    text's character where the quote goes on differently (None at the end of the text)."""
    low, high = 0, len(quote)
    while low < high:  # a prefix found implies every shorter one is: search the longest
        middle = (low + high + 1) // 2
        if quote[:middle] in text:
            low = middle
        else:
            high = middle - 1
    at = text.find(quote[:low]) + low
    return low, text[at] if at < len(text) else None


def not_verbatim(source: ir.Source, file: str, text: str) -> str:
    """Where a quote first parts from the text: what matches, then what each has instead."""
    matched, theirs = first_difference(source.quote, text)
    head = f"source '{source.id}' is not quoted verbatim from {file}"
    if matched == 0:
        return f"{head}: not even its first character is in the text"
    ours = source.quote[matched]
    where = f"after {matched} matching character(s) ('…{source.quote[max(0, matched - 24) : matched]}')"
    found = "the text ends" if theirs is None else f"the text has {theirs!r}"
    return f"{head}: {where} the quote has {ours!r} where {found}"


def build_document(
    spec_path: Path, sources: Mapping[str, ir.Source], obj: Any, problems: Problems
) -> ir.Document | None:
    """The policy text a spec's ``document:`` names, each quote checked verbatim and each line
    accounted for (quoted, or listed under ``unquoted:`` with the reason)."""
    if not isinstance(obj, Obj) or not isinstance(obj.get("file"), str):
        return None
    text = read_document(spec_path, obj["file"], obj.at("file"), problems)
    if text is None:
        return None
    for source in sources.values():
        if source.quote not in text:
            problems.add(source.loc, not_verbatim(source, obj["file"], text))
    unquoted = tuple(
        (u["text"], u["why"] if isinstance(u.get("why"), str) else "")
        for u in items_of(obj.get("unquoted"))
        if isinstance(u, Obj) and isinstance(u.get("text"), str)
    )
    lines = {line.strip() for line in text.splitlines()}
    for u in items_of(obj.get("unquoted")):
        if (
            isinstance(u, Obj)
            and isinstance(u.get("text"), str)
            and u["text"].strip() not in lines
            and not any(u["text"] in line for line in lines)
        ):
            problems.add(u.at("text"), f"'{u['text'][:60]}' is not a line of {obj['file']}")
    for number, line in uncovered_lines(text, (s.quote for s in sources.values()), (u for u, _ in unquoted)):
        problems.add(
            obj.at("file"),
            f"{obj['file']} line {number} is neither quoted under sources: nor listed "
            f"under document.unquoted: '{line[:70]}'",
        )
    return ir.Document(obj["file"], text, unquoted, obj.loc)
