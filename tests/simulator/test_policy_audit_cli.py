"""``credlab policy audit``: ANA's web password against NIST SP 800-63B-4 and OWASP ASVS 5, each
failure with a witness that ``credlab policy check`` confirms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credlab.simulator.cli.main import main
from tests.conftest import REPO

ANA = REPO / "spec" / "ana_web_password.yaml"
BANK = REPO / "spec" / "bank_card.yaml"


def audit_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(["--format", "json", "policy", "audit", *args])
    return code, json.loads(capsys.readouterr().out)


def test_ana_against_nist_fails_what_an_expert_sees_each_with_a_checked_witness(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the exploration's stories land in build/ here
    code, report = audit_json([str(ANA), "--policy", "web_password", "--against", "nist-800-63b-4"], capsys)
    assert code == 1 and report["ok"] is False and report["single_factor"] is True
    rows = {r["id"]: r for r in report["requirements"]}  # type: ignore[union-attr]
    for wanted in ("nist.max_length_64", "nist.no_composition_rules", "nist.printing_ascii", "nist.unicode"):
        row = rows[wanted]
        assert row["passed"] is False and row["status"] == "fail" and isinstance(row["witness"], str), wanted
        candidates = tmp_path / f"{wanted}.json"
        candidates.write_text(json.dumps([row["witness"]]), encoding="utf-8")
        assert main(["policy", "check", str(ANA), "--policy", "web_password", "--from-json", str(candidates)]) == 1
    assert len(rows["nist.max_length_64"]["witness"]) == 17
    assert rows["nist.no_composition_rules"]["witness"].isalpha()
    assert rows["nist.rate_limit"]["status"] == "fail" and "web" in rows["nist.rate_limit"]["detail"]
    assert report["evidence"] and all(Path(tmp_path, story).exists() for story in report["evidence"])  # type: ignore[union-attr]
    assert any("hints" in item["requirement"] for item in report["not_audited"])  # type: ignore[union-attr]
    capsys.readouterr()


def test_a_card_pin_is_one_of_two_factors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, report = audit_json([str(BANK), "--policy", "card_pin", "--against", "asvs-5-l1"], capsys)
    assert code == 1 and report["single_factor"] is False
    rows = {r["id"]: r for r in report["requirements"]}  # type: ignore[union-attr]
    assert rows["asvs.6.2.1"]["witness"] == "0000"  # four digits: shorter than ASVS's 8


def test_an_unknown_profile_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "audit", str(ANA), "--policy", "web_password", "--against", "nist"]) == 2
    assert "no profile 'nist': choose from nist-800-63b-4, asvs-5-l1, asvs-5-l2, asvs-5-l3" in capsys.readouterr().err
