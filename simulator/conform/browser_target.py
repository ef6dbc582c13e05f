"""A web service driven the way its members use it: through its HTML forms in a real browser
(headless Chromium, through WebDriver), for the events the binding's ``browser:`` section names.

The story's own actor has the browser; everything else (starting a member, the clock, mail,
access probes, events a person does not do in a browser, other actors) goes through the HTTP
binding, sharing the browser's cookies, so both see one session. A form is refused when the
page after it shows the binding's ``refused_when`` selector; a form that is not on the page at
hand cannot be submitted, which is a refusal too (there is nothing to click).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from typing import Any

from credlab.model import ir
from credlab.model.errors import UsageError
from credlab.simulator.conform.binding import Binding, BrowserBinding, FormStep
from credlab.simulator.conform.http_target import HttpTarget, as_text, pick, render, secret_refs
from credlab.simulator.conform.target import CannotStart, Observation

LOAD_TIMEOUT = 10.0


def start_chromium() -> Any:
    """Headless Chromium under its WebDriver (Debian: chromium, chromium-driver)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise UsageError("--browser needs selenium: pip install 'credlab[browser]'") from None
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        raise UsageError("--browser needs Chromium and its WebDriver: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.binary_location = browser
    session = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    session.set_page_load_timeout(LOAD_TIMEOUT)
    return session


class BrowserTarget:
    def __init__(self, spec: ir.Spec, binding: Binding, url: str, smtp: tuple[str, int] | None = None) -> None:
        if binding.browser is None:
            raise UsageError(f"{binding.path}: --browser needs a browser: section (pages, refused_when, events)")
        self.forms: BrowserBinding = binding.browser
        self.http = HttpTarget(spec, binding, url, smtp)
        self.name = f"{self.http.name} (Chromium)"
        self.driver: Any = None
        self.owner: str | None = None
        try:
            self.driver = start_chromium()
        except BaseException:
            self.http.shutdown()
            raise

    def __enter__(self) -> BrowserTarget:
        return self

    def __exit__(self, *_: object) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        if self.driver is not None:
            self.driver.quit()
            self.driver = None
        self.http.shutdown()

    # --- cookies: one session, seen from the browser and from HTTP -------------------------------
    def to_browser(self) -> None:
        self.driver.delete_all_cookies()
        for name, value in self.http.jar(self.owner).items():
            self.driver.add_cookie({"name": name, "value": value, "path": "/"})

    def from_browser(self) -> None:
        jar = self.http.jar(self.owner)
        jar.clear()
        jar.update({c["name"]: c["value"] for c in self.driver.get_cookies()})

    def visit(self, path: str) -> None:
        self.driver.get(self.http.name + path)

    # --- the adapter protocol -------------------------------------------------------------------
    def reset(
        self,
        state: str,
        credentials: Mapping[str, str],
        *,
        flags: Mapping[str, bool],
        running: tuple[str, ...],
        actor: str | None,
    ) -> None:
        self.http.reset(state, credentials, flags=flags, running=running, actor=actor)
        self.owner = actor
        self.visit("/")  # cookies are set for the page's site
        self.to_browser()
        self.visit(self.forms.pages.get(state, "/"))
        self.http.lines.append(f"# browser: opened {self.forms.pages.get(state, '/')}")

    def perform(self, event: str, inputs: Mapping[str, ir.InputValue], actor: str | None) -> Observation:
        step = self.forms.events.get(event)
        if step is None or actor != self.owner:
            self.from_browser()
            seen = self.http.perform(event, inputs, actor)
            self.to_browser()
            return seen
        accepted = self.submit(event, step, inputs)
        self.from_browser()
        delivered, broken = self.http.deliveries()
        return Observation(accepted, delivered, self.http.projected(), violations=tuple(broken))

    def submit(self, event: str, step: FormStep, inputs: Mapping[str, ir.InputValue]) -> bool:
        from selenium.common.exceptions import NoSuchElementException, TimeoutException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        values = {**self.http.values, **{f"inputs.{k}": v for k, v in inputs.items()}}
        secret = secret_refs(values, self.http.secret_inputs)
        shown: list[str] = []
        if step.open is not None:
            page = render(step.open, values, secret)
            if page is None:
                raise CannotStart(f"{event}: the page {step.open.text} names something not known yet")
            self.visit(str(page[0]))
            shown.append(f"open {page[1]}")
        try:
            form = self.driver.find_element(By.NAME, step.submit)
        except NoSuchElementException:
            self.http.lines.append(f"# browser: {event}: no form '{step.submit}' on {self.driver.current_url}: refused")
            return False
        for name, value in step.fill:
            template = pick(value, values)
            rendered = render(template, values, secret) if template is not None else None
            if rendered is None:
                continue
            field = form.find_element(By.NAME, name)
            if field.get_attribute("type") == "hidden":
                self.driver.execute_script("arguments[0].value = arguments[1];", field, as_text(rendered[0]))
            else:
                field.clear()
                field.send_keys(as_text(rendered[0]))
            shown.append(f"{name}={rendered[1]}")
        self.driver.execute_script("window.credlabSubmitted = true;")  # gone once the next page loads
        form.find_element(By.CSS_SELECTOR, "[type=submit]").click()
        try:
            WebDriverWait(self.driver, LOAD_TIMEOUT).until(
                lambda d: d.execute_script(
                    "return window.credlabSubmitted === undefined && document.readyState === 'complete';"
                )
            )
        except TimeoutException:
            raise UsageError(f"the page did not answer the form '{step.submit}' in {LOAD_TIMEOUT:.0f} s") from None
        refused = bool(self.driver.find_elements(By.CSS_SELECTOR, self.forms.refused_when))
        where = self.driver.current_url.removeprefix(self.http.name)
        self.http.lines.append(
            f"# browser: {', '.join(shown) or 'on the page'}; submit {step.submit} → {where}"
            + (" (refused)" if refused else "")
        )
        return not refused

    def access(self, channel: str, credential: str, value: str) -> bool | None:
        return self.http.access(channel, credential, value)

    def advance(self, seconds: int) -> None:
        self.http.advance(seconds)

    def after_step(self, running: frozenset[str]) -> tuple[tuple[str, str], ...]:
        return self.http.after_step(running)

    def exchange(self) -> tuple[str, ...]:
        return self.http.exchange()

    def close(self) -> None:
        self.http.close()
