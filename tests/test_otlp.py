"""--otlp-endpoint and W3C trace context, end to end: real programs traced, spans received by real
OTLP receivers (tests/otlp_receiver.py, gRPC and HTTP), checked against what the programs do.

tests/programs/otlp_calls.c makes N getppid calls, one failing open and prints its TRACEPARENT;
tests/programs/fork.c forks three children (one vfork + exec of /bin/true).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from fidelity import PROGRAMS, reap, spawn
from otlp_receiver import STATUS_ERROR, Receiver, Span, closed_port, grpc_receiver, http_receiver

from renacer.config import Config
from renacer.sinks.otlp_export import choose_protocol

TALLY = re.compile(r"renacer: otlp: (\d+) spans exported, (\d+) dropped by sampling, (\d+) dropped by the "
                   r"breaker(?:, (\d+) not delivered)?")
PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{PARENT_TRACE}-{PARENT_SPAN}-01"
MISSING = "/nonexistent/renacer-otlp"


def _env(**extra: str) -> dict[str, str]:
    """renacer's environment: no trace context nor OTEL_ settings unless a test gives them."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("OTEL_") and k not in ("TRACEPARENT", "TRACESTATE")}
    env.update(extra)
    return env


def _tally(stderr: str) -> tuple[int, int, int, int]:
    """The exit line's numbers: exported, dropped by sampling, by the breaker, not delivered."""
    found = [m for line in stderr.splitlines() if (m := TALLY.fullmatch(line))]
    assert len(found) == 1, stderr[-2000:]
    return tuple(int(g or 0) for g in found[0].groups())  # type: ignore[return-value]


@pytest.fixture(params=["grpc", "http"])
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    """A running OTLP receiver of each protocol."""
    with (grpc_receiver() if request.param == "grpc" else http_receiver()) as r:
        yield r


@pytest.fixture
def http() -> Iterator[Receiver]:
    with http_receiver() as r:
        yield r


@pytest.fixture
def grpc() -> Iterator[Receiver]:
    with grpc_receiver() as r:
        yield r


def _one(spans: list[Span]) -> Span:
    assert len(spans) == 1, [s.name for s in spans]
    return spans[0]


def test_spans_name_the_process_and_each_call(build, renacer, receiver) -> None:
    program = build("otlp_calls.c")
    done = renacer("--otlp-endpoint", receiver.url, "--", program, "5", env=_env())
    assert done.returncode == 3, done.stderr  # the program's own status
    process = _one(receiver.named("process: "))
    assert process.name == "process: otlp_calls"
    assert process.parent_span_id == ""  # no trace parent: the process span is the root
    pid = process.attributes["process.pid"]
    assert process.attributes["process.exit.code"] == 3
    assert process.attributes["process.executable.path"] == str(program)
    assert process.attributes["process.command_line"] == f"{program} 5"
    assert process.resource["service.name"] == "renacer"
    assert [e[0] for e in process.events] == ["exec"]
    calls = receiver.named("syscall: ")
    assert len(receiver.named("syscall: getppid")) == 5
    for span in calls:
        assert (span.trace_id, span.parent_span_id) == (process.trace_id, process.span_id)
        assert span.attributes["syscall.name"] == span.name.removeprefix("syscall: ")
        assert span.attributes["thread.id"] == pid
        assert process.start_ns <= span.start_ns <= span.end_ns <= process.end_ns
        assert span.attributes["syscall.duration_us"] == (span.end_ns - span.start_ns) / 1000
    getppid = receiver.named("syscall: getppid")[0]
    assert getppid.attributes["syscall.args"] == ""
    assert int(getppid.attributes["syscall.result"]) > 0  # renacer's pid: the program's parent
    assert getppid.status_code == 0 and "error.type" not in getppid.attributes
    failed = [s for s in receiver.named("syscall: openat") if MISSING in s.attributes["syscall.args"]]
    opened = _one(failed)
    assert opened.attributes["syscall.args"] == f'AT_FDCWD, "{MISSING}", O_RDONLY'
    assert opened.attributes["syscall.result"] == "-1 ENOENT (No such file or directory)"
    assert (opened.status_code, opened.status_message) == (STATUS_ERROR, "ENOENT")
    assert opened.attributes["error.type"] == "ENOENT"
    # the program continues renacer's trace: its TRACEPARENT names its own process span
    assert done.stdout == f"TRACEPARENT=00-{process.trace_id}-{process.span_id}-01\n"
    assert _tally(done.stderr) == (len(receiver.spans), 0, 0, 0)


