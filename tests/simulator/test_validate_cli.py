"""`credlab validate`: exit codes, text and JSON reports, default spec discovery."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from credlab.simulator.cli.main import main
from tests.conftest import ANA_SPEC, REPO


def test_a_valid_spec_exits_0_with_a_one_line_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(ANA_SPEC)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{ANA_SPEC}: valid (8 states, ")


def test_the_json_summary_lists_what_the_spec_declares(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(ANA_SPEC), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    [spec] = report["specs"]
    assert spec["valid"] is True and spec["errors"] == []
    summary = spec["summary"]
    assert "web_password_set" in summary["states"] and "register" in summary["events"]
    assert summary["transitions"] > 10
    assert summary["policies"] == ["web_password", "amc_pin"]
    assert summary["parameters"] == {
        "reset_link_ttl": "2h",
        "postcard_delivery_min": "1d",
        "postcard_delivery_max": "7d",
    }


def test_format_may_come_before_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--format", "json", "validate", str(ANA_SPEC)]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_an_invalid_spec_exits_2_with_located_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("credlab: 1\nname: x\ntitle: X\nsources: {}\n", encoding="utf-8")
    assert main(["validate", str(bad), "--format", "json"]) == 2
    [spec] = json.loads(capsys.readouterr().out)["specs"]
    assert spec["valid"] is False
    messages = {e["message"] for e in spec["errors"]}
    assert "spec is missing the required key 'states'" in messages
    assert all(e["file"] == str(bad) and e["line"] == 1 and e["column"] == 1 for e in spec["errors"])


def test_one_bad_spec_among_good_ones_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("[]\n", encoding="utf-8")
    assert main(["validate", str(ANA_SPEC), str(bad)]) == 2
    out = capsys.readouterr().out
    assert f"{ANA_SPEC}: valid" in out and f"{bad}:1:1: error: expected a mapping (spec), got a list" in out


def test_without_arguments_every_spec_in_spec_dir_is_validated(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    assert main(["validate"]) == 0
    assert "spec/ana_web_password.yaml: valid" in capsys.readouterr().out


def test_without_arguments_and_without_specs_it_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 2
    assert "no spec given and no *.yaml file in ./spec/" in capsys.readouterr().err


def test_the_console_script_and_module_agree() -> None:
    """`python -m credlab` is `credlab`; usage errors are exit 2 without a traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "credlab", "validate", str(ANA_SPEC)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    usage = subprocess.run(
        [sys.executable, "-m", "credlab", "frobnicate"], capture_output=True, text=True, timeout=60, check=False
    )
    assert usage.returncode == 2 and "Traceback" not in usage.stderr and "invalid choice" in usage.stderr


def test_help_teaches_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in ("validate", "policy", "schema"):
        assert command in out


def test_validating_imports_nothing_only_other_commands_need() -> None:
    """Every command's module is imported to build the parser; what only running one command needs
    (Hypothesis, Graphviz, the scenario runner, the diagram builders, JUnit's XML) waits for it."""
    heavy = (
        "hypothesis",
        "graphviz",
        "credlab.simulator.stories.runner",
        "credlab.simulator.render.view",
        "xml.etree.ElementTree",
    )
    probe = (
        "import sys; from credlab.simulator.cli.main import main; main(['validate', sys.argv[1]]); "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(ANA_SPEC)], capture_output=True, text=True, cwd=REPO, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == ""
