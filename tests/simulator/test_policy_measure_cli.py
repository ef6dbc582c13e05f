"""``credlab policy count`` and ``credlab policy compare``: exact figures, witnesses that
``credlab policy check`` confirms, JSON with big integers as decimal strings, and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credlab.simulator.cli.main import main
from tests.conftest import REPO

ANA = REPO / "spec" / "ana_web_password.yaml"
BANK = REPO / "spec" / "bank_card.yaml"
TOTP = REPO / "spec" / "totp_recovery.yaml"
MINIMAL = REPO / "tests" / "model" / "good_specs" / "minimal.yaml"


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(["--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_count_gives_every_length_and_the_total_exactly(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_json(["policy", "count", str(ANA), "--policy", "web_password"], capsys)
    assert code == 0 and out["ok"] is True
    expected = {str(n): str(62**n - 52**n - 10**n) for n in range(8, 17)}
    assert out["lengths"] == expected
    assert out["total"] == str(sum(int(v) for v in expected.values())) and out["bounded"] is True
    assert 95 < out["log2"] < 96  # type: ignore[operator]
    assert out["shortest"] == "aaaaaaa0" and out["not_counted"] == []


def test_count_text_is_readable_and_says_what_it_did_not_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "count", str(ANA), "--policy", "amc_pin"]) == 0
    text = capsys.readouterr().out
    assert "       4  10,000" in text and "total: 10,000 (2^13.3)" in text and 'shortest accepted: "0000"' in text
    spec = tmp_path / "reuse.yaml"
    source = MINIMAL.read_text(encoding="utf-8")
    rule = "      - id: digits_only\n"
    extra = "      - id: not_reused\n        severity: reject\n        check: {not_used_elsewhere: true}\n"
    extra += "        message: not used elsewhere\n        source: four_digits\n"
    spec.write_text(source.replace(rule, extra + rule), encoding="utf-8")
    assert main(["validate", str(spec)]) == 0
    capsys.readouterr()
    assert main(["policy", "count", str(spec), "--policy", "card_pin"]) == 0
    assert "not counted (they need other facts): not_reused" in capsys.readouterr().out


def test_equal_policies_exit_0_and_different_ones_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_json(["policy", "compare", f"{ANA}:amc_pin", f"{BANK}:card_pin"], capsys)
    assert code == 0 and out["relation"] == "equal"
    assert out["only_in_a"] == {"count": "0", "shortest_witness": None, "log2": None}
    assert out["in_both"]["count"] == "10000"  # type: ignore[index]
    code, out = run_json(["policy", "compare", f"{ANA}:web_password", f"{ANA}:amc_pin"], capsys)
    assert code == 1 and out["relation"] == "disjoint" and out["ok"] is False


def test_each_difference_has_a_witness_policy_check_confirms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_json(["policy", "compare", f"{ANA}:web_password", f"{TOTP}:password"], capsys)
    assert code == 1 and out["relation"] == "overlap"
    only_a = out["only_in_a"]["shortest_witness"]  # type: ignore[index]
    only_b = out["only_in_b"]["shortest_witness"]  # type: ignore[index]
    assert isinstance(only_a, str) and isinstance(only_b, str)
    for witness, accepted_by, refused_by in (
        (only_a, (ANA, "web_password"), (TOTP, "password")),
        (only_b, (TOTP, "password"), (ANA, "web_password")),
    ):
        candidates = tmp_path / "witness.json"
        candidates.write_text(json.dumps([witness]), encoding="utf-8")
        assert (
            main(["policy", "check", str(accepted_by[0]), "--policy", accepted_by[1], "--from-json", str(candidates)])
            == 0
        )
        assert (
            main(["policy", "check", str(refused_by[0]), "--policy", refused_by[1], "--from-json", str(candidates)])
            == 1
        )
    capsys.readouterr()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["policy", "compare", str(ANA), f"{ANA}:amc_pin"], "names no policy: write SPEC:POLICY"),
        (
            ["policy", "compare", f"{ANA}:pin", f"{ANA}:amc_pin"],
            "unknown policy 'pin' (the spec declares: web_password, amc_pin)",
        ),
        (["policy", "count", str(ANA), "--policy", "nope"], "unknown policy 'nope'"),
        (["policy", "count", "missing.yaml", "--policy", "x"], "missing.yaml"),
    ],
)
def test_bad_input_is_exit_2_with_one_clear_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_custom_classes_either_of_two_classes_and_no_upper_length_are_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "site.yaml"
    source = MINIMAL.read_text(encoding="utf-8")
    start, end = source.index("policies:\n"), source.index("\ncapabilities:")
    rules = [
        ("long_enough", "{length: {min: 2}}"),
        ("either", "{must_include_one_of: [ascii_upper, '[#%]']}"),
        ("printable_ascii", "{alphabet: [ascii_printable]}"),
        ("anything", "{alphabet: [unicode]}"),
    ]
    block = "policies:\n  card_pin:\n    kind: pin\n    rules:\n" + "".join(
        f"      - id: {rule}\n        severity: reject\n        check: {check}\n        message: {rule}\n"
        "        source: four_digits\n"
        for rule, check in rules
    )
    text = source[:start] + block + source[end:]
    spec.write_text(text, encoding="utf-8")
    assert main(["validate", str(spec)]) == 0, capsys.readouterr()
    capsys.readouterr()
    code, out = run_json(["policy", "count", str(spec), "--policy", "card_pin"], capsys)
    assert code == 0 and out["total"] == "infinite" and out["bounded"] is False and out["log2"] is None
    assert out["lengths"]["2"] == str(95**2 - 67**2)  # printable ASCII, less those with no capital, # or %
    assert out["shortest"] == "aA"


def test_export_writes_password_rules_that_read_back_to_the_same_policy(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_json(["policy", "export-rules", str(ANA), "--policy", "web_password"], capsys)
    assert code == 0 and out["equal_on_import"] is True and out["not_exported"] == []
    rules = "minlength: 8; maxlength: 16; allowed: upper, lower, digit; required: upper, lower; required: digit;"
    assert out["password_rules"] == rules
    assert out["advice_left_out"] == ["not_guessable", "not_used_elsewhere"]