def test_the_protocol_follows_the_url_unless_given() -> None:
    def chosen(url: str, protocol: str = "") -> str:
        return choose_protocol(Config(otlp_endpoint=url, otlp_protocol=protocol))

    assert chosen("http://collector:4318") == "http/protobuf"
    assert chosen("http://collector:9999/v1/traces") == "http/protobuf"
    assert chosen("http://collector:4317") == "grpc"
    assert chosen("https://collector") == "grpc"
    assert chosen("http://collector:4318", "grpc") == "grpc"


def test_a_url_without_path_goes_to_grpc_and_http_protobuf_adds_the_path(build, renacer, grpc, http) -> None:
    program = build("otlp_calls.c")
    done = renacer("--otlp-endpoint", grpc.url, "--", program, "1", env=_env())
    assert done.returncode == 3 and len(grpc.named("syscall: getppid")) == 1, done.stderr
    base = http.url.removesuffix("/v1/traces")  # no port 4318, no path: grpc unless told
    done = renacer("--otlp-endpoint", base, "--otlp-protocol", "http/protobuf", "--", program, "2",
                   env=_env())
    assert done.returncode == 3 and len(http.named("syscall: getppid")) == 2, done.stderr


def test_headers_and_service_name_reach_the_collector(build, renacer, receiver) -> None:
    done = renacer("--otlp-endpoint", receiver.url, "--otlp-header", "X-Tenant=acme", "--otlp-header",
                   "authorization=Bearer t0k", "--otlp-service-name", "ci-job", "--", build("otlp_calls.c"),
                   env=_env(OTEL_EXPORTER_OTLP_HEADERS="x-tenant=env,x-from-env=yes"))
    assert done.returncode == 3, done.stderr
    headers = receiver.headers[0]
    assert headers["x-tenant"] == "acme"  # the flag wins over the variable
    assert (headers["authorization"], headers["x-from-env"]) == ("Bearer t0k", "yes")
    assert {s.resource["service.name"] for s in receiver.spans} == {"ci-job"}


def test_forked_processes_are_children_of_their_parents_span(build, renacer, receiver) -> None:
    done = renacer("-f", "--otlp-endpoint", receiver.url, "--", build("fork.c"), env=_env())
    assert done.returncode == 0, done.stderr
    processes = {s.attributes["process.pid"]: s for s in receiver.named("process: ")}
    root = _one([s for s in processes.values() if s.parent_span_id == ""])
    root_pid = root.attributes["process.pid"]
    forks = sorted((s for s in receiver.named("syscall: ") if s.attributes["thread.id"] == root_pid
                    and s.attributes["syscall.name"] in ("clone", "fork", "vfork", "clone3")),
                   key=lambda s: s.start_ns)
    children = [int(s.attributes["syscall.result"]) for s in forks]
    assert len(children) == 3 and set(processes) == {root_pid, *children}
    for pid in children:
        child = processes[pid]
        assert child.parent_span_id == root.span_id and child.trace_id == root.trace_id
        assert child.attributes["process.parent_pid"] == root_pid
        calls = [s for s in receiver.named("syscall: ") if s.attributes["thread.id"] == pid]
        assert calls and all(s.parent_span_id == child.span_id for s in calls)
    execd = processes[children[2]]  # the vfork child runs /bin/true
    assert execd.name == "process: true"
    assert execd.attributes["process.executable.path"] == "/bin/true"
    assert [e[0] for e in execd.events] == ["exec"]
    assert {processes[p].name for p in children[:2]} == {"process: fork"}
    assert {processes[children[0]].attributes["process.exit.code"],
            processes[children[1]].attributes["process.exit.code"]} == {0, 2}


def test_signals_are_events_of_the_process_span(build, renacer, http) -> None:
    done = renacer("--otlp-endpoint", http.url, "--", build("signals.c"), env=_env())
    assert done.returncode == 0, done.stderr
    root = _one([s for s in http.named("process: ") if s.parent_span_id == ""])
    signals = [e[1]["signal.name"] for e in root.events if e[0] == "signal"]
    assert signals == ["SIGUSR1", "SIGCHLD"]
    assert all(root.start_ns <= e[2] <= root.end_ns for e in root.events)


