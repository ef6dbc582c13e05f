"""What a compiled spec runs on: the member's record, and guards/effects as Python callables.

The record is the member's situation apart from the lifecycle state: credential *hashes*
(never plaintext), flags, running deadlines, the virtual clock and the deliveries made so far.
Guards and effects from the spec's closed vocabulary are compiled once per spec into closures
over this record: no expression from a file is ever evaluated.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from credlab.model import ir
from credlab.model.hashing import Secret, Stored, codes_left, digest, holds, is_set, salt_for, stored_form, used_up
from credlab.model.policy import Verdicts, random_value


@dataclass(frozen=True, slots=True)
class Delivery:
    """Something sent to the member: an email link, a postcard (perhaps carrying a new PIN)."""

    time: int
    message: str
    channel: str
    reaches: str | None
    carries: str | None = None
    secret: Secret | None = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class MemberRecord:
    credentials: dict[str, Stored]
    flags: dict[str, bool]
    counters: dict[str, int]
    deadlines: dict[str, int | None]
    """Start time of each running deadline; None when it does not run."""
    expiry_fired: set[str] = field(default_factory=set)
    now: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    disclosable: dict[str, Secret] = field(default_factory=dict)
    """Plaintext of a just-randomized credential, held only until a message carries it."""
    session_owner: str | None = None
    """In a session state: the actor whose session it is (None: anyone may act)."""


@dataclass(slots=True)
class Context:
    """What a guard or effect sees: the record, the current state and the event's inputs."""

    record: MemberRecord
    state: str
    inputs: Mapping[str, ir.InputValue]
    random: random.Random | None = None
    """The member's seeded random source (for ``randomize_credential``)."""


Check = Callable[[Context], bool]
Apply = Callable[[Context], None]


