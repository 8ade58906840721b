"""--format html: the report of real runs, checked in the file and in headless Chromium.

Oracles: `-c` on the same recording (calls and errors per syscall), the traced programs' own
output (bytes a process wrote to stdout, the size of a file it read), the marked lines of the
source fixture, and the browser (no console error, the elements the page's script draws).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from html_report import load, multiply  # noqa: E402  (bench/html_report.py: one loader for both)

PIPELINE = ["sh", "-c", "ls -la / | wc -l"]
SECTIONS = ("summary", "latency", "timeline", "processes", "files", "errors", "slowest", "source",
            "environment")
HOSTILE = "</script><img src=x onerror=alert(1)>"
_ROW = re.compile(r"^ *[\d.]+ +[\d.]+ +\d+ +(\d+) +(\d+)? +(\w+)$")


def _data(page: Path) -> dict:
    """The JSON the page embeds (what its script draws from)."""
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page.read_text(), re.S)
    assert m is not None, "no report-data element"
    return json.loads(m.group(1))


def _c_rows(text: str) -> dict[str, tuple[int, int]]:
    """syscall -> (calls, errors) from a -c table (the total row included)."""
    rows = (_ROW.match(ln) for ln in text.splitlines())
    return {m.group(3): (int(m.group(1)), int(m.group(2) or 0)) for m in rows if m}


@pytest.fixture(scope="session")
def browser() -> str:
    """Chromium's path: missing is a skip here, a failure in CI."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    return path


def _dom(page: Path, browser: str) -> str:
    """The page's DOM after its scripts ran; fails on anything the page's error collector caught."""
    dom, _ = load(page, browser)
    assert 'data-rendered="1"' in dom, dom[-3000:]
    errors = re.search(r'<pre id="page-errors"[^>]*>(.*?)</pre>', dom, re.S)
    assert errors is not None and errors.group(1) == "", errors and errors.group(1)
    return dom


def _tbody_rows(dom: str, table_id: str) -> int:
    start = dom.index("<tbody>", dom.index(f'id="{table_id}"'))
    return dom[start:dom.index("</tbody>", start)].count("<tr>")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, renacer_cmd, run_cmd) -> tuple[Path, object]:
    """The report of `sh -c 'ls -la / | wc -l'` traced with -f, and the run."""
    page = tmp_path_factory.mktemp("html") / "r.html"
    done = run_cmd([*renacer_cmd, "-f", "--format", "html", "-o", page, "--", *PIPELINE])
    assert done.returncode == 0, done.stderr
    return page, done


def test_pipeline_report_has_every_section_and_no_network_reference(pipeline) -> None:
    page, done = pipeline
    text = page.read_text()
    for key in SECTIONS:
        assert f'<section id="{key}">' in text
    assert "sh -c &#x27;ls -la / | wc -l&#x27;" in text  # the command, in the header, escaped
    assert "http://" not in text and "https://" not in text
    assert not re.search(r"<(link|img|iframe|object|embed)\b|\bsrc\s*=|@import|url\(", text)
    data = _data(page)
    names = {p[1] for p in data["processes"]}
    assert {"sh", "ls", "wc"} <= names, data["processes"]
    assert data["meta"]["exit_status"] == 0
    assert data["counts"]["processes"] == 3


def test_pipeline_bytes_go_to_the_pipe_and_to_stdout(pipeline) -> None:
    page, done = pipeline
    files = {row[0]: row for row in _data(page)["files"]}
    pipes = [row for label, row in files.items() if label.startswith("pipe #")]
    assert len(pipes) == 1, files
    _, kind, calls, read, written, _, _ = pipes[0]
    assert kind == "pipe" and read == written > 0  # wc read to the end what ls wrote
    assert files["stdout"][4] == len(done.stdout.encode())  # wc's count, written to renacer's stdout


def test_summary_counts_equal_c_on_the_same_recording(build, renacer, tmp_path) -> None:
    rec, page = tmp_path / "rec.jsonl", tmp_path / "r.html"
    done = renacer("-f", "--format", "json", "-o", rec, "--", build("summary_counts.c"), 30, 7, 2, 3)
    assert done.returncode == 3, done.stderr
    table = renacer("--input", rec, "-c")
    made = renacer("--input", rec, "--format", "html", "-o", page)
    assert made.returncode == 3, made.stderr
    expected = _c_rows(table.stderr)
    data = _data(page)
    ours = {r[0]: (r[1], r[2]) for r in data["summary"]}
    assert ours == {k: v for k, v in expected.items() if k != "total"}
    assert (data["counts"]["syscalls"], data["counts"]["errors"]) == expected["total"]
    assert ours["getppid"] == (90, 0)  # 30 in main and in each of the 2 threads
    errors = {(r[0], r[1]): r for r in data["errors"]}
    assert errors[("openat", "ENOENT")][3] == expected["openat"][1] >= 7
    assert any("/nonexistent/renacer-summary" in ex for ex in errors[("openat", "ENOENT")][4])
    assert data["meta"]["exit_status"] == 3 and data["meta"]["replayed"] == str(rec)
    assert data["env"]["vars"] is None and "not recorded" in data["env"]["source"]
    percentiles = data["meta"]["percentiles"]
    row = next(r for r in data["summary"] if r[0] == "getppid")
    p = row[8:8 + len(percentiles)]
    assert row[4] <= p[0] <= p[-1] <= row[5]
    assert sum(b[2] for b in row[-1]) == 90  # the histogram holds every call


