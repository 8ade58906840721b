"""--trace-transpiler-decisions, end to end: tests/programs/decisions_app.rs traced for real.

The fixture writes decisions to its stderr (nested same-name ones, a malformed line, one without
a result, a writev, a large write, a line split across two writes) and, at exit, a MessagePack
file and a manifest whose ids it computes itself (one deliberately wrong). The oracles are the
fixture's own source (the lines it names), an FNV-1a computed here, the program run without
renacer (its stderr), and what the JSON, HTML and OTLP outputs say of the same run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import sys
from pathlib import Path

import pytest
from fidelity import PROGRAMS, run
from otlp_receiver import grpc_receiver

import renacer
from renacer.events import DecisionEvent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from html_report import load  # noqa: E402  (bench/html_report.py: the headless Chromium loader)

SOURCE = PROGRAMS / "decisions_app.rs"
TEXT_FORM = {  # name -> (input, whether a result line came, the result), in the order written
    "infer": ({"expr": "x + 1", "scope": {"depth": 2}}, True, "i64"),
    "inline": ({"callee": "helper"}, False, None),  # no result line ever came
    "borrow": ({"var": "v"}, True, "shared"),  # one writev
    "inline_asm": ("y" * 6000, True, None),  # one large write; '= null'
    "split": ({"a": 1}, True, True),  # a line split across two writes
}
REPORT = re.compile(r"renacer: decisions: (\d+) from stderr, (\d+|none) from (\S+); (\d+) malformed lines?"
                    r"(?: \(first: (.*?)\))?; (\d+) id mismatch(?:es)?(?: \(first: (.*)\))?")


def fnv(category: str, name: str, file: str, line: int) -> int:
    """The id rule, computed here: FNV-1a 64 of 'category::name::file::' and the line as 4 LE bytes."""
    h = 0xCBF29CE484222325
    for b in f"{category}::{name}::{file}::".encode() + struct.pack("<I", line):
        h = ((h ^ b) * 0x100000001B3) % (1 << 64)
    return h


def source_line(marker: str) -> int:
    """The fixture's line holding ``marker`` (where it reads line!() for a decision)."""
    lines = SOURCE.read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text)


def records(path: Path) -> list[dict]:
    return [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]


def report(stderr: str) -> re.Match:
    found = [m for ln in stderr.splitlines() if (m := REPORT.fullmatch(ln))]
    assert len(found) == 1, stderr[-3000:]
    return found[0]


@pytest.fixture(scope="module")
def app(build) -> Path:  # noqa: ANN001 - conftest's build fixture
    return build("decisions_app.rs")


@pytest.fixture(scope="module")
def recorded(app: Path, tmp_path_factory, renacer_cmd) -> tuple[Path, object, Path]:  # noqa: ANN001
    """One traced run with --source into JSON Lines: (the recording, the run, the program's cwd)."""
    cwd = tmp_path_factory.mktemp("decisions")
    out = cwd / "trace.jsonl"
    done = run([*renacer_cmd, "--trace-transpiler-decisions", "--source", "--format", "json", "-o", str(out),
                "--", str(app)], cwd=cwd)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done, cwd


def _decisions(path: Path) -> list[dict]:
    return [r for r in records(path) if r["type"] == "decision"]


def test_text_form_read_from_the_programs_stderr_writes(recorded) -> None:
    out, _, _ = recorded
    text = [d for d in _decisions(out) if d["origin"] == "stderr"]
    assert sorted(d["name"] for d in text) == sorted([*TEXT_FORM, "emit_fn", "emit_fn"])
    by_name = {d["name"]: d for d in text if d["name"] != "emit_fn"}
    for name, (given, has_result, result) in TEXT_FORM.items():
        d = by_name[name]
        assert (d["input"], d["has_result"], d["result"]) == (given, has_result, result), name
    # nested same-name decisions: each result closed the latest one open
    nested = sorted((d for d in text if d["name"] == "emit_fn"), key=lambda d: d["ts_ns"])
    assert [(d["input"]["fn"], d["result"]) for d in nested] == [("outer", {"lines": 10}),
                                                                  ("inner", {"lines": 3})]
    # the text form names no place: infer's comes from its one manifest entry, emit_fn has two (none)
    infer = by_name["infer"]
    assert (Path(infer["file"]).name, infer["line"]) == ("decisions_app.rs", source_line("let infer_line"))
    assert infer["decision_id"] == fnv("type_inference", "infer", infer["file"], infer["line"])
    assert nested[0]["file"] == "" and nested[0]["decision_id"] == fnv("codegen", "emit_fn", "", 0)


