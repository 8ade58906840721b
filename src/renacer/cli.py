"""argv -> Config, with strace's flags; every user error is one ``renacer: ...`` line and exit 1."""

from __future__ import annotations

import getopt
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from . import __version__
from .arch import current
from .config import Config
from .errors import RenacerError
from .filter import parse_trace_set
from .options import TRANSPILER_OPTIONS, UsageError, otlp_option, transpiler_option
from .selection import parse_signals, parse_statuses
from .sinks.summary import parse_columns, parse_sort

USAGE = """\
Usage: renacer [-fqrtTy] [-e trace=NAME,...] [-o FILE] [-s STRSIZE] [-p PID]... [--] PROG [ARGS]

Trace the system calls of PROG (or of the running processes given with -p), in strace's format.

  -f            follow forks, vforks, clones and threads; -ff with -o: one file per process
  -p PID        attach to a running process (repeat, or PID,PID); Ctrl-C detaches
  -o FILE       write the trace to FILE instead of stderr
  -s STRSIZE    print at most STRSIZE bytes of each string (default 32)
  -e trace=SET  only these syscalls: names, %classes, /regex/, !negated (also -e SET, --trace=SET)
  -q, -qq       suppress attach/detach notices; -qq also the exit status lines
  -t, -tt, -ttt prefix each line with the time of day, with microseconds, or as epoch seconds
  -r            prefix each line with the time since the previous one
  -T            show the time spent in each syscall
  -y, -yy       print the path behind each file descriptor; -yy also socket endpoints and devices
  -v            unabbreviated structs, argv and environment (-e abbrev=none)
  -x, -xx       print non-ASCII strings in hex; -xx every string
  -X STYLE      constants as names (abbrev), numbers (raw) or both (verbose)
  -i            print the instruction pointer at each syscall
  -a COLUMN     align results at COLUMN (default 40)
  -e abbrev=SET, verbose=SET, raw=SET   per-syscall rendering (as strace)
  -e read=FDS, write=FDS                hex and ASCII dumps of the data read from / written to FDS
  --format F    text (strace's, the default), json (JSON Lines recording), csv or html (a report)
  --input FILE  replay a JSON Lines recording (with any output option) instead of tracing
  -c, -C        a table of calls, errors and time per syscall instead of / after the trace
  -S KEY        sort it by time (default), calls, errors, name, min-time, max-time, avg-time, nothing
  --stats-extended  after the table, per syscall: min, max, mean, stddev, p50..p99 latencies
  -U COLUMNS    its columns: time-percent,total-time,avg-time,min-time,max-time,calls,errors,name
  --summary-interval SECONDS  the table every SECONDS while the program runs, then the final one
  --anomaly-threshold [Z]     after the table, the calls more than Z (3) stddevs above their mean
  --anomaly-realtime          alert as each such call happens, against its syscall's recent calls;
                              a report by severity at the end (--anomaly-window-size N, 100 calls)
  -P PATH       only syscalls that touch PATH, by name or through a descriptor (repeatable)
  -z, -Z        only syscalls that succeeded / failed (-e status=successful,failed,unfinished,detached)
  -e signal=SET only these signals' deliveries (SIGUSR1,!SIGCHLD, all, none)
  -e quiet=SET  suppress notices: attach, exit, superseded, ... (-qqq: all)
  --source      end each line with the user's code behind the call: [file:line in function]
  --source-all  the innermost frame with debug info instead, whatever code it belongs to
  -k            the stack of each call, symbolized from DWARF, inline frames included
  --function-time  syscall time per user function, the hot paths and the call graph, at the end
  --flamegraph FILE  syscall stacks weighted by time: FILE.folded, .txt, .svg or .speedscope.json
  --stack=MODE  for Python programs: python (their Python frames, the default), native, mixed
  --backend B   ptrace (the default), ebpf (in the kernel: the program never stops), auto
  --seccomp-bpf, --no-seccomp-bpf  stop the program only for traced syscalls (on by default
                when renacer starts it with a -e trace= subset and may install the filter)
  --no-colocate do not keep renacer on one CPU (ptrace: its tracees' stops then cross CPUs)
  --otlp-endpoint URL   export spans (a process span, a span per syscall) to an OTLP collector
  --otlp-protocol P     grpc or http/protobuf (default: http/protobuf for port 4318 or /v1/traces)
  --otlp-service-name N the service.name of the spans (default: $OTEL_SERVICE_NAME, else renacer)
  --otlp-header K=V     a header sent with each export (repeatable; over OTEL_EXPORTER_OTLP_HEADERS)
  --otlp-sample RATE    export this share (0..1) of the syscall spans, at random
  --otlp-max-spans-per-sec N  the breaker: at most N syscall spans a second (10000; 0: no limit)
  --trace-parent TP     join this W3C trace (default: $TRACEPARENT, $TRACESTATE)
  --no-propagate        do not set TRACEPARENT in the command's environment
  --transpiler-map FILE show the original source (e.g. Python) behind generated Rust lines (repeatable;
                        implies --source)
  --trace-transpiler-decisions  the decisions the program reports: [DECISION]/[RESULT] lines on its
                        stderr, and .ruchy/decisions.msgpack at exit (--decisions-dir DIR: elsewhere)
  --merge A.jsonl B.jsonl ...  merge recordings of one W3C trace into one, in causal order (-o FILE)
  -h, --help    this help;  -V, --version  the version
"""

