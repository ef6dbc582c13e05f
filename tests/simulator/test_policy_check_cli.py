"""``credlab policy check``: exit codes, JSON shape, candidate files, bad input — and no echo.

Every test runs the command through :func:`cli` (or :func:`run_subprocess`), which fails the
test if any candidate appears in stdout or stderr: as typed, JSON-escaped, repr-escaped, or as
the visible core of a candidate padded with spaces, newlines or invisible characters.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from credlab.simulator.cli.main import main
from tests.conftest import ANA_SPEC, REPO

SPEC = str(ANA_SPEC)
WEB = "web_password"
PIN = "amc_pin"
RESULT_KEYS = {"index", "accepted", "violations", "advisories", "rules"}
RULE_KEYS = {"rule", "severity", "passed", "message", "detail"}
WEB_RULES = ["length", "one_byte_alphanumeric", "letters_and_digits", "not_guessable", "not_used_elsewhere"]


# --- the no-plaintext guard --------------------------------------------------------------------
def _visible_runs(secret: str) -> list[str]:
    """The pieces of ``secret`` between whitespace, control, format and other invisible characters."""
    runs, current = [], []
    for char in secret:
        if char.isspace() or unicodedata.category(char)[0] in "CZ":
            runs.append("".join(current))
            current = []
        else:
            current.append(char)
    runs.append("".join(current))
    return runs


def plaintext_forms(secret: str) -> set[str]:
    """Every way ``secret`` could show up in output: raw, escaped, or its visible core."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        secret.encode("unicode_escape").decode("ascii"),
        *_visible_runs(secret),
    }
    return {f for f in forms if len(f) >= 4}


def assert_no_plaintext(secrets: Iterable[str], *outputs: str | bytes) -> None:
    for secret in secrets:
        assert len(secret) >= 4, f"test bug: {secret!r} is too short to be told apart from ordinary output"
        for form in plaintext_forms(secret):
            raw = form.encode("utf-8", "surrogatepass")
            for output in outputs:
                if isinstance(output, bytes):
                    assert raw not in output, f"candidate {secret!r} appears in the output as {form!r}"
                else:
                    assert form not in output, f"candidate {secret!r} appears in the output as {form!r}"


# --- running the command -------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    code: int | str | None
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def cli(capsys: pytest.CaptureFixture[str], argv: Sequence[str], *, secrets: Iterable[str]) -> Run:
    """Run ``credlab`` in-process; fail if any of ``secrets`` shows in its output."""
    try:
        code: int | str | None = main(list(argv))
    except SystemExit as exit_:  # argparse usage errors
        code = exit_.code
    out, err = capsys.readouterr()
    assert_no_plaintext(secrets, out, err)
    return Run(code, out, err)


def check(
    capsys: pytest.CaptureFixture[str],
    *candidates: str,
    policy: str = WEB,
    from_json: Path | None = None,
    secrets: Iterable[str] = (),
    fmt: str = "json",
) -> Run:
    """``credlab --format FMT policy check SPEC --policy POLICY CANDIDATE... [--from-json FILE]``."""
    argv = ["--format", fmt, "policy", "check", SPEC, "--policy", policy, *candidates]
    if from_json is not None:
        argv += ["--from-json", str(from_json)]
    return cli(capsys, argv, secrets=[*candidates, *secrets])


