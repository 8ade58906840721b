"""Trace context in recordings, and ``--merge``: recordings of one W3C trace merged in causal order.

The recordings are real: an outer ``renacer --format json --trace-parent ...`` traces ``sh``, which
runs an inner ``renacer --format json`` of tests/programs/otlp_calls.c (N getppid calls, a failing
open, its TRACEPARENT printed, exit status 3). The outer renacer has no -f, so it traces sh alone:
the inner renacer runs untraced and joins the trace through the TRACEPARENT the outer one gave sh.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from otlp_receiver import http_receiver

PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{PARENT_TRACE}-{PARENT_SPAN}-01"
TEN_S = 10_000_000_000
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "schema" / "renacer-trace-1.schema.json"
MONO = ("ts_ns", "enter_ns", "exit_ns")
WALL = ("wall_ns", "enter_wall_ns")
TOTAL = re.compile(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?total$", re.M)


def _env(**extra: str) -> dict[str, str]:
    """renacer's environment: no trace context nor OTEL_ settings unless a test gives them."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("OTEL_") and k not in ("TRACEPARENT", "TRACESTATE")}
    env.update(extra)
    return env


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _events(records: list[dict]) -> list[dict]:
    return [r for r in records if r["type"] not in ("header", "footer")]


def _timeless(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in MONO + WALL}


def _at(record: dict) -> int:
    """When a record happened (a call: when it ended), as its recording orders them."""
    return record["exit_ns"] if record["type"] == "syscall" else record["ts_ns"]


def _as_another_host(path: Path, out: Path, wall_skew_ns: int) -> Path:
    """The recording as a second host would have made it: its wall clock ``wall_skew_ns`` off, its
    monotonic clock counting from another boot. One machine cannot run two clocks, so this rewrite
    stands in for the second host; everything but the times is the real run's."""
    records = _records(path)
    records[0]["start_wall_ns"] += wall_skew_ns
    for r in records[1:]:
        for key in MONO:
            if key in r:
                r[key] += 7_777_000_000_000  # that host booted at another time
        for key in WALL:
            if key in r:
                r[key] += wall_skew_ns
    return _write(out, records)


@pytest.fixture(scope="module")
def nested(build, renacer_cmd, run_cmd, tmp_path_factory) -> tuple[Path, Path, str]:
    """(A, B, stdout): A records sh, which runs renacer recording B; B joins A's trace under A's span."""
    folder = tmp_path_factory.mktemp("nested")
    a, b = folder / "A.jsonl", folder / "B.jsonl"
    program = str(build("otlp_calls.c"))
    inner = shlex.join([*renacer_cmd, "--format", "json", "-o", str(b), "--", program, "2"])
    done = run_cmd([*renacer_cmd, "--format", "json", "-o", a, "--trace-parent", TRACEPARENT, "--",
                    "sh", "-c", f"{inner}; exit $?"], env=_env())  # '; exit': sh forks, never execs renacer
    assert done.returncode == 3, done.stderr
    return a, b, done.stdout


def _merge(renacer, *args: object):
    return renacer("--merge", *args, env=_env())


# ---- trace context in recordings --------------------------------------------------------------


