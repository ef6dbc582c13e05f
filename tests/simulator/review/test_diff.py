"""``credlab diff``: paired versions of a spec, each kind of change with what the review must say.

Every pair is the bank-card spec and an edit of it. For each: the structural changes expected,
the behavioural verdict, and — where the versions differ — a distinguishing story that passes
on one version and fails on the other when replayed with ``credlab simulate``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from credlab.model.loader import load_spec
from credlab.simulator.render.diff_diagram import diff_view, write_diff_diagrams
from credlab.simulator.review.render import COMMENT_LIMIT, markdown
from credlab.simulator.review.run import DiffReport, diff_specs
from tests.simulator.test_rendered_diagrams import CHROMIUM, MMDC, boxes, overlaps, text_of

REPO = Path(__file__).resolve().parents[3]
BANK = REPO / "tests" / "model" / "good_specs" / "bank_card_pin.yaml"
ANA = REPO / "spec" / "ana_web_password.yaml"

Edit = tuple[str, str]


def version(folder: Path, *edits: Edit) -> Path:
    """The bank spec with each ``(old, new)`` text replaced once (each must be there)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(BANK.with_suffix(".policy.txt"), folder / "bank_card_pin.policy.txt")
    text = BANK.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"the fixture changed: {old!r} is not there once"
        text = text.replace(old, new)
    path = folder / "bank_card_pin.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def ana_variant(tmp_path: Path, old: str, new: str) -> Path:
    """ANA's spec (and its policy text) under ``tmp_path/new`` with ``old`` (there once) replaced by ``new``."""
    text = ANA.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the spec changed: {old!r} is not there once"
    changed = tmp_path / "new" / ANA.name
    changed.parent.mkdir()
    changed.write_text(text.replace(old, new), encoding="utf-8")
    shutil.copy(ANA.with_suffix(".policy.txt"), changed.parent)
    return changed


def compare(tmp_path: Path, *edits: Edit, **options: object) -> DiffReport:
    old = version(tmp_path / "old")
    new = version(tmp_path / "new", *edits)
    return diff_specs(load_spec(old), load_spec(new), out=tmp_path / "out", scenarios=(tmp_path / "none",), **options)  # type: ignore[arg-type]


def simulate(spec: Path, story: str) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "credlab", "simulate", str(spec), story], capture_output=True, text=True, check=False
    )
    return done.returncode


WINDOW = ("activation_window: {type: duration, default: 30d", "activation_window: {type: duration, default: 7d")
FOUR_STRIKES = (
    "{not: {count_at_least: {counter: wrong_pins, value: 2}}}]\n    do: [{increment: wrong_pins}]",
    "{not: {count_at_least: {counter: wrong_pins, value: 3}}}]\n    do: [{increment: wrong_pins}]",
)
FOURTH = (
    "{count_at_least: {counter: wrong_pins, value: 2}}]\n    do: [{increment: wrong_pins}]\n    source: three_strikes\n"
    "  - id: branch_unblock",
    "{count_at_least: {counter: wrong_pins, value: 3}}]\n    do: [{increment: wrong_pins}]\n    source: three_strikes\n"
    "  - id: branch_unblock",
)
COUNTERS = ("wrong_pins: {maximum: 3, source: three_strikes}", "wrong_pins: {maximum: 4, source: three_strikes}")
KEEP_COUNT = (
    "    to: active\n    do: [{reset_counter: wrong_pins}]\n    source: branch_unblock",
    "    to: active\n    source: branch_unblock",
)
SIX_DIGITS = ("{length: {min: 4, max: 6}}", "{length: {min: 6, max: 6}}")
RENAME = ("id: correct_pin", "id: right_pin")
SPLIT_GUARD = (
    "when: [{not: {matches: {input: pin, credential: card_pin}}}, {count_at_least: {counter: wrong_pins, value: 2}}]",
    "when: [{all: [{not: {matches: {input: pin, credential: card_pin}}}, "
    "{count_at_least: {counter: wrong_pins, value: 2}}]}]",
)
CLOSE = (
    "initial: active\n",
    "  closed: {description: The card is closed., lifecycle: true, source: replacement}\ninitial: active\n",
)
CLOSE_EVENT = (
    "  order_replacement:\n    source: replacement\n",
    "  order_replacement:\n    source: replacement\n  close_card:\n    source: replacement\n",
)
CLOSE_RULE = (
    "  - id: activate_replacement\n",
    "  - id: close\n    event: close_card\n    from: active\n    to: closed\n    source: replacement\n"
    "  - id: activate_replacement\n",
)
REORDER = (
    "  - id: branch_unblock\n    event: unblock\n    from: blocked\n    to: active\n"
    "    do: [{reset_counter: wrong_pins}]\n    source: branch_unblock\n",
    "",
)
REORDERED_AT_END = (
    "invariants:\n",
    "  - id: branch_unblock\n    event: unblock\n    from: blocked\n    to: active\n"
    "    do: [{reset_counter: wrong_pins}]\n    source: branch_unblock\ninvariants:\n",
)