def write_json(tmp_path: Path, data: object, *, ascii_only: bool = True, name: str = "candidates.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=ascii_only), encoding="utf-8", errors="surrogatepass")
    return path


def write_raw(tmp_path: Path, data: str | bytes, name: str = "candidates.json") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def violated(result: dict[str, Any]) -> list[str]:
    return [v["rule"] for v in result["violations"]]


def rule(result: dict[str, Any], rule_id: str) -> dict[str, Any]:
    (found,) = (r for r in result["rules"] if r["rule"] == rule_id)
    return found


def test_the_guard_catches_escaped_and_padded_candidates() -> None:
    with pytest.raises(AssertionError):
        assert_no_plaintext(["Abc\x00defg1"], '{"x": "Abc\\u0000defg1"}')
    with pytest.raises(AssertionError):
        assert_no_plaintext(["Abcdefg1\n"], "got Abcdefg1 here")
    with pytest.raises(AssertionError):
        assert_no_plaintext(["Ａbcdefg1"], b"\xef\xbc\xa1bcdefg1")
    assert_no_plaintext(["Abcdefg1\n"], "character 9 is U+000A (Cc)")


# --- exit codes ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("policy", "candidates", "code"),
    [
        pytest.param(WEB, ["Abcdef12"], 0, id="one-accepted"),
        pytest.param(WEB, ["Abcdef12", "Zq8mVt3rW"], 0, id="all-accepted"),
        pytest.param(WEB, ["Hanako2024"], 0, id="accepted-with-advisory"),
        pytest.param(WEB, ["Abcde12"], 1, id="one-rejected"),
        pytest.param(WEB, ["Abcdef12", "abcdefgh"], 1, id="one-of-two-rejected"),
        pytest.param(WEB, ["abcdefgh", "12345678", "Abcdefg1!"], 1, id="all-rejected"),
        pytest.param(PIN, ["0123"], 0, id="pin-leading-zero"),
        pytest.param(PIN, ["0123", "１２３４"], 1, id="pin-fullwidth"),
    ],
)
def test_exit_code_is_0_when_all_accepted_and_1_when_any_rejected(
    capsys: pytest.CaptureFixture[str], policy: str, candidates: list[str], code: int
) -> None:
    run = check(capsys, *candidates, policy=policy)
    assert run.code == code
    data = run.json()
    assert data["ok"] is (code == 0)
    assert [r["accepted"] for r in data["results"]] == [not violated(r) for r in data["results"]]


# --- JSON shape and order --------------------------------------------------------------------------
def test_json_shape_and_input_order(capsys: pytest.CaptureFixture[str]) -> None:
    candidates = ["Abcdef12", "Abcde12", "Ａbcdefg1", "Hanako2024", "abcdefgh"]
    run = check(capsys, *candidates)
    assert run.code == 1
    assert run.err == ""
    data = run.json()
    assert {"ok", "policy", "results"} <= set(data)
    assert data["ok"] is False
    assert data["policy"] == WEB
    results = data["results"]
    assert [r["index"] for r in results] == [1, 2, 3, 4, 5]
    for r in results:
        assert set(r) == RESULT_KEYS
        assert [x["rule"] for x in r["rules"]] == WEB_RULES
        for item in (*r["rules"], *r["violations"], *r["advisories"]):
            assert set(item) == RULE_KEYS
            assert item["severity"] in {"reject", "advise"}
            assert item["passed"] in {True, False, None}
            assert isinstance(item["message"], str)
            assert isinstance(item["detail"], str)
        assert all(v["severity"] == "reject" and v["passed"] is False for v in r["violations"])
        assert all(a["severity"] == "advise" and a["passed"] is not True for a in r["advisories"])
        assert r["violations"] == [x for x in r["rules"] if x["severity"] == "reject" and x["passed"] is False]
    assert [r["accepted"] for r in results] == [True, False, False, True, False]
    assert [violated(r) for r in results] == [
        [],
        ["length"],
        ["one_byte_alphanumeric"],
        [],
        ["letters_and_digits"],
    ]
    assert rule(results[1], "length")["detail"] == "7 characters; 8 to 16 required"
    assert rule(results[2], "one_byte_alphanumeric")["detail"].startswith("character 1 is U+FF21 ")
    # The member's profile is used by default; passwords used elsewhere are never known here.
    assert rule(results[3], "not_guessable")["passed"] is False
    assert rule(results[0], "not_guessable")["passed"] is True
    assert {r["index"]: [a["rule"] for a in r["advisories"]] for r in results} == {
        1: ["not_used_elsewhere"],
        2: ["not_used_elsewhere"],
        3: ["not_used_elsewhere"],
        4: ["not_guessable", "not_used_elsewhere"],
        5: ["not_used_elsewhere"],
    }
    assert all(rule(r, "not_used_elsewhere")["passed"] is None for r in results)


