"""The command line as strace spells it, turned into a Config (no process is started here)."""

from __future__ import annotations

import pytest

from renacer.arch import current
from renacer.cli import USAGE, main, parse_args
from renacer.errors import RenacerError
from renacer.filter import parse_trace_set

NR = current().numbers
MERGE_ALONE = "--merge merges recordings: no -p and no --input with it"


def test_flags_combine_as_strace_counts_them():
    cfg = parse_args(["-ff", "-o", "out", "-qq", "-ttt", "-T", "-yy", "-s", "64", "--", "ls", "-l"])
    assert cfg.command == ("ls", "-l")
    assert cfg.follow_forks and cfg.output_per_process and cfg.output == "out"
    assert (cfg.quiet, cfg.timestamps, cfg.fd_paths, cfg.string_limit) == (2, 3, 2, 64)
    assert cfg.syscall_times


def test_the_command_needs_no_double_dash_and_options_stop_at_it():
    cfg = parse_args(["ls", "-f"])
    assert cfg.command == ("ls", "-f") and not cfg.follow_forks


def test_pids_in_every_spelling():
    assert parse_args(["-p", "12,13", "-p", "14 15"]).pids == (12, 13, 14, 15)
    assert parse_args(["--attach=7"]).pids == (7,)


SPELLINGS = [
    ["-e", "trace=openat,close"],
    ["-eopenat,close"],
    ["--trace=openat,close"],
    ["-e", "trace=,openat,close"],
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_trace_set_spellings(spelling):
    cfg = parse_args([*spelling, "true"])
    assert cfg.trace == frozenset({NR["openat"], NR["close"]})


def test_trace_all_and_none():
    assert parse_trace_set("all", current()) is None
    assert parse_trace_set("none", current()) == frozenset()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-s"], "option requires an argument -- 's'"),
        (["-W", "true"], "unrecognized option '-W'"),
        (["--nope", "true"], "unrecognized option '--nope'"),
        (["-p", "0"], "Invalid process id: '0'"),
        (["-p", ","], "Invalid process id: ','"),
        (["-p", "5", "true"], "-p and a command cannot be used together"),
        (["-e", "kvm=vcpu", "true"], "-e kvm= is not supported yet"),
        (["-e", "status=sometimes", "true"], "invalid status 'sometimes'"),
        (["-e", "signal=SIGFOO", "true"], "invalid signal 'SIGFOO'"),
        (["-e", "quiet=noise", "true"], "invalid quiet 'noise'"),
        (["-e", "trace=nosuch", "true"], "invalid system call 'nosuch'"),
    ],
)
def test_bad_command_lines_name_the_problem(argv, message):
    with pytest.raises(RenacerError) as err:
        parse_args(argv)
    assert err.value.message == message


def test_help_and_version_print_and_succeed(capsys):
    assert main(["-h"]) == 0
    assert capsys.readouterr().out == USAGE
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("renacer -- version ")


def test_main_reports_errors_in_one_line(capsys):
    assert main(["-s", "x", "true"]) == 1
    assert capsys.readouterr().err == "renacer: invalid -s argument: 'x'\n"


def test_rendering_options_as_strace_spells_them():
    cfg = parse_args(["-v", "-xx", "-X", "verbose", "-i", "-a", "60", "-yy", "true"])
    assert cfg.abbrev == frozenset() and cfg.hex_strings == 2 and cfg.xlat_style == "verbose"
    assert cfg.instruction_pointer and cfg.align_column == 60 and cfg.fd_paths == 2
    long = parse_args(["--no-abbrev", "--strings-in-hex", "--const-print-style=raw", "--instruction-pointer",
                       "--columns=50", "--decode-fds", "true", "--decode-fds"])
    assert long.abbrev == frozenset() and long.hex_strings == 2 and long.xlat_style == "raw"
    assert long.instruction_pointer and long.align_column == 50 and long.fd_paths == 1
    assert long.command == ("true", "--decode-fds")  # the command's own arguments are left alone
    assert parse_args(["-x", "true"]).hex_strings == 1
    assert parse_args(["--strings-in-hex=non-ascii", "true"]).hex_strings == 1


