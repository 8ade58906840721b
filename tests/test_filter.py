"""The -e trace= language: classes, negation, regexes, ``?``, numbers, and its errors (strace 6.1's rules)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renacer.arch import by_name
from renacer.errors import RenacerError
from renacer.filter import parse_trace_set

ARCH = by_name("x86_64")  # the cases name x86_64 calls (aarch64's are in test_arch_aarch64.py)
NR = ARCH.numbers
EVERY = frozenset(range(max(ARCH.syscalls) + 1))


def names(expr: str) -> set[str]:
    """The names an expression selects (every known one for None)."""
    selected = parse_trace_set(expr, ARCH)
    return {ARCH.syscalls[n] for n in (EVERY if selected is None else selected) if n in ARCH.syscalls}


def error(expr: str) -> str:
    with pytest.raises(RenacerError) as err:
        parse_trace_set(expr, ARCH)
    return err.value.message


def test_a_class_selects_its_calls_from_the_generated_table():
    file_calls = names("%file")
    assert {"openat", "execve", "newfstatat", "access"} <= file_calls
    assert "close" not in file_calls and "read" not in file_calls
    assert names("file") == file_calls  # the old spelling without %


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("%%stat", {"stat", "fstat", "lstat", "newfstatat", "statx"}),
        ("%stat", {"stat"}),
        ("%fstat", {"fstat", "newfstatat", "statx"}),
        ("%%statfs", {"statfs", "fstatfs", "ustat"}),
        ("%pure", {"getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getpgrp"}),
    ],
)
def test_small_classes_are_exactly_what_strace_shows(expr, expected):
    assert names(expr) == expected


def test_net_and_network_are_one_class():
    assert names("%net") == names("%network") == names("network")
    assert {"socket", "connect", "sendmsg"} <= names("%net")


def test_signal_spelled_bare_is_the_class_not_the_i386_call():
    assert "rt_sigaction" in names("signal")


def test_a_leading_bang_negates_the_whole_set():
    assert names("!close") == names("all") - {"close"}
    assert names("!close,openat") == names("all") - {"close", "openat"}
    assert names("!%file") == names("all") - names("%file")
    assert names("!!close") == {"close"}


def test_a_bang_inside_the_list_is_an_unknown_name_as_in_strace():
    assert error("%file,!close") == "invalid system call '!close'"
    assert error("openat,!close") == "invalid system call '!close'"


def test_all_and_none():
    assert parse_trace_set("all", ARCH) is None
    assert parse_trace_set("openat,all", ARCH) is None
    assert parse_trace_set("none", ARCH) == frozenset()
    assert parse_trace_set("!none", ARCH) is None
    assert parse_trace_set("!all", ARCH) == frozenset()
    assert parse_trace_set("!all,openat", ARCH) == frozenset()
    assert error("none,openat") == "invalid system call 'none'"  # none only stands alone


def test_regex_is_searched_in_every_name():
    assert names("/^open") == {n for n in NR if n.startswith("open")}
    assert names("/open|close") == {n for n in NR if "open" in n or "close" in n}
    assert names("/[[:alpha:]]+at$") == {n for n in NR if n.endswith("at") and n[-3].isalpha()}
    assert names("/") == names("all")  # the empty regex matches everything


def test_a_regex_matching_nothing_is_an_unknown_item():
    assert error("/zzzz") == "invalid system call '/zzzz'"
    assert parse_trace_set("?/zzzz", ARCH) == frozenset()


def test_a_bad_regex_fails_even_under_question_mark():
    assert error("/(").startswith("regcomp: (: ")
    assert error("?/[").startswith("regcomp: [: ")


def test_question_mark_ignores_what_this_arch_does_not_know():
    assert names("?nosuch,openat") == {"openat"}
    assert names("??openat") == {"openat"}
    assert parse_trace_set("?%nosuch", ARCH) == frozenset()
    assert parse_trace_set("?", ARCH) == frozenset()
    assert parse_trace_set("?9999", ARCH) == frozenset()


def test_names_of_strace_s_other_personalities_are_accepted_and_select_nothing():
    assert parse_trace_set("socketcall", ARCH) == frozenset()
    assert parse_trace_set("/^socketcall$", ARCH) == frozenset()


def test_decimal_numbers_up_to_the_highest_syscall():
    assert parse_trace_set("12", ARCH) == parse_trace_set("012", ARCH) == frozenset({12})
    assert parse_trace_set("400", ARCH) == frozenset({400})  # a gap in the table, as strace allows
    assert error(str(max(ARCH.syscalls) + 1)) == f"invalid system call '{max(ARCH.syscalls) + 1}'"
    assert error("0x0c") == "invalid system call '0x0c'"


def test_empty_items_are_skipped_but_an_empty_set_is_an_error():
    assert names(",openat,,close,") == {"openat", "close"}
    for expr in ("", ",", ",,", "!", "!!", "!,"):
        assert error(expr) == f"invalid system call '{expr}'"


@pytest.mark.parametrize(
    "expr", ["foo", "%FILE", "OPENAT", " openat", "%", "%%foo", "%all", "net", "syscall_0x3e8"]
)
def test_unknown_items_are_named(expr):
    assert error(expr) == f"invalid system call '{expr}'"


def test_the_first_bad_item_is_the_one_reported():
    assert error("foo,/(") == "invalid system call 'foo'"
    assert error("all,foo") == "invalid system call 'foo'"


ALPHABET = "!?%/,^$.*+()[]{}|\\:-_ 0123456789abcdeflnoprstwxz"
ITEMS = st.one_of(
    st.sampled_from(["all", "none", "openat", "close", "%file", "file", "%%stat", "/^open", "400", "signal"]),
    st.text(alphabet=ALPHABET, max_size=12),
)


def _check(expr: str) -> None:
    try:
        selected = parse_trace_set(expr, ARCH)
    except RenacerError as e:
        assert e.message
        return
    assert selected is None or selected <= EVERY


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_raises_only_renacer_errors(expr):
    _check(expr)


@settings(max_examples=150, deadline=None)
@given(st.lists(ITEMS, max_size=6), st.text(alphabet="!?,", max_size=3))
def test_near_valid_expressions_raise_only_renacer_errors(items, prefix):
    _check(prefix + ",".join(items))