def test_an_attached_process_is_named_as_proc_names_it(build, renacer_cmd, http, tmp_path) -> None:
    sleeper = spawn([str(build("sleeper.c"))])  # prints its pid, naps until SIGUSR1, exits 0
    try:
        pid = int(sleeper.stdout.readline())  # type: ignore[union-attr]
        out = tmp_path / "trace.txt"
        tracer = spawn([*renacer_cmd, "-p", str(pid), "-o", str(out), "--otlp-endpoint", http.url],
                       env=_env())
        deadline = time.monotonic() + 20
        while "clock_nanosleep" not in (out.read_text() if out.exists() else ""):
            assert time.monotonic() < deadline, "never attached"
            time.sleep(0.05)
        os.kill(pid, signal.SIGUSR1)
        _, err = reap(tracer, timeout=30)
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
        sleeper.communicate()
    assert tracer.returncode == 0, err
    process = _one(http.named("process: "))
    assert (process.name, process.parent_span_id) == ("process: sleeper", "")
    assert process.attributes["process.pid"] == pid
    assert process.attributes["process.executable.path"] == str(build("sleeper.c"))
    assert process.attributes["process.command_line"] == str(build("sleeper.c"))
    assert process.attributes["process.exit.code"] == 0
    naps = http.named("syscall: clock_nanosleep")
    assert naps and all(s.parent_span_id == process.span_id for s in naps)
    assert _tally(err)[0] == len(http.spans)


@pytest.mark.parametrize("how", ["env", "flag"])
def test_spans_join_the_given_trace_and_the_program_continues_it(build, renacer, http, how) -> None:
    args = ["--trace-parent", TRACEPARENT] if how == "flag" else []
    env = _env(TRACEPARENT="00-11111111111111111111111111111111-2222222222222222-01") if how == "flag" \
        else _env(TRACEPARENT=TRACEPARENT)  # the flag wins over the variable
    done = renacer("--otlp-endpoint", http.url, *args, "--", build("otlp_calls.c"), "1", env=env)
    assert done.returncode == 3, done.stderr
    process = _one(http.named("process: "))
    assert (process.trace_id, process.parent_span_id) == (PARENT_TRACE, PARENT_SPAN)
    assert {s.trace_id for s in http.spans} == {PARENT_TRACE}
    assert done.stdout == f"TRACEPARENT=00-{PARENT_TRACE}-{process.span_id}-01\n"


def test_tracestate_passes_on_with_the_new_traceparent(renacer, http) -> None:
    done = renacer("--otlp-endpoint", http.url, "--", "sh", "-c", 'echo "$TRACEPARENT;$TRACESTATE"',
                   env=_env(TRACEPARENT=TRACEPARENT, TRACESTATE="vendor=abc,other=1"))
    assert done.returncode == 0, done.stderr
    root = _one([s for s in http.named("process: ") if s.parent_span_id == PARENT_SPAN])
    assert done.stdout == f"00-{PARENT_TRACE}-{root.span_id}-01;vendor=abc,other=1\n"


def test_no_propagate_leaves_the_environment_alone(build, renacer, http) -> None:
    done = renacer("--otlp-endpoint", http.url, "--no-propagate", "--", build("otlp_calls.c"), env=_env())
    assert (done.returncode, done.stdout) == (3, "TRACEPARENT=\n"), done.stderr
    assert len(http.named("process: ")) == 1


def test_without_an_endpoint_a_trace_parent_is_passed_on_as_it_is(build, renacer) -> None:
    done = renacer("-o", os.devnull, "--trace-parent", TRACEPARENT, "--", build("otlp_calls.c"), env=_env())
    assert (done.returncode, done.stdout, done.stderr) == (3, f"TRACEPARENT={TRACEPARENT}\n", "")


def test_a_recording_exports_as_the_live_run_did(build, renacer, http, tmp_path) -> None:
    recording = tmp_path / "trace.jsonl"
    done = renacer("--format", "json", "-o", recording, "--", build("otlp_calls.c"), "4", env=_env())
    assert done.returncode == 3, done.stderr
    records = [json.loads(line) for line in recording.read_text().splitlines()]
    calls = sorted((r for r in records if r["type"] == "syscall"), key=lambda r: r["enter_wall_ns"])
    replayed = renacer("--input", recording, "--otlp-endpoint", http.url, env=_env())
    assert replayed.returncode == 3, replayed.stderr
    process = _one(http.named("process: "))
    assert process.attributes["process.pid"] == calls[0]["tgid"]
    assert process.attributes["process.exit.code"] == 3
    # the recorded trace context: the trace and the process span the header names, so spans made
    # under the live run's TRACEPARENT find their parent
    assert (process.trace_id, process.span_id, process.parent_span_id) == (
        records[0]["trace_id"], records[0]["span_id"], "")
    spans = sorted(http.named("syscall: "), key=lambda s: s.start_ns)
    assert [s.name for s in spans] == [f"syscall: {r['name']}" for r in calls]
    assert [s.start_ns for s in spans] == [r["enter_wall_ns"] for r in calls]  # the recorded times
    assert [s.end_ns - s.start_ns for s in spans] == [r["duration_ns"] for r in calls]
    assert _tally(replayed.stderr) == (len(calls) + 1, 0, 0, 0)


