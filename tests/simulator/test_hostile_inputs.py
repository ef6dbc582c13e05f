"""Hostile inputs: whatever a file argument is, credlab answers with one located line and exit 2,
never a hang, a flood of memory or an internal error; and CI can trust its exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from credlab.simulator.cli.main import main
from tests.conftest import ANA_SPEC, REPO

CREDLAB = [sys.executable, "-m", "credlab"]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "story.yaml"
    os.mkfifo(path)  # nobody ever writes to it: opening it for reading in the usual way blocks forever
    return path


def refusal(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line credlab says (``validate`` reports problems on stdout, the others on stderr)."""
    assert main(args) == 2
    said = capsys.readouterr()
    lines = (said.out + said.err).strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize(
    "command",
    [
        ["validate", "{path}"],
        ["simulate", str(ANA_SPEC), "{path}"],
        ["explore", "{path}"],
        ["policy", "check", str(ANA_SPEC), "--policy", "web_password", "--from-json", "{path}"],
    ],
)
def test_a_fifo_is_refused_without_being_opened_for_a_blocking_read(
    fifo: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    err = refusal([part.format(path=fifo) for part in command], capsys)
    assert err.startswith(f"{fifo}:1:1: error: is not a regular file")


@pytest.mark.parametrize("device", ["/dev/urandom", "/dev/zero"])
def test_a_character_device_is_refused_before_anything_is_read(device: str, capsys: pytest.CaptureFixture[str]) -> None:
    if not Path(device).exists():
        pytest.skip(f"{device} does not exist on this machine")
    err = refusal(["simulate", str(ANA_SPEC), device], capsys)
    assert err.startswith(f"{device}:1:1: error: is not a regular file")


def test_a_failing_run_piped_into_a_reader_that_stops_early_still_exits_1() -> None:
    """``credlab simulate … | head -1``: the pipe closes while credlab writes; the verdict stands."""
    for _ in range(3):
        credlab = subprocess.Popen(
            [*CREDLAB, "simulate", str(ANA_SPEC), "--set", "reset_link_ttl=30m"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert credlab.stdout is not None
        credlab.stdout.readline()
        credlab.stdout.close()  # the reader is gone before credlab has said everything
        assert credlab.wait(timeout=120) == 1
