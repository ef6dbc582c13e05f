"""An HTTP binding: how the spec's events, messages, clock and access map onto a web service,
written in YAML so that testing a service needs no Python (``examples/ana_app/binding.yaml``)::

    credlab_binding: 1
    spec: ana_web_password
    mail: {smtp: "127.0.0.1:8025"}          # credlab listens here; the system sends its email here
    start:                                    # a fresh member in the story's starting situation
      request: {method: POST, path: /test/members, json: {state: "{state}", amc_pin: "{credentials.amc_pin}"}}
      read: {number: member, email: email}    # answer fields, used below as {member.number}
      mailbox: "{member.email}"
    clock: {request: {method: POST, path: /test/clock, json: {seconds: "{seconds}"}}}
    access:
      request: {method: POST, path: /test/access, json: {channel: "{channel}", secret: "{value}"}}
      accepted: {json: accepted}
    messages:
      reset_email: {email: {subject: Password reset}, read: {link: 'https?://\\S+'}}
    events:
      login: {request: {method: POST, path: /login, form: {secret: "{inputs.secret}"}}}
      open_reset_link: {request: {method: GET, path: "{messages.reset_email.link}"}}

A value is a template: ``{name}`` is replaced (``{{`` and ``}}`` are braces); a value that is one
reference alone keeps its type (a number, true/false), and a reference to something absent (an
optional input not given, a credential the member lacks) leaves the field out. ``{if: INPUT,
then: T, else: T}`` picks by a yes/no input. Every name is checked when the binding is loaded.
An answer is accepted when its status is 2xx or 3xx (or one of ``accepted: {status: [...]}``,
or the JSON field ``accepted: {json: FIELD}`` is true); 5xx is the system failing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from credlab.model import ir
from credlab.model.errors import Location, Problems, UsageError
from credlab.model.schema import Obj, Raw
from credlab.simulator.conform.binding_schema import BINDING
from credlab.simulator.documents import read_document

REFERENCE = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\}")
SECRET_SPACES = ("credentials", "messages", "earlier", "value")
"""What a reference may name that is a secret: it is shown as *** in every exchange."""


@dataclass(frozen=True, slots=True)
class Template:
    text: str
    refs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Choose:
    input: str
    then: Template
    otherwise: Template | None


Value = Template | Choose


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: Template
    form: tuple[tuple[str, Value], ...] = ()
    json: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True, slots=True)
class Acceptance:
    statuses: tuple[int, ...] = ()
    json_field: str | None = None


@dataclass(frozen=True, slots=True)
class Call:
    request: Request
    accepted: Acceptance = Acceptance()
    same_refusal_for: tuple[tuple[str, Template], ...] = ()


@dataclass(frozen=True, slots=True)
class MessageBinding:
    name: str
    subject: str | None
    read: tuple[tuple[str, re.Pattern[str]], ...]
    outbox: Request | None
    items: str | None
    carries: str | None
    probe: Call | None
    valid_while: str | None


@dataclass(frozen=True, slots=True)
class FormStep:
    """An event a person does in a browser: open a page (or stay), fill a form, submit it."""

    open: Template | None
    fill: tuple[tuple[str, Value], ...]
    submit: str


@dataclass(frozen=True, slots=True)
class BrowserBinding:
    pages: Mapping[str, str]
    refused_when: str
    events: Mapping[str, FormStep]


@dataclass(frozen=True, slots=True)
class Binding:
    path: str
    smtp: tuple[str, int] | None
    start: Request
    start_read: tuple[tuple[str, str], ...]
    """(name, answer field): the member's facts, referenced as {member.NAME}."""
    start_states: frozenset[str] | None
    mailbox: Template | None
    clock: Call | None
    state: tuple[Request, str] | None
    access: Call | None
    messages: Mapping[str, MessageBinding]
    events: Mapping[str, Call]
    outside: frozenset[str]
    browser: BrowserBinding | None = None


