"""Print how closely renacer's output matches strace's: the corpus of tests/corpus.py
(shell pipeline, coreutils, a threaded Python service, C client/server, an event loop), then
every fixture program, and the share of identical lines over the corpus.

Usage: python bench/fidelity.py [--diff] [--corpus-only] [-- EXTRA STRACE OPTIONS]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

_TESTS = Path(__file__).resolve().parent.parent / "tests"


def _load_harness():
    # bench/ and tests/ both hold a fidelity.py: put tests/ first so 'fidelity' is the harness
    # (this script runs as __main__, so the name is free) and tests/corpus.py can import it.
    sys.path.insert(0, str(_TESTS))
    import fidelity

    return fidelity


COMMANDS: list[tuple[list[str], bool]] = [
    (["ls", "-la", "/"], False),
    (["cat", "/etc/hostname"], False),
    (["python3", "-c", "pass"], False),
]

# (source, argv tail, follow forks)
PROGRAMS: list[tuple[str, list[str], bool]] = [
    ("files.c", [], False),
    ("memory.c", [], False),
    ("fork.c", [], True),
    ("threads.c", [], True),
    ("exec_thread.c", [], True),
    ("signals.c", [], True),
    ("killed_child.c", [], True),
    ("crash.c", ["segv"], False),
    ("crash.c", ["abrt"], False),
    ("exit3.c", [], False),
    ("strings.c", [], False),
    ("getrandom.c", [], False),
    ("hello.rs", [], False),
    ("net.c", [], False),
    ("net6.c", [], False),
    ("msg.c", [], False),
    ("events.c", [], False),
    ("fdops.c", [], False),
    ("misc.c", [], False),
    ("fileops.c", [], False),
    ("tty.c", [], False),
    ("memsig.c", [], False),
    ("timers.c", [], False),
    ("task.c", [], True),
    ("ipc.c", [], False),
    ("sysmisc.c", [], False),
    ("sysmisc.c", ["process"], False),
]


def corpus(harness, corpus_only: bool) -> list[tuple[str, object, bool]]:
    """(label, how to run it, in the corpus) for every row of the table."""
    import corpus as shared

    items: list[tuple[str, object, bool]] = [(e.label, e.run, True) for e in shared.CORPUS]
    if corpus_only:
        return items
    for argv, follow in COMMANDS:
        # 'python3' on PATH may be a shell shim (pyenv); trace the interpreter itself.
        command = [sys.executable, *argv[1:]] if argv[0] == "python3" else argv
        items.append((" ".join(argv), _runner(harness, command, follow), False))
    for source, tail, follow in PROGRAMS:
        label = " ".join([source, *tail]) + (" (-f)" if follow else "")
        items.append((label, _runner(harness, [str(harness.build_program(source)), *tail], follow), False))
    return items


def _runner(harness, command: list[str], follow: bool):
    env = dict(os.environ, PYTHONHASHSEED="0")
    return lambda extra=(): harness.compare(command, follow=follow, env=env, extra=extra)


def main(argv: list[str]) -> int:
    extra = tuple(argv[argv.index("--") + 1 :]) if "--" in argv else ()
    flags = argv[: argv.index("--")] if "--" in argv else argv
    harness = _load_harness()
    rows = []
    matched = total = 0.0
    for label, run, in_corpus in corpus(harness, "--corpus-only" in flags):
        start = time.monotonic()
        try:
            report = run(extra)
        except Exception as exc:  # a hung or crashed run is a row, not the end of the table
            rows.append((label, "-", "-", "error", type(exc).__name__, ""))
            continue
        if in_corpus:
            size = max(len(report.strace_text), len(report.renacer_text))
            matched += report.identical_share * size
            total += size
        rows.append(
            (
                label + (" *" if in_corpus else ""),
                str(report.strace_lines),
                str(report.renacer_lines),
                f"{report.identical_share:.1%}",
                "yes" if report.names_identical else "no",
                f"{time.monotonic() - start:.1f}s",
            )
        )
        if "--diff" in flags and report.diff:
            print(report, file=sys.stderr)
    header = ("command", "strace lines", "renacer lines", "identical %", "names identical", "time")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    if total:
        print(f"\n* corpus: {matched / total:.1%} of {int(total)} normalized lines identical to strace's")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
