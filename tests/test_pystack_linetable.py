"""Line tables of CPython 3.10 to 3.13 decode to the lines each interpreter's own co_lines() gives."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renacer.pystack.linetable import LineTable, line_at, lines

INTERPRETERS = [
    "/root/.pyenv/versions/3.10.13/bin/python3",
    "/root/.pyenv/versions/3.11.7/bin/python3",
    "/root/.pyenv/versions/3.12.1/bin/python3",
    "/root/.pyenv/versions/3.13.0/bin/python3",
    "/usr/bin/python3.11",
]

# Code of every shape the compilers lay out differently; valid from 3.10 on.
CORPUS = '''
import functools

def simple(a, b):
    c = a + b

    return c * 2

@functools.lru_cache(maxsize=None)
@staticmethod
def decorated(x):
    return [y * 2 for y in range(x) if y % 3]

def loops(n):
    total = 0
    for i in range(n):
        while total < i:
            total += 1
            if total > 1000:
                break
        else:
            continue
    return total

def handlers(path):
    try:
        f = open(path)
    except OSError as e:
        return str(e)
    except (ValueError, TypeError):
        raise
    else:
        with f:
            return f.read()
    finally:
        print("done")

async def fetch(session, urls):
    async with session:
        async for u in session.stream(urls):
            await session.get(u)
    return [await x for x in urls]

def gen(n):
    yield from range(n)
    x = yield 1
    square = lambda v: (
        v
        *
        v
    )
    return {k: square(k) for k in range(x)}, {k for k in range(3)}, (k for k in range(2))

def calls(a):
    return max(
        a,
        min(
            a,
            3,
        ),
        key=lambda t:
            t,
    )

class Shape:
    sides = 0

    def area(self):
        return 0

    class Inner:
        def deep(self):
            return [[j for j in range(i)] for i in range(3)]

def matcher(v):
    match v:
        case [1, *rest]:
            return rest
        case {"k": w}:
            return w
        case _:
            return None

def gap():
    a = 1
''' + "\n" * 1000 + '''
    b = 2
''' + "\n" * 70000 + '''
    c = 3
    return a + b + c

def far_below():
    return 1
'''


def long_function(n: int) -> str:
    """A function of ``n`` statements with a loop around them all, so jumps span the whole body."""
    body = "".join(f"        v = {i}\n" for i in range(n))
    return f"def long_one(x):\n    v = 0\n    while x:\n{body}        x -= 1\n    return v\n"


ORACLE = r"""
import json, os, sys, types
sources = json.loads(sys.stdin.read())
stdlib = os.path.dirname(os.__file__)
for rel in ("json/decoder.py", "asyncio/base_events.py"):
    with open(os.path.join(stdlib, rel), encoding="utf-8") as f:
        sources.append([rel, f.read()])
codes = []
def walk(code):
    codes.append({"name": code.co_name, "table": code.co_linetable.hex(), "first": code.co_firstlineno,
                  "size": len(code.co_code), "lines": list(code.co_lines())})
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            walk(const)
for name, text in sources:
    walk(compile(text, name, "exec"))
print(json.dumps({"version": list(sys.version_info[:2]), "codes": codes}))
"""


def oracle(python: str) -> dict:
    """Compile the corpus and some stdlib in ``python``; its code objects' tables and co_lines()."""
    sources = [["<corpus>", CORPUS], ["<long>", long_function(320)], ["<far>", "\n" * 70000 + "x = 1\n"]]
    done = subprocess.run(
        [python, "-I", "-c", ORACLE], input=json.dumps(sources), capture_output=True, text=True,
        timeout=60, check=True,
    )
    return json.loads(done.stdout)


def expected_line(ranges: list[list], offset: int) -> int | None:
    for start, end, line in ranges:
        if start <= offset < end:
            return line
    return None


@pytest.fixture(scope="module")
def tested() -> list[str]:
    return []


@pytest.mark.parametrize("python", INTERPRETERS)
def test_line_at_matches_co_lines_of_each_interpreter(python: str, tested: list[str]) -> None:
    if not Path(python).exists():
        pytest.skip(f"{python} is not installed")
    found = oracle(python)
    version = tuple(found["version"])
    assert len(found["codes"]) > 100
    checked = 0
    for code in found["codes"]:
        table = bytes.fromhex(code["table"])
        table_lines = LineTable.decode(version, table, code["first"])
        for offset in range(0, code["size"], 2):
            want = expected_line(code["lines"], offset)
            got = line_at(version, table, code["first"], offset)
            assert got == want, (python, code["name"], offset)
            assert table_lines.line_at(offset) == want
            checked += 1
        assert line_at(version, table, code["first"], code["size"]) is None
        assert table_lines.line_at(code["size"]) is None
    lines_seen = {line for code in found["codes"] for *_, line in code["lines"]}
    assert {1087, 71089, 71093, 70001}.issubset(lines_seen)  # the far lines were really in the oracle
    assert checked > 5000
    tested.append(python)