def test_a_recording_names_a_fresh_trace_and_leaves_the_environment_alone(build, renacer, tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    done = renacer("--format", "json", "-o", path, "--", build("otlp_calls.c"), env=_env())
    assert (done.returncode, done.stdout) == (3, "TRACEPARENT=\n"), done.stderr  # as strace: env unchanged
    header = _records(path)[0]
    assert re.fullmatch(r"[0-9a-f]{32}", header["trace_id"])
    assert re.fullmatch(r"[0-9a-f]{16}", header["span_id"])
    assert "parent_span_id" not in header and "tracestate" not in header


@pytest.mark.parametrize("how", ["env", "flag"])
def test_a_recording_that_joins_a_trace_passes_its_own_span_on(build, renacer, tmp_path, how) -> None:
    path = tmp_path / "t.jsonl"
    args, env = (["--trace-parent", TRACEPARENT], _env()) if how == "flag" else \
        ([], _env(TRACEPARENT=TRACEPARENT, TRACESTATE="vendor=abc"))
    done = renacer("--format", "json", "-o", path, *args, "--", build("otlp_calls.c"), env=env)
    assert done.returncode == 3, done.stderr
    header = _records(path)[0]
    assert (header["trace_id"], header["parent_span_id"]) == (PARENT_TRACE, PARENT_SPAN)
    assert header["span_id"] != PARENT_SPAN
    assert header.get("tracestate") == ("vendor=abc" if how == "env" else None)
    assert done.stdout == f"TRACEPARENT=00-{PARENT_TRACE}-{header['span_id']}-01\n"


def test_no_propagate_keeps_the_incoming_traceparent(build, renacer, tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    done = renacer("--format", "json", "-o", path, "--no-propagate", "--", build("otlp_calls.c"),
                   env=_env(TRACEPARENT=TRACEPARENT))
    assert (done.returncode, done.stdout) == (3, f"TRACEPARENT={TRACEPARENT}\n"), done.stderr
    assert _records(path)[0]["parent_span_id"] == PARENT_SPAN


def test_a_recording_run_imports_no_opentelemetry_without_a_traceparent() -> None:
    code = ("import sys; from renacer.cli import main; main(['--format', 'json', '-o', '/dev/null', '--', "
            "'true']); print(sorted({m.split('.')[0] for m in sys.modules} & {'opentelemetry', 'grpc'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=_env())
    assert done.stdout == "[]\n", done.stderr


def test_the_inner_recording_is_a_child_of_the_outer_one(nested) -> None:
    a, b, stdout = nested
    ha, hb = _records(a)[0], _records(b)[0]
    assert ha["trace_id"] == hb["trace_id"] == PARENT_TRACE
    assert ha["parent_span_id"] == PARENT_SPAN and hb["parent_span_id"] == ha["span_id"]
    assert stdout == f"TRACEPARENT=00-{PARENT_TRACE}-{hb['span_id']}-01\n"  # the program is under B's span


# ---- merging ----------------------------------------------------------------------------------


def _check_merged(path: Path, a: Path, b: Path) -> tuple[list[dict], list[dict], list[dict]]:
    """The merged recording's A and B parts: each one's own records in its own order, on one clock."""
    merged = _records(path)
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))
    for record in merged:
        validator.validate(record)
    a_pids = {r["tgid"] for r in _events(_records(a)) if "tgid" in r}
    events = _events(merged)
    part_a = [r for r in events if r.get("tgid") in a_pids]
    part_b = [r for r in events if r.get("tgid") not in a_pids]
    assert [_timeless(r) for r in part_a] == [_timeless(r) for r in _events(_records(a))]  # order kept
    assert [_timeless(r) for r in part_b] == [_timeless(r) for r in _events(_records(b))]
    for r in events:  # one clock: the wall twin of each monotonic time is that time; durations kept
        assert r.get("wall_ns", r.get("ts_ns")) == r.get("ts_ns")
        assert r.get("enter_wall_ns", r.get("enter_ns")) == r.get("enter_ns")
        if r["type"] == "syscall":
            assert r["exit_ns"] - r["enter_ns"] == r["duration_ns"]
    footer = merged[-1]
    assert footer["events"] == len(events) and footer["exit_status"] == 3
    return merged, part_a, part_b


def _inside(merged: list[dict], part_a: list[dict], part_b: list[dict]) -> None:
    """Every B record after A's first one and before A's exit, in the file and by the times it says."""
    events = _events(merged)
    index = {id(r): i for i, r in enumerate(events)}
    exit_a = next(r for r in part_a if r["type"] == "exit" and r["tgid"] == part_a[0]["tgid"])
    assert all(index[id(part_a[0])] < index[id(r)] < index[id(exit_a)] for r in part_b)
    assert all(_at(part_a[0]) <= r.get("enter_ns", r.get("ts_ns")) and _at(r) <= _at(exit_a) for r in part_b)
    assert [_at(r) for r in events] == sorted(_at(r) for r in events)


def test_recordings_of_one_host_merge_as_they_happened(renacer, nested, tmp_path) -> None:
    a, b, _ = nested
    out = tmp_path / "m.jsonl"
    done = _merge(renacer, a, b, "-o", out)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    merged, part_a, part_b = _check_merged(out, a, b)
    header = merged[0]
    assert (header["trace_id"], header["span_id"]) == (PARENT_TRACE, _records(a)[0]["span_id"])
    assert [(m["file"], m["offset_ns"]) for m in header["merged"]] == [(str(a), 0), (str(b), 0)]
    _inside(merged, part_a, part_b)
    events = _events(merged)
    index = {id(r): i for i, r in enumerate(events)}
    fork = next(r for r in part_a if r.get("name") in ("vfork", "clone", "clone3", "fork"))
    wait = next(r for r in part_a if r.get("name") == "wait4" and r["retval"] and r["retval"] > 0)
    assert all(index[id(fork)] < index[id(r)] < index[id(wait)] for r in part_b)  # sh started B, waited


def test_the_parent_recording_leads_whatever_the_order_given(renacer, nested, tmp_path) -> None:
    a, b, _ = nested
    out = tmp_path / "m.jsonl"
    assert _merge(renacer, b, a, "-o", out).returncode == 0
    header = _records(out)[0]
    assert [m["file"] for m in header["merged"]] == [str(a), str(b)]
    assert (header["span_id"], header["parent_span_id"]) == (_records(a)[0]["span_id"], PARENT_SPAN)
    _check_merged(out, a, b)


@pytest.mark.parametrize("skew", [-TEN_S, TEN_S], ids=["10s-behind", "10s-ahead"])
def test_a_host_whose_clock_is_10s_off_merges_in_causal_order(renacer, nested, tmp_path, skew) -> None:
    a, real_b, _ = nested
    b = _as_another_host(real_b, tmp_path / "B.jsonl", skew)
    raw_a, raw_b = _events(_records(a)), _events(_records(b))
    skewed_first = raw_b[0].get("enter_wall_ns", raw_b[0].get("wall_ns"))
    # as recorded, B starts before A did (behind) or after A ended (ahead): its clock cannot be taken as it is
    assert skewed_first < raw_a[0]["enter_wall_ns"] if skew < 0 else skewed_first > raw_a[-1]["wall_ns"]
    out = tmp_path / "m.jsonl"
    done = _merge(renacer, a, b, "-o", out)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    merged, part_a, part_b = _check_merged(out, a, b)
    offsets = [m["offset_ns"] for m in merged[0]["merged"]]
    assert offsets[0] == 0 and (offsets[1] > 0) == (skew < 0) and abs(offsets[1]) <= TEN_S  # against its skew
    _inside(merged, part_a, part_b)


def test_an_unrelated_trace_is_reported_and_left_out(build, renacer, nested, tmp_path) -> None:
    a, b, _ = nested
    other = tmp_path / "C.jsonl"
    assert renacer("--format", "json", "-o", other, "--", build("otlp_calls.c"), env=_env()).returncode == 3
    bare = _records(other)
    for key in ("trace_id", "span_id"):
        del bare[0][key]
    old = _write(tmp_path / "D.jsonl", bare)
    out = tmp_path / "m.jsonl"
    done = _merge(renacer, a, other, b, old, "-o", out)
    other_trace = _records(other)[0]["trace_id"]
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"renacer: {other}: trace id {other_trace} is not {a}'s {PARENT_TRACE}: left out",
        f"renacer: {old}: no trace id (not {a}'s {PARENT_TRACE}): left out",
    ]
    merged = _records(out)  # written all the same, without them
    assert [m["file"] for m in merged[0]["merged"]] == [str(a), str(b)]
    _check_merged(out, a, b)


