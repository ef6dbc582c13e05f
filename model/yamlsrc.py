"""Reading untrusted YAML: bytes → one composed node tree, or located problems.

Only *composition* happens here (the YAML node graph with positions); no YAML constructor runs,
so a tag such as ``!!python/object`` can never build an object. Turning nodes into values is the
job of :mod:`credlab.model.schema`, which knows what each field expects and so can refuse YAML 1.1 traps.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from credlab.model.errors import Location, Problem, SpecError

try:  # libyaml is 8x faster and still gives line/column marks
    _Base: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python fallback where libyaml is missing
    _Base = yaml.SafeLoader

_STR, _MERGE = "tag:yaml.org,2002:str", "tag:yaml.org,2002:merge"


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """Composes without guessing types. credlab reads every scalar as written (see
    :mod:`credlab.model.schema`), so YAML 1.1's implicit typing (a regular expression per scalar,
    a third of composing a file) is skipped: a plain scalar is ``str``, except ``<<``, which stays
    a merge key so that it is refused. Explicit tags (``!!python/object``) are kept, and refused."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return _MERGE if value == "<<" and implicit and implicit[0] else _STR
        return str(super().resolve(kind, value, implicit))


MAX_INPUT_BYTES = 1 << 20
"""The largest spec or policy text credlab reads."""

LIMITS: dict[str, tuple[int, str]] = {
    "spec": (MAX_INPUT_BYTES, "a spec is a few hundred lines"),
    "policy text": (MAX_INPUT_BYTES, "a policy text is a few pages"),
    "scenario": (64 << 20, "split the story library into several files"),
    "trace": (256 << 20, "write traces of fewer or shorter stories"),
    "candidate list": (16 << 20, "split the candidates into several files"),
    "coverage": (16 << 20, "a coverage report names each state and transition once"),
    "password rules": (16 << 20, "split the rules into several files"),
    "binding": (MAX_INPUT_BYTES, "a binding is a page or two"),
    "profile": (MAX_INPUT_BYTES, "a behaviour profile is a page or two"),
}
"""Per kind of input file: the most bytes read, and what to do about a larger file. Anything is
read with its bound, so no file (``/dev/zero``, a 10 GB log named by mistake) fills memory."""


def location_of(path: str, mark: yaml.Mark | None) -> Location:
    """Turn a 0-based PyYAML mark into a 1-based :class:`Location`."""
    if mark is None:
        return Location(path)
    return Location(path, mark.line + 1, mark.column + 1)


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit >> 10} KiB"


def read_bytes(path: Path, *, what: str = "spec") -> bytes:
    """The bytes of the regular file ``path``, at most its kind's limit (:data:`LIMITS`).

    A FIFO, a device or a socket is refused before anything is read: the file is opened without
    blocking and checked with ``fstat``, so a FIFO with no writer cannot hang the run."""
    shown = str(path)
    here = Location(shown)
    limit, advice = LIMITS.get(what, (MAX_INPUT_BYTES, f"a {what} is small"))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise SpecError([Problem(here, "no such file")]) from None
    except IsADirectoryError:
        raise SpecError([Problem(here, f"is a directory, not a {what} file; name a .yaml file inside it")]) from None
    except OSError as error:
        raise SpecError([Problem(here, f"cannot read the file: {error.strerror or error}")]) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise SpecError([Problem(here, f"is a directory, not a {what} file; name a .yaml file inside it")])
        if not stat.S_ISREG(mode):
            raise SpecError([Problem(here, f"is not a regular file (a pipe, device or socket); give a {what} file")])
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise SpecError([Problem(here, f"cannot read the file: {error.strerror or error}")]) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise SpecError([Problem(here, f"the file is larger than {_size(limit)}; {advice}")])
    return data


def read_text(path: Path, *, what: str = "spec") -> str:
    """Read ``path`` as UTF-8 text (see :func:`read_bytes`), without a byte-order mark."""
    shown = str(path)
    data = read_bytes(path, what=what)
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
