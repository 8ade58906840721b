"""--stats-extended: exact latency statistics, equal to numpy's on the same durations."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from renacer.analysis.latency import PERCENTILES, Latencies, percentile


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1001])
def test_statistics_equal_numpys(n: int) -> None:
    rng = random.Random(n)
    values = [rng.randrange(0, 5_000_000) for _ in range(n)]
    lat = Latencies()
    for v in values:
        lat.add(v)
    got = lat.summary()
    arr = np.array(values, dtype=np.float64)
    assert (got.min, got.max, got.calls) == (min(values), max(values), n)
    assert got.mean == pytest.approx(float(np.mean(arr)), rel=1e-12)
    assert got.stddev == pytest.approx(float(np.std(arr)), rel=1e-9, abs=1e-9)
    assert got.percentiles == pytest.approx([float(np.percentile(arr, p)) for p in PERCENTILES], rel=1e-12)


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)


def test_stats_extended_table_matches_numpy_on_a_recording(build, renacer, tmp_path) -> None:
    path = tmp_path / "run.jsonl"
    assert renacer("--format", "json", "-o", str(path), str(build("files.c"))).returncode == 0
    durations: dict[str, list[int]] = {}
    for line in path.read_text().splitlines():
        record = json.loads(line)
        if record["type"] == "syscall" and record["retval"] is not None and not record["unfinished"]:
            durations.setdefault(record["name"], []).append(record["duration_ns"])
    done = renacer("--input", str(path), "--stats-extended")
    assert done.returncode == 0
    text = done.stderr.split("(usecs)\n", 1)[1].splitlines()[1:]
    rows = {cells[0]: cells[1:] for cells in (line.split() for line in text)}
    assert set(rows) == set(durations)
    for name, values in durations.items():
        arr = np.array(values, dtype=np.float64) / 1000
        expected = [len(values), arr.min(), arr.max(), arr.mean(), arr.std(),
                    *(np.percentile(arr, p) for p in PERCENTILES)]
        got = [float(c) for c in rows[name]]
        assert got[0] == expected[0]
        assert got[1:] == pytest.approx([round(float(e), 3) for e in expected[1:]], abs=0.0011)
