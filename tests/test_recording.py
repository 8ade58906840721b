"""JSON Lines recordings: one record per event, read back by --input through the same sinks."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest

import renacer
from renacer.config import Config
from renacer.recording import SCHEMA, Recording
from renacer.sinks.record import CSV_FIELDS, JsonLinesSink
from renacer.sinks.text import TextSink


def _render(config: Config, events) -> str:
    out = io.StringIO()
    sink = TextSink(config, out, io.StringIO())
    for ev in events:
        sink.handle(ev)
    sink.close()
    return out.getvalue()


@pytest.mark.parametrize(("source", "follow"), [("files.c", False), ("threads.c", True), ("signals.c", True)])
def test_replayed_text_equals_the_live_text(build, tmp_path, source: str, follow: bool) -> None:
    cmd = [str(build(source))]
    config = Config(command=tuple(cmd), follow_forks=follow)
    events = list(renacer.trace(cmd, include_entries=True, follow_forks=follow))
    path = tmp_path / "run.jsonl"
    with open(path, "w") as out:
        sink = JsonLinesSink(config, out, "x86_64")
        for ev in events:
            sink.handle(ev)
        sink.exit_status = 0
        sink.close()
    live = _render(config, events)
    replayed = _render(config, Recording(str(path)).events())
    assert replayed == live
    if follow:
        assert "<unfinished ...>" in live or "[pid" in live  # the split lines came back too


def test_records_hold_every_field_as_json_types(build, renacer, tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    done = renacer("--format", "json", "-o", str(path), str(build("exit3.c")))
    assert done.returncode == 3
    records = [json.loads(line) for line in path.read_text().splitlines()]
    header, footer = records[0], records[-1]
    assert header["type"] == "header" and header["schema"] == SCHEMA and header["arch"] == "x86_64"
    assert footer == {"type": "footer", "events": len(records) - 2, "syscalls": footer["syscalls"],
                      "errors": footer["errors"], "exit_status": 3}
    calls = [r for r in records if r["type"] == "syscall"]
    assert len(calls) == footer["syscalls"]
    openat = next(r for r in calls if r["name"] == "openat")
    assert isinstance(openat["args"][2], int) and openat["entry_text"][2].startswith("O_")  # raw and decoded
    assert isinstance(openat["enter_ns"], int)
    assert openat["duration_ns"] == openat["exit_ns"] - openat["enter_ns"]
    failed = [r for r in calls if r["error"]]
    assert failed and all(r["errno"].startswith("E") and r["retval"] < 0 for r in failed)
    assert records[-2]["type"] == "exit" and records[-2]["exit_code"] == 3


def test_a_recording_replays_into_every_format(build, renacer, strace, tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    assert renacer("-f", "--format", "json", "-o", str(path), str(build("fork.c"))).returncode == 0
    summary = renacer("--input", str(path), "-c")
    assert summary.returncode == 0 and "% time     seconds" in summary.stderr and "total" in summary.stderr
    table = tmp_path / "t.csv"
    assert renacer("--input", str(path), "--format", "csv", "-o", str(table)).returncode == 0
    rows = list(csv.reader(table.open(newline="")))
    footer = json.loads(path.read_text().splitlines()[-1])
    assert tuple(rows[0]) == CSV_FIELDS and len(rows) - 1 == footer["syscalls"]
    again = tmp_path / "again.jsonl"
    assert renacer("--input", str(path), "--format", "json", "-o", str(again)).returncode == 0
    strip = [json.loads(x) for x in path.read_text().splitlines()[1:]]
    assert [json.loads(x) for x in again.read_text().splitlines()[1:]] == strip  # json -> json is lossless
    failed = renacer("--input", str(path), "-Z")
    lines = [ln for ln in failed.stderr.splitlines() if "(" in ln and " = " in ln]
    assert lines and all(" = -1 " in ln for ln in lines)


def test_trace_set_selects_the_calls_of_a_recording_as_it_does_live(build, renacer, tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    program = str(build("fork.c"))
    assert renacer("-f", "--format", "json", "-o", str(path), program).returncode == 0
    recorded = [json.loads(x) for x in path.read_text().splitlines()[1:]]
    closes = sum(r.get("type") == "syscall" and r.get("name") == "close" for r in recorded)
    replayed = renacer("--input", str(path), "-e", "trace=close")
    calls = [ln for ln in replayed.stderr.splitlines() if "(" in ln and not ln.startswith("+++")]
    assert closes and len(calls) == closes and all("close(" in ln for ln in calls), replayed.stderr
    table = renacer("--input", str(path), "-c", "-e", "trace=close").stderr
    assert [ln.split()[-1] for ln in table.splitlines()[2:-2]] == ["close"], table


def test_a_corrupt_recording_renders_what_came_before_then_names_the_line(build, renacer, tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    assert renacer("--format", "json", "-o", str(path), str(build("exit3.c"))).returncode == 3
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:6]) + lines[6][: len(lines[6]) // 2])
    done = renacer("--input", str(path))
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == f"renacer: {path}:7: truncated or corrupt record"
    assert done.stderr.startswith("execve(")  # the records before the bad one were rendered
    path.write_text("not json\n")
    assert renacer("--input", str(path)).stderr.strip().endswith(f"{path}:1: not a renacer recording "
                                                                   f"(expected a {SCHEMA} header)")
    missing = renacer("--input", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 1 and "Can't open" in missing.stderr
    both = renacer("--input", str(path), "true")
    assert both.returncode == 1 and "no PROG" in both.stderr


SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "schema" / "renacer-trace-1.schema.json"


@pytest.mark.parametrize(("source", "extra"), [("signals.c", ["-f"]), ("msg.c", ["-e", "write=all"]),
                                              ("exec_thread.c", ["-f"]), ("crash.c", [])])
def test_every_record_validates_against_the_json_schema(build, renacer, tmp_path, source, extra) -> None:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))
    path = tmp_path / "t.jsonl"
    args = ["segv"] if source == "crash.c" else []
    renacer(*extra, "--format", "json", "-o", str(path), str(build(source)), *args)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert {r["type"] for r in records} >= {"header", "syscall", "exit", "footer"}
    for record in records:
        validator.validate(record)


def test_decisions_and_mapped_frames_validate_against_the_json_schema(build, renacer, tmp_path) -> None:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))
    programs = Path(__file__).resolve().parent / "programs"
    path = tmp_path / "t.jsonl"
    done = renacer("--trace-transpiler-decisions", "--format", "json", "-o", str(path),
                   build("decisions_app.rs"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    mapped = tmp_path / "m.jsonl"
    done = renacer("--transpiler-map", programs / "transpiled_app.map.json", "-e", "trace=write", "--format",
                   "json", "-o", str(mapped), build("transpiled_app.rs"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for f in (path, mapped) for line in f.read_text().splitlines()]
    assert {r["origin"] for r in records if r["type"] == "decision"} == {"stderr", "msgpack"}
    assert {r["source"]["mapping"] for r in records if r.get("source")} == {"exact"}
    for record in records:
        validator.validate(record)
