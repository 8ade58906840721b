"""Real OTLP receivers for the tests: a gRPC TraceService and an HTTP ``/v1/traces`` endpoint.

Both listen on 127.0.0.1 (a free port), decode each ExportTraceServiceRequest with the
collector's own protobuf definitions (opentelemetry-proto) and keep the spans for assertions.
Each answers before renacer's export returns, so once renacer has exited every span it
exported is here.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

STATUS_ERROR = 2  # opentelemetry.proto.trace.v1.Status.STATUS_CODE_ERROR


@dataclass(frozen=True)
class Span:
    """One received span, its ids in hex as W3C traceparent writes them."""

    name: str
    trace_id: str
    span_id: str
    parent_span_id: str  # '' for a root span
    start_ns: int
    end_ns: int
    attributes: dict
    status_code: int
    status_message: str
    events: tuple = ()  # (name, attributes, time ns)
    resource: dict = field(default_factory=dict)


def _value(value: AnyValue) -> object:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    return getattr(value, kind) if kind else None


def _attributes(pairs: object) -> dict:
    return {kv.key: _value(kv.value) for kv in pairs}  # type: ignore[attr-defined]


class Receiver:
    """Spans collected from every export request, with the headers each request came with."""

    url = ""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay  # seconds each request takes: a slow collector
        self.spans: list[Span] = []
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()

    def take(self, request: trace_service_pb2.ExportTraceServiceRequest, headers: dict[str, str]) -> None:
        spans = []
        for resource_spans in request.resource_spans:
            resource = _attributes(resource_spans.resource.attributes)
            for scope_spans in resource_spans.scope_spans:
                for s in scope_spans.spans:
                    events = tuple((e.name, _attributes(e.attributes), e.time_unix_nano) for e in s.events)
                    spans.append(Span(s.name, s.trace_id.hex(), s.span_id.hex(), s.parent_span_id.hex(),
                                      s.start_time_unix_nano, s.end_time_unix_nano, _attributes(s.attributes),
                                      s.status.code, s.status.message, events, resource))
        time.sleep(self.delay)
        with self.lock:
            self.spans.extend(spans)
            self.headers.append(headers)

    def named(self, prefix: str) -> list[Span]:
        """The spans whose name starts with ``prefix`` ('process: ', 'syscall: getppid')."""
        with self.lock:
            return [s for s in self.spans if s.name.startswith(prefix)]


class _TraceService(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver

    def Export(self, request, context):  # noqa: N802, ANN001, ANN201 - the generated service's names
        self.receiver.take(request, {k: v for k, v in context.invocation_metadata()})
        return trace_service_pb2.ExportTraceServiceResponse()


@contextmanager
def grpc_receiver(delay: float = 0.0) -> Iterator[Receiver]:
    """An OTLP/gRPC collector on 127.0.0.1; ``url`` is http://127.0.0.1:PORT."""
    receiver = Receiver(delay)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(_TraceService(receiver), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    receiver.url = f"http://127.0.0.1:{port}"
    try:
        yield receiver
    finally:
        server.stop(grace=None)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            if self.path != "/v1/traces":
                self.send_response(404)
                self.end_headers()
                return
            request = trace_service_pb2.ExportTraceServiceRequest()
            request.ParseFromString(body)
            receiver.take(request, {k.lower(): v for k, v in self.headers.items()})
            answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
            pass

    return Handler


@contextmanager
def http_receiver(delay: float = 0.0) -> Iterator[Receiver]:
    """An OTLP/HTTP (protobuf) collector on 127.0.0.1; ``url`` is http://127.0.0.1:PORT/v1/traces."""
    receiver = Receiver(delay)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