class Runtime:
    """The spec's vocabulary bound to one parameter setting.

    Randomness is not here but in each member's :class:`Context`, so that a member's random
    PIN depends only on its own seed, whatever else shares the compiled spec.
    """

    def __init__(self, spec: ir.Spec, parameters: Mapping[str, int]) -> None:
        self.spec = spec
        self.parameters = dict(parameters)
        self._salt = salt_for(spec.name)
        self.durations = {name: spec.deadline_seconds(d, self.parameters) for name, d in spec.deadlines.items()}
        self._access: dict[str, list[tuple[tuple[str, ...], Check]]] = {}
        for rule in spec.access:
            when = self.guard(rule.when) if rule.when is not None else _always
            self._access.setdefault(rule.channel, []).append((rule.credentials, when))

    # --- secrets -------------------------------------------------------------------------
    def hash(self, value: str) -> bytes:
        return digest(self._salt, value)

    def stored(self, credential: str, value: str) -> bytes | tuple[bytes, ...]:
        """What the store keeps for ``value`` of ``credential`` (a set's codes: each one's digest)."""
        return stored_form(self._salt, value, self.spec.credentials[credential].codes is not None)

    def matches(self, record: MemberRecord, credential: str, value: ir.InputValue | None) -> bool:
        return isinstance(value, str) and holds(record.credentials.get(credential), self.hash(value))

    def new_record(self) -> MemberRecord:
        return MemberRecord(
            credentials={name: None for name in self.spec.credentials},
            flags={name: f.initial for name, f in self.spec.flags.items()},
            counters={name: 0 for name in self.spec.counters},
            deadlines={name: None for name in self.spec.deadlines},
        )

    # --- deadlines -------------------------------------------------------------------------
    def lapses_at(self, record: MemberRecord, deadline: str) -> int | None:
        """The first instant ``deadline`` no longer holds (None: it is not running)."""
        start = record.deadlines[deadline]
        if start is None:
            return None
        inclusive = self.spec.deadlines[deadline].boundary == "inclusive"
        return start + self.durations[deadline] + (1 if inclusive else 0)

    def within(self, record: MemberRecord, deadline: str) -> bool:
        start = record.deadlines[deadline]
        if start is None:
            return False
        elapsed, limit = record.now - start, self.durations[deadline]
        return elapsed <= limit if self.spec.deadlines[deadline].boundary == "inclusive" else elapsed < limit

    def accepts(self, ctx: Context, channel: str, credential: str | None, secret: ir.InputValue | None = None) -> bool:
        """Whether the access table takes ``credential`` on ``channel`` now (alone or with others);
        with ``secret``, whether it is that credential's value (by default, the first a rule takes:
        what a login form's secret field holds)."""
        for names, when in self._access.get(channel, ()):
            if (
                (credential is None or credential in names)
                and when(ctx)
                and (secret is None or self.matches(ctx.record, credential or names[0], secret))
            ):
                return True
        return False

    # --- compilation ---------------------------------------------------------------------
    def guard(self, g: ir.Guard) -> Check:
        """Compile one guard of the vocabulary into a predicate over a :class:`Context`."""
        match g:
            case ir.Matches(input=i, credential=c):
                return lambda ctx: self.matches(ctx.record, c, ctx.inputs.get(i))
            case ir.Authenticates(secret=s, channel=ch, channel_from=src):
                return lambda ctx: self.accepts(ctx, ch or str(ctx.inputs.get(src or "")), None, ctx.inputs.get(s))
            case ir.Satisfies(input=i, policy=p):
                ok = Verdicts(self.spec.policies[p])
                return lambda ctx: (v := ctx.inputs.get(i)) is None or (isinstance(v, str) and ok(v))
            case ir.IsSet(credential=c):
                return lambda ctx: is_set(ctx.record.credentials[c])
            case ir.CodesLeft(credential=c, at_least=n):
                return lambda ctx: codes_left(ctx.record.credentials[c]) >= n
            case ir.FlagSet(flag=f):
                return lambda ctx: ctx.record.flags[f]
            case ir.Given(input=i):
                return lambda ctx: ctx.inputs.get(i) is not None
            case ir.InputTrue(input=i):
                return lambda ctx: ctx.inputs.get(i) is True
            case ir.InputIn(input=i, values=values):
                return lambda ctx: ctx.inputs.get(i) in values
            case ir.CountAtLeast(counter=c, value=v):
                return lambda ctx: ctx.record.counters[c] >= v
            case ir.Within(deadline=d):
                return lambda ctx: self.within(ctx.record, d)
            case ir.Expired(deadline=d):
                return lambda ctx: ctx.record.deadlines[d] is not None and not self.within(ctx.record, d)
            case ir.InState(states=states):
                return lambda ctx: ctx.state in states
            case ir.Accepts(channel=ch, credential=c):
                return lambda ctx: self.accepts(ctx, ch, c)
            case ir.Not(guard=inner):
                check = self.guard(inner)
                return lambda ctx: not check(ctx)
            case ir.All(guards=parts):
                checks = [self.guard(p) for p in parts]
                return lambda ctx: all(c(ctx) for c in checks)
            case ir.AnyOf(guards=parts):
                checks = [self.guard(p) for p in parts]
                return lambda ctx: any(c(ctx) for c in checks)
            case ir.Implies(condition=cond, consequence=then):
                first, second = self.guard(cond), self.guard(then)
                return lambda ctx: not first(ctx) or second(ctx)
        raise TypeError(f"not a guard: {g!r}")  # pragma: no cover

    def effect(self, e: ir.Effect) -> Apply:
        """Compile one effect of the vocabulary into a change of the record."""
        match e:
            case ir.SetCredential(credential=c, input=i):

                def set_credential(ctx: Context) -> None:
                    value = ctx.inputs.get(i)
                    if isinstance(value, str):
                        ctx.record.credentials[c] = self.stored(c, value)

                return set_credential
            case ir.UseCode(credential=c, input=i):

                def use_code(ctx: Context) -> None:
                    value = ctx.inputs.get(i)
                    if isinstance(value, str):
                        ctx.record.credentials[c] = used_up(ctx.record.credentials[c], self.hash(value))

                return use_code
            case ir.ClearCredential(credential=c):
                return lambda ctx: ctx.record.credentials.__setitem__(c, None)
            case ir.RandomizeCredential(credential=c):
                credential = self.spec.credentials[c]
                policy = self.spec.policies[credential.policy]

                def randomize(ctx: Context) -> None:
                    if ctx.random is None:
                        raise ValueError("randomize_credential needs the member's random source")
                    value = random_value(credential, policy, ctx.random)
                    ctx.record.credentials[c] = self.stored(c, value)
                    ctx.record.disclosable[c] = Secret(value)

                return randomize
            case ir.SetFlag(flag=f, value=v):
                return lambda ctx: ctx.record.flags.__setitem__(f, v)
            case ir.Increment(counter=c):
                maximum = self.spec.counters[c].maximum
                return lambda ctx: ctx.record.counters.__setitem__(c, min(ctx.record.counters[c] + 1, maximum))
            case ir.ResetCounter(counter=c):
                return lambda ctx: ctx.record.counters.__setitem__(c, 0)
            case ir.StartDeadline(deadline=d):

                def start(ctx: Context) -> None:
                    ctx.record.deadlines[d] = ctx.record.now
                    ctx.record.expiry_fired.discard(d)

                return start
            case ir.StopDeadline(deadline=d):
                return lambda ctx: ctx.record.deadlines.__setitem__(d, None)
            case ir.Send(message=m):
                message = self.spec.messages[m]
                reaches = self.spec.channels[message.via].reaches

                def send(ctx: Context) -> None:
                    secret = ctx.record.disclosable.pop(message.carries, None) if message.carries else None
                    ctx.record.deliveries.append(
                        Delivery(ctx.record.now, m, message.via, reaches, message.carries, secret)
                    )

                return send
        raise TypeError(f"not an effect: {e!r}")  # pragma: no cover


def _always(ctx: Context) -> bool:
    return True
