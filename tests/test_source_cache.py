"""The on-disk table cache: round trips, and every failure is a miss, never an error."""

from __future__ import annotations

import os

from renacer.source import cache


def test_a_stored_table_loads_back(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    table = {"lines": [(0x1130, 3, 42)], "files": ["src/main.rs"]}
    assert cache.store("lines", "ab12cd", table)
    assert cache.load("lines", "ab12cd") == table
    assert (tmp_path / "renacer" / cache.FORMAT / "lines" / "ab12cd.pickle").is_file()
    assert cache.load("lines", "ffff") is None


def test_no_build_id_or_an_odd_one_is_never_cached(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert not cache.store("lines", "", {})
    assert not cache.store("lines", "../../etc/passwd", {})
    assert cache.load("lines", "../x") is None


def test_a_damaged_or_unwritable_cache_is_only_a_miss(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.store("cfi", "0123", [1, 2, 3])
    path = tmp_path / "renacer" / cache.FORMAT / "cfi" / "0123.pickle"
    path.write_bytes(path.read_bytes()[:5])  # truncated mid-write by a crash elsewhere
    assert cache.load("cfi", "0123") is None
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where the folder should be
    assert not cache.store("cfi", "0123", [1])
    assert cache.load("cfi", "0123") is None
    assert not [p for p in os.listdir(path.parent) if p.startswith(".")]  # no temp file left behind