_SHORT = "fhVqrtTyvxizZcCwko:s:p:e:a:X:P:S:U:"
_LONG = [
    "help", "version", "output=", "trace=", "string-limit=", "follow-forks", "attach=", "no-abbrev",
    "instruction-pointer", "columns=", "const-print-style=", "strings-in-hex=", "decode-fds=",
    "abbrev=", "verbose=", "raw=", "read=", "write=", "status=", "signal=", "quiet=", "successful-only",
    "failed-only", "trace-path=", "summary-only", "summary", "summary-sort-by=", "summary-wall-clock",
    "summary-columns=", "format=", "input=", "stats-extended", "summary-interval=", "anomaly-threshold=",
    "anomaly-realtime", "anomaly-window-size=", "stack-traces", "source", "source-all", "function-time",
    "flamegraph=", "stack=", "backend=", "seccomp-bpf", "no-seccomp-bpf", "no-colocate",
    "otlp-endpoint=", "otlp-protocol=", "otlp-service-name=", "otlp-header=", "otlp-sample=",
    "otlp-max-spans-per-sec=", "trace-parent=", "no-propagate", "transpiler-map=",
    "trace-transpiler-decisions", "decisions-dir=", "merge",
]
BACKENDS = ("ptrace", "ebpf", "auto")
_XLAT_STYLES = ("raw", "abbrev", "verbose")
_SYSCALL_SETS = ("trace", "abbrev", "verbose", "raw")  # -e qualifiers whose values are syscall sets
_FD_SETS = ("read", "write")
_OTHER_SETS = ("status", "signal", "quiet")  # -e qualifiers parsed by their own rules
STACK_MODES = ("python", "native", "mixed")
QUIET_KINDS = ("attach", "exit", "path-resolution", "personality", "thread-execve", "superseded")


T = TypeVar("T")