class _Checker:
    def __init__(self, spec: ir.Spec, problems: Problems, member: set[str]) -> None:
        self.spec, self.problems, self.member = spec, problems, member
        self.reads: dict[str, set[str]] = {}

    def template(self, raw: Any, where: Location, allowed: Mapping[str, set[str] | None]) -> Template:
        text = raw.text if isinstance(raw, Raw) else str(raw)
        refs = tuple(REFERENCE.findall(text))
        for ref in refs:
            space, _, rest = ref.partition(".")
            if space not in allowed:
                self.problems.add(
                    where, f"'{{{ref}}}' cannot be used here; here: {', '.join(sorted(allowed)) or 'none'}"
                )
                continue
            names = allowed[space]
            if names is None:
                if rest:
                    self.problems.add(where, f"'{{{ref}}}': '{space}' has no parts")
                continue
            if space == "messages":
                message, _, part = rest.partition(".")
                if message not in self.reads or part not in self.reads[message]:
                    known = [f"{m}.{p}" for m, ps in self.reads.items() for p in sorted(ps)]
                    self.problems.add(
                        where, f"'{{{ref}}}': no message field '{rest}' is read; read: {', '.join(known) or 'none'}"
                    )
                continue
            if rest not in names:
                self.problems.add(
                    where, f"'{{{ref}}}': '{rest}' is not one of {space}: {', '.join(sorted(names)) or 'none'}"
                )
        return Template(text, refs)

    def value(
        self, raw: Any, where: Location, allowed: Mapping[str, set[str] | None], bools: AbstractSet[str]
    ) -> Value | None:
        if isinstance(raw, Obj):
            if raw.get("if") not in bools:
                self.problems.add(
                    raw.at("if"), f"'if:' names a yes/no input of the event; here: {', '.join(sorted(bools)) or 'none'}"
                )
                return None
            then = self.template(raw["then"], raw.at("then"), allowed)
            otherwise = self.template(raw["else"], raw.at("else"), allowed) if "else" in raw else None
            return Choose(raw["if"], then, otherwise)
        return self.template(raw, where, allowed)

    def request(
        self, obj: Any, allowed: Mapping[str, set[str] | None], bools: AbstractSet[str] = frozenset()
    ) -> Request:
        def fields(key: str) -> tuple[tuple[str, Value], ...]:
            found: Obj | None = obj.get(key)
            if found is None:
                return ()
            out = ((name, self.value(v, found.at(name), allowed, bools)) for name, v in found.items())
            return tuple((name, v) for name, v in out if v is not None)

        if "form" in obj and "json" in obj:
            self.problems.add(obj.key_at("json"), "a request has a form or a JSON body, not both")
        return Request(
            obj["method"], self.template(obj["path"], obj.at("path"), allowed), fields("form"), fields("json")
        )

    def call(self, obj: Any, allowed: Mapping[str, set[str] | None], bools: AbstractSet[str] = frozenset()) -> Call:
        accepted = obj.get("accepted") or {}
        same: tuple[tuple[str, Template], ...] = ()
        if "same_refusal_for" in obj:
            probe = obj["same_refusal_for"]
            target = probe["set"]
            space, _, rest = target.partition(".")
            names = allowed.get(space)
            if names is None or rest not in names:
                self.problems.add(
                    probe.at("set"), f"'{target}' is not something this request uses (such as member.number)"
                )
            same = ((target, self.template(probe["to"], probe.at("to"), allowed)),)
        return Call(
            self.request(obj["request"], allowed, bools),
            Acceptance(tuple(accepted.get("status") or ()), accepted.get("json")),
            same,
        )


def _split_address(text: str) -> tuple[str, int] | None:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        return None
    return host, int(port)


def smtp_address(text: str) -> tuple[str, int]:
    """HOST:PORT given on the command line (``--smtp``)."""
    address = _split_address(text)
    if address is None:
        raise UsageError(f"--smtp {text!r}: expected HOST:PORT, such as 127.0.0.1:8025")
    return address


def _address(text: str, where: Location, problems: Problems) -> tuple[str, int] | None:
    address = _split_address(text)
    if address is None:
        problems.add(where, f"'{text}' is not HOST:PORT (such as 127.0.0.1:8025)")
    return address


def _browser(
    obj: Obj | None, spec: ir.Spec, check: _Checker, every: Mapping[str, set[str] | None], problems: Problems
) -> BrowserBinding | None:
    if obj is None:
        return None
    pages: Obj = obj.get("pages") or Obj()
    for state in pages:
        if state not in spec.states:
            problems.add(pages.key_at(state), f"the spec has no state '{state}'")
    steps: dict[str, FormStep] = {}
    for name, e in obj["events"].items():
        event = spec.events.get(name)
        if event is None:
            problems.add(obj["events"].key_at(name), f"the spec has no event '{name}'")
            continue
        allowed = {**every, "inputs": {i.name for i in event.inputs}}
        bools = {i.name for i in event.inputs if i.type == "bool"}
        fill: Obj = e.get("fill") or Obj()
        steps[name] = FormStep(
            check.template(e["open"], e.at("open"), every) if "open" in e else None,
            tuple(
                (field, value)
                for field, raw in fill.items()
                if (value := check.value(raw, fill.at(field), allowed, bools)) is not None
            ),
            e["submit"],
        )
    return BrowserBinding(dict(pages), obj["refused_when"], steps)


