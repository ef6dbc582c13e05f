"""Guards and effects as short readable text, for refusals, diagrams and reports."""

from __future__ import annotations

from credlab.model import ir
from credlab.model.delivery import deliverable, in_transit
from credlab.model.durations import format_duration


def guard_text(g: ir.Guard) -> str:
    """A short, readable rendering of a guard, for refusals and diagrams."""
    match g:
        case ir.Matches(input=i, credential=c):
            return f"{i} matches {c}"
        case ir.Authenticates(secret=s, channel=ch, channel_from=src):
            return f"{s} authenticates on {ch}" if ch else f"{s} authenticates on the channel in {src}"
        case ir.Satisfies(input=i, policy=p):
            return f"{i} satisfies {p}"
        case ir.IsSet(credential=c):
            return f"{c} is set"
        case ir.FlagSet(flag=f):
            return f"{f}"
        case ir.Given(input=i):
            return f"{i} given"
        case ir.InputTrue(input=i):
            return f"{i}"
        case ir.InputIn(input=i, values=v):
            return f"{i} in {{{', '.join(v)}}}"
        case ir.CountAtLeast(counter=c, value=v):
            return f"{c} >= {v}"
        case ir.CodesLeft(credential=c, at_least=n):
            return f"{n}+ codes of {c} left"
        case ir.Within(deadline=d):
            return f"within {d}"
        case ir.Expired(deadline=d):
            return f"{d} expired"
        case ir.InState(states=s):
            return f"in {{{', '.join(s)}}}"
        case ir.Accepts(channel=ch, credential=c):
            return f"{ch} accepts {c}"
        case ir.Not(guard=inner):
            return f"not ({guard_text(inner)})"
        case ir.All(guards=parts):
            return " and ".join(f"({guard_text(p)})" for p in parts)
        case ir.AnyOf(guards=parts):
            return " or ".join(f"({guard_text(p)})" for p in parts)
        case ir.Implies(condition=a, consequence=b):
            return f"if ({guard_text(a)}) then ({guard_text(b)})"
    raise TypeError(g)  # pragma: no cover


def effect_text(e: ir.Effect) -> str:
    """A short rendering of an effect: ``set web_password``, ``send reset_email``."""
    match e:
        case ir.SetCredential(credential=c, input=i):
            return f"{c} := {i}"
        case ir.UseCode(credential=c, input=i):
            return f"use {i} of {c}"
        case ir.ClearCredential(credential=c):
            return f"clear {c}"
        case ir.RandomizeCredential(credential=c):
            return f"randomize {c}"
        case ir.SetFlag(flag=f, value=v):
            return f"{'set' if v else 'clear'} {f}"
        case ir.Increment(counter=c):
            return f"{c} += 1"
        case ir.ResetCounter(counter=c):
            return f"{c} := 0"
        case ir.StartDeadline(deadline=d):
            return f"start {d}"
        case ir.StopDeadline(deadline=d):
            return f"stop {d}"
        case ir.Send(message=m):
            return f"send {m}"
    raise TypeError(e)  # pragma: no cover


def deadline_text(spec: ir.Spec, deadline: ir.Deadline) -> str:
    """``reset_link: 2h (reset_link_ttl), exclusive``."""
    seconds = spec.deadline_seconds(deadline)
    named = f" ({deadline.duration})" if isinstance(deadline.duration, str) else ""
    started = ", from the start" if deadline.from_start else ""
    return f"{deadline.name}: {format_duration(seconds)}{named}, {deadline.boundary}{started}"


def delay_text(spec: ir.Spec, message: ir.Message) -> str:
    """``1d (postcard_delivery_min) to 7d (postcard_delivery_max)``: when a delayed message arrives."""
    assert message.delay is not None, "only a delayed message has a window"

    def bound(value: int | str) -> str:
        if isinstance(value, int):
            return format_duration(value)
        return f"{format_duration(spec.parameters[value].default)} ({value})"

    return f"{bound(message.delay[0])} to {bound(message.delay[1])}"


def spec_effect_text(spec: ir.Spec, e: ir.Effect) -> str | None:
    """An effect as a reader of the spec wrote it: a delayed message's send says when it arrives,
    and the deadlines credlab starts for it are not shown (None)."""
    if isinstance(e, ir.StartDeadline) and spec.deadlines[e.deadline].delivery is not None:
        return None
    if isinstance(e, ir.Send) and spec.messages[e.message].delay is not None:
        least, most = (
            spec.deadline_seconds(spec.deadlines[d]) for d in (deliverable(e.message), in_transit(e.message))
        )
        return f"send {e.message} (arrives in {format_duration(least)}–{format_duration(most)})"
    return effect_text(e)
