"""``load_spec``: a spec file → a validated :class:`~credlab.model.ir.Spec`, or every problem at once."""

from __future__ import annotations

from pathlib import Path

from credlab.model import ir
from credlab.model.build import SpecBuilder
from credlab.model.errors import SpecError
from credlab.model.schema import Decoder, Obj
from credlab.model.spec_schema import SPEC
from credlab.model.yamlsrc import load_nodes


def load_spec(path: str | Path) -> ir.Spec:
    """Load, decode and validate the spec at ``path``.

    Raises :class:`~credlab.model.errors.SpecError` carrying *all* problems found, each located as
    ``path:line:col``. Nothing in the file is executed or imported; the only other file it may
    open is its policy text, and only inside the spec's own folder.
    """
    file = Path(path)
    shown, root = load_nodes(file)
    decoder = Decoder(shown)
    top = SPEC.decode(root, decoder)
    spec = SpecBuilder(file, shown, decoder.problems).build(top) if isinstance(top, Obj) else None
    decoder.problems.raise_if_any()
    if spec is None:  # pragma: no cover - the builder records a problem whenever it gives up
        raise SpecError([])
    return spec