def test_the_same_input_gives_the_same_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    first = check(capsys, "Abcdef12", "Ａbcdefg1")
    second = check(capsys, "Abcdef12", "Ａbcdefg1")
    assert first.out == second.out


@pytest.mark.parametrize(
    "position",
    [
        pytest.param("before-command", id="before-command"),
        pytest.param("after-policy", id="between-policy-and-check"),
        pytest.param("after-check", id="after-check"),
        pytest.param("after-candidates", id="after-candidates"),
    ],
)
def test_format_option_is_accepted_before_or_after_the_command_name(
    capsys: pytest.CaptureFixture[str], position: str
) -> None:
    # cli.py: "Options every command takes, before or after its name (a later one wins)."
    fmt = ["--format", "json"]
    head = {
        "before-command": [*fmt, "policy", "check"],
        "after-policy": ["policy", *fmt, "check"],
        "after-check": ["policy", "check", *fmt],
        "after-candidates": ["policy", "check"],
    }[position]
    tail = fmt if position == "after-candidates" else []
    run = cli(capsys, [*head, SPEC, "--policy", WEB, "Abcdef12", *tail], secrets=["Abcdef12"])
    assert run.code == 0, run.err
    assert run.json()["results"][0]["accepted"] is True


def test_debug_option_is_accepted_after_the_command_name(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, ["policy", "check", SPEC, "--policy", WEB, "Abcdef12", "--debug"], secrets=["Abcdef12"])
    assert run.code == 0, run.err


def test_text_format_refers_to_candidates_by_position(capsys: pytest.CaptureFixture[str]) -> None:
    run = check(capsys, "Abcdef12", "Abcdefg1\n", "Hanako2024", fmt="text")
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == f"{SPEC}: policy {WEB}"
    assert "#1 accepted (1 advisory)" in lines
    assert "#2 REJECTED (1 advisory)" in lines
    assert "#3 accepted (2 advisory)" in lines
    assert "character 9 is U+000A" in run.out


# --- candidates on the command line ----------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["policy", "check", SPEC, "--policy", WEB, "Abcdef12"], id="after-policy"),
        pytest.param(["policy", "check", SPEC, "Abcdef12", "--policy", WEB], id="before-policy"),
        pytest.param(["policy", "check", "--policy", WEB, SPEC, "Abcdef12"], id="policy-first"),
        pytest.param(["policy", "check", SPEC, "--policy", WEB, "--", "Abcdef12"], id="after-double-dash"),
        pytest.param(["policy", "check", SPEC, "--policy=" + WEB, "Abcdef12"], id="policy-with-equals"),
    ],
)
def test_a_command_line_candidate_is_checked_wherever_it_is_placed(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    run = cli(capsys, ["--format", "json", *argv], secrets=["Abcdef12"])
    assert run.code == 0, run.err
    assert [r["accepted"] for r in run.json()["results"]] == [True]


def test_command_line_candidates_keep_their_order_around_policy(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--format", "json", "policy", "check", SPEC, "Abcdef12", "--policy", WEB, "Abcde12", "abcdefgh"]
    run = cli(capsys, argv, secrets=["Abcdef12", "Abcde12", "abcdefgh"])
    assert run.code == 1
    assert [violated(r) for r in run.json()["results"]] == [[], ["length"], ["letters_and_digits"]]


@pytest.mark.parametrize(
    ("candidate", "position", "code_point"),
    [
        pytest.param("Ａbcdefg1", 1, "U+FF21", id="fullwidth"),
        pytest.param("Abcdefg1\n", 9, "U+000A", id="trailing-newline"),
        pytest.param("Abc\tdefg1", 4, "U+0009", id="tab"),
        pytest.param("Abcdefgа1", 8, "U+0430", id="cyrillic"),
        pytest.param("Abcdefg1😀", 9, "U+1F600", id="emoji"),
    ],
)
def test_awkward_command_line_candidates(
    capsys: pytest.CaptureFixture[str], candidate: str, position: int, code_point: str
) -> None:
    run = check(capsys, candidate)
    assert run.code == 1
    (result,) = run.json()["results"]
    assert violated(result) == ["one_byte_alphanumeric"]
    assert rule(result, "one_byte_alphanumeric")["detail"].startswith(f"character {position} is {code_point} ")


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("-Abcdefg1", id="leading-dash-mixed"),
        pytest.param("-abcdefgh", id="leading-dash-lowercase-looks-like-an-option"),
        pytest.param("--pw=Secret123", id="looks-like-option-with-value"),
    ],
)
def test_option_like_candidates_are_never_echoed(capsys: pytest.CaptureFixture[str], candidate: str) -> None:
    # Whether the CLI takes it as a candidate (exit 1: it has a symbol) or refuses it as a usage
    # error (exit 2), the text typed must not be printed back: it may be a password.
    run = cli(
        capsys,
        ["policy", "check", SPEC, "--policy", WEB, "Abcdef12", candidate],
        secrets=["Abcdef12", candidate, candidate.partition("=")[2] or candidate],
    )
    assert run.code in (1, 2)