def test_at_least_four_interpreters_were_checked(tested: list[str]) -> None:
    assert len(tested) >= 4, tested


def test_lines_merges_ranges_of_one_line() -> None:
    # 3.10: 4 bytes +1 line, 0 bytes +5 lines (no range), 6 bytes +0, then 2 bytes with no line.
    table = bytes([4, 1, 0, 5, 6, 0, 2, 0x80])
    assert lines((3, 10), table, 10) == [(0, 4, 11), (4, 10, 16), (10, 12, None)]


def test_location_table_forms() -> None:
    # 3.11+: short form (code 0, 1 unit), one-line +2 (code 12, 2 units), no-column with svarint -3
    # (code 13, 1 unit), long form with svarint +70 spanning two chunks (code 14), no location (15).
    table = bytes([
        0x80, 0x05,
        0x80 | 12 << 3 | 1, 0x01, 0x02,
        0x80 | 13 << 3, 0x07,
        0x80 | 14 << 3, 0x40 | (140 & 0x3F), 140 >> 6, 0x00, 0x01, 0x02,
        0x80 | 15 << 3 | 2,
    ])
    assert lines((3, 12), table, 100) == [(0, 2, 100), (2, 6, 102), (6, 8, 99), (8, 10, 169), (10, 16, None)]
    assert [line_at((3, 13), table, 100, o) for o in range(0, 18, 2)] == [
        100, 102, 102, 99, 169, None, None, None, None,
    ]


def test_damaged_tables_give_none() -> None:
    # A varint cut by the end of the table, or by the next entry's first byte.
    assert line_at((3, 11), bytes([0x80, 0x00, 0x80 | 13 << 3, 0x41]), 5, 2) is None
    assert line_at((3, 11), bytes([0x80 | 13 << 3, 0x42, 0x80]), 5, 0) is None
    # The entries before the damage still answer.
    assert line_at((3, 11), bytes([0x80, 0x00, 0x80 | 13 << 3, 0x41]), 5, 0) == 5
    # A varint of too many chunks, and a line pushed below zero or past C's int.
    assert line_at((3, 12), bytes([0x80 | 14 << 3]) + bytes([0x7F] * 8) + bytes([1]), 1, 0) is None
    assert line_at((3, 12), bytes([0x80 | 13 << 3, 0x0B]), 3, 0) is None
    assert line_at((3, 10), bytes([2, 0x81]), 3, 0) is None
    assert line_at((3, 10), bytes([2, 1]), 2**31 - 1, 0) is None
    # A continuation byte where a first byte should be, and offsets outside the code.
    assert line_at((3, 13), bytes([0x05, 0x80]), 1, 0) is None
    assert line_at((3, 10), bytes([2, 1]), 1, -2) is None
    assert line_at((3, 10), bytes([2, 1]), 1, 2) is None


def real_tables() -> list[tuple[bytes, int, int]]:
    """This interpreter's own tables (with their code sizes), as seeds for mutation."""
    found = []
    todo = [compile(CORPUS, "<corpus>", "exec")]
    while todo:
        code = todo.pop()
        found.append((code.co_linetable, code.co_firstlineno, len(code.co_code)))
        todo.extend(c for c in code.co_consts if isinstance(c, type(code)))
    return found


REAL = real_tables()
VERSIONS = st.sampled_from([(3, 10), (3, 11), (3, 12), (3, 13)])


def check_answers(version: tuple[int, int], table: bytes, first: int, offsets: list[int]) -> None:
    for offset in offsets:
        got = line_at(version, table, first, offset)
        assert got is None or (isinstance(got, int) and 0 <= got < 2**31)
    ranges = lines(version, table, first)
    assert all(isinstance(r[0], int) and r[0] < r[1] for r in ranges)


@settings(max_examples=300, deadline=500)
@given(VERSIONS, st.binary(max_size=512), st.integers(-(2**40), 2**40),
       st.lists(st.integers(-4, 4096), max_size=8))
def test_random_bytes_never_raise(version, table, first, offsets) -> None:
    check_answers(version, table, first, offsets)


@settings(max_examples=300, deadline=500)
@given(VERSIONS, st.sampled_from(REAL), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
                                                 max_size=6),
       st.integers(0, 10**6), st.lists(st.integers(0, 4096), max_size=8))
def test_mutated_real_tables_never_raise(version, real, flips, cut, offsets) -> None:
    table = bytearray(real[0])
    for where, value in flips:
        if table:
            table[where % len(table)] = value
    check_answers(version, bytes(table[: cut % (len(table) + 1)]), real[1], offsets + [real[2] - 2])

