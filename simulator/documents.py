"""Reading a YAML document that is about one spec (an HTTP binding, a behaviour profile): safe
composition, the document's own schema, its format version and the spec it names, checked once."""

from __future__ import annotations

import os
from pathlib import Path

from credlab.model import ir
from credlab.model.errors import Problems
from credlab.model.schema import Decoder, Obj, Record
from credlab.model.yamlsrc import load_nodes


def read_document(path: str | os.PathLike[str], spec: ir.Spec, schema: Record, kind: str) -> tuple[Obj, Problems]:
    """The decoded top of the ``kind`` file ``path`` (its version key is ``credlab_<kind>``), and
    the problems to add to; raises :class:`SpecError` if it is not format 1 about ``spec``."""
    shown, root = load_nodes(Path(path), what=kind)
    decoder = Decoder(shown)
    top: Obj = schema.decode(root, decoder)
    problems = decoder.problems
    problems.raise_if_any()
    if top[f"credlab_{kind}"] != 1:
        problems.add(top.at(f"credlab_{kind}"), f"this credlab reads {kind} format 1")
    if top["spec"] != spec.name:
        problems.add(top.at("spec"), f"this {kind} is for spec '{top['spec']}', not '{spec.name}'")
    problems.raise_if_any()
    return top, problems