def test_hostile_argument_is_escaped_in_file_and_page(renacer, tmp_path, browser) -> None:
    page = tmp_path / "r.html"
    done = renacer("-s", "200", "--format", "html", "-o", page, "--", "/bin/echo", HOSTILE)
    assert done.returncode == 0 and HOSTILE in done.stdout
    text = page.read_text()
    assert "<img" not in text and HOSTILE not in text
    assert "\\u003c/script\\u003e\\u003cimg" in text  # in the data, as JSON escapes
    assert any(HOSTILE in p[2] for p in _data(page)["processes"])  # and intact once parsed
    dom = _dom(page, browser)
    assert "<img" not in dom
    shown = "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert shown in dom[dom.index('<h1'):dom.index('</h1>')]  # the header, from the server side
    assert shown in dom[dom.index('id="process-table"'):]  # a table the script drew, as text


def test_environment_values_with_secret_names_are_redacted(renacer, tmp_path) -> None:
    page = tmp_path / "r.html"
    env = {**os.environ, "RENACER_API_TOKEN": "s3cr3t-value", "MY_PASSWD": "hunter2",
           "RENACER_PLAIN": "visible"}
    done = renacer("--format", "html", "-o", page, "--", "true", env=env)
    assert done.returncode == 0, done.stderr
    text = page.read_text()
    assert "s3cr3t-value" not in text and "hunter2" not in text
    got = {name: (value, hidden) for name, value, hidden in _data(page)["env"]["vars"]}
    assert got["RENACER_API_TOKEN"] == ("[redacted]", True) and got["MY_PASSWD"] == ("[redacted]", True)
    assert got["RENACER_PLAIN"] == ("visible", False)


def test_report_draws_in_chromium_without_errors(pipeline, browser) -> None:
    page, _ = pipeline
    data = _data(page)
    dom = _dom(page, browser)
    assert _tbody_rows(dom, "summary-table") == min(len(data["summary"]), 15)
    assert dom.count('class="lat-card"') == min(len(data["summary"]), 8)
    assert dom.count('class="bar"') >= min(len(data["summary"]), 8)
    drawn = re.search(r'<canvas id="timeline-canvas"[^>]*data-drawn="(\d+)"', dom)
    assert drawn is not None and int(drawn.group(1)) > 0
    assert _tbody_rows(dom, "process-table") == 3
    assert _tbody_rows(dom, "files-by-bytes") == min(len(data["files"]), 15)
    assert _tbody_rows(dom, "errors-table") == min(len(data["errors"]), 20)
    assert 'id="env-table"' in dom


def test_source_lines_and_function_profile(build, renacer, tmp_path) -> None:
    page, config = tmp_path / "r.html", tmp_path / "config.txt"
    config.write_bytes(b"x" * 100)
    program = build("source_demo.c")
    done = renacer("--source", "--format", "html", "-o", page, "--", program, config)
    assert done.returncode == 0, done.stderr
    data = _data(page)
    source = (Path(__file__).parent / "programs" / "source_demo.c").read_text().splitlines()
    read_line = next(i for i, ln in enumerate(source, 1) if "/* syscall: read */" in ln)
    rows = {(os.path.basename(r[0]), r[1], r[2]): r for r in data["sources"]}
    assert rows[("source_demo.c", read_line, "read_all")][3] == 1
    assert "read_all" in {f[0] for f in data["profile"]["functions"]}
    files = {r[0]: r for r in data["files"]}
    assert files[str(config)][3] == 100  # the bytes read_all read from the file


def test_report_of_many_syscalls_loads_and_draws_each_pixel_once(renacer, tmp_path, browser) -> None:
    # bench/html_report.py does this with 100k calls and measures it; 10k keep the test quick
    base, big, page = tmp_path / "base.jsonl", tmp_path / "big.jsonl", tmp_path / "r.html"
    assert renacer("-f", "--format", "json", "-o", base, "--", *PIPELINE).returncode == 0
    calls = multiply(base, big, 10_000)
    made = renacer("--input", big, "--format", "html", "-o", page, timeout=300)
    assert made.returncode == 0, made.stderr
    data = _data(page)
    counts = data["counts"]
    assert data["timeline"]["total"] == data["timeline"]["kept"] == calls == 10_000
    assert counts["syscalls"] + counts["unfinished"] == 10_000  # exit_group never returns
    assert sum(r[1] for r in data["summary"]) == counts["syscalls"]
    dom = _dom(page, browser)
    drawn = re.search(r'<canvas id="timeline-canvas"[^>]*data-drawn="(\d+)"', dom)
    width = re.search(r'<canvas id="timeline-canvas" width="(\d+)"', dom)
    assert drawn is not None and width is not None
    assert 0 < int(drawn.group(1)) <= 3 * int(width.group(1))  # three rows, a rectangle a pixel at most


def test_sockets_are_named_by_their_endpoints(build, renacer, tmp_path) -> None:
    # net.c: a socketpair carrying "ping" (4 bytes), a listener bound to 127.0.0.1:47731 and a client
    # connected to it, and a connect to port 47732 that is refused
    page = tmp_path / "r.html"
    assert renacer("--format", "html", "-o", page, "--", build("net.c")).returncode == 0
    files = {r[0]: r for r in _data(page)["files"] if r[1] == "socket"}
    assert files["socketpair #1"][3:5] == [4, 4], files
    assert "AF_INET 127.0.0.1:47731 (bound)" in files and "AF_INET 127.0.0.1:47731" in files
    assert files["AF_INET 127.0.0.1:47732"][6] == 1  # the refused connect is its error
