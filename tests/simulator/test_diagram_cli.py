"""`credlab diagram`: files written, --check, overlays, the no-Graphviz path, bad input."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from credlab.model.loader import load_spec
from credlab.simulator.cli.main import main
from credlab.simulator.render.dot import PATH, _png_with_text, png_source_hash
from tests.conftest import ANA_SPEC, REPO

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
NAME = "ana_web_password"
MINIMAL = REPO / "tests" / "model" / "good_specs" / "minimal.yaml"
BANK = REPO / "tests" / "model" / "good_specs" / "bank_card_pin.yaml"


def no_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda cmd, *a, **k: None if cmd == "dot" else real(cmd, *a, **k))


def repo_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """spec/ and diagrams/ copied into tmp_path, which becomes the working directory."""
    shutil.copytree(REPO / "spec", tmp_path / "spec")
    shutil.copytree(REPO / "diagrams", tmp_path / "diagrams")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def change_a_transition(root: Path) -> None:
    """leave_reset_form now leads to unregistered instead of reset_pending."""
    spec = root / "spec" / f"{NAME}.yaml"
    text = spec.read_text(encoding="utf-8")
    old = "  - id: leave_reset_form\n    event: log_out\n    from: reset_form\n    to: reset_pending\n"
    assert text.count(old) == 1
    spec.write_text(text.replace(old, old.replace("to: reset_pending", "to: unregistered")), encoding="utf-8")


def json_out(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {Path(f["path"]).name: f["status"] for f in report["files"]}


# --- writing -----------------------------------------------------------------------------------------
@needs_dot
def test_all_four_formats_are_written_and_the_svg_names_every_state(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["diagram", str(ANA_SPEC), "-o", str(out), "--formats", "dot,svg,png,mmd"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        *(f"{NAME}.{f}" for f in ("dot", "mmd", "png", "svg")),
    ]
    root = ET.parse(out / f"{NAME}.svg").getroot()
    text = " ".join(el.text or "" for el in root.iter())
    assert all(state in text for state in load_spec(ANA_SPEC).states)
    assert (out / f"{NAME}.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "```mermaid\nstateDiagram-v2\n" in readme and f"[SVG]({NAME}.svg)" in readme
    assert (out / f"{NAME}.mmd").read_text(encoding="utf-8").strip() in readme


@needs_dot
def test_two_runs_give_identical_dot_svg_and_mermaid(tmp_path: Path) -> None:
    for run in ("a", "b"):
        assert main(["diagram", str(ANA_SPEC), "-o", str(tmp_path / run)]) == 0
    for fmt in ("dot", "svg", "mmd"):
        assert (tmp_path / "a" / f"{NAME}.{fmt}").read_bytes() == (tmp_path / "b" / f"{NAME}.{fmt}").read_bytes()
    assert (tmp_path / "a" / "README.md").read_bytes() == (tmp_path / "b" / "README.md").read_bytes()


def test_a_second_run_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["diagram", str(ANA_SPEC), "-o", str(tmp_path), "--formats", "dot,mmd", "--format", "json"]
    assert main(args) == 0
    first = json_out(capsys)
    assert first["ok"] is True and first["mode"] == "write"
    assert set(statuses(first).values()) == {"written"}
    assert main(args) == 0
    assert set(statuses(json_out(capsys)).values()) == {"unchanged"}


@needs_dot
def test_a_png_is_rewritten_only_when_its_dot_source_changes(tmp_path: Path) -> None:
    assert main(["diagram", str(ANA_SPEC), "-o", str(tmp_path), "--formats", "dot,png"]) == 0
    png = tmp_path / f"{NAME}.png"
    digest = png_source_hash(png.read_bytes())
    assert digest
    other_build = _png_with_text(png.read_bytes(), "Software", "another Graphviz build")
    png.write_bytes(other_build)  # other bytes, drawn from the same DOT
    assert main(["diagram", str(ANA_SPEC), "-o", str(tmp_path), "--formats", "dot,png"]) == 0
    assert png.read_bytes() == other_build
    assert main(["diagram", str(ANA_SPEC), "-o", str(tmp_path), "--formats", "dot,png", "--check"]) == 0


# --- --check -----------------------------------------------------------------------------------------
def test_check_passes_on_the_repository(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    assert main(["diagram", "--check"]) == 0, capsys.readouterr().out


def test_check_names_each_stale_file_after_a_transition_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo_copy(tmp_path, monkeypatch)
    assert main(["diagram", "--check"]) == 0
    capsys.readouterr()
    change_a_transition(root)
    assert main(["diagram", "--check"]) == 1
    out = capsys.readouterr().out
    stale = ["README.md", f"{NAME}.dot", f"{NAME}.mmd", f"{NAME}.png"]
    stale += [f"{NAME}.svg"] if shutil.which("dot") else []
    for name in stale:
        assert f"diagrams/{name}: stale" in out
    assert "run `credlab diagram` to regenerate" in out
    assert main(["diagram"]) in (0, 2)  # 2 without Graphviz: SVG and PNG not drawn
    capsys.readouterr()
    if shutil.which("dot"):
        assert main(["diagram", "--check"]) == 0


def test_check_reports_missing_and_unexpected_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo_copy(tmp_path, monkeypatch)
    (root / "diagrams" / f"{NAME}.mmd").unlink()
    (root / "diagrams" / "renamed_spec.dot").write_text("digraph {}\n", encoding="utf-8")
    (root / "diagrams" / "notes.txt").write_text("not a diagram\n", encoding="utf-8")
    assert main(["diagram", "--check", "--format", "json"]) == 1
    report = json_out(capsys)
    assert report["ok"] is False and report["mode"] == "check" and report["dir"] == "diagrams"
    found = statuses(report)
    assert found[f"{NAME}.mmd"] == "missing" and found["renamed_spec.dot"] == "unexpected"
    assert found[f"{NAME}.dot"] == "current" and "notes.txt" not in found
    entry = next(f for f in report["files"] if f["status"] == "unexpected")
    assert entry == {
        "path": "diagrams/renamed_spec.dot",
        "spec": None,
        "format": "dot",
        "status": "unexpected",
        "reason": "no spec produces it; delete it if its spec is gone",
    }


def test_check_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo_copy(tmp_path, monkeypatch)
    change_a_transition(root)
    before = {p.name: p.read_bytes() for p in (root / "diagrams").iterdir()}
    assert main(["diagram", "--check"]) == 1
    assert {p.name: p.read_bytes() for p in (root / "diagrams").iterdir()} == before


# --- without Graphviz's dot ----------------------------------------------------------------------------
def test_without_dot_dot_and_mermaid_are_written_and_the_message_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    no_dot(monkeypatch)
    assert main(["diagram", str(ANA_SPEC), "-o", str(tmp_path)]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", f"{NAME}.dot", f"{NAME}.mmd"]
    captured = capsys.readouterr()
    assert "sudo apt-get install graphviz" in captured.err and "brew install graphviz" in captured.err
    assert f"{NAME}.svg: skipped" in captured.out


def test_without_dot_asking_only_for_dot_and_mermaid_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    no_dot(monkeypatch)
    assert main(["diagram", str(ANA_SPEC), "-o", str(tmp_path), "--formats", "dot,mmd"]) == 0
    assert capsys.readouterr().err == ""


def test_check_without_dot_does_not_call_current_svgs_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo_copy(tmp_path, monkeypatch)
    no_dot(monkeypatch)
    assert main(["diagram", "--check", "--format", "json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["graphviz"] is False
    found = statuses(report)
    assert found[f"{NAME}.svg"] == "unchecked" and found[f"{NAME}.png"] == "current"
    assert "not compared" in next(f["reason"] for f in report["files"] if f["status"] == "unchecked")
    assert "sudo apt-get install graphviz" in captured.err


def test_check_without_dot_still_finds_svgs_of_an_older_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    change_a_transition(repo_copy(tmp_path, monkeypatch))
    no_dot(monkeypatch)
    assert main(["diagram", "--check"]) == 1
    assert f"diagrams/{NAME}.svg: stale: rendered from an older DOT source" in capsys.readouterr().out


# --- overlays ------------------------------------------------------------------------------------------
def trace(tmp_path: Path, *records: dict[str, Any], spec: str = NAME) -> Path:
    start = {"kind": "start", "spec": spec, "run": "t", "state": "unregistered", "time": 0, "seed": 0}
    path = tmp_path / "run.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (start, *records)), encoding="utf-8")
    return path


def fired(step: int, transition: str, source: str, target: str, kind: str = "event") -> dict[str, Any]:
    return {
        "kind": kind,
        "step": step,
        "time": 0,
        "event": "e",
        "inputs": {"secret": "***"},
        "accepted": True,
        "source": source,
        "target": target,
        "transition": transition,
        "reason": "",
    }


def test_highlight_and_coverage_are_drawn_into_the_output_folder(tmp_path: Path) -> None:
    path = trace(
        tmp_path,
        fired(1, "login_shows_registration_screen", "unregistered", "registration_screen"),
        {"kind": "advance", "step": 2, "time": 60, "by": "1m", "source": "registration_screen"},
        {"kind": "event", "step": 3, "accepted": False, "transition": None, "source": "x", "target": "x"},
        fired(4, "register_web_password", "registration_screen", "web_password_set"),
    )
    coverage = tmp_path / "cov.json"
    report = {
        "states": {"covered": 7, "total": 8, "missed": ["reset_form"]},
        "transitions": {"covered": 18, "total": 19, "missed": ["open_reset_link"]},
    }
    coverage.write_text(json.dumps({"ok": True, "coverage": report}), encoding="utf-8")
    out = tmp_path / "out"
    args = ["diagram", str(ANA_SPEC), "-o", str(out), "--formats", "dot,mmd"]
    assert main([*args, "--highlight", str(path), "--coverage", str(coverage)]) == 0
    dot = (out / f"{NAME}.dot").read_text(encoding="utf-8")
    assert f'<FONT COLOR="{PATH}"><B>1.</B></FONT>' in dot and f'<FONT COLOR="{PATH}"><B>2.</B></FONT>' in dot
    assert "<B>3.</B>" not in dot  # refused events and clock advances are not steps of the path
    assert "never exercised in" in dot and "(states 7/8, transitions 18/19)" in dot
    mermaid = (out / f"{NAME}.mmd").read_text(encoding="utf-8")
    assert "registration_screen --> web_password_set : 2. register" in mermaid
    assert "class reset_form missed" in mermaid
    coverage.write_text(json.dumps(report), encoding="utf-8")  # a top-level report works too
    assert main([*args, "--coverage", str(coverage), "--focus", "reset_form"]) == 0


@pytest.mark.parametrize(
    ("lines", "where", "message"),
    [
        (["{not json"], ":1:2:", "not JSON"),
        ([json.dumps({"kind": "start", "spec": "other", "state": "unregistered"})], ":1:1:", "of spec 'other'"),
        ([json.dumps({"kind": "start", "state": "limbo"})], ":1:1:", "starts in state 'limbo'"),
        (
            [json.dumps({"kind": "start", "state": "unregistered"}), "", json.dumps(fired(1, "nope", "a", "b"))],
            ":3:1:",
            "transition 'nope' is not in spec ana_web_password",
        ),
        (
            [json.dumps({"kind": "start"}), json.dumps(fired(1, "register_web_password", "unregistered", "x"))],
            ":1:1:",
            "starts in state None",
        ),
        (
            [
                json.dumps({"kind": "start", "state": "unregistered"}),
                json.dumps(fired(1, "register_web_password", "unregistered", "web_password_set")),
            ],
            ":2:1:",
            "goes from registration_screen to web_password_set, not from unregistered",
        ),
        (
            [
                json.dumps({"kind": "start", "state": "unregistered"}),
                json.dumps({"kind": "event", "accepted": True, "transition": "x"}),
            ],
            ":2:1:",
            "needs 'step'",
        ),
    ],
)
def test_bad_trace_files_exit_2_with_a_located_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str], where: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["diagram", str(ANA_SPEC), "-o", str(tmp_path / "o"), "--highlight", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}{where} error: " in err and message in err, err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('{"states": [', ":1:13:", "not JSON"),
        ('{"states": {}}', ":1:1:", "not a coverage report"),
        ('{"coverage": null}', ":1:1:", "not a coverage report"),
        (
            '{"states": {"covered": 1, "total": 8, "missed": []},\n'
            ' "transitions": {"covered": 1, "total": 19, "missed": ["open_reset_link", "teleport"]}}',
            ":2:75:",
            "the transition 'teleport' is not in spec ana_web_password",
        ),
        ('{"states": {"missed": "reset_form"}, "transitions": {}}', ":1:2:", "'states.missed' must be a list"),
        ('{"states": {"missed": []}, "transitions": {"missed": []}}', ":1:2:", "must be numbers"),
    ],
)
def test_bad_coverage_files_exit_2_with_a_located_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str, message: str
) -> None:
    path = tmp_path / "cov.json"
    path.write_text(text, encoding="utf-8")
    assert main(["diagram", str(ANA_SPEC), "-o", str(tmp_path / "o"), "--coverage", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}{where} error: " in err and message in err, err


def test_a_missing_overlay_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.jsonl"
    assert main(["diagram", str(ANA_SPEC), "-o", str(tmp_path), "--highlight", str(missing)]) == 2
    assert f"{missing}:1:1: error: no such file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--focus", "reset_form"], "write it elsewhere with -o DIR"),
        (["--focus", "reset_form", "-o", "diagrams"], "write it elsewhere with -o DIR"),
        (["--focus", "reset_form", "-o", "./diagrams/"], "write it elsewhere with -o DIR"),
        (["--check", "--coverage", "c.json"], "--check compares the committed diagrams"),
        ([str(MINIMAL), "--focus", "reset_form", "-o", "elsewhere"], "apply to one spec"),
        (["--focus", "nowhere", "-o", "elsewhere"], "focus: 'nowhere' is not a state of ana_web_password"),
        (["--formats", "dot,gif"], "'gif': choose from dot,svg,png,mmd"),
    ],
)
def test_usage_errors_exit_2_before_writing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    root = repo_copy(tmp_path, monkeypatch)
    before = {p.name: p.read_bytes() for p in (root / "diagrams").iterdir()}
    with pytest.raises(SystemExit) as exit_:
        main(["diagram", f"spec/{NAME}.yaml", *args])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (root / "diagrams").iterdir()} == before
    assert not (root / "elsewhere").exists()


def test_two_specs_with_one_name_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", str(MINIMAL), str(BANK), "-o", str(tmp_path), "--formats", "dot"]) == 2
    assert f"{BANK}:1:1: error: spec name 'bank_card_pin' is also the name of {MINIMAL}" in capsys.readouterr().err


def test_an_invalid_spec_exits_2_with_its_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("[]\n", encoding="utf-8")
    assert main(["diagram", str(bad), "-o", str(tmp_path / "o")]) == 2
    assert f"{bad}:1:1: error: expected a mapping (spec), got a list" in capsys.readouterr().err


def test_help_documents_the_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["diagram", "--help"])
    out = capsys.readouterr().out
    for words in ('"files"', '"status"', "written|unchanged|skipped", "current|stale|missing|unexpected|unchecked"):
        assert words in out
    assert "PNG by the hash of the DOT source" in out and "never into diagrams/" in out


def test_detail_full_writes_guards_and_effects_and_is_a_variant(tmp_path: Path) -> None:

    assert main(["diagram", str(ANA_SPEC), "--detail", "full", "--formats", "dot,mmd", "-o", str(tmp_path)]) == 0
    mermaid = (tmp_path / "ana_web_password.mmd").read_text(encoding="utf-8")
    assert "register [pin matches amc_pin" in mermaid and "(register_web_password)" not in mermaid
    with pytest.raises(SystemExit) as stopped:
        main(["diagram", "--check", "--detail", "full"])
    assert stopped.value.code == 2
