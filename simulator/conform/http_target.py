"""A web service as a system under test, driven through an HTTP binding
(:mod:`credlab.simulator.conform.binding`): ``--target http://HOST:PORT --binding FILE``.

Each actor of a story is a browser of its own (a cookie jar), so a screen reached by the member
is not the attacker's. Email is read from credlab's own SMTP server (:mod:`~.mailbox`), postcards
from the outbox the binding names. Every request is kept as a cURL line with the secrets
replaced by the names of what they are (``{inputs.secret}``, ``{messages.reset_email.link}``),
so a divergence comes with its exchange and never with a password.
"""

from __future__ import annotations

import http.client
import json
import shlex
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from credlab.model import ir
from credlab.model.errors import UsageError
from credlab.model.hashing import Secret
from credlab.simulator.conform.binding import (
    Acceptance,
    Binding,
    Call,
    Choose,
    MessageBinding,
    Request,
    Template,
    Value,
)
from credlab.simulator.conform.mailbox import Mailbox
from credlab.simulator.conform.target import CannotStart, Delivered, Observation

TIMEOUT = 10.0
Vars = dict[str, Any]


class Unsendable(CannotStart):
    """A request's path names something the system never sent (opening a link no email brought)."""


class Answer:
    def __init__(self, status: int, body: bytes, cookies: dict[str, str]) -> None:
        self.status, self.body, self.cookies = status, body, cookies

    def json(self) -> dict[str, Any]:
        try:
            loaded = json.loads(self.body)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}


def render(template: Template, values: Vars, secret: Mapping[str, bool]) -> tuple[Any, Any] | None:
    """(the value, how it is shown); None when a reference names something absent. A template
    that is one reference alone keeps the value's type."""
    real, shown = template.text, template.text
    for ref in template.refs:
        if ref not in values or values[ref] is None:
            return None
        if template.text == "{" + ref + "}":
            value = values[ref]
            return value, ("{" + ref + "}" if secret.get(ref) else value)
        text = as_text(values[ref])
        real = real.replace("{" + ref + "}", text)
        shown = shown.replace("{" + ref + "}", "{" + ref + "}" if secret.get(ref) else text)
    return real.replace("{{", "{").replace("}}", "}"), shown.replace("{{", "{").replace("}}", "}")


def as_text(value: Any) -> str:
    """A value inside text (a path, a form field): yes/no as true/false."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _is_secret(ref: str, secret_inputs: frozenset[str]) -> bool:
    space, _, rest = ref.partition(".")
    return space in ("credentials", "messages", "earlier", "value") or (space == "inputs" and rest in secret_inputs)


def secret_refs(values: Vars, secret_inputs: frozenset[str]) -> dict[str, bool]:
    """Which of ``values`` are secrets, shown in an exchange by their reference, never by value."""
    return {ref: _is_secret(ref, secret_inputs) for ref in values}


def pick(value: Value, values: Vars) -> Template | None:
    """The template a field takes: a choice's branch by its yes/no input (None: leave it out)."""
    if isinstance(value, Choose):
        return value.then if values.get(f"inputs.{value.input}") is True else value.otherwise
    return value


