"""The ``credlab check`` report in a real browser: headless Chromium loads the generated
index.html from a file:// URL.

* **Console errors.** Chromium runs with ``--enable-logging=stderr --v=0``, which writes every
  console message of the page to stderr as one line::

      [pid:tid:time:INFO:CONSOLE:3] "Uncaught ReferenceError: f is not defined", source: file:///…/x.html (3)

  (older versions write ``CONSOLE(3)`` and, for ``console.error``, ``ERROR`` instead of ``INFO``).
  Recent versions log ``console.error`` at INFO like ``console.log``, so the level cannot be
  trusted: the report writes nothing to the console, so the test requires that the page log no
  console line at all. Uncaught exceptions, ``console.error`` and the page's
  Content-Security-Policy refusing a load or a script all land there;
  :func:`test_the_console_check_sees_errors_and_refused_loads` shows on the installed Chromium
  that the method catches each of them.
* **Rendering.** ``--dump-dom`` prints the DOM after load: it has the inline SVG with every
  state, and one traceability row per quoted sentence with its status; the browser built exactly
  the tags the page wrote (no element closed or moved by the parser's error recovery).
* **Screenshot.** ``--screenshot --window-size=1400,3000`` under the test's tmp_path; the PNG
  must be that size, over 10 KB and more than one colour (the header of the PNG gives its size;
  its first rows are decoded with zlib to count colours).

Without a Chromium binary the tests skip: .ci/run installs Debian's chromium.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from credlab.simulator.render.report_html import render
from tests.conftest import REPO
from tests.simulator.test_report_html import Page, synthetic

SKIP_REASON = "Chromium not installed: .ci/run installs Debian's chromium; locally: apt-get install chromium"
CONSOLE = re.compile(r":(?P<level>[A-Z]+):CONSOLE(?::\d+|\(\d+\))\] \"(?P<message>.*)\", source: (?P<source>.*)$", re.M)
WIDTH, HEIGHT = 1400, 3000


def chromium_binary() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = chromium_binary()
    if binary is None:
        pytest.skip(SKIP_REASON)
    return binary


def browse(binary: str, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Load ``page`` in headless Chromium with a fresh profile and no network services."""
    profile = page.parent / f"profile-{page.stem}"
    flags = [
        "--headless",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    if os.geteuid() == 0:  # Chromium refuses to run as root with its sandbox
        flags.insert(0, "--no-sandbox")
    done = subprocess.run(
        [binary, *flags, *args, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=page.parent,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def console_messages(stderr: str) -> list[tuple[str, str]]:
    """Every console message Chromium logged, as (level, message); "Uncaught" anywhere counts too."""
    found = [(m["level"], m["message"]) for m in CONSOLE.finditer(stderr)]
    found += [("ERROR", line) for line in stderr.splitlines() if "Uncaught" in line and "CONSOLE" not in line]
    return found


def png_facts(data: bytes, rows: int = 400) -> tuple[int, int, int]:
    """(width, height, distinct colours in the first ``rows`` rows) of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG file"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    assert data[12:16] == b"IHDR" and depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    idat, offset = b"", 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        if kind == b"IDAT":
            idat += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    stride = width * bpp
    rows = min(rows, height)
    raw = zlib.decompressobj().decompress(idat, rows * (stride + 1))
    colours: set[bytes] = set()
    prior = bytearray(stride)
    for r in range(rows):
        kind, line = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1 : (r + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = prior[i], prior[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        colours.update(bytes(line[i : i + bpp]) for i in range(0, stride, bpp))
        prior = line
    return width, height, len(colours)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """index.html and report.json as ``credlab check`` writes them (one full check, ~12 s)."""
    out = tmp_path_factory.mktemp("report")
    script = Path(sys.executable).with_name("credlab")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "credlab"]
    done = subprocess.run(
        [*command, "check", "spec/ana_web_password.yaml", "-o", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 1 and "findings   FAIL" in done.stdout, done.stdout + done.stderr  # ANA's risks
    return out / "index.html", json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_the_report_logs_nothing_to_the_console(chromium: str, generated: tuple[Path, dict[str, Any]]) -> None:
    index, _ = generated
    done = browse(chromium, index, "--dump-dom")
    assert console_messages(done.stderr) == []


def test_the_console_check_sees_errors_and_refused_loads(chromium: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!DOCTYPE html><title>t</title><p>x</p><script>console.error('logged error');</script>"
        "<script>notAFunction();</script>",
        encoding="utf-8",
    )
    messages = " | ".join(m for _, m in console_messages(browse(chromium, broken, "--dump-dom").stderr))
    assert "logged error" in messages and "Uncaught ReferenceError: notAFunction" in messages
    # Our own page, with a fetch and a script slipped in: the page's policy refuses both, and says so.
    tampered = tmp_path / "tampered.html"
    page = render(synthetic()).replace(
        "</main>", '<img src="http://example.invalid/x.png" alt=""><script>console.log("ran")</script></main>'
    )
    tampered.write_text(page, encoding="utf-8")
    refused = [m for _, m in console_messages(browse(chromium, tampered, "--dump-dom").stderr)]
    assert any("http://example.invalid/x.png" in m and "Content Security Policy" in m for m in refused)
    assert any("Executing inline script violates" in m for m in refused)
    assert "ran" not in refused


def test_the_browser_builds_the_diagram_and_the_matrix(chromium: str, generated: tuple[Path, dict[str, Any]]) -> None:
    index, report = generated
    spec = report["specs"][0]
    dom = browse(chromium, index, "--dump-dom").stdout
    seen, written = Page(dom), Page(index.read_text(encoding="utf-8"))
    assert seen.problems == []
    assert seen.tags == written.tags, "the browser parsed the page exactly as written"
    swept = {row["parameter"] for row in (spec.get("population") or {}).get("sweep", [])}
    # the diagram; each policy's three charts; two charts per parameter the population study sweeps
    assert seen.tags.count("svg") == 1 + 3 * len(spec["policies"]) + 2 * len(swept)
    svg_text = " ".join(seen.svg_text)
    assert all(state in svg_text for state in spec["summary"]["states"])
    rows = [(r["source"], r["status"]) for r in seen.matrix_rows]
    assert rows == [(t["source"], t["status"]) for t in spec["traceability"]]
    assert {"verdict", "diagram", "traceability", "findings"} <= set(seen.ids)


def test_a_screenshot_shows_a_rendered_page(
    chromium: str, generated: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    index, _ = generated
    shot = tmp_path / "report.png"
    browse(chromium, index, f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}")
    data = shot.read_bytes()
    assert len(data) > 10_000
    width, height, colours = png_facts(data)
    assert (width, height) == (WIDTH, HEIGHT)
    assert colours > 16, "text and badges, not a blank page"
