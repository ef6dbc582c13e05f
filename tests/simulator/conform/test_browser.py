"""``credlab conform --browser``: the registration flow of the policy text (log out, log in with
the PIN, the information page's "Continue (login)", the registration screen, "Register") done
through the example app's HTML forms in headless Chromium, over the same stories as HTTP.

Without Chromium and its WebDriver the tests skip: .ci/run installs Debian's chromium and
chromium-driver."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from credlab.simulator import api
from tests.conftest import REPO
from tests.fixtures.example_app import BINDING, RunningApp, running_app

ANA = REPO / "spec" / "ana_web_password.yaml"
REGISTRATION = REPO / "scenarios" / "ana_web_password" / "registration.yaml"

pytestmark = pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("chromedriver")),
    reason="Chromium and chromium-driver are not installed (.ci/run installs them)",
)


@pytest.fixture(scope="module")
def app() -> Iterator[RunningApp]:
    with running_app() as running:
        yield running


def test_the_registration_flow_through_the_forms_matches_the_spec(app: RunningApp, tmp_path: Path) -> None:
    report = api.conform(
        ANA, app.url, [REGISTRATION], binding=BINDING, smtp=app.smtp, browser=True, paths=False, out=tmp_path
    )
    assert report.target.endswith("(Chromium)")
    assert report.ok and report.divergences == () and report.skipped == ()
    assert report.stories >= 10 and report.steps >= 30
    assert report.states[0] >= 5  # unregistered, logged in, the information page, registration, registered


def test_a_registration_that_ignores_the_pin_is_caught_in_the_browser(tmp_path: Path) -> None:
    with running_app("register_skips_pin_check") as buggy:
        report = api.conform(
            ANA, buggy.url, [REGISTRATION], binding=BINDING, smtp=buggy.smtp, browser=True, paths=False, out=tmp_path
        )
    assert not report.ok
    first = report.divergences[0]
    assert first.expected == "the system to refuse register" and first.observed == "it accepted it"
    exchange = "\n".join(first.exchange)
    assert "# browser: pin={inputs.pin}, new_password={inputs.new_password}; submit register → /members" in exchange
    assert Path(first.scenario_file).exists()
