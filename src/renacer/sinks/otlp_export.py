"""The OTLP side of ``--otlp-endpoint``: the SDK exporter the flags choose, and a processor that never drops.

The OpenTelemetry SDK's BatchSpanProcessor drops spans when its queue is full; renacer's own
processor (an SDK SpanProcessor) makes the tracer wait instead, so the breaker
(--otlp-max-spans-per-sec) is the only volume control. The first failed export (a collector
that is down, refuses or does not answer in time) ends exporting: later spans are only counted.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..config import Config
from ..errors import RenacerError

PROTOCOLS = ("grpc", "http/protobuf")
HTTP_PORT = 4318  # OTLP/HTTP's registered port; 4317 is OTLP/gRPC's
HTTP_PATH = "/v1/traces"
EXPORT_TIMEOUT_S = 3.0  # one export, retries included (OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT overrides it)
EXIT_STALL_S = 5.0  # at exit, renacer gives up on a collector that completes no export for this long
BATCH_SPANS = 512
BATCH_DELAY_S = 0.5  # a batch waits at most this long for more spans
QUEUE_SPANS = 16384  # spans waiting for export before the tracer waits for the exporter


def _variable(name: str) -> str:
    """OTEL_EXPORTER_OTLP_TRACES_<name>, else OTEL_EXPORTER_OTLP_<name>, else ''."""
    env = os.environ
    return env.get(f"OTEL_EXPORTER_OTLP_TRACES_{name}") or env.get(f"OTEL_EXPORTER_OTLP_{name}", "")


def check_endpoint(url: str) -> str:
    """The URL, if it is one renacer can export to; RenacerError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RenacerError(f"invalid --otlp-endpoint '{url}' (a URL such as http://localhost:4317)")
    try:
        parts.port  # noqa: B018 - raises on a port that is no number
    except ValueError:
        raise RenacerError(f"invalid --otlp-endpoint '{url}' (a URL such as http://localhost:4317)") from None
    return url


def choose_protocol(config: Config) -> str:
    """--otlp-protocol, else OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, else by the URL (port 4318, /v1/traces)."""
    given = config.otlp_protocol or _variable("PROTOCOL")
    if given:
        if given not in PROTOCOLS:
            raise RenacerError(f"OTLP protocol '{given}' is not supported (grpc or http/protobuf)")
        return given
    parts = urlsplit(config.otlp_endpoint or "")
    if parts.port == HTTP_PORT or parts.path.rstrip("/").endswith(HTTP_PATH):
        return "http/protobuf"
    return "grpc"


@dataclass(frozen=True, slots=True)
class ExportSettings:
    """What the SDK exporter is built with; everything else it reads from OTEL_EXPORTER_OTLP_*."""

    protocol: str
    url: str  # for HTTP the signal URL (…/v1/traces); for gRPC the collector's address as a URL
    headers: tuple[tuple[str, str], ...]  # the variables' headers, with --otlp-header's over them
    timeout_s: float


def settings(config: Config) -> ExportSettings:
    """The exporter's settings: the flags, over the standard environment variables."""
    from opentelemetry.util.re import parse_env_headers

    protocol = choose_protocol(config)
    url = check_endpoint(config.otlp_endpoint or "")
    if protocol == "http/protobuf" and urlsplit(url).path in ("", "/"):
        url = url.rstrip("/") + HTTP_PATH  # a base URL, as OTEL_EXPORTER_OTLP_ENDPOINT is one
    headers = dict(parse_env_headers(_variable("HEADERS"), liberal=True))
    headers.update((key.lower(), value) for key, value in config.otlp_headers)  # gRPC wants lower case
    timeout = _variable("TIMEOUT")
    try:
        timeout_s = float(timeout) if timeout else EXPORT_TIMEOUT_S
    except ValueError:
        raise RenacerError(f"invalid OTEL_EXPORTER_OTLP_TIMEOUT '{timeout}' (seconds)") from None
    return ExportSettings(protocol, url, tuple(headers.items()), timeout_s)


def make_exporter(chosen: ExportSettings) -> object:
    """The SDK's OTLP span exporter for the chosen protocol."""
    headers = dict(chosen.headers) or None
    if chosen.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

        return GrpcExporter(endpoint=chosen.url, headers=headers, timeout=chosen.timeout_s)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

    return HttpExporter(endpoint=chosen.url, headers=headers, timeout=chosen.timeout_s)