def load_binding(path: str | os.PathLike[str], spec: ir.Spec) -> Binding:
    """Read and check a binding for ``spec``; raises :class:`SpecError` with every located problem."""
    top, problems = read_document(path, spec, BINDING, "binding")
    shown = str(path)
    start = top["start"]
    member = set((start.get("read") or {}).keys())
    check = _Checker(spec, problems, member)
    every = {"member": member}
    smtp = _address(top["mail"]["smtp"], top["mail"].at("smtp"), problems) if "mail" in top else None
    messages: dict[str, MessageBinding] = {}
    for name, m in (top.get("messages") or {}).items():
        if name not in spec.messages:
            problems.add((top["messages"]).key_at(name), f"the spec has no message '{name}'")
            continue
        patterns: list[tuple[str, re.Pattern[str]]] = []
        for field, pattern in (m.get("read") or {}).items():
            try:
                patterns.append((field, re.compile(pattern)))
            except re.error as error:
                problems.add(m["read"].at(field), f"not a regular expression: {error}")
        check.reads[name] = {f for f, _ in patterns}
        if ("email" in m) == ("outbox" in m):
            problems.add(top["messages"].key_at(name), f"message '{name}': say where it is read, email: or outbox:")
        carried = spec.messages[name].carries
        if carried is not None and "carries" not in m:
            problems.add(
                top["messages"].key_at(name),
                f"message '{name}' carries {carried}: name the field that holds it (carries:)",
            )
        if "valid_while" in m and m["valid_while"] not in spec.deadlines:
            problems.add(m.at("valid_while"), f"the spec has no deadline '{m['valid_while']}'")
        if "valid_while" in m and "probe" not in m:
            problems.add(m.key_at("valid_while"), "valid_while needs a probe: the request that tries the link")
        outbox = m.get("outbox")
        messages[name] = MessageBinding(
            name,
            m["email"]["subject"] if "email" in m else None,
            tuple(patterns),
            check.request(outbox["request"], every) if outbox else None,
            outbox.get("items") if outbox else None,
            m.get("carries"),
            check.call(m["probe"], {**every, "earlier": check.reads[name]}) if "probe" in m else None,
            m.get("valid_while"),
        )
    events: dict[str, Call] = {}
    for name, e in (top.get("events") or {}).items():
        event = spec.events.get(name)
        if event is None:
            problems.add(top["events"].key_at(name), f"the spec has no event '{name}'")
            continue
        inputs = {i.name for i in event.inputs}
        bools = {i.name for i in event.inputs if i.type == "bool"}
        allowed = {**every, "inputs": inputs, "messages": set()}
        events[name] = check.call(e, allowed, bools)
    outside = frozenset(top.get("not_the_systems") or ())
    for name in sorted(outside - set(spec.events)):
        problems.add(top.at("not_the_systems"), f"the spec has no event '{name}'")
    unbound = sorted(
        n
        for n, e in spec.events.items()
        if not e.internal and e.capability is None and n not in events and n not in outside
    )
    if unbound:
        problems.add(
            top.key_at("events") if "events" in top else top.loc,
            f"no request for {', '.join(unbound)}: bind each, or list it under not_the_systems",
        )
    start_allowed: dict[str, set[str] | None] = {
        "state": None,
        "actor": None,
        "credentials": set(spec.credentials),
        "flags": set(spec.flags),
        "running": set(spec.deadlines),
    }
    states = start.get("states")
    for bad in sorted(set(states or ()) - set(spec.states)):
        problems.add(start.at("states"), f"the spec has no state '{bad}'")
    clock, access, state = top.get("clock"), top.get("access"), top.get("state")
    binding = Binding(
        shown,
        smtp,
        check.request(start["request"], start_allowed),
        tuple((name, field) for name, field in (start.get("read") or {}).items()),
        frozenset(states) if states is not None else None,
        check.template(start["mailbox"], start.at("mailbox"), every) if "mailbox" in start else None,
        check.call(clock, {**every, "seconds": None}) if clock else None,
        (check.request(state["request"], every), state.get("read") or "state") if state else None,
        check.call(access, {**every, "channel": None, "credential": None, "value": None}) if access else None,
        messages,
        events,
        outside,
        _browser(top.get("browser"), spec, check, every, problems),
    )
    if any(m.subject is not None for m in messages.values()) and (smtp is None or binding.mailbox is None):
        problems.add(
            top.loc, "email messages are read from a mailbox: give mail: {smtp: HOST:PORT} and start: {mailbox: ...}"
        )
    problems.raise_if_any()
    return binding
