"""argv -> Config, with strace's flags; every user error is one ``renacer: ...`` line and exit 1."""

from __future__ import annotations

import getopt
import sys
from dataclasses import replace

from . import __version__
from .arch import current
from .config import Config
from .errors import RenacerError
from .filter import parse_trace_set

USAGE = """\
Usage: renacer [-fqrtTy] [-e trace=NAME,...] [-o FILE] [-s STRSIZE] [-p PID]... [--] PROG [ARGS]

Trace the system calls of PROG (or of the running processes given with -p), in strace's format.

  -f            follow forks, vforks, clones and threads; -ff with -o: one file per process
  -p PID        attach to a running process (repeat, or PID,PID); Ctrl-C detaches
  -o FILE       write the trace to FILE instead of stderr
  -s STRSIZE    print at most STRSIZE bytes of each string (default 32)
  -e trace=SET  only the syscalls named in SET (comma separated; also -e SET, --trace=SET)
  -q, -qq       suppress attach/detach notices; -qq also the exit status lines
  -t, -tt, -ttt prefix each line with the time of day, with microseconds, or as epoch seconds
  -r            prefix each line with the time since the previous one
  -T            show the time spent in each syscall
  -y            print the path behind each file descriptor
  -h, --help    this help;  -V, --version  the version
"""

_SHORT = "fhVqrtTyo:s:p:e:"
_LONG = ["help", "version", "output=", "trace=", "string-limit=", "follow-forks", "attach="]


class UsageError(RenacerError):
    """A malformed command line."""


def parse_args(argv: list[str]) -> Config | str:
    """Turn argv (without the program name) into a Config, or a text to print (help, version)."""
    try:
        opts, rest = getopt.getopt(argv, _SHORT, _LONG)
    except getopt.GetoptError as e:
        opt = e.opt if e.opt else ""
        dash = "--" if len(opt) > 1 else "-"
        if "requires argument" in e.msg:
            raise UsageError(f"option requires an argument -- '{opt}'") from None
        raise UsageError(f"unrecognized option '{dash}{opt}'") from None
    cfg = Config()
    follow = 0
    pids: list[int] = []
    trace_expr: str | None = None
    for opt, val in opts:
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
        elif opt in ("-o", "--output"):
            cfg = replace(cfg, output=val)
        elif opt in ("-s", "--string-limit"):
            if not val.isdigit():
                raise UsageError(f"invalid -s argument: '{val}'")
            cfg = replace(cfg, string_limit=int(val))
        elif opt in ("-p", "--attach"):
            pids.extend(_parse_pids(val))
        elif opt == "--trace":
            trace_expr = val
        elif opt == "-e":
            trace_expr = _qualifier(val)
    if not rest and not pids:
        raise UsageError("must have PROG [ARGS] or -p PID")
    if rest and pids:
        raise UsageError("-p and a command cannot be used together")
    trace = parse_trace_set(trace_expr, current()) if trace_expr is not None else None
    return replace(
        cfg,
        command=tuple(rest),
        pids=tuple(pids),
        follow_forks=follow > 0,
        output_per_process=follow > 1 and cfg.output is not None,
        trace=trace,
    )


def _parse_pids(val: str) -> list[int]:
    pids = []
    for part in val.replace(",", " ").split():
        if not part.isdigit() or int(part) <= 0:
            raise UsageError(f"Invalid process id: '{part}'")
        pids.append(int(part))
    if not pids:
        raise UsageError(f"Invalid process id: '{val}'")
    return pids


def _qualifier(val: str) -> str:
    """The syscall set of ``-e trace=SET`` (``-e SET`` means the same)."""
    key, eq, rest = val.partition("=")
    if not eq:
        return val
    if key in ("trace", "t"):
        return rest
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