def test_shared_pids_are_reported_and_kept(renacer, nested, tmp_path) -> None:
    a, b, _ = nested
    pid_a = _records(a)[1]["tgid"]
    records = _records(b)
    for r in records[1:-1]:  # as if B's host had given its process A's pid
        for key in ("tid", "tgid"):
            if key in r:
                r[key] = pid_a
    renamed = _write(tmp_path / "B.jsonl", records)
    out = tmp_path / "m.jsonl"
    done = _merge(renacer, a, renamed, "-o", out)
    assert done.returncode == 0
    assert done.stderr == f"renacer: {renamed}: pid {pid_a} also in {a} (another host or pid namespace?): " \
                          "events kept\n"
    assert len(_events(_records(out))) == len(_events(_records(a))) + len(_events(records))


def test_a_merged_recording_replays(renacer, nested, tmp_path) -> None:
    a, b, _ = nested
    out = tmp_path / "m.jsonl"
    assert _merge(renacer, a, b, "-o", out).returncode == 0
    totals = []
    for path in (a, b, out):
        done = renacer("--input", path, "-c", env=_env())
        assert done.returncode == 3, done.stderr
        totals.append(int(TOTAL.search(done.stderr).group(1)))  # type: ignore[union-attr]
    assert totals[2] == totals[0] + totals[1] > 0
    text = renacer("--input", out, env=_env())
    assert text.returncode == 3 and 'getppid()' in text.stderr and "wait4(" in text.stderr


