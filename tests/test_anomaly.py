"""--anomaly-threshold, --anomaly-realtime and --summary-interval on real programs.

The fixture ``latency COUNT LONG_MS`` makes COUNT 1-microsecond sleeps, then one long one: the
long one is an anomaly by any measure. The exact figures (which calls, how many sigma) are
checked on a recording of the run, against statistics computed here from its durations.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import deque
from pathlib import Path

from fidelity import PROGRAMS
from hypothesis import given
from hypothesis import strategies as st

from renacer.analysis.anomaly import Moments, SlidingWindow, TopN, severity

_LONG_CALL = "tv_nsec=50000000}"


def _record(renacer, build, tmp_path: Path, *args: str) -> Path:
    path = tmp_path / "run.jsonl"
    done = renacer("--format", "json", "-o", path, "--", build("latency.c"), *args)
    assert done.returncode == 0, done.stderr
    return path


def _durations(path: Path, name: str) -> list[tuple[int, int]]:
    """(enter_wall_ns, duration_ns) of every finished call of ``name`` in a recording, in order."""
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [(r["enter_wall_ns"], r["duration_ns"]) for r in rows
            if r.get("type") == "syscall" and r["name"] == name and not r["unfinished"]]


def _sigmas(text: str) -> list[float]:
    """The sigma column of the call rows of a report."""
    row = re.compile(r"^(?:[a-z]+ +)? *(\d+\.\d+) \d\d:\d\d:\d\d\.\d{6} ", re.M)
    return [float(m.group(1)) for m in row.finditer(text)]


# ---- the statistics themselves ----------------------------------------------------------

@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=200))
def test_moments_equal_the_population_statistics(values: list[int]) -> None:
    m = Moments()
    for v in values:
        m.add(v)
    assert abs(m.mean - statistics.fmean(values)) <= 1e-9 * max(values, default=1) + 1e-9
    assert abs(m.stddev - statistics.pstdev(values)) <= 1e-6 * max(statistics.pstdev(values), 1)


@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=300), st.integers(2, 50))
def test_sliding_window_scores_against_exactly_the_last_n_calls(values: list[int], size: int) -> None:
    window, last = SlidingWindow(size), deque(maxlen=size)
    for v in values:
        scored = window.score(v)
        if len(last) < min(size, 30) or statistics.pstdev(last) == 0:
            assert scored is None
        else:
            z, mean, sd = scored
            assert abs(mean - statistics.fmean(last)) < 1e-6 * max(mean, 1)
            assert abs(sd - statistics.pstdev(last)) < 1e-6 * max(sd, 1)
            assert abs(z - (v - statistics.fmean(last)) / statistics.pstdev(last)) < 1e-6 * max(abs(z), 1)
        window.add(v)
        last.append(v)


def test_severity_bands_and_top_n() -> None:
    bands = [severity(z) for z in (3.1, 4.0, 4.5, 5.0, 5.01, 80)]
    assert bands == ["low", "low", "medium", "medium", "high", "high"]
    top: TopN[str] = TopN(3)
    for key, item in [(1, "a"), (9, "b"), (5, "c"), (9, "d"), (2, "e"), (7, "f")]:
        top.offer(key, item)
    assert [r.item for r in top.best()] == ["b", "d", "f"]  # equal keys: the earlier first


# ---- --anomaly-threshold -------------------------------------------------------------

def test_anomaly_list_names_the_long_call_after_the_table(build, renacer) -> None:
    done = renacer("--anomaly-threshold", "--", build("latency.c"), "60", "50")
    assert done.returncode == 0
    table, _, listing = done.stderr.partition("Calls more than 3 standard deviations")
    assert re.search(r"^100\.00 .* total$", table, re.M), done.stderr  # the -c table comes first
    rows = [ln for ln in listing.splitlines() if _LONG_CALL in ln]
    assert len(rows) == 1 and "clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, " in rows[0], listing
    assert re.search(r"^clock_nanosleep +61 +\d+ ", listing, re.M), listing


def test_anomalies_name_the_line_that_made_them_with_source(build, renacer) -> None:
    source = build("latency.c")
    done = renacer("--source", "--anomaly-threshold", "--anomaly-realtime", "--anomaly-window-size", "40",
                   "-e", "trace=clock_nanosleep", "--", source, "40", "50")
    assert done.returncode == 0, done.stderr
    line = next(n for n, text in enumerate(PROGRAMS.joinpath("latency.c").read_text().splitlines(), 1)
                if "nanosleep(&pause" in text)
    # A 1 us sleep the host stalls for a millisecond is an anomaly too (it happened on CI):
    # the long call must be among them, and every alert names the line that made it.
    starts = ("anomaly [", "high ", "medium ", "low ")
    anomalies = [ln for ln in done.stderr.splitlines() if ln.startswith(starts)]
    alerts = [ln for ln in anomalies if ln.startswith("anomaly [high]") and _LONG_CALL in ln]
    listed = [ln for ln in anomalies if ln.startswith("high ") and _LONG_CALL in ln]
    assert alerts and listed, done.stderr
    assert all(re.search(rf"= 0 <0\.\d{{6}}>   \[\S*latency\.c:{line} in main\]", ln)
               for ln in alerts + listed), done.stderr
    assert all(re.search(r"   \[\S*latency\.c:\d+ in main\]", ln) for ln in anomalies), done.stderr


def test_anomaly_list_of_a_recording_matches_its_durations(build, renacer, tmp_path) -> None:
    path = _record(renacer, build, tmp_path, "60", "50")
    done = renacer("--input", path, "--anomaly-threshold", "2.5", "-e", "trace=clock_nanosleep")
    assert done.returncode == 0, done.stderr
    durations = [d for _, d in _durations(path, "clock_nanosleep")]
    mean, sd = statistics.fmean(durations), statistics.pstdev(durations)
    over = sorted(((d - mean) / sd for d in durations if d > mean + 2.5 * sd), reverse=True)
    row = re.search(r"^clock_nanosleep +(\d+) +(\d+) +([\d.]+) +([\d.]+) +([\d.]+)", done.stderr, re.M)
    assert row is not None, done.stderr
    assert (int(row.group(1)), int(row.group(2))) == (len(durations), len(over))
    assert abs(float(row.group(3)) - mean / 1000) < 0.001 and abs(float(row.group(4)) - sd / 1000) < 0.001
    listed = _sigmas(done.stderr)
    assert len(listed) == len(over[:20]), listed
    assert all(abs(a - b) < 0.006 for a, b in zip(listed, over[:20], strict=True)), listed


def test_no_anomalies_says_so(build, renacer) -> None:
    done = renacer("--anomaly-threshold", "1000", "-e", "trace=clock_nanosleep", "--",
                   build("latency.c"), "3", "1")
    assert done.returncode == 0
    assert done.stderr.splitlines()[-2:] == ["Calls more than 1000 standard deviations above their syscall's "
                                            "mean latency:", "none"]


# ---- --anomaly-realtime --------------------------------------------------------------

def test_realtime_alert_comes_as_it_happens_with_the_trace(build, renacer) -> None:
    done = renacer("--anomaly-realtime", "-e", "trace=clock_nanosleep", "--", build("latency.c"), "40", "50")
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    traced = next(i for i, ln in enumerate(lines) if _LONG_CALL in ln and not ln.startswith("anomaly"))
    alert = next(i for i, ln in enumerate(lines) if _LONG_CALL in ln and ln.startswith("anomaly [high]"))
    assert alert == traced + 1, done.stderr  # right after the call's own line, not at the end
    assert "of its last 40 calls" in lines[alert]
    report = lines.index(next(ln for ln in lines if ln.startswith("Anomalies over 3 sigma")))
    assert report > lines.index("+++ exited with 0 +++")
    assert re.fullmatch(r"Anomalies over 3 sigma against the last 100 calls of each syscall: "
                        r"(\d+) \((\d+) high, (\d+) medium, (\d+) low\)", lines[report])
    assert any(ln.startswith("high ") and _LONG_CALL in ln for ln in lines[report + 3:])


def test_realtime_alerts_of_a_recording_match_a_sliding_window(build, renacer, tmp_path) -> None:
    path = _record(renacer, build, tmp_path, "45", "50")
    done = renacer("--input", path, "--anomaly-realtime", "--anomaly-window-size", "30", "-e",
                   "trace=clock_nanosleep", "-o", tmp_path / "trace.txt")
    assert done.returncode == 0, done.stderr
    expected, window = [], deque(maxlen=30)
    for _, d in _durations(path, "clock_nanosleep"):
        if len(window) == 30 and statistics.pstdev(window) > 0:
            z = (d - statistics.fmean(window)) / statistics.pstdev(window)
            if z > 3:
                expected.append(z)
        window.append(d)
    alerts = [float(m.group(1)) for m in re.finditer(r": ([\d.]+) sigma above", done.stderr)]
    assert expected and len(alerts) == len(expected), done.stderr
    assert all(abs(a - b) < 0.06 for a, b in zip(alerts, expected, strict=True)), (alerts, expected)
    report = (tmp_path / "trace.txt").read_text()  # the report goes with the trace, alerts to stderr
    assert f"syscall: {len(expected)} (" in report


# ---- --summary-interval --------------------------------------------------------------

def _headers(text: str) -> list[str]:
    return re.findall(r"^--- summary after [\d.]+ s \((.*)\) ---$", text, re.M)


def _nanosleep_calls(text: str) -> list[int]:
    """The clock_nanosleep call count of each table in ``text``, in order."""
    return [int(n) for n in re.findall(r"^ *[\d.]+ +[\d.]+ +\d+ +(\d+) +clock_nanosleep$", text, re.M)]


def test_summary_interval_prints_tables_while_the_program_is_idle(build, renacer) -> None:
    done = renacer("--summary-interval", "0.25", "--", build("latency.c"), "3", "1000")
    assert done.returncode == 0
    heads = _headers(done.stderr)
    assert len(heads) >= 3 and heads[-1] == "final" and set(heads[:-1]) == {"cumulative, still tracing"}
    counts = _nanosleep_calls(done.stderr)
    assert counts[-1] == 4
    assert 3 in counts[:-1], done.stderr  # a table taken during the one-second sleep


def test_summary_interval_with_C_breaks_the_open_line_as_strace_would(build, renacer) -> None:
    done = renacer("-C", "--summary-interval", "0.25", "-e", "trace=clock_nanosleep", "--",
                   build("latency.c"), "1", "700")
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    opened = next(i for i, ln in enumerate(lines) if ln.endswith("tv_nsec=700000000},  <unfinished ...>"))
    assert lines[opened + 1].startswith("--- summary after "), done.stderr
    assert any(ln.startswith("<... clock_nanosleep resumed>NULL)") for ln in lines[opened:])
    assert _headers(done.stderr)[-1] == "final"


def test_summary_interval_on_a_recording_follows_the_recorded_clock(build, renacer, tmp_path) -> None:
    path = _record(renacer, build, tmp_path, "2", "600")
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    # the replay's first event is the first call's entry (when its entry was shown), its last the exit
    starts = [r["enter_ns"] if r["entered"] else r["exit_ns"] for r in rows if r["type"] == "syscall"]
    ends = [r["exit_ns"] for r in rows if r["type"] == "syscall"] + [r["ts_ns"] for r in rows if "ts_ns" in r]
    span = (max(ends) - min(starts + ends)) / 1e9
    done = renacer("--input", path, "--summary-interval", "0.2")
    assert done.returncode == 0, done.stderr
    heads = _headers(done.stderr)
    assert len(heads) == int(span / 0.2) + 1 and heads[-1] == "final"
    assert _nanosleep_calls(done.stderr)[-1] == 3
