"""W3C trace context: the trace a run joins, the ids its recording and spans carry, what the program inherits.

Parsing and rendering go through the OpenTelemetry API's TraceContextTextMapPropagator; only
opentelemetry-api is imported here (no SDK, no exporter), and only when a traceparent is involved:
a recording run with no incoming context chooses its ids with ``new_id`` alone.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

from .config import Config
from .errors import RenacerError

TRACEPARENT_FORM = "00-<32 hex digits trace id>-<16 hex digits span id>-<2 hex digits flags>"


@dataclass(frozen=True, slots=True)
class TraceIds:
    """The ids a run's spans use, chosen before the command is spawned (it is told one of them)."""

    trace_id: int
    root_span_id: int  # the process span of the spawned command (or the first process seen)
    parent: object | None  # the remote parent's SpanContext (from --trace-parent or TRACEPARENT), or None


def parse_trace_parent(value: str, state: str | None = None, origin: str = "--trace-parent") -> object:
    """The SpanContext a W3C ``traceparent`` (and ``tracestate``) names; RenacerError if it names none."""
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier = {"traceparent": value}
    if state:
        carrier["tracestate"] = state
    context = TraceContextTextMapPropagator().extract(carrier)
    span_context = trace.get_current_span(context).get_span_context()
    if not span_context.is_valid:
        raise RenacerError(f"invalid {origin} '{value}' (expected {TRACEPARENT_FORM})")
    return span_context


def inherited_parent(config: Config) -> object | None:
    """The parent span: --trace-parent, else the TRACEPARENT/TRACESTATE variables; None when neither."""
    if config.trace_parent is not None:
        return parse_trace_parent(config.trace_parent)
    env = os.environ if config.env is None else config.env
    value = env.get("TRACEPARENT", "")
    if not value:
        return None
    return parse_trace_parent(value, env.get("TRACESTATE"), origin="TRACEPARENT environment variable")


def records(config: Config) -> bool:
    """Whether the run writes a recording (--format json without a summary table)."""
    return config.format == "json" and not config.summary


def has_own_span(config: Config) -> bool:
    """Whether the run has a span of its own (exported, or named in its recording's header)."""
    return bool(config.otlp_endpoint) or records(config)


def incoming(config: Config) -> bool:
    """Whether the run was given a trace to join (--trace-parent, or TRACEPARENT in its environment)."""
    env = os.environ if config.env is None else config.env
    return config.trace_parent is not None or bool(env.get("TRACEPARENT"))


def header_fields(ids: TraceIds) -> dict[str, str]:
    """A recording header's trace context: trace id, the run's span id; the parent span and state if any."""
    fields = {"trace_id": f"{ids.trace_id:032x}", "span_id": f"{ids.root_span_id:016x}"}
    parent = ids.parent
    if parent is not None:
        fields["parent_span_id"] = f"{parent.span_id:016x}"  # type: ignore[attr-defined]
        state = parent.trace_state.to_header() if parent.trace_state else ""  # type: ignore[attr-defined]
        if state:
            fields["tracestate"] = state
    return fields


def remote_parent(trace_id: int, span_id: int, tracestate: str = "") -> object:
    """The SpanContext of a parent span recorded elsewhere (another recording, another host)."""
    from opentelemetry import trace

    state = trace.TraceState.from_header([tracestate]) if tracestate else None
    return trace.SpanContext(trace_id, span_id, is_remote=True,
                             trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED), trace_state=state)


def new_id(bits: int) -> int:
    """A random non-zero trace (128 bits) or span (64 bits) id, as the SDK's RandomIdGenerator makes them."""
    while True:
        value = random.getrandbits(bits)
        if value:
            return value


def plan(config: Config) -> TraceIds:
    """The run's trace id and its root process span id: the parent's trace when there is one."""
    parent = inherited_parent(config)
    trace_id = parent.trace_id if parent is not None else new_id(128)  # type: ignore[attr-defined]
    return TraceIds(trace_id, new_id(64), parent)


def propagated_env(config: Config, ids: TraceIds) -> dict[str, str]:
    """The command's environment, with TRACEPARENT (and TRACESTATE) naming the span it runs under.

    Exporting or recording, that is renacer's process span of the command (its recording's
    ``span_id``); otherwise renacer has no span, so a --trace-parent is passed on as it is.
    """
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    env = dict(os.environ if config.env is None else config.env)
    parent = ids.parent
    if has_own_span(config) or parent is None:
        state = parent.trace_state if parent is not None else None  # type: ignore[attr-defined]
        span = trace.SpanContext(ids.trace_id, ids.root_span_id, is_remote=False,
                                 trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED), trace_state=state)
    else:
        span = parent
    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier, trace.set_span_in_context(trace.NonRecordingSpan(span)))
    env.pop("TRACESTATE", None)  # a state left from another parent would be wrong with the new one
    env["TRACEPARENT"] = carrier["traceparent"]
    if "tracestate" in carrier:
        env["TRACESTATE"] = carrier["tracestate"]
    return env
