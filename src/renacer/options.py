"""The checked values of renacer's own long options: OTLP export, trace context, transpiled programs."""

from __future__ import annotations

from dataclasses import replace

from .config import Config
from .errors import RenacerError

OTLP_PROTOCOLS = ("grpc", "http/protobuf")
TRANSPILER_OPTIONS = ("--transpiler-map", "--trace-transpiler-decisions", "--decisions-dir")


class UsageError(RenacerError):
    """A malformed command line."""


def otlp_option(cfg: Config, opt: str, val: str) -> Config:
    """One OpenTelemetry export or trace-context option, checked."""
    if opt == "--otlp-endpoint":
        from .sinks.otlp_export import check_endpoint

        return replace(cfg, otlp_endpoint=check_endpoint(val))
    if opt == "--otlp-protocol":
        if val not in OTLP_PROTOCOLS:
            raise UsageError(f"invalid {opt} argument: '{val}' (grpc or http/protobuf)")
        return replace(cfg, otlp_protocol=val)
    if opt == "--otlp-service-name":
        if not val:
            raise UsageError(f"invalid {opt} argument: '' (a name)")
        return replace(cfg, otlp_service_name=val)
    if opt == "--otlp-header":
        key, eq, value = val.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"invalid {opt} argument: '{val}' (KEY=VALUE)")
        return replace(cfg, otlp_headers=(*cfg.otlp_headers, (key.strip(), value.strip())))
    if opt == "--otlp-sample":
        try:
            rate = float(val)
        except ValueError:
            rate = float("nan")
        if not 0 <= rate <= 1:
            raise UsageError(f"invalid {opt} argument: '{val}' (a rate from 0 to 1)")
        return replace(cfg, otlp_sample=rate)
    if opt == "--otlp-max-spans-per-sec":
        if not val.isdigit():
            raise UsageError(f"invalid {opt} argument: '{val}' (a number of spans; 0: no limit)")
        return replace(cfg, otlp_max_spans_per_sec=int(val))
    if opt == "--trace-parent":
        from .tracecontext import parse_trace_parent

        parse_trace_parent(val)  # the SDK's propagator says whether it names a span
        return replace(cfg, trace_parent=val)
    return replace(cfg, propagate=False)  # --no-propagate


def transpiler_option(cfg: Config, opt: str, val: str) -> Config:
    """--transpiler-map (repeatable), --trace-transpiler-decisions, --decisions-dir (which implies it).

    The map files are read and checked when the run starts, before anything is traced.
    """
    if opt == "--transpiler-map":
        if not val:
            raise UsageError(f"invalid {opt} argument: '' (a source map file)")
        return replace(cfg, transpiler_maps=(*cfg.transpiler_maps, val))
    if opt == "--decisions-dir":
        if not val:
            raise UsageError(f"invalid {opt} argument: '' (a folder)")
        return replace(cfg, trace_decisions=True, decisions_dir=val)
    return replace(cfg, trace_decisions=True)  # --trace-transpiler-decisions