class SdkMessages(logging.Handler):
    """Keeps the SDK's (and gRPC's) log messages instead of printing them: renacer warns once itself."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.last_error = self.last_retry = ""

    def emit(self, record: logging.LogRecord) -> None:
        text = re.sub(r" encountered while exporting .*", "", " ".join(record.getMessage().split()))[:300]
        if record.levelno >= logging.ERROR:
            self.last_error = text
        elif text.startswith("Transient error"):
            self.last_retry = text

    def reason(self) -> str:
        """Why the last export failed: the SDK's error, or its retry message when the error says less."""
        if self.last_retry and (not self.last_error or "due to timeout, max retries" in self.last_error):
            return self.last_retry
        return self.last_error

    @classmethod
    def install(cls) -> SdkMessages:
        """Route the opentelemetry and grpc loggers here only (no traceback, no line on stderr)."""
        handler = cls()
        for name in ("opentelemetry", "grpc"):
            logger = logging.getLogger(name)
            logger.handlers[:] = [handler]
            logger.propagate = False
        return handler


_END = object()


def blocking_processor(exporter: object, messages: SdkMessages) -> object:
    """An SDK SpanProcessor that exports in batches from a thread and never drops a queued span."""
    from opentelemetry.sdk.trace import SpanProcessor
    from opentelemetry.sdk.trace.export import SpanExportResult

    class BlockingBatchProcessor(SpanProcessor):
        """Batches ended spans to the exporter; a full queue makes on_end wait while exports succeed."""

        def __init__(self) -> None:
            self.queue: queue.Queue = queue.Queue(QUEUE_SPANS)
            self.ended = 0  # spans handed over (main thread)
            self.exported = 0  # spans the collector accepted (export thread)
            self.failure = ""  # why exporting stopped
            self.failed = threading.Event()
            self.progress = time.monotonic()  # when the last export completed
            self.thread = threading.Thread(target=self._work, name="renacer-otlp", daemon=True)
            self.thread.start()

        def on_end(self, span: object) -> None:  # type: ignore[override]
            self.ended += 1
            while not self.failed.is_set() and self.thread.is_alive():
                try:
                    self.queue.put(span, timeout=0.05)
                    return
                except queue.Full:
                    continue  # back-pressure: the tracer waits for the exporter

        def _work(self) -> None:
            batch: list = []
            due = 0.0
            while True:
                try:
                    item = self.queue.get(timeout=max(0.0, due - time.monotonic()) if batch else None)
                except queue.Empty:
                    item = None
                if item is _END:
                    self._send(batch)
                    return
                if item is not None:
                    if not batch:
                        due = time.monotonic() + BATCH_DELAY_S
                    batch.append(item)
                    if len(batch) < BATCH_SPANS:
                        continue
                self._send(batch)
                batch = []

        def _send(self, batch: list) -> None:
            if not batch or self.failed.is_set():
                return
            try:
                ok = exporter.export(batch) is SpanExportResult.SUCCESS  # type: ignore[attr-defined]
            except Exception as e:  # noqa: BLE001 - any exporter error is one warning, not a traceback
                ok, messages.last_error = False, str(e)
            self.progress = time.monotonic()
            if ok:
                self.exported += len(batch)
            elif not self.failed.is_set():
                self.failure = messages.reason() or "the export failed"
                self.failed.set()

        def shutdown(self) -> None:
            """Export what is queued, giving up on a collector that completes no export for EXIT_STALL_S."""
            self.progress = time.monotonic()
            ended = aborted = False
            while self.thread.is_alive():
                if not ended:
                    try:
                        self.queue.put_nowait(_END)
                        ended = True
                    except queue.Full:
                        pass
                self.thread.join(0.05)
                if not aborted and time.monotonic() - self.progress > EXIT_STALL_S:
                    self.failure = self.failure or f"no answer in {EXIT_STALL_S:g} s"
                    self.failed.set()
                    exporter.shutdown()  # type: ignore[attr-defined]  # ends the SDK's retries
                    aborted = True
                elif aborted and time.monotonic() - self.progress > EXIT_STALL_S + 1:
                    break  # an export stuck inside the SDK: leave its (daemon) thread behind
            if not aborted:
                exporter.shutdown()  # type: ignore[attr-defined]

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return True

    return BlockingBatchProcessor()