def test_binary_form_read_with_its_manifest(recorded) -> None:
    out, done, cwd = recorded
    binary = [d for d in _decisions(out) if d["origin"] == "msgpack"]
    assert [d["name"] for d in binary] == ["infer", "emit_fn", "emit_fn", "const_fold", "dead_code"]
    fold = binary[3]
    assert fold["input"] == {"op": "+", "args": {"a": 2, "b": 40}} and fold["result"] == 42
    assert not binary[4]["has_result"]
    assert binary[0]["line"] == source_line("let infer_line") and binary[0]["column"] == 5
    for d in binary:
        expected = fnv(d["category"], d["name"], d["file"], d["line"])
        assert d["decision_id"] == (expected ^ 1 if d["name"] == "const_fold" else expected)
    m = report(done.stderr)
    assert (m.group(1), m.group(2), m.group(3)) == ("7", "5", str(cwd / ".ruchy" / "decisions.msgpack"))
    assert m.group(4) == "1" and "missing_separator" in m.group(5)  # the malformed line, counted
    wrong = fnv("optimize", "const_fold", fold["file"], fold["line"]) ^ 1
    assert m.group(6) == "1" and f"{wrong:016x}" in m.group(7)


def test_decisions_carry_the_runs_clock(recorded) -> None:
    out, _, _ = recorded
    recs = records(out)
    calls = [r for r in recs if r["type"] == "syscall"]
    first, last = calls[0]["enter_ns"], calls[-1]["exit_ns"]
    for d in (r for r in recs if r["type"] == "decision"):
        assert first <= d["ts_ns"] <= last, d["name"]
        assert abs((d["wall_ns"] - d["ts_ns"]) - (calls[0]["enter_wall_ns"] - first)) < 50_000_000
    exits = [i for i, r in enumerate(recs) if r["type"] == "exit"]
    assert max(i for i, r in enumerate(recs) if r["type"] == "decision") < exits[-1]  # before the exit


def test_programs_stderr_reaches_the_caller_untouched(app: Path, tmp_path: Path, renacer_cmd) -> None:  # noqa: ANN001
    alone = run([str(app)], cwd=tmp_path)
    traced = run([*renacer_cmd, "--trace-transpiler-decisions", "-o", str(tmp_path / "t.txt"), "--",
                  str(app)], cwd=tmp_path)
    assert traced.returncode == alone.returncode == 0
    theirs = "".join(ln for ln in traced.stderr.splitlines(keepends=True) if not ln.startswith("renacer: "))
    assert theirs == alone.stderr


def test_json_replays_to_the_same_records(recorded, tmp_path: Path, renacer_cmd) -> None:  # noqa: ANN001
    out, _, _ = recorded
    again = tmp_path / "again.jsonl"
    done = run([*renacer_cmd, "--input", str(out), "--format", "json", "-o", str(again)])
    assert done.returncode == 0, done.stderr
    assert "renacer: decisions:" not in done.stderr  # a replay reads no program: its records say it all
    assert records(again)[1:] == records(out)[1:]
    assert len(_decisions(again)) == 12


def _page_data(page: Path) -> dict:
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page.read_text(), re.S)
    assert m is not None
    return json.loads(m.group(1))


def _browser() -> str | None:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None and os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed (.ci/run installs it)")
    return path


def test_html_report_lists_decisions_and_the_calls_under_them(recorded, tmp_path: Path, renacer_cmd) -> None:  # noqa: ANN001
    out, _, _ = recorded
    page = tmp_path / "r.html"
    done = run([*renacer_cmd, "--input", str(out), "--format", "html", "-o", str(page)])
    assert done.returncode == 0, done.stderr
    data = _page_data(page)
    rows = data["decisions"]["rows"]
    assert len(rows) == 12 and data["decisions"]["linked"]
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)  # by time
    infer = [r for r in rows if r[2] == "infer"]
    assert {r[8] for r in infer} == {"stderr", "msgpack"}
    for r in infer:  # the stat made on the decision's own line ran under it
        assert r[9] == f"{fnv('type_inference', 'infer', r[5], r[6]):016x}"
        assert r[11][0] == 1 and "stat" in r[11][2]
    assert [r[11] for r in rows if r[2] == "inline"] == [None]  # no location, nothing to link
    assert '<section id="decisions">' in page.read_text()
    browser = _browser()
    if browser is None:
        pytest.skip("chromium is not installed")
    dom, _ = load(page, browser)
    assert 'data-rendered="1"' in dom
    errors = re.search(r'<pre id="page-errors"[^>]*>(.*?)</pre>', dom, re.S)
    assert errors is not None and errors.group(1) == "", errors and errors.group(1)
    table = dom[dom.index('id="decision-table"'):]
    body = table[table.index("<tbody>"):table.index("</tbody>")]
    assert body.count("<tr>") == 12
    assert "type_inference::infer" in body and "1 (statx" in body.replace("newfstatat", "statx")