def changes(report: DiffReport) -> set[tuple[str, str, str]]:
    return {(c.kind, c.element, c.name) for c in report.changes}


@pytest.mark.parametrize(
    ("edits", "expected", "what"),
    [
        ((WINDOW,), {("changed", "parameter", "activation_window")}, "lapse"),
        ((FOUR_STRIKES, FOURTH, COUNTERS), {("changed", "transition", "wrong_pin")}, "transition"),
        ((KEEP_COUNT,), {("changed", "transition", "branch_unblock")}, "counters"),
        (
            (CLOSE, CLOSE_EVENT, CLOSE_RULE),
            {("added", "state", "closed"), ("added", "transition", "close")},
            "accepted",
        ),
    ],
    ids=["deadline", "guard", "effect", "added-state"],
)
def test_a_behavioural_change_gets_a_story_that_replays_as_described(
    tmp_path: Path, edits: tuple[Edit, ...], expected: set[tuple[str, str, str]], what: str
) -> None:
    report = compare(tmp_path, *edits)
    assert expected <= changes(report)
    assert report.verdict == "differs" and not report.ok
    assert report.behaviour.complete  # a small spec: every kind of difference listed
    story = report.behaviour.stories[0]
    assert story.what == what
    assert story.tells_apart, (story.old, story.new)
    ran = {side: simulate(tmp_path / side / "bank_card_pin.yaml", story.scenario_file) for side in ("old", "new")}
    passing = story.written_for
    failing = "new" if passing == "old" else "old"
    assert ran[passing] == 0
    assert ran[failing] != 0


def test_a_changed_policy_is_a_behavioural_difference_with_counts_and_witnesses(tmp_path: Path) -> None:
    report = compare(tmp_path, SIX_DIGITS)
    assert changes(report) == {("changed", "policy", "card_pin")}
    assert report.verdict == "differs"
    (policy,) = report.policies
    assert policy.relation == "superset"
    assert policy.only_a.count == 10**4 + 10**5 and policy.only_a.shortest == "0000"
    assert policy.only_b.count == 0
    shown = report.to_json()["policies"][0]
    assert shown["only_in_old"]["count"] == "110000" and shown["only_in_old"]["shortest_witness"] == "0000"
    assert shown["only_in_new"]["count"] == "0"  # the JSON of `credlab policy compare`, part for part


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ((RENAME,), {("renamed", "transition", "right_pin")}),
        ((REORDER, REORDERED_AT_END), set()),
        ((SPLIT_GUARD,), {("changed", "transition", "third_wrong_pin")}),
    ],
    ids=["rename", "reorder", "split-guard"],
)
def test_a_refactor_is_no_behavioural_difference_after_a_complete_search(
    tmp_path: Path, edits: tuple[Edit, ...], expected: set[tuple[str, str, str]]
) -> None:
    report = compare(tmp_path, *edits)
    assert changes(report) == expected
    assert report.behaviour.verdict == "same" and report.behaviour.complete
    assert report.verdict == "same" and report.ok
    assert not report.behaviour.stories and not report.policies and not report.verdicts


def test_a_bound_that_stops_the_search_answers_unknown_not_same(tmp_path: Path) -> None:
    report = compare(tmp_path, RENAME, max_states=1, explore=False)
    assert report.behaviour.verdict == "unknown" and report.verdict == "unknown" and not report.ok
    assert "1 joint situations" in report.behaviour.reason