def test_a_merge_goes_to_stdout_without_o(renacer, nested) -> None:
    a, b, _ = nested
    done = _merge(renacer, a, b)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0]["type"] == "header" and lines[-1]["type"] == "footer"


def test_bad_inputs_are_one_error_line(renacer, nested, tmp_path) -> None:
    a, b, _ = nested
    out = tmp_path / "m.jsonl"
    missing = tmp_path / "missing.jsonl"
    lines = b.read_text().splitlines(keepends=True)
    corrupt = tmp_path / "corrupt.jsonl"
    corrupt.write_text("".join(lines[:4]) + lines[4][: len(lines[4]) // 2] + "\n" + "".join(lines[5:]))
    cases = [
        ((a, missing), f"Can't open '{missing}': No such file or directory"),
        ((a, corrupt), f"{corrupt}:5: truncated or corrupt record"),
        ((a, SCHEMA_FILE), f"{SCHEMA_FILE}:1: not a renacer recording (expected a renacer-trace/1 header)"),
        ((a, b, "-c"), "--merge takes only -o FILE and the --otlp-* options"),
    ]
    for args, message in cases:
        done = _merge(renacer, *args, "-o", out)
        assert (done.returncode, done.stderr) == (1, f"renacer: {message}\n"), args
        assert not out.exists()
    done = _merge(renacer, a, b, "-o", a)
    assert (done.returncode, done.stderr) == (1, f"renacer: -o {a} is one of the recordings being merged\n")
    assert _records(a)[0]["type"] == "header"  # untouched


def test_a_merged_trace_exports_as_one_trace(renacer, nested, tmp_path) -> None:
    a, real_b, _ = nested
    b = _as_another_host(real_b, tmp_path / "B.jsonl", -TEN_S)
    out = tmp_path / "m.jsonl"
    with http_receiver() as http:
        done = _merge(renacer, a, b, "-o", out, "--otlp-endpoint", http.url)
        assert done.returncode == 0, done.stderr
        spans = list(http.spans)
    assert {s.trace_id for s in spans} == {PARENT_TRACE}
    ha, hb = _records(a)[0], _records(b)[0]
    processes = {s.span_id: s for s in spans if s.name.startswith("process: ")}
    root_a, root_b = processes[ha["span_id"]], processes[hb["span_id"]]
    assert root_a.parent_span_id == PARENT_SPAN and root_b.parent_span_id == ha["span_id"]
    assert root_a.start_ns <= root_b.start_ns and root_b.end_ns <= root_a.end_ns  # the corrected times
    assert root_b.attributes["process.exit.code"] == 3
    getppid = [s for s in spans if s.name == "syscall: getppid" and s.parent_span_id == hb["span_id"]]
    assert len(getppid) == 2  # the program's calls, under its process span
    tallies = [line for line in done.stderr.splitlines() if " otlp: " in line]
    assert [line.split(": otlp:")[0] for line in tallies] == [f"renacer: {a}", f"renacer: {b}"]