def test_otlp_receiver_sees_decisions_as_process_span_events(app: Path, tmp_path: Path, renacer_cmd) -> None:  # noqa: ANN001
    with grpc_receiver() as receiver:
        done = run([*renacer_cmd, "--trace-transpiler-decisions", "-o", str(tmp_path / "t.txt"),
                    "--otlp-endpoint", receiver.url, "--", str(app)], cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
        (process,) = receiver.named("process: ")
    decisions = [e for e in process.events if e[0] == "transpiler.decision"]
    assert len(decisions) == 12
    times = [e[2] for e in process.events]
    assert times == sorted(times)  # one timeline with exec
    for _, attrs, ns in decisions:
        assert process.start_ns <= ns <= process.end_ns
        assert attrs["decision.origin"] in ("stderr", "msgpack")
        assert re.fullmatch(r"[0-9a-f]{16}", attrs["decision.id"])
        json.loads(attrs["decision.input"])
    fold = next(a for _, a, _ in decisions if a["decision.name"] == "const_fold")
    assert fold["decision.category"] == "optimize" and json.loads(fold["decision.result"]) == 42
    assert fold["code.lineno"] == source_line('name: "const_fold"') and fold["code.column"] == 5
    assert fold["code.filepath"].endswith("decisions_app.rs")
    inline = next(a for _, a, _ in decisions if a["decision.name"] == "inline")
    assert "decision.result" not in inline and "code.filepath" not in inline


def test_trace_set_without_writes_still_finds_decisions(app: Path, tmp_path: Path, renacer_cmd) -> None:  # noqa: ANN001
    out = tmp_path / "t.jsonl"
    done = run([*renacer_cmd, "--trace-transpiler-decisions", "-e", "trace=openat", "--format", "json", "-o",
                str(out), "--", str(app)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    recs = records(out)
    assert {r["name"] for r in recs if r["type"] == "syscall"} == {"openat"}
    assert len([r for r in recs if r["type"] == "decision"]) == 12
    assert report(done.stderr).group(1) == "7"


def test_write_dumps_only_when_asked_for(app: Path, tmp_path: Path, renacer_cmd) -> None:  # noqa: ANN001
    dump = re.compile(r"^ \| 00000  5b 44 45 43 49 53 49 4f  4e 5d .*\[DECISION\]", re.M)
    traced = [*renacer_cmd, "--trace-transpiler-decisions", "-e", "trace=write,writev"]
    plain = run([*traced, "-o", str(tmp_path / "plain.txt"), "--", str(app)], cwd=tmp_path)
    asked = run([*traced, "-e", "write=2", "-o", str(tmp_path / "asked.txt"), "--", str(app)], cwd=tmp_path)
    assert plain.returncode == asked.returncode == 0
    assert not re.search(r"^ \| 0", (tmp_path / "plain.txt").read_text(), re.M)
    assert dump.search((tmp_path / "asked.txt").read_text())


def test_decisions_dir_given_explicitly(app: Path, tmp_path: Path, renacer_cmd) -> None:  # noqa: ANN001
    folder = tmp_path / "out" / "dec"
    done = run([*renacer_cmd, "--decisions-dir", str(folder), "-o", str(tmp_path / "t.txt"), "--", str(app),
                str(folder)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    m = report(done.stderr)
    assert (m.group(2), m.group(3)) == ("5", str(folder / "decisions.msgpack"))
    missing = tmp_path / "nowhere"
    done = run([*renacer_cmd, "--decisions-dir", str(missing), "-o", str(tmp_path / "t.txt"), "--", str(app)],
               cwd=tmp_path)
    assert done.returncode == 0
    ours = [ln for ln in done.stderr.splitlines() if ln.startswith("renacer: ")]
    assert ours[0] == f"renacer: decisions: cannot read --decisions-dir {missing}: no such directory"
    assert report(done.stderr).group(2) == "none" and len(ours) == 2
    assert "Traceback" not in done.stderr


def test_corrupt_and_stale_files_are_one_line_each(tmp_path: Path, renacer_cmd) -> None:  # noqa: ANN001
    script = ("import os; os.mkdir('.ruchy'); open('.ruchy/decisions.msgpack', 'wb').write(b'\\xc1\\xc1'); "
              "open('.ruchy/decision_manifest.json', 'w').write('{'); "
              "os.write(2, b'[DECISION] a::b input=1\\n')")
    done = run([*renacer_cmd, "--trace-transpiler-decisions", "-o", str(tmp_path / "t.txt"), "--",
                sys.executable, "-c", script], cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    ours = [ln for ln in done.stderr.splitlines() if ln.startswith("renacer: ")]
    assert len(ours) == 3, ours
    assert "decision_manifest.json is not JSON" in ours[0]
    assert "decisions.msgpack is not MessagePack" in ours[1]
    assert report(done.stderr).group(1) == "1"
    old = 1_000_000_000
    for name in ("decisions.msgpack", "decision_manifest.json"):
        os.utime(tmp_path / ".ruchy" / name, (old, old))
    done = run([*renacer_cmd, "--trace-transpiler-decisions", "-o", str(tmp_path / "t.txt"), "--", "true"],
               cwd=tmp_path)
    ours = [ln for ln in done.stderr.splitlines() if ln.startswith("renacer: ")]
    assert [ln.endswith("was written before this run: not read") for ln in ours[:2]] == [True, True], ours
    assert report(done.stderr).group(2) == "none"


def test_python_api_yields_decisions_silently(app: Path, tmp_path: Path, capfd) -> None:  # noqa: ANN001
    events = list(renacer.trace([str(app)], trace_decisions=True, cwd=str(tmp_path)))
    decisions = [e for e in events if isinstance(e, DecisionEvent)]
    assert len(decisions) == 12
    assert renacer.DecisionEvent is DecisionEvent  # exported with the other event types
    assert "renacer: decisions" not in capfd.readouterr().err


def _map(folder: Path) -> Path:
    """A transpiler map that names the fixture's infer line as line 7 of app.ruchy's infer_types."""
    path = folder / "app.map.json"
    path.write_text(json.dumps({
        "version": 1, "source_language": "ruchy", "source_file": "app.ruchy",
        "generated_file": "decisions_app.rs",
        "mappings": [{"rust_line": source_line("let infer_line"), "rust_function": "main", "python_line": 7,
                      "python_function": "infer_types"}]}))
    return path


def test_mapped_frames_show_the_generated_line(app: Path, tmp_path: Path, renacer_cmd) -> None:  # noqa: ANN001
    recording = tmp_path / "mapped.jsonl"
    done = run([*renacer_cmd, "--trace-transpiler-decisions", "--transpiler-map", str(_map(tmp_path)),
                "--format", "json", "-o", str(recording), "--", str(app)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    line = source_line("let infer_line")
    page = tmp_path / "m.html"
    assert run([*renacer_cmd, "--input", str(recording), "--format", "html", "-o", str(page)]).returncode == 0
    (row,) = [r for r in _page_data(page)["sources"] if r[7] == "exact"]  # later lines of main: approximate
    assert (row[0], row[1], row[6]) == ("app.ruchy", 7, f"decisions_app.rs:{line}")
    # the decisions at the generated line still find the call that ran under them
    infer = [r for r in _page_data(page)["decisions"]["rows"] if r[2] == "infer"]
    assert len(infer) == 2 and all(r[11][0] == 1 for r in infer)
    with grpc_receiver() as receiver:
        done = run([*renacer_cmd, "--input", str(recording), "-o", str(tmp_path / "t.txt"), "--otlp-endpoint",
                    receiver.url])
        assert done.returncode == 0, done.stderr
        spans = [s for s in receiver.named("syscall: ") if s.attributes.get("transpiler.mapping") == "exact"]
    (span,) = spans
    a = span.attributes
    assert (a["code.filepath"], a["code.lineno"], a["code.function"]) == ("app.ruchy", 7, "infer_types")
    assert (a["rust.filepath"], a["rust.lineno"]) == ("decisions_app.rs", line)
    assert a["rust.function"].endswith("main")