def test_per_syscall_qualifiers():
    cfg = parse_args(["-e", "abbrev=openat", "-e", "verbose=none", "--raw=close", "-e", "read=3,5",
                      "-e", "write=all", "true"])
    assert cfg.abbrev == frozenset({NR["openat"]}) and cfg.verbose == frozenset()
    assert cfg.raw == frozenset({NR["close"]})
    assert cfg.dump_reads == frozenset({3, 5}) and cfg.dump_writes is None
    assert parse_args(["-e", "raw=all", "true"]).raw == frozenset(NR.values())
    assert parse_args(["-e", "read=none", "true"]).dump_reads == frozenset()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-X", "fancy", "true"], "invalid -X argument: 'fancy'"),
        (["-a", "x", "true"], "invalid -a argument: 'x'"),
        (["-e", "read=x", "true"], "invalid descriptor 'x'"),
        (["-e", "write=", "true"], "invalid descriptor ''"),
        (["--strings-in-hex=some", "true"], "invalid --strings-in-hex argument: 'some'"),
        (["-e", "abbrev=nosuchcall", "true"], "invalid system call 'nosuchcall'"),
        (["-e", "kvm=vcpu", "true"], "-e kvm= is not supported yet"),
        (["-e", "status=sometimes", "true"], "invalid status 'sometimes'"),
        (["-e", "signal=SIGFOO", "true"], "invalid signal 'SIGFOO'"),
        (["-e", "quiet=noise", "true"], "invalid quiet 'noise'"),
        (["--merge", "a.jsonl"], "--merge needs two or more recordings"),
        (["--merge", "-p", "1", "a.jsonl", "b.jsonl"], MERGE_ALONE),
        (["--merge", "--input", "x", "a.jsonl", "b.jsonl"], MERGE_ALONE),
        (["--transpiler-map", "", "ls"], "invalid --transpiler-map argument: '' (a source map file)"),
        (["--decisions-dir", "", "ls"], "invalid --decisions-dir argument: '' (a folder)"),
    ],
)
def test_bad_rendering_options_are_one_clear_error(argv, message):
    with pytest.raises(RenacerError) as info:
        parse_args(argv)
    assert info.value.message == message


def test_selection_qualifiers():
    from renacer.selection import parse_signals, signal_number

    assert parse_args(["-z", "true"]).statuses == frozenset({"successful"})
    assert parse_args(["--failed-only", "true"]).statuses == frozenset({"failed"})
    assert parse_args(["-e", "status=!failed", "true"]).statuses == frozenset(
        {"successful", "unfinished", "unavailable", "detached"})
    assert parse_args(["-e", "status=all", "true"]).statuses is None
    assert parse_args(["-e", "signal=USR1,12", "true"]).signals == frozenset({10, 12})
    assert parse_args(["--signal=none", "true"]).signals == frozenset()
    assert 17 not in parse_signals("!SIGCHLD") and 10 in parse_signals("!SIGCHLD")
    assert signal_number("SIGRTMIN+2") == 34 and signal_number("rtmin") == 32 and signal_number("65") is None
    cfg = parse_args(["-e", "quiet=exit,thread-execve", "true"])
    assert cfg.quieted("exit") and cfg.quieted("superseded") and not cfg.quieted("attach")
    assert parse_args(["-qqq", "true"]).quieted("superseded")
    assert parse_args(["--quiet", "true"]).quieted("attach")


def test_merge_takes_its_recordings_before_or_after_its_options():
    cfg = parse_args(["--merge", "a.jsonl", "b.jsonl", "-o", "m.jsonl"])
    assert cfg.merge == ("a.jsonl", "b.jsonl") and cfg.output == "m.jsonl" and not cfg.command
    assert parse_args(["-o", "m.jsonl", "--merge", "a.jsonl", "b.jsonl", "c.jsonl"]).merge == (
        "a.jsonl", "b.jsonl", "c.jsonl")


def test_a_commands_own_merge_option_is_its_argument():
    cfg = parse_args(["-s", "64", "git", "--merge", "x"])
    assert cfg.command == ("git", "--merge", "x") and cfg.merge == ()


def test_transpiler_options_and_what_they_imply():
    cfg = parse_args(["--transpiler-map", "a.json", "--transpiler-map=b.json", "--", "./app"])
    assert cfg.transpiler_maps == ("a.json", "b.json") and cfg.source == "user"
    assert parse_args(["--source-all", "--transpiler-map", "a.json", "./app"]).source == "all"
    cfg = parse_args(["--decisions-dir", "out/.ruchy", "./app"])
    assert cfg.trace_decisions and cfg.decisions_dir == "out/.ruchy"
    cfg = parse_args(["--trace-transpiler-decisions", "./app"])
    assert cfg.trace_decisions and cfg.decisions_dir is None
