"""An HTTP binding is untrusted input like a spec: every name in it is checked when it is loaded,
and a mistake is one line with file:line:col, exit 2, before any request is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from credlab.model.errors import SpecError
from credlab.model.loader import load_spec
from credlab.simulator.cli.main import main
from credlab.simulator.conform.binding import load_binding
from tests.conftest import REPO
from tests.fixtures.example_app import BINDING, free_port

ANA = REPO / "spec" / "ana_web_password.yaml"


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = BINDING.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "binding.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


def test_the_ana_binding_binds_every_event_the_app_sees() -> None:
    spec = load_spec(ANA)
    binding = load_binding(BINDING, spec)
    seen = {n for n, e in spec.events.items() if not e.internal and e.capability is None}
    assert set(binding.events) == seen
    assert binding.outside == {"pin_postcard_arrives"}
    assert binding.messages["reset_email"].valid_while == "reset_link"


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("  continue_login:", "  continue_logn:", "continue_logn", "the spec has no event 'continue_logn'"),
        (
            '"{inputs.secret}"',
            '"{inputs.secrt}"',
            "inputs.secrt",
            "'secrt' is not one of inputs: secret, shows_first_time_page",
        ),
        (
            "{messages.reset_email.link}",
            "{messages.reset_email.url}",
            "reset_email.url",
            "no message field 'reset_email.url' is read",
        ),
        (
            "{if: identified,",
            "{if: identifed,",
            "identifed",
            "'if:' names a yes/no input of the event; here: identified",
        ),
        ("read: {link:", "read: {link: '(', x:", "'('", "not a regular expression"),
        (
            "    method: POST\n    path: /test/members",
            "    methd: POST\n    path: /test/members",
            "methd",
            "unknown key 'methd' in request (did you mean 'method'?)",
        ),
        (
            "spec: ana_web_password",
            "spec: bank_card",
            "spec: bank_card",
            "this binding is for spec 'bank_card', not 'ana_web_password'",
        ),
        ("valid_while: reset_link", "valid_while: reset_lnk", "reset_lnk", "the spec has no deadline 'reset_lnk'"),
        (
            "{seconds}",
            "{member.seconds}",
            "member.seconds",
            "'seconds' is not one of member: birth_date, email, number",
        ),
    ],
)
def test_a_mistake_in_a_binding_is_one_located_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, needle: str, message: str
) -> None:
    path = broken(tmp_path, old, new)
    code = main(["conform", str(ANA), "--target", "http://127.0.0.1:9", "--binding", str(path), "--walks", "0"])
    err = capsys.readouterr().err
    assert code == 2
    line = line_of(path, needle)
    assert f"{path}:{line}:" in err and message in err, err
    assert "cannot reach" not in err  # nothing was sent


def test_an_event_left_unbound_is_named(tmp_path: Path) -> None:
    path = broken(tmp_path, "  log_out:\n    request: {method: POST, path: /logout}\n", "")
    with pytest.raises(SpecError, match="no request for log_out: bind each, or list it under not_the_systems"):
        load_binding(path, load_spec(ANA))


def test_a_url_target_needs_a_binding_and_a_running_system(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", str(ANA), "--target", "http://127.0.0.1:9", "--walks", "0"]) == 2
    assert "--binding FILE" in capsys.readouterr().err
    code = main(
        [
            "conform",
            str(ANA),
            "--target",
            "http://127.0.0.1:9",
            "--binding",
            str(BINDING),
            "--walks",
            "0",
            "--smtp",
            f"127.0.0.1:{free_port()}",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 2
    assert "cannot reach the target http://127.0.0.1:9" in capsys.readouterr().err
