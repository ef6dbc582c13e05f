"""Reading untrusted YAML: bytes → one composed node tree, or located problems.

Only *composition* happens here (the YAML node graph with positions); no YAML constructor runs,
so a tag such as ``!!python/object`` can never build an object. Turning nodes into values is the
job of :mod:`credlab.model.schema`, which knows what each field expects and so can refuse YAML 1.1 traps.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from credlab.model.errors import Location, Problem, SpecError

try:  # libyaml is 8x faster and still gives line/column marks
    _Loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python fallback where libyaml is missing
    _Loader = yaml.SafeLoader

MAX_INPUT_BYTES = 1 << 20


def location_of(path: str, mark: yaml.Mark | None) -> Location:
    """Turn a 0-based PyYAML mark into a 1-based :class:`Location`."""
    if mark is None:
        return Location(path)
    return Location(path, mark.line + 1, mark.column + 1)


def read_text(path: Path, *, what: str = "spec") -> str:
    """Read ``path`` as UTF-8 text, refusing what cannot be a credlab input file."""
    shown = str(path)
    here = Location(shown)
    if path.is_dir():
        raise SpecError([Problem(here, f"is a directory, not a {what} file; name a .yaml file inside it")])
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise SpecError([Problem(here, "no such file")]) from None
    except OSError as error:
        raise SpecError([Problem(here, f"cannot read the file: {error.strerror or error}")]) from None
    if len(data) > MAX_INPUT_BYTES:
        raise SpecError(
            [Problem(here, f"the file is larger than {MAX_INPUT_BYTES // 1024} KiB; a {what} is a few hundred lines")]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        line_start = data.rfind(b"\n", 0, error.start) + 1
        column = len(data[line_start : error.start].decode("utf-8", "replace")) + 1  # in characters, as YAML counts
        byte = data[error.start]
        raise SpecError(
            [Problem(Location(shown, line, column), f"byte 0x{byte:02x} is not UTF-8; save the file as UTF-8")]
        ) from None
    return text.removeprefix("\ufeff")


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    return lines[line][column] if line < len(lines) and column < len(lines[line]) else ""


def compose(text: str, path: str, *, what: str = "spec") -> yaml.Node:
    """Compose one YAML document into a node tree (no objects are constructed)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(part for part in (error.context, error.problem) if part) or "invalid YAML"
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            message = "a tab character: YAML indents with spaces; replace the tab with spaces"
        elif "expected a single document" in message:
            message = f"the file holds more than one YAML document; a {what} file holds exactly one"
        raise SpecError([Problem(location_of(path, mark), message)]) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, such as NUL
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        name = f"U+{error.character:04X}" if isinstance(error.character, int) else repr(error.character)
        message = f"character {name}: control characters are not allowed in YAML; remove it"
        raise SpecError([Problem(Location(path, line, column), message)]) from None
    except yaml.YAMLError as error:  # pragma: no cover - libyaml errors without marks
        raise SpecError([Problem(Location(path), f"invalid YAML ({type(error).__name__})")]) from None
    if node is None:
        raise SpecError([Problem(Location(path), f"the file is empty; see the README for what a {what} file holds")])
    return node


def load_nodes(path: Path, *, what: str = "spec") -> tuple[str, yaml.Node]:
    """Read and compose ``path``; returns the path as shown in messages and the root node."""
    text = read_text(path, what=what)
    return str(path), compose(text, str(path), what=what)