def parse_args(argv: list[str]) -> Config | str:
    """Turn argv (without the program name) into a Config, or a text to print (help, version)."""
    argv = _default_optional_args(argv)
    merging = "--merge" in _leading_options(argv)
    try:  # --merge's recordings may come before its options ('--merge A B -o M'): no command follows
        opts, rest = (getopt.gnu_getopt if merging else getopt.getopt)(argv, _SHORT, _LONG)
    except getopt.GetoptError as e:
        opt = e.opt if e.opt else ""
        dash = "--" if len(opt) > 1 else "-"
        if "requires argument" in e.msg:
            raise UsageError(f"option requires an argument -- '{opt}'") from None
        raise UsageError(f"unrecognized option '{dash}{opt}'") from None
    cfg = Config()
    follow = 0
    pids: list[int] = []
    syscall_sets: dict[str, str] = {}  # qualifier -> its last expression
    fd_sets: dict[str, frozenset[int] | None] = {}
    otlp_options: list[str] = []  # the --otlp-* options given, which need --otlp-endpoint
    for opt, val in opts:
        if opt.startswith("--otlp-") and opt != "--otlp-endpoint":
            otlp_options.append(opt)
        if opt in ("-h", "--help"):
            return USAGE
        if opt in ("-V", "--version"):
            return f"renacer -- version {__version__}\n"
        if opt in ("-f", "--follow-forks"):
            follow += 1
        elif opt == "-q":
            cfg = replace(cfg, quiet=cfg.quiet + 1)
        elif opt == "-t":
            cfg = replace(cfg, timestamps=cfg.timestamps + 1)
        elif opt == "-r":
            cfg = replace(cfg, relative_timestamps=True)
        elif opt == "-T":
            cfg = replace(cfg, syscall_times=True)
        elif opt == "-y":
            cfg = replace(cfg, fd_paths=cfg.fd_paths + 1)
        elif opt == "--decode-fds":
            cfg = replace(cfg, fd_paths=_choice(opt, val, {"path": 1, "all": 2}))
        elif opt in ("-v", "--no-abbrev"):
            syscall_sets["abbrev"] = "none"
        elif opt == "-x":
            cfg = replace(cfg, hex_strings=min(cfg.hex_strings + 1, 2))
        elif opt == "--strings-in-hex":
            cfg = replace(cfg, hex_strings=_choice(opt, val, {"non-ascii": 1, "all": 2}))
        elif opt in ("-X", "--const-print-style"):
            if val not in _XLAT_STYLES:
                raise UsageError(f"invalid -X argument: '{val}'")
            cfg = replace(cfg, xlat_style=val)
        elif opt in ("-i", "--instruction-pointer"):
            cfg = replace(cfg, instruction_pointer=True)
        elif opt in ("-a", "--columns"):
            if not val.isdigit():
                raise UsageError(f"invalid -a argument: '{val}'")
            cfg = replace(cfg, align_column=int(val))
        elif opt in ("-o", "--output"):
            cfg = replace(cfg, output=val)
        elif opt in ("-s", "--string-limit"):
            if not val.isdigit():
                raise UsageError(f"invalid -s argument: '{val}'")
            cfg = replace(cfg, string_limit=int(val))
        elif opt in ("-p", "--attach"):
            pids.extend(_parse_pids(val))
        elif opt == "--format":
            if val not in ("text", "json", "csv", "html"):
                raise UsageError(f"invalid --format argument: '{val}' (text, json, csv or html)")
            cfg = replace(cfg, format=val)
        elif opt == "--input":
            cfg = replace(cfg, input=val)
        elif opt in ("-c", "--summary-only"):
            cfg = replace(cfg, summary="only")
        elif opt in ("-C", "--summary"):
            cfg = replace(cfg, summary="also")
        elif opt in ("-S", "--summary-sort-by"):
            cfg = replace(cfg, summary_sort=_summary_option(parse_sort, val))
        elif opt in ("-U", "--summary-columns"):
            cfg = replace(cfg, summary_columns=_summary_option(parse_columns, val))
        elif opt == "--stats-extended":
            cfg = replace(cfg, stats_extended=True, summary=cfg.summary or "only")
        elif opt == "--summary-interval":
            cfg = replace(cfg, summary_interval=_positive(opt, val), summary=cfg.summary or "only")
        elif opt == "--anomaly-threshold":
            cfg = replace(cfg, anomaly_threshold=_positive(opt, val), anomaly_list=True)
        elif opt == "--anomaly-realtime":
            cfg = replace(cfg, anomaly_realtime=True)
        elif opt == "--anomaly-window-size":
            if not val.isdigit() or int(val) < 2:
                raise UsageError(f"invalid {opt} argument: '{val}' (a number of calls, at least 2)")
            cfg = replace(cfg, anomaly_window=int(val))
        elif opt in ("-k", "--stack-traces"):
            cfg = replace(cfg, stack_trace=True)
        elif opt == "--source":
            cfg = replace(cfg, source=cfg.source or "user")
        elif opt == "--source-all":
            cfg = replace(cfg, source="all")
        elif opt == "--function-time":
            cfg = replace(cfg, function_time=True)
        elif opt == "--flamegraph":
            cfg = replace(cfg, flamegraph=val)
        elif opt == "--stack":
            if val not in STACK_MODES:
                raise UsageError(f"invalid --stack argument: '{val}' (python, native or mixed)")
            cfg = replace(cfg, stack_mode=val)
        elif opt == "--backend":
            if val not in BACKENDS:
                raise UsageError(f"invalid --backend argument: '{val}' (ptrace, ebpf or auto)")
            cfg = replace(cfg, backend=val)
        elif opt in ("--seccomp-bpf", "--no-seccomp-bpf"):
            cfg = replace(cfg, seccomp_bpf=opt == "--seccomp-bpf")
        elif opt == "--no-colocate":
            cfg = replace(cfg, colocate=False)
        elif opt.startswith("--otlp-") or opt in ("--trace-parent", "--no-propagate"):
            cfg = otlp_option(cfg, opt, val)
        elif opt in TRANSPILER_OPTIONS:
            cfg = transpiler_option(cfg, opt, val)
        elif opt in ("-w", "--summary-wall-clock"):
            pass  # renacer's times are wall-clock times already (see sinks/summary.py)
        elif opt in ("-P", "--trace-path"):
            cfg = replace(cfg, paths=(*cfg.paths, val))
        elif opt in ("-z", "--successful-only"):
            cfg = replace(cfg, statuses=frozenset({"successful"}))
        elif opt in ("-Z", "--failed-only"):
            cfg = replace(cfg, statuses=frozenset({"failed"}))
        elif opt == "-e" or opt[2:] in _SYSCALL_SETS + _FD_SETS + _OTHER_SETS:
            key, expr = _qualifier(val) if opt == "-e" else (opt[2:], val)
            if key in _FD_SETS:
                fd_sets[key] = _parse_fd_set(expr)
            elif key == "status":
                cfg = replace(cfg, statuses=parse_statuses(expr))
            elif key == "signal":
                cfg = replace(cfg, signals=parse_signals(expr))
            elif key == "quiet":
                cfg = replace(cfg, quiet_set=_parse_quiet(expr))
            else:
                syscall_sets[key] = expr
    if otlp_options and not cfg.otlp_endpoint:
        raise UsageError(f"{otlp_options[0]} needs --otlp-endpoint")
    if cfg.anomaly_realtime:
        cfg = replace(cfg, anomaly_list=False)  # the threshold is the alerts'; their report ends the run
    elif cfg.anomaly_list:
        cfg = replace(cfg, summary=cfg.summary or "only")  # the list follows the table
    if merging:
        if pids or cfg.input is not None:
            raise UsageError("--merge merges recordings: no -p and no --input with it")
        if len(rest) < 2:
            raise UsageError("--merge needs two or more recordings")
        return replace(cfg, merge=tuple(rest))
    if cfg.transpiler_maps and not cfg.source:
        cfg = replace(cfg, source="user")  # a map says where calls come from: --source shows it
    if cfg.input is not None:
        if rest or pids:
            raise UsageError("--input replays a recording: no PROG and no -p with it")
    elif not rest and not pids:
        raise UsageError("must have PROG [ARGS] or -p PID")
    if rest and pids:
        raise UsageError("-p and a command cannot be used together")
    arch = current()
    sets = {key: parse_trace_set(expr, arch) for key, expr in syscall_sets.items()}
    return replace(
        cfg,
        command=tuple(rest),
        pids=tuple(pids),
        follow_forks=follow > 0,
        output_per_process=follow > 1 and cfg.output is not None,
        trace=sets.get("trace"),
        abbrev=sets.get("abbrev"),
        verbose=sets.get("verbose"),
        raw=_all_numbers(arch) if "raw" in sets and sets["raw"] is None else sets.get("raw") or frozenset(),
        dump_reads=fd_sets.get("read", frozenset()),
        dump_writes=fd_sets.get("write", frozenset()),
    )