def test_versions_the_joint_search_cannot_pad_are_unknown_with_the_reason(tmp_path: Path) -> None:
    channel = ("  branch: {kind: in_person}\n", "  branch: {kind: in_person}\n  phone: {kind: voice}\n")
    report = compare(tmp_path, channel, explore=False)
    assert ("added", "channel", "phone") in changes(report)
    assert report.behaviour.verdict == "unknown" and "different channels (phone)" in report.behaviour.reason


def test_stories_of_the_library_that_change_outcome_are_listed(tmp_path: Path) -> None:
    stories = tmp_path / "stories"
    stories.mkdir()
    (stories / "card.yaml").write_text(
        "credlab_scenarios: 1\nspec: bank_card_pin\nscenarios:\n"
        "  - name: replacement_lapses_after_a_week\n    given: {state: active}\n    steps:\n"
        "      - do: order_replacement\n      - advance: 8d\n        expect: {state: replacement_sent}\n"
        "  - name: unblock_works\n    given: {state: blocked}\n    steps:\n"
        "      - do: unblock\n        expect: {state: active}\n",
        encoding="utf-8",
    )
    old, new = version(tmp_path / "old"), version(tmp_path / "new", WINDOW)
    report = diff_specs(load_spec(old), load_spec(new), out=tmp_path / "out", scenarios=(stories,), explore=False)
    assert [(i.scenario, i.old, i.new) for i in report.impact] == [
        ("replacement_lapses_after_a_week", "passes", "fails")
    ]
    assert "expected state replacement_sent; got state blocked" in report.impact[0].message


def test_the_markdown_comment_has_the_summary_first_and_fits(tmp_path: Path) -> None:
    report = compare(tmp_path, WINDOW, KEEP_COUNT)
    text = markdown(report)
    assert text.startswith("## credlab diff: the versions behave differently")
    assert text.index("| Structural changes |") < text.index("<details>")
    assert "<summary>Distinguishing stories" in text and len(text) <= COMMENT_LIMIT


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credlab", "diff", *args], capture_output=True, text=True, check=False, cwd=cwd
    )