def test_a_recording_that_joined_a_trace_exports_into_it(build, renacer, http, tmp_path) -> None:
    recording = tmp_path / "trace.jsonl"
    done = renacer("--format", "json", "-o", recording, "--trace-parent", TRACEPARENT, "--",
                   build("otlp_calls.c"), env=_env())
    header = json.loads(recording.read_text().splitlines()[0])
    assert done.stdout == f"TRACEPARENT=00-{header['trace_id']}-{header['span_id']}-01\n"  # its own span
    replayed = renacer("--input", recording, "--otlp-endpoint", http.url, env=_env())
    assert replayed.returncode == 3, replayed.stderr
    process = _one(http.named("process: "))
    ids = (process.trace_id, process.span_id, process.parent_span_id)
    assert ids == (PARENT_TRACE, header["span_id"], PARENT_SPAN)
    assert {s.parent_span_id for s in http.named("syscall: ")} == {header["span_id"]}


def test_sampling_keeps_a_share_of_the_syscall_spans(build, renacer, http) -> None:
    program = build("otlp_calls.c")
    done = renacer("-e", "trace=getppid", "--otlp-endpoint", http.url, "--otlp-sample", "0.5", "--",
                   program, "2000", env=_env())
    assert done.returncode == 3, done.stderr
    kept = len(http.named("syscall: getppid"))
    exported, sampled, broken, lost = _tally(done.stderr)
    assert (exported, kept + sampled, broken, lost) == (kept + 1, 2000, 0, 0)
    assert 800 < kept < 1200  # 0.5 of 2000 at random: outside this once in ~10^18 runs
    http.spans.clear()
    done = renacer("-e", "trace=getppid", "--otlp-endpoint", http.url, "--otlp-sample", "0", "--",
                   program, "100", env=_env())
    assert _tally(done.stderr) == (1, 100, 0, 0)
    assert [s.name for s in http.spans] == ["process: otlp_calls"]  # process spans are never sampled


def test_the_breaker_caps_syscall_spans_per_second(build, renacer, http) -> None:
    done = renacer("-e", "trace=getppid", "--otlp-endpoint", http.url, "--otlp-max-spans-per-sec", "50",
                   "--", build("otlp_calls.c"), "2000", env=_env())
    assert done.returncode == 3, done.stderr
    spans = http.named("syscall: getppid")
    exported, sampled, broken, lost = _tally(done.stderr)
    assert (exported, sampled, len(spans) + broken, lost) == (len(spans) + 1, 0, 2000, 0)
    seconds = (max(s.start_ns for s in spans) - min(s.start_ns for s in spans)) / 1e9
    assert 50 <= len(spans) <= 50 * (int(seconds) + 2)
    first = sorted(s.start_ns for s in spans)[:50]
    assert first[-1] - first[0] < 1e9  # the first second's 50 all came through


def test_ten_thousand_calls_all_reach_the_collector(build, renacer, grpc) -> None:
    # no breaker: a machine tracing faster than its default 10000 calls a second would trip it
    done = renacer("--otlp-endpoint", grpc.url, "--otlp-max-spans-per-sec", "0", "--", build("otlp_calls.c"),
                   "10000", env=_env(), timeout=60)
    assert done.returncode == 3, done.stderr
    assert len(grpc.named("syscall: getppid")) == 10000
    exported, sampled, broken, lost = _tally(done.stderr)
    assert (exported, sampled, broken, lost) == (len(grpc.spans), 0, 0, 0)
    assert len({s.span_id for s in grpc.spans}) == len(grpc.spans)


def test_a_slow_collector_makes_the_exporter_wait_never_drop(monkeypatch) -> None:
    from opentelemetry.sdk.trace import TracerProvider

    from renacer.sinks import otlp_export

    monkeypatch.setattr(otlp_export, "QUEUE_SPANS", 64)  # a queue far smaller than the burst
    monkeypatch.setattr(otlp_export, "BATCH_SPANS", 32)
    with http_receiver(delay=0.01) as slow:
        exporter = otlp_export.make_exporter(otlp_export.ExportSettings("http/protobuf", slow.url, (), 3.0))
        processor = otlp_export.blocking_processor(exporter, otlp_export.SdkMessages())
        provider = TracerProvider(shutdown_on_exit=False)
        provider.add_span_processor(processor)  # type: ignore[arg-type]
        tracer = provider.get_tracer("test")
        for i in range(2000):
            tracer.start_span(f"burst {i}").end()
        processor.shutdown()  # type: ignore[attr-defined]
        assert (processor.ended, processor.exported) == (2000, 2000)  # type: ignore[attr-defined]
        assert sorted(s.name for s in slow.spans) == sorted(f"burst {i}" for i in range(2000))