_OPTIONAL_ARGS = {
    "--strings-in-hex": "--strings-in-hex=all",
    "--decode-fds": "--decode-fds=path",
    "--quiet": "--quiet=attach,personality",
}


def _default_optional_args(argv: list[str]) -> list[str]:
    """Spell out the default of the long options whose argument is optional (getopt cannot)."""
    out = list(argv)
    i = 0
    while i < len(out):
        tok = out[i]
        if tok == "--" or not tok.startswith("-") or tok == "-":
            break  # the command starts here: leave its arguments alone
        if tok == "--anomaly-threshold":  # its Z may follow as the next word ('3.5'), or not at all
            if i + 1 < len(out) and _is_number(out[i + 1]):
                out[i:i + 2] = [f"{tok}={out[i + 1]}"]
            else:
                out[i] = f"{tok}={Config().anomaly_threshold}"
        elif tok in _OPTIONAL_ARGS:
            out[i] = _OPTIONAL_ARGS[tok]
        else:
            i += _value_follows(tok)
        i += 1
    return out


def _value_follows(tok: str) -> bool:
    """Whether an option's value is the next word ('-s' '64', '--output' 'F'; not '-s64', '--output=F')."""
    if tok.startswith("--"):
        return tok[2:] + "=" in _LONG and "=" not in tok
    for j, ch in enumerate(tok[1:], 1):
        if _SHORT.find(ch + ":") >= 0:
            return j == len(tok) - 1
    return False


