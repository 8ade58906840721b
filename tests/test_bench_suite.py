"""The benchmark suite (bench/suite.py) end to end on its quickest workload, and its parts: what the
measurement attributes to the tracer, the call-count check catching a difference, a failing
configuration shown as failed. Durations are never asserted; counts and attributions are.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH_DIR))
import suite  # noqa: E402  (bench/suite.py, with its sibling modules)
from measure import measure  # noqa: E402
from workloads.catalog import HERE, RENACER, Config, Workload, build, configs  # noqa: E402
from workloads.counts import CountDifference, compare, read_table  # noqa: E402

pytestmark = pytest.mark.needs_strace

WRITES = 2000  # the write loop's size under --quick (bench/workloads/catalog.py)


def test_quick_write_loop_runs_every_configuration_and_counts_match_strace(tmp_path: Path) -> None:
    out = tmp_path / "suite.json"
    done = subprocess.run([sys.executable, str(BENCH_DIR / "suite.py"), "--quick", "--only", "write",
                           "--json", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    rows = report["workloads"]["write"]["rows"]
    assert set(rows) == {c.name for c in configs()}
    for name in ("native", "strace", "strace -c", "renacer", "renacer -c"):
        assert rows[name]["failure"] is None, (name, rows[name]["failure"])
        assert len(rows[name]["runs"]) == 1
    # The loop's writes plus the one that reports its time to $RENACER_BENCH_TIME.
    assert rows["strace -c"]["tables"][0]["write"] == [WRITES + 1, 0]
    assert rows["renacer -c"]["tables"][0]["write"] == [WRITES + 1, 0]
    assert report["workloads"]["write"]["counts"]["renacer -c"] == []
    assert rows["native"]["prog_s"] and rows["renacer"]["prog_s"]
    # renacer is a Python process: its own peak is larger than strace's, its tracee's is not counted.
    assert rows["renacer"]["runs"][0]["peak_kib"] > rows["strace"]["runs"][0]["peak_kib"] > 0
    assert "done when (figures from this run):" in done.stdout
    assert sum(line.startswith(("  PASS", "  FAIL")) for line in done.stdout.splitlines()) == 8


def test_measure_counts_the_process_itself_not_its_children(tmp_path: Path) -> None:
    # The parent stays small and idle; its child burns CPU and touches 64 MiB.
    child = ("import time\nb = bytearray(64 << 20)\nt = time.process_time()\n"
             "while time.process_time() - t < 0.4: pass\n")
    parent = tmp_path / "parent.py"
    parent.write_text(textwrap.dedent(f"""\
        import subprocess, sys
        subprocess.run([sys.executable, "-c", {child!r}], check=True)
    """))
    run = measure([sys.executable, str(parent)], os.environ, tmp_path / "err")
    assert run.status == 0 and not run.timed_out
    assert run.cpu_s < 0.3  # the child's 0.4 s are not the parent's
    assert 0 < run.peak_kib < 48 * 1024
    hog = measure([sys.executable, "-c", child], os.environ, tmp_path / "err")
    assert hog.cpu_s >= 0.39
    assert hog.peak_kib >= 64 * 1024


def test_call_count_check_reports_a_different_count(tmp_path: Path) -> None:
    loop = build(HERE / "writeloop.c")
    strace = shutil.which("strace") or "strace"
    tables = []
    for writes in (10, 11):
        table = tmp_path / f"c{writes}"
        subprocess.run([strace, "-f", "-c", "-o", str(table), str(loop), str(writes)], check=True, timeout=30)
        tables.append(read_table(table))
    ten, eleven = tables
    assert ten["write"] == (10, 0) and ten["execve"] == (1, 0)
    assert compare([ten], [ten]) == []
    assert compare([ten], [eleven]) == [CountDifference("write", "calls", (10,), (11,))]
    varies = compare([ten, eleven], [ten])
    assert varies == [CountDifference("write", "calls", (10, 11), (10,))] and varies[0].oracle_varies
    assert varies[0].text() == "write: strace 10..11, renacer 10 (varies between strace runs too)"


def test_a_failing_configuration_shows_as_failed(tmp_path: Path) -> None:
    work = Workload("true", "true", ("/bin/true",), False)
    strace = shutil.which("strace") or "strace"
    confs = [
        Config("native", lambda w, o: w, "strace", "native"),
        Config("strace", lambda w, o: [strace, "-f", "-o", o, *w], "strace", "strace"),
        Config("renacer --no-such-flag", lambda w, o: [*RENACER, "--no-such-flag", "--", *w], "strace",
               "renacer"),
        Config("exits 3", lambda w, o: ["/bin/sh", "-c", "exit 3"], "strace", "native"),
    ]
    opts = suite.argparse.Namespace(reps=2, slow_reps=1, slow_s=60.0)
    rows = suite.run_workload(work, confs, opts, tmp_path)
    assert len(rows["strace"].runs) == 2
    assert rows["renacer --no-such-flag"].runs == [] and rows["exits 3"].runs == []
    assert rows["exits 3"].failure == "exit status 3, not 0"
    lines = suite.table_lines(work, confs, rows)
    flag_line = next(line for line in lines if line.startswith("renacer --no-such-flag"))
    assert flag_line.split(None, 2)[2].startswith("failed: renacer: ")
    assert any(line.startswith("exits 3") and line.endswith("failed: exit status 3, not 0") for line in lines)


def test_ebpf_floor_prints_every_configuration_against_native() -> None:
    from bpf_support import require_bpf

    require_bpf()
    argv = [sys.executable, str(BENCH_DIR / "ebpf_floor.py"), "--reps", "1", "--calls", "2000"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {line[:44].strip(): line[44:].split() for line in done.stdout.splitlines()[2:]}
    assert list(rows) == ["native", "empty programs on sys_enter/sys_exit",
                          "programs reading the clock, nothing else", "renacer --backend ebpf -f -c"]
    assert rows["native"][1:] == ["1.00", "0"]
    assert all(float(loop) > 0 for loop, *_ in rows.values())