def test_source_locations_become_code_attributes(build, renacer, http, tmp_path) -> None:
    data = tmp_path / "config.txt"
    data.write_text("name = renacer\n")
    done = renacer("--source", "-e", "trace=openat,read,close,write", "--otlp-endpoint", http.url, "--",
                   build("source_demo.c"), data, env=_env())
    assert done.returncode == 0, done.stderr
    lines = (PROGRAMS / "source_demo.c").read_text().splitlines()
    marked = next(i for i, text in enumerate(lines, 1) if "syscall: openat" in text)
    opened = _one([s for s in http.named("syscall: openat") if str(data) in s.attributes["syscall.args"]])
    assert opened.attributes["code.filepath"].endswith("source_demo.c")
    assert (opened.attributes["code.lineno"], opened.attributes["code.function"]) == (marked, "load_config")


def test_export_goes_with_the_summary_table(build, renacer, http) -> None:
    done = renacer("-c", "-e", "trace=getppid", "--otlp-endpoint", http.url, "--", build("otlp_calls.c"), "7",
                   env=_env())
    assert done.returncode == 3, done.stderr
    assert re.search(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+7\s+getppid$", done.stderr, re.M), done.stderr
    assert len(http.named("syscall: getppid")) == 7


@pytest.mark.parametrize("protocol", ["grpc", "http/protobuf"])
def test_a_down_collector_costs_one_warning(build, renacer, protocol) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    done = renacer("-o", os.devnull, "--otlp-endpoint", url, "--otlp-protocol", protocol, "--",
                   build("otlp_calls.c"), "20", env=_env(), timeout=20)  # the flush at exit is bounded
    assert done.returncode == 3
    assert done.stdout.startswith("TRACEPARENT=00-")
    warning, tally = done.stderr.splitlines()  # nothing else: no SDK log line, no traceback
    assert warning.startswith(f"renacer: warning: otlp: cannot export to {url}"), done.stderr
    assert warning.endswith("; the trace goes on without export")
    exported, _, _, lost = _tally(tally)
    assert exported == 0 and lost > 20


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--otlp-endpoint", "localhost:4317"], {}, "invalid --otlp-endpoint 'localhost:4317'"),
    (["--otlp-endpoint", "http://h:4317", "--otlp-protocol", "thrift"], {},
     "invalid --otlp-protocol argument"),
    (["--otlp-endpoint", "http://h:4317", "--otlp-sample", "1.5"], {}, "invalid --otlp-sample argument"),
    (["--otlp-endpoint", "http://h:4317", "--otlp-max-spans-per-sec", "-3"], {},
     "invalid --otlp-max-spans-per-sec argument"),
    (["--otlp-endpoint", "http://h:4317", "--otlp-header", "novalue"], {}, "invalid --otlp-header argument"),
    (["--otlp-sample", "0.5"], {}, "--otlp-sample needs --otlp-endpoint"),
    (["--trace-parent", "00-abc-def-01"], {}, "invalid --trace-parent '00-abc-def-01'"),
    (["--otlp-endpoint", "http://h:4317", "--trace-parent", f"00-{'0' * 32}-{PARENT_SPAN}-01"], {},
     "invalid --trace-parent"),
    (["--otlp-endpoint", "http://h:4317"], {"TRACEPARENT": "garbage"},
     "invalid TRACEPARENT environment variable 'garbage'"),
    (["--otlp-endpoint", "http://h:4317"], {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
     "OTLP protocol 'http/json' is not supported"),
])
def test_bad_otlp_options_are_one_error_before_tracing(build, renacer, args, env, message) -> None:
    done = renacer(*args, "--", build("otlp_calls.c"), env=_env(**env))
    assert done.returncode == 1
    assert done.stdout == ""  # the program never ran
    assert done.stderr.startswith(f"renacer: {message}") and done.stderr.count("\n") == 1, done.stderr


def test_a_plain_trace_imports_no_opentelemetry(build) -> None:
    code = ("import sys; from renacer.cli import main; main(['-o', '/dev/null', '--', 'true']); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'opentelemetry', 'grpc', 'google'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=_env())
    assert done.stdout == "[]\n", done.stderr