class HttpTarget:
    def __init__(self, spec: ir.Spec, binding: Binding, url: str, smtp: tuple[str, int] | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise UsageError(f"--target {url!r}: expected http://HOST:PORT (HTTPS targets are not supported)")
        self.name, self.spec, self.binding = url.rstrip("/"), spec, binding
        self.host, self.port, self.prefix = parts.hostname, parts.port or 80, parts.path.rstrip("/")
        self.secret_inputs = frozenset(i.name for e in spec.events.values() for i in e.inputs if i.type == "secret")
        address = smtp or binding.smtp
        needs_mail = any(m.subject is not None for m in binding.messages.values())
        self.mailbox = Mailbox(*address).open() if needs_mail and address is not None else None
        self.jars: dict[str | None, dict[str, str]] = {}
        self.values: Vars = {}
        self.lines: list[str] = []
        self.seen_outbox: dict[str, int] = {}
        self.waited, self.requests = 0.0, 0
        """Seconds spent in HTTP round trips, and how many (for benchmarks/bench_conform.py)."""
        self.read: dict[str, dict[str, str | None]] = {}
        """The fields read from each message's latest copy."""
        self.dead: set[str] = set()
        """Messages whose latest link was found refused after its deadline stopped."""

    def __enter__(self) -> HttpTarget:
        return self

    def __exit__(self, *_: object) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        if self.mailbox is not None:
            self.mailbox.close()
            self.mailbox = None

    # --- one request --------------------------------------------------------------------------
    def send(self, request: Request, values: Vars, jar: dict[str, str]) -> Answer:
        secret = secret_refs(values, self.secret_inputs)
        path = render(request.path, values, secret)
        if path is None:
            raise Unsendable(request.path.text)
        target, shown_target = str(path[0]), path[1]
        parts = urlsplit(target)
        if parts.scheme:  # a URL read from a message: it must point at the system under test
            if (parts.hostname, parts.port or 80) != (self.host, self.port):
                raise CannotStart(f"a message's URL points at {parts.netloc}, not at the target")
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            shown_target = "{" + next((r for r in request.path.refs), "url") + "}"
        else:
            target, shown_target = self.prefix + target, self.name + shown_target
        headers = {"Accept": "text/html, application/json"}
        body: bytes | None = None
        curl = ["curl", "-i", "-X", request.method]
        fields, shown_fields = self.fields(request.form or request.json, values, secret)
        if request.form:
            fields = {k: as_text(v) for k, v in fields.items()}
            shown_fields = {k: as_text(v) for k, v in shown_fields.items()}
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            curl += [part for k, v in shown_fields.items() for part in ("--data-urlencode", f"{k}={v}")]
        elif request.json:
            body = json.dumps(fields, sort_keys=True).encode()
            headers["Content-Type"] = "application/json"
            curl += ["-H", "Content-Type: application/json", "--data", json.dumps(shown_fields, sort_keys=True)]
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in sorted(jar.items()))
            curl += ["-b", "; ".join(f"{k}=***" for k in sorted(jar))]
        connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        started = time.perf_counter()
        try:
            connection.request(request.method, target or "/", body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            cookies = response.headers.get_all("Set-Cookie") or []
        except OSError as error:
            raise UsageError(f"cannot reach the target {self.name} ({error}); is it running?") from None
        finally:
            connection.close()
            self.waited += time.perf_counter() - started
            self.requests += 1
        for cookie in cookies:
            name, _, rest = cookie.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0].strip()
        self.lines.append(f"{shlex.join([*curl, shown_target])}  # {response.status}")
        return Answer(response.status, data, jar)

    def fields(
        self, spec: tuple[tuple[str, Value], ...], values: Vars, secret: Mapping[str, bool]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        real: dict[str, Any] = {}
        shown: dict[str, Any] = {}
        for name, value in spec:
            template = pick(value, values)
            rendered = render(template, values, secret) if template is not None else None
            if rendered is not None:
                real[name], shown[name] = rendered
        return real, shown

    def accepted(self, answer: Answer, rule: Acceptance) -> bool:
        if rule.json_field is not None:
            return answer.json().get(rule.json_field) is True
        if rule.statuses:
            return answer.status in rule.statuses
        return 200 <= answer.status < 400

    def call(self, call: Call, values: Vars, jar: dict[str, str]) -> tuple[Answer, bool]:
        answer = self.send(call.request, values, jar)
        return answer, self.accepted(answer, call.accepted)

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
        b = self.binding
        if b.start_states is not None and state not in b.start_states:
            raise CannotStart(f"the binding cannot start a member in '{state}' (start: states)")
        self.jars = {}
        values: Vars = {"state": state, "actor": actor}
        values.update({f"credentials.{k}": v for k, v in credentials.items()})
        values.update({f"flags.{k}": bool(flags.get(k)) for k in self.spec.flags})
        values.update({f"running.{k}": k in running for k in self.spec.deadlines})
        answer = self.send(b.start, values, self.jar(actor))
        if not 200 <= answer.status < 300:
            raise CannotStart(f"the system refused to start a member in '{state}' (HTTP {answer.status})")
        facts = answer.json()
        self.values = {f"member.{name}": facts.get(field) for name, field in b.start_read}
        self.seen_outbox, self.read, self.dead = {}, {}, set()
        self.deliveries()  # what starting sent (a pending reset's email) is known, not observed

    def jar(self, actor: str | None) -> dict[str, str]:
        return self.jars.setdefault(actor, {})

    def perform(self, event: str, inputs: Mapping[str, ir.InputValue], actor: str | None) -> Observation:
        call = self.binding.events.get(event)
        if call is None:  # the post, the clock's own events: not the system's to see
            return Observation(False, observed=False)
        values = {**self.values, **{f"inputs.{k}": v for k, v in inputs.items()}}
        try:
            answer, accepted = self.call(call, values, self.jar(actor))
        except Unsendable as missing:  # nothing to send it with: as a member without the email, it cannot happen
            self.lines.append(f"# {event}: not sent, {missing} was never received")
            return Observation(False, self.deliveries()[0], self.projected())
        violations: list[tuple[str, str]] = []
        if answer.status >= 500:
            violations.append((f"an answer to {event}", f"HTTP {answer.status}, a server error"))
        if not accepted and call.same_refusal_for:
            violations += self.same_refusal(event, call, values, answer, actor)
        delivered, broken = self.deliveries()
        return Observation(accepted, delivered, self.projected(), violations=tuple(violations + broken))

    def same_refusal(
        self, event: str, call: Call, values: Vars, answer: Answer, actor: str | None
    ) -> list[tuple[str, str]]:
        secret = secret_refs(values, self.secret_inputs)
        changed = dict(values)
        for name, template in call.same_refusal_for:
            rendered = render(template, values, secret)
            if rendered is not None:
                changed[name] = rendered[0]
        other = self.send(call.request, changed, dict(self.jar(actor)))
        if (other.status, other.body) == (answer.status, answer.body):
            return []
        what = ", ".join(f"{n}={t.text}" for n, t in call.same_refusal_for)
        return [
            (
                f"{event} refused the same way with {what}",
                f"HTTP {answer.status} for the member, HTTP {other.status} with {what}",
            )
        ]

    def deliveries(self) -> tuple[tuple[Delivered, ...], list[tuple[str, str]]]:
        """The messages sent since the last look, and any earlier link that still works."""
        found: list[Delivered] = []
        broken: list[tuple[str, str]] = []
        mailbox = self.binding.mailbox
        if self.mailbox is not None and mailbox is not None:
            address = render(mailbox, self.values, {})
            for mail in self.mailbox.take(str(address[0])) if address else []:
                message = next((m for m in self.binding.messages.values() if m.subject == mail.subject), None)
                if message is None:
                    continue
                earlier = self.read.get(message.name)
                self.read[message.name] = {
                    f: (hit.group(0) if (hit := p.search(mail.body)) else None) for f, p in message.read
                }
                self.values.update({f"messages.{message.name}.{f}": v for f, v in self.read[message.name].items()})
                found.append(Delivered(message.name))
                self.dead.discard(message.name)
                if earlier is not None and self.still_works(message, earlier):
                    broken.append(
                        (f"the earlier {message.name} to stop working once a new one is sent", "it still works")
                    )
        for message in self.binding.messages.values():
            if message.outbox is None:
                continue
            listed = self.send(message.outbox, self.values, {}).json().get(message.items or "items")
            items = listed if isinstance(listed, list) else []
            new = items[self.seen_outbox.get(message.name, 0) :]
            self.seen_outbox[message.name] = len(items)
            carried = self.spec.messages[message.name].carries
            for item in new:
                value = item.get(message.carries) if isinstance(item, dict) and message.carries else None
                found.append(Delivered(message.name, carried, Secret(str(value)) if value is not None else None))
        return tuple(found), broken

    def still_works(self, message: MessageBinding, fields: Mapping[str, str | None]) -> bool:
        """Whether the message's link (``fields``) still opens, tried from a fresh browser."""
        if message.probe is None:
            return False
        return self.call(message.probe, {**self.values, **{f"earlier.{k}": v for k, v in fields.items()}}, {})[1]

    def after_step(self, running: frozenset[str]) -> tuple[tuple[str, str], ...]:
        """Once the spec has stopped a message's deadline (used, replaced, withdrawn, expired), its
        latest link must be refused: tried once per link."""
        broken: list[tuple[str, str]] = []
        for name, message in self.binding.messages.items():
            fields = self.read.get(name)
            if message.valid_while is None or message.valid_while in running or fields is None or name in self.dead:
                continue
            self.dead.add(name)
            if self.still_works(message, fields):
                broken.append(
                    (f"the {name} link to be refused once {message.valid_while} has stopped", "it still works")
                )
        return tuple(broken)

    def projected(self) -> str | None:
        if self.binding.state is None:
            return None
        request, field = self.binding.state
        state = self.send(request, self.values, {}).json().get(field)
        return state if isinstance(state, str) else None

    def access(self, channel: str, credential: str, value: str) -> bool | None:
        if self.binding.access is None:
            return None
        values = {**self.values, "channel": channel, "credential": credential, "value": value}
        return self.call(self.binding.access, values, {})[1]

    def advance(self, seconds: int) -> None:
        if self.binding.clock is None:
            raise CannotStart("the story moves the clock, and the binding has no clock: request")
        answer, accepted = self.call(self.binding.clock, {**self.values, "seconds": seconds}, {})
        if not accepted:
            raise CannotStart(f"the system did not move its clock (HTTP {answer.status}); is it in test mode?")

    def exchange(self) -> tuple[str, ...]:
        lines, self.lines = tuple(self.lines), []
        return lines

    def close(self) -> None:
        self.jars, self.values = {}, {}