# --- candidates from a JSON file -------------------------------------------------------------------
AWKWARD = [
    ("Abcdefg1\n", 9, "U+000A"),
    ("Abc\ndefg1", 4, "U+000A"),
    ("Abc\r\ndefg1", 4, "U+000D"),
    ("Abc\x00defg1", 4, "U+0000"),
    ("Abcdefg1\x00", 9, "U+0000"),
    ("\x00Abcdefg1", 1, "U+0000"),
    ("Abc\tdefg1", 4, "U+0009"),
    ("Abc\u200bdefg1", 4, "U+200B"),
    ("Abcdefg1\u2028", 9, "U+2028"),
    ("Ａbcdefg1", 1, "U+FF21"),
    ("Abcdefg٣", 8, "U+0663"),
    ("Abcdefé1", 7, "U+00E9"),
    ("Abcdefg1😀", 9, "U+1F600"),
    ("Abcdefg1\ud800", 9, "U+D800"),
    ("Abcdefg1\x1b[2J", 9, "U+001B"),
]


@pytest.mark.parametrize("ascii_only", [pytest.param(True, id="escaped-json"), pytest.param(False, id="utf8-json")])
def test_from_json_with_newlines_nul_and_unicode(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ascii_only: bool
) -> None:
    candidates = [c for c, _, _ in AWKWARD]
    if not ascii_only:  # a lone surrogate cannot be written as UTF-8
        candidates = [c for c in candidates if "\ud800" not in c]
    path = write_json(tmp_path, candidates, ascii_only=ascii_only)
    run = check(capsys, from_json=path, secrets=candidates)
    assert run.code == 1
    results = run.json()["results"]
    assert [r["index"] for r in results] == list(range(1, len(candidates) + 1))
    expected = {c: (p, cp) for c, p, cp in AWKWARD}
    for candidate, result in zip(candidates, results, strict=True):
        position, code_point = expected[candidate]
        assert result["accepted"] is False
        assert "one_byte_alphanumeric" in violated(result)
        assert rule(result, "one_byte_alphanumeric")["detail"].startswith(f"character {position} is {code_point} "), (
            candidate
        )


