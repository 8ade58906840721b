"""Print how closely renacer's output matches strace's over a default corpus.

Usage: python bench/fidelity.py [--diff]
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

_HARNESS = Path(__file__).resolve().parent.parent / "tests" / "fidelity.py"


def _load_harness():
    # bench/ and tests/ both hold a fidelity.py; load the harness under its own name.
    spec = importlib.util.spec_from_file_location("renacer_fidelity_harness", _HARNESS)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


COMMANDS: list[tuple[list[str], bool]] = [
    (["ls", "-la", "/"], False),
    (["cat", "/etc/hostname"], False),
    (["sh", "-c", "echo hi | wc -c"], True),
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
]


def corpus(harness) -> list[tuple[str, list[str], bool]]:
    """(label, argv, follow) for every command the table covers."""
    items = []
    for argv, follow in COMMANDS:
        # 'python3' on PATH may be a shell shim (pyenv); trace the interpreter itself.
        command = [sys.executable, *argv[1:]] if argv[0] == "python3" else argv
        items.append((" ".join(argv) + (" (-f)" if follow else ""), command, follow))
    for source, tail, follow in PROGRAMS:
        binary = harness.build_program(source)
        label = " ".join([source, *tail]) + (" (-f)" if follow else "")
        items.append((label, [str(binary), *tail], follow))
    return items


def main(argv: list[str]) -> int:
    harness = _load_harness()
    show_diff = "--diff" in argv
    env = dict(os.environ, PYTHONHASHSEED="0")
    rows = []
    for label, command, follow in corpus(harness):
        start = time.monotonic()
        try:
            report = harness.compare(command, follow=follow, env=env)
        except Exception as exc:  # a hung or crashed run is a row, not the end of the table
            rows.append((label, "-", "-", "error", type(exc).__name__, ""))
            continue
        rows.append(
            (
                label,
                str(report.strace_lines),
                str(report.renacer_lines),
                f"{report.identical_share:.1%}",
                "yes" if report.names_identical else "no",
                f"{time.monotonic() - start:.1f}s",
            )
        )
        if show_diff and report.diff:
            print(report, file=sys.stderr)
    header = ("command", "strace lines", "renacer lines", "identical %", "names identical", "time")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