def test_the_cli_exits_0_when_nothing_observable_changed_and_1_when_behaviour_differs(tmp_path: Path) -> None:
    old = version(tmp_path / "old")
    same = version(tmp_path / "same", RENAME)
    other = version(tmp_path / "other", WINDOW)
    out = str(tmp_path / "out")
    done = run_cli(str(old), str(same), "-o", out, "--format", "json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["ok"] is True and payload["verdict"] == "same"
    assert payload["structural"][0]["kind"] == "renamed" and payload["structural"][0]["was"] == "correct_pin"
    done = run_cli(str(old), str(other), "-o", out)
    assert done.returncode == 1
    assert "parameter activation_window changed: default: 30d → 7d" in done.stdout
    twice = [run_cli(str(old), str(other), "-o", out, "--format", "json").stdout for _ in range(2)]
    assert twice[0] == twice[1] and json.loads(twice[0])["verdict"] == "differs"  # byte-identical
    done = run_cli(str(old), str(other), "-o", out, "--format", "markdown", "--no-explore")
    assert done.returncode == 1 and done.stdout.startswith("## credlab diff")


def test_the_cli_refuses_bad_input_with_exit_2(tmp_path: Path) -> None:
    old = version(tmp_path / "old")
    broken = tmp_path / "broken" / "bank_card_pin.yaml"
    broken.parent.mkdir()
    broken.write_text(BANK.read_text(encoding="utf-8").replace("initial: active", "initial: nowhere"), encoding="utf-8")
    shutil.copy(BANK.with_suffix(".policy.txt"), broken.parent)
    done = run_cli(str(old), str(broken))
    assert done.returncode == 2 and "bank_card_pin.yaml:" in done.stderr and "Traceback" not in done.stderr
    done = run_cli(str(old))
    assert done.returncode == 2 and "OLD_SPEC NEW_SPEC" in done.stderr
    done = run_cli(str(old), str(old), "--max-states", "0")
    assert done.returncode == 2 and "--max-states" in done.stderr


def test_git_compares_the_spec_with_itself_at_a_revision(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    spec = version(repo / "spec")

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "first")
    version(repo / "spec", WINDOW)
    done = run_cli(str(spec), "--git", "HEAD", "-o", str(tmp_path / "out"), "--no-explore", cwd=repo)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("HEAD:spec/bank_card_pin.yaml → ")
    assert (tmp_path / "out" / "at-revision" / "spec" / "bank_card_pin.yaml").is_file()  # under --out, not /tmp
    done = run_cli(str(spec), "--git", "no-such-revision", cwd=repo)
    assert done.returncode == 2 and "git archive" in done.stderr


def test_the_diff_diagram_marks_added_removed_changed_and_renamed_elements(tmp_path: Path) -> None:
    old = load_spec(version(tmp_path / "old"))
    new = load_spec(version(tmp_path / "new", CLOSE, CLOSE_EVENT, CLOSE_RULE, REORDER, RENAME, WINDOW))
    report = diff_specs(old, new, out=tmp_path / "out", scenarios=(tmp_path / "none",), explore=False)
    view = diff_view(old, new, report.changes)
    nodes = {n.name: n.change for n in view.nodes}
    assert nodes == {"active": "changed", "blocked": "changed", "replacement_sent": "changed", "closed": "added"}
    arrows = {a.transition: (a.change, a.label.event) for a in view.arrows}
    assert arrows["close"] == ("added", "+ close_card")
    assert arrows["branch_unblock"] == ("removed", "− unblock")  # only the old version has it: still drawn
    assert arrows["replacement_void"][0] == "changed"  # the deadline it lapses on lasts another parameter value
    assert arrows["order_replacement"] == ("unchanged", "order_replacement")
    rows = {r.transition: r.label.event for n in view.nodes for r in n.rows}
    assert rows["right_pin"] == "↻ enter_pin"
    diagram = write_diff_diagrams(old, new, report.changes, tmp_path / "out")
    assert "classDef added" in diagram.mermaid and "class closed added" in diagram.mermaid
    assert "```mermaid" in markdown(report, diagram.mermaid)
    dot = (tmp_path / "out" / "diff.dot").read_text(encoding="utf-8")
    assert "state-closed" in dot and "#2E7D32" in dot  # the added state, in the added colour
    if shutil.which("dot") is not None:
        svg = (tmp_path / "out" / "diff.svg").read_text(encoding="utf-8")
        assert all(re.search(rf"\b{name}\b", text_of(svg[svg.index("<svg") :])) for name in nodes)
    if MMDC.exists() and CHROMIUM is not None:
        config = tmp_path / "puppeteer.json"
        config.write_text(json.dumps({"executablePath": CHROMIUM, "args": ["--no-sandbox", "--disable-gpu"]}))
        rendered = tmp_path / "diff.svg"
        subprocess.run(
            [str(MMDC), "-p", str(config), "-i", str(tmp_path / "out" / "diff.mmd"), "-o", str(rendered)],
            check=True,
            timeout=180,
            capture_output=True,
        )
        svg = rendered.read_text(encoding="utf-8")
        text = text_of(svg)
        assert all(re.search(rf"\b{name}\b", text) for name in nodes), text
        assert "+ close_card" in text and "− unblock" in text
        assert not overlaps(boxes(svg))


def test_quotes_and_assumptions_are_text_changes_with_no_behavioural_difference(tmp_path: Path) -> None:
    quote = ("Three wrong PIN entries in a row block the card.", "Three wrong PIN entries in a row block your card.")
    choice = ('choice: Yes; the boundary is inclusive ("within 30 days").', "choice: Yes; day 30 still counts.")
    old = version(tmp_path / "old")
    new = version(tmp_path / "new", quote, choice)
    document = new.with_suffix(".policy.txt")
    document.write_text(document.read_text(encoding="utf-8").replace(*quote), encoding="utf-8")
    report = diff_specs(load_spec(old), load_spec(new), out=tmp_path / "out", scenarios=(tmp_path / "none",))
    assert changes(report) == {("changed", "quote", "three_strikes"), ("changed", "assumption", "activation_boundary")}
    (said,) = [c for c in report.changes if c.element == "quote"]
    assert said.details == (
        "quote: Three wrong PIN entries in a row block the card. → Three wrong PIN entries in a row block your card.",
    )
    assert said.old is not None and said.new is not None and said.old.line == said.new.line == 11
    assert "/old/" in said.old.path and "/new/" in said.new.path
    assert report.verdict == "same" and report.behaviour.complete


def test_a_boundary_that_changes_is_told_apart_at_the_very_instant(tmp_path: Path) -> None:
    exclusive = (
        "boundary: inclusive, on_expiry: activation_lapsed",
        "boundary: exclusive, on_expiry: activation_lapsed",
    )
    report = compare(tmp_path, exclusive)
    assert ("changed", "deadline", "activation") in changes(report)
    story = report.behaviour.stories[0]
    assert story.tells_apart
    text = Path(story.scenario_file).read_text(encoding="utf-8")
    assert "advance: 30d" in text  # exactly the boundary: inclusive still activates, exclusive does not


def test_a_removed_transition_and_an_invariant_that_now_fails_are_reported(tmp_path: Path) -> None:
    stays_active = (
        "  - id: third_wrong_pin\n    event: enter_pin\n    from: active\n    to: blocked\n",
        "  - id: third_wrong_pin\n    event: enter_pin\n    from: active\n    to: active\n",
    )
    report = compare(tmp_path, REORDER, stays_active)
    assert {("removed", "transition", "branch_unblock"), ("changed", "transition", "third_wrong_pin")} <= changes(
        report
    )
    assert report.verdict == "differs"
    verdicts = {v.what: (v.old, v.new) for v in report.verdicts}
    assert verdicts["property invariant blocked_means_three_strikes"] == ("holds", "fails")
    reached = {(r.element, r.name, r.only_in) for r in report.reach}
    assert ("transition", "branch_unblock", "old") in reached
    assert all(s.tells_apart for s in report.behaviour.stories[:2])


def test_a_comment_about_two_unrelated_specs_still_fits(tmp_path: Path) -> None:
    """ANA against the bank card: hundreds of changes, stories that no longer load, no joint search."""
    done = run_cli(
        str(ANA),
        str(REPO / "spec" / "bank_card.yaml"),
        "-o",
        str(tmp_path),
        "--format",
        "markdown",
        "--no-explore",
        cwd=REPO,
    )
    assert done.returncode == 1, done.stderr
    text = done.stdout
    assert text.startswith("## credlab diff: unknown") and len(text) <= COMMENT_LIMIT
    assert "not searched: the versions declare different credentials" in text
    assert text.count("<details>") >= 3 and "```mermaid" in text


def test_ana_the_postcard_no_longer_clears_the_web_password(tmp_path: Path) -> None:
    """The issue's own example, on the real spec and its story library."""
    clears = "      - {randomize_credential: amc_pin}\n      - {clear_credential: web_password}\n"
    changed = ana_variant(tmp_path, clears, "      - {randomize_credential: amc_pin}\n")
    report = diff_specs(load_spec(ANA), load_spec(changed), out=tmp_path / "out", scenarios=(REPO / "scenarios",))
    (change,) = report.changes
    assert (change.element, change.name, change.details) == (
        "transition",
        "request_postcard_reset",
        ("effects: − clear web_password",),
    )
    story = report.behaviour.stories[0]
    assert story.tells_apart and story.what == "credentials"
    assert "web_password=no" in story.summary and "web_password=yes" in story.summary
    verdicts = {v.what: (v.old, v.new) for v in report.verdicts}
    assert verdicts["property invariant registration_flow_has_no_web_password"] == ("holds", "fails")
    affected = {i.scenario for i in report.impact}
    assert "postcard_randomizes_the_pin_and_clears_the_web_password" in affected
    assert all((i.old, i.new) == ("passes", "fails") for i in report.impact)


def test_ana_a_slower_postcard_makes_the_lockout_windows_longer(tmp_path: Path) -> None:
    week = "  postcard_delivery_max:\n    type: duration\n    default: 7d\n"
    changed = ana_variant(tmp_path, week, week.replace("7d", "14d"))
    report = diff_specs(load_spec(ANA), load_spec(changed), out=tmp_path / "out", scenarios=(tmp_path / "none",))
    longer = {v.what: (v.old, v.new) for v in report.verdicts if v.what.startswith("finding lockout_window")}
    assert longer["finding lockout_window (channel=web, state=pin_randomized, until=pin_postcard)"] == (
        "medium, lasts 1d to 7d",
        "medium, lasts 1d to 14d",
    )
    (story,) = report.behaviour.stories  # one kind: the card no longer has to have arrived after 7 days
    assert report.behaviour.complete and story.tells_apart and "waiting 7d" in story.summary


def test_a_session_mark_the_member_cannot_see_is_unknown_not_same(tmp_path: Path) -> None:
    """Whose screen a state is only shows when another actor acts there; the joint search plays the member."""
    blocked = ("lifecycle: true, source: three_strikes}", "lifecycle: true, session: true, source: three_strikes}")
    alone = compare(tmp_path / "alone", blocked, explore=False)
    assert changes(alone) == {("changed", "state", "blocked")}
    assert alone.verdict == "same"  # the cardholder is the only actor: nobody else could act there
    thief = ("  cardholder: {knows: [card_pin], has: [postal_address, identity]}\n", "")
    thief = (thief[0], thief[0] + "  thief: {description: Found the card.}\n")
    old = version(tmp_path / "old", thief)
    new = version(tmp_path / "new", thief, blocked)
    report = diff_specs(
        load_spec(old), load_spec(new), out=tmp_path / "out", scenarios=(tmp_path / "none",), explore=False
    )
    assert report.behaviour.complete and not report.behaviour.stories
    assert report.verdict == "unknown" and "blocked is someone's session changed" in report.behaviour.reason


def test_a_credential_no_longer_set_at_the_start_is_told_apart_before_any_step(tmp_path: Path) -> None:
    unset = (
        "card_pin: {kind: pin, policy: card_pin, initially_set: true, source: pin_format}",
        "card_pin: {kind: pin, policy: card_pin, source: pin_format}",
    )
    report = compare(tmp_path, unset, explore=False)
    assert changes(report) == {("changed", "credential", "card_pin")}
    first = report.behaviour.stories[0]
    assert first.summary == "from active, at the start: credentials old card_pin=yes, new card_pin=no"
    assert first.tells_apart and first.steps == 1
    story = Path(first.scenario_file).read_text(encoding="utf-8")
    assert "credentials: {card_pin" not in story.split("steps:")[0]  # given, it would be set on both versions


def test_a_message_that_no_longer_carries_the_pin_shows_where_the_member_needs_it(tmp_path: Path) -> None:
    """Each version's member knows what their own version told them: the difference shows at the
    step that uses it (activating the replacement PIN), as a story that replays."""
    silent = (
        "pin_mailer: {via: post, carries: card_pin, source: replacement}",
        "pin_mailer: {via: post, source: replacement}",
    )
    report = compare(tmp_path, silent, explore=False)
    assert changes(report) == {("changed", "message", "pin_mailer")}
    first = report.behaviour.stories[0]
    assert first.summary == "from active, order_replacement, then enter_pin: old accepts, new refuses"
    assert first.tells_apart and "'pin matches card_pin' does not hold" in first.new.message
    assert all(s.tells_apart for s in report.behaviour.stories)


def test_every_mutant_of_the_bank_spec_is_told_apart_by_a_story_that_replays(tmp_path: Path) -> None:
    """The diff and mutation share one joint search: each of the 40 mutants is the 'new' version.
    Where mutation finds a distinguishing story the diff says differs, and every story it writes
    replays as described; where the mutation is invisible, the diff says same; the one mutant
    that changes who may cause an event is unknown (the versions cannot be searched together)."""
    from credlab.simulator.analysis.joint import distinguish
    from credlab.simulator.analysis.mutate import mutants
    from credlab.simulator.review.behaviour import compare_behaviour

    spec = load_spec(BANK)
    verdicts: dict[str, int] = {}
    for mutant in mutants(spec):
        behaviour = compare_behaviour(spec, mutant.spec, {}, tmp_path / mutant.id.replace(":", "-"), limit=3)
        verdicts[behaviour.verdict] = verdicts.get(behaviour.verdict, 0) + 1
        if behaviour.verdict == "unknown":
            assert mutant.kind == "drop-requires", mutant.id
            continue
        assert (behaviour.verdict == "same") == (distinguish(spec, mutant.spec) is None), mutant.id
        assert all(story.tells_apart for story in behaviour.stories), mutant.id
    assert verdicts == {"differs": 28, "same": 11, "unknown": 1}