def _leading_options(argv: list[str]) -> list[str]:
    """The options before the command (their values left out): what renacer itself was asked."""
    out = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--" or not tok.startswith("-") or tok == "-":
            break
        out.append(tok)
        i += _value_follows(tok) + 1
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _positive(opt: str, val: str) -> float:
    """A positive, finite number of seconds or standard deviations."""
    try:
        number = float(val)
    except ValueError:
        number = float("nan")
    if not 0 < number < float("inf"):
        raise UsageError(f"invalid {opt} argument: '{val}' (a positive number)")
    return number


def _summary_option(parse: Callable[[str], T], val: str) -> T:
    from .errors import RenacerError

    try:
        return parse(val)
    except RenacerError as e:
        raise UsageError(e.message) from None


def _parse_quiet(expr: str) -> frozenset[str]:
    """``-e quiet=attach,exit``: the notices to suppress."""
    negated = expr.startswith("!")
    chosen: set[str] = set()
    for item in expr.removeprefix("!").split(","):
        if item == "all":
            chosen.update(QUIET_KINDS)
        elif item and item != "none":
            if item not in QUIET_KINDS:
                raise UsageError(f"invalid quiet '{item}'")
            chosen.add(item)
    return frozenset(set(QUIET_KINDS) - chosen if negated else chosen)


def _all_numbers(arch: object) -> frozenset[int]:
    return frozenset(arch.numbers.values())  # type: ignore[attr-defined]


def _choice(opt: str, val: str, choices: dict[str, int]) -> int:
    if val not in choices:
        raise UsageError(f"invalid {opt} argument: '{val}'")
    return choices[val]


def _parse_fd_set(expr: str) -> frozenset[int] | None:
    """``-e read=3,5``: the descriptors; ``all`` is None, ``none`` (or ``!all``) the empty set."""
    negate = expr.startswith("!")
    items = [i for i in expr.removeprefix("!").split(",") if i]
    if not items:
        raise UsageError(f"invalid descriptor '{expr}'")
    fds: set[int] = set()
    everything = False
    for item in items:
        if item == "all":
            everything = True
        elif item != "none":
            if not item.isdigit() or int(item) > 0x7FFFFFFF:
                raise UsageError(f"invalid descriptor '{item}'")
            fds.add(int(item))
    if negate:
        if everything or fds:
            # '!3' means every descriptor but 3; kept simple: only '!all' / '!none' are exact
            return frozenset() if everything else None
        return None
    return None if everything else frozenset(fds)


def _parse_pids(val: str) -> list[int]:
    pids = []
    for part in val.replace(",", " ").split():
        if not part.isdigit() or int(part) <= 0:
            raise UsageError(f"Invalid process id: '{part}'")
        pids.append(int(part))
    if not pids:
        raise UsageError(f"Invalid process id: '{val}'")
    return pids


_QUALIFIER_ALIASES = {
    "t": "trace", "a": "abbrev", "v": "verbose", "x": "raw", "r": "read", "w": "write", "s": "signal",
    "signals": "signal", "q": "quiet", "silent": "quiet", "silence": "quiet",
}


def _qualifier(val: str) -> tuple[str, str]:
    """``-e KEY=SET`` as (key, set); ``-e SET`` means ``-e trace=SET``."""
    key, eq, rest = val.partition("=")
    if not eq:
        return "trace", val
    key = _QUALIFIER_ALIASES.get(key, key)
    if key in _SYSCALL_SETS or key in _FD_SETS or key in _OTHER_SETS:
        return key, rest
    raise UsageError(f"-e {key}= is not supported yet")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``renacer`` command."""
    from .run import run

    args = sys.argv[1:] if argv is None else argv
    try:
        parsed = parse_args(args)
        if isinstance(parsed, str):
            sys.stdout.write(parsed)
            return 0
        return run(parsed)
    except RenacerError as e:
        sys.stderr.write(f"renacer: {e.message}\n")
        return 1
    except BrokenPipeError:  # the reader of the trace went away: end as strace does, by SIGPIPE
        import os
        import signal

        from .run import die_like

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        die_like(signal.SIGPIPE)
        return 128 + signal.SIGPIPE