def test_from_json_accepts_a_valid_list_with_a_byte_order_mark(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_raw(tmp_path, "\ufeff" + json.dumps(["Abcdef12", "Zq8mVt3rW"]))
    run = check(capsys, from_json=path, secrets=["Abcdef12", "Zq8mVt3rW"])
    assert run.code == 0
    assert [r["accepted"] for r in run.json()["results"]] == [True, True]


def test_command_line_candidates_come_before_file_candidates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_json(tmp_path, ["abcdefgh", "Abcdef12"])
    run = check(capsys, "Abcde12", from_json=path, secrets=["abcdefgh", "Abcdef12"])
    assert run.code == 1
    assert [violated(r) for r in run.json()["results"]] == [["length"], ["letters_and_digits"], []]


def test_from_json_pin_candidates(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pins = ["0123", "１２３４", "٠١٢٣", "12a4", "01234"]
    path = write_json(tmp_path, pins, ascii_only=False)
    run = check(capsys, policy=PIN, from_json=path, secrets=pins)
    assert run.code == 1
    data = run.json()
    assert data["policy"] == PIN
    assert [violated(r) for r in data["results"]] == [
        [],
        ["digits_only"],
        ["digits_only"],
        ["digits_only"],
        ["four_digits"],
    ]
    assert all(r["advisories"] == [] for r in data["results"])


# --- bad input: exit 2, located, and still no echo ---------------------------------------------------
@pytest.mark.parametrize(
    ("text", "line", "column", "secrets"),
    [
        pytest.param('[\n  "Secret99x",\n  "Other99y', 3, 3, ["Secret99x", "Other99y"], id="unterminated-string"),
        pytest.param('["Secret99x" "Other99y"]', 1, 14, ["Secret99x", "Other99y"], id="missing-comma"),
        pytest.param('["Secret99x",]', 1, 14, ["Secret99x"], id="trailing-comma"),
        pytest.param('["Secret\t99x"]', 1, 9, ["Secret\t99x"], id="raw-tab-in-string"),
        pytest.param("", 1, 1, [], id="empty-file"),
        pytest.param("Secret99x\nOther99y\n", 1, 1, ["Secret99x", "Other99y"], id="one-per-line-not-json"),
    ],
)
def test_bad_json_file_is_located(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, line: int, column: int, secrets: list[str]
) -> None:
    path = write_raw(tmp_path, text)
    run = check(capsys, from_json=path, secrets=secrets, fmt="text")
    assert run.code == 2
    assert re.search(rf"^{re.escape(str(path))}:{line}:{column}: error: not JSON: ", run.err, re.M), run.err
    assert run.out == ""


def test_bad_json_file_in_json_format_reports_errors_on_stdout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_raw(tmp_path, '[\n  "Secret99x",\n  "Other99y')
    run = check(capsys, from_json=path, secrets=["Secret99x", "Other99y"])
    assert run.code == 2
    data = run.json()
    assert data["ok"] is False
    (error,) = data["errors"]
    assert (error["file"], error["line"], error["column"]) == (str(path), 3, 3)
    assert error["message"].startswith("not JSON: ")
    assert f"{path}:3:3: error: not JSON: " in run.err


@pytest.mark.parametrize(
    ("data", "message", "secrets"),
    [
        pytest.param({"password": "Secret99x"}, "expected a JSON array of strings", ["Secret99x"], id="object"),
        pytest.param("Secret99x", "expected a JSON array of strings", ["Secret99x"], id="string"),
        pytest.param(12345678, "expected a JSON array of strings", [], id="number"),
        pytest.param(None, "expected a JSON array of strings", [], id="null"),
        pytest.param(["Secret99x", 12345678], "item 2 of the array is not a string", ["Secret99x"], id="number-item"),
        pytest.param([None, "Secret99x"], "item 1 of the array is not a string", ["Secret99x"], id="null-item"),
        pytest.param(
            ["Secret99x", ["Other99y"]], "item 2 of the array is not a string", ["Secret99x", "Other99y"], id="nested"
        ),
        pytest.param([{"pw": "Other99y"}], "item 1 of the array is not a string", ["Other99y"], id="object-item"),
    ],
)
def test_json_that_is_not_an_array_of_strings_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data: object, message: str, secrets: list[str]
) -> None:
    path = write_json(tmp_path, data)
    run = check(capsys, "Abcdef12", from_json=path, secrets=secrets, fmt="text")
    assert run.code == 2
    assert f"{path}:1:1: error: {message}" in run.err
    assert run.out == ""


def test_candidate_file_that_is_not_utf8_is_located(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_raw(tmp_path, b'[\n  "Secret99x",\n  "Ab\xffcdefg1"]')
    run = check(capsys, from_json=path, secrets=["Secret99x", "cdefg1"], fmt="text")
    assert run.code == 2
    assert f"{path}:3:6: error: byte 0xff is not UTF-8" in run.err


@pytest.mark.parametrize("what", ["missing", "directory"])
def test_unreadable_candidate_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, what: str) -> None:
    path = tmp_path / "nowhere.json" if what == "missing" else tmp_path
    run = check(capsys, "Abcdef12", from_json=path, fmt="text")
    assert run.code == 2
    assert run.err.startswith(f"{path}:1:1: error: ")
    assert run.out == ""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_unknown_policy_lists_the_declared_names(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    run = check(capsys, "Abcdef12", "Secret99x", policy="web_pasword", fmt=fmt)
    assert run.code == 2
    assert f"{SPEC}:1:1: error: unknown policy 'web_pasword' (the spec declares: web_password, amc_pin)" in run.err
    if fmt == "json":
        (error,) = run.json()["errors"]
        assert "web_password, amc_pin" in error["message"]
    else:
        assert run.out == ""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_candidates_is_bad_input(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    run = check(capsys, fmt=fmt)
    assert run.code == 2
    assert "no candidates" in run.err
    assert run.out == ""


def test_an_empty_candidate_list_is_no_candidates(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run = check(capsys, from_json=write_json(tmp_path, []))
    assert run.code == 2
    assert "no candidates" in run.err


def test_missing_policy_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, ["policy", "check", SPEC, "Abcdef12"], secrets=["Abcdef12"])
    assert run.code == 2
    assert "--policy" in run.err


def test_missing_spec_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    run = cli(capsys, ["policy", "check", str(missing), "--policy", WEB, "Abcdef12"], secrets=["Abcdef12"])
    assert run.code == 2
    assert f"{missing}:1:1: error: no such file" in run.err


def test_actor_chooses_whose_profile_is_compared(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--format", "json", "policy", "check", SPEC, "--policy", WEB, "--actor", "attacker", "Hanako2024"]
    run = cli(capsys, argv, secrets=["Hanako2024"])
    assert run.code == 0
    assert rule(run.json()["results"][0], "not_guessable")["passed"] is None


def test_unknown_actor_lists_the_declared_actors(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["policy", "check", SPEC, "--policy", WEB, "--actor", "nobody", "Hanako2024"]
    run = cli(capsys, argv, secrets=["Hanako2024"])
    assert run.code == 2
    assert "unknown actor 'nobody' (the spec declares: member, attacker)" in run.err


# --- a real process ------------------------------------------------------------------------------------
def run_subprocess(argv: Sequence[str], *, secrets: Iterable[str]) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(
        [sys.executable, "-m", "credlab", *argv],
        cwd=REPO,
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    secrets = list(secrets)
    assert_no_plaintext(secrets, done.stdout, done.stderr)
    assert_no_plaintext(secrets, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))
    return done


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_real_process_exit_code_and_no_plaintext(tmp_path: Path, fmt: str) -> None:
    on_command_line = ["Abcdef12", "Abcdefg1\n", "Ｔｏｋｙｏ2024x"]
    in_file = ["Abc\x00defg1", "Hanako2024", "Abcdefg1\ud800", "パスワード1234"]
    path = write_json(tmp_path, in_file)
    argv = ["--format", fmt, "policy", "check", "spec/ana_web_password.yaml", "--policy", WEB]
    done = run_subprocess([*argv, *on_command_line, "--from-json", str(path)], secrets=on_command_line + in_file)
    assert done.returncode == 1, done.stderr
    out = done.stdout.decode("utf-8")
    if fmt == "json":
        assert [r["accepted"] for r in json.loads(out)["results"]] == [True, False, False, False, True, False, False]
    else:
        assert "#1 accepted" in out
        assert "#5 accepted (2 advisory)" in out
        assert "#7 REJECTED" in out


def test_real_process_bad_input_exit_code(tmp_path: Path) -> None:
    path = write_raw(tmp_path, '["Secret99x", ')
    argv = ["policy", "check", "spec/ana_web_password.yaml", "--policy", WEB, "Abcdef12", "--from-json", str(path)]
    done = run_subprocess(argv, secrets=["Secret99x", "Abcdef12"])
    assert done.returncode == 2
    assert f"{path}:1:15: error: not JSON: ".encode() in done.stderr
