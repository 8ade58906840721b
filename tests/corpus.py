"""The fidelity corpus: real commands people trace every day, and how to run each twice alike.

Shared by ``tests/test_fidelity_corpus.py`` (run in CI) and ``bench/fidelity.py`` (the table).
Each entry runs in a fresh working directory prepared by its ``setup``, so commands that
change files (cp, tar) see the same state under strace and under renacer.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fidelity import Report, build_program, compare

PROGRAMS = Path(__file__).resolve().parent / "programs"
ENV = dict(os.environ, PYTHONHASHSEED="0", LC_ALL="C")  # same hashes, no locale lookups that vary


def _tree(cwd: Path) -> None:
    """A small source tree: text files, a subdirectory, a symlink."""
    src = cwd / "src"
    (src / "sub").mkdir(parents=True)
    for i in range(3):
        (src / f"note{i}.txt").write_text(f"note {i}\n" * (i + 1))
    (src / "sub" / "data.bin").write_bytes(bytes(range(256)))
    (src / "sub" / "deep.txt").write_text("deep\n")
    (src / "link").symlink_to("note0.txt")


def _one_file(cwd: Path) -> None:
    (cwd / "one").mkdir()
    (cwd / "one" / "only.txt").write_text("only\n" * 100)


@dataclass(frozen=True)
class Entry:
    """One corpus command: its label, argv, whether to follow forks, and its setup."""

    label: str
    argv: Callable[[], list[str]]  # built lazily: fixtures compile on first use
    follow: bool = False
    setup: Callable[[Path], None] | None = None
    threaded: bool = False  # several threads: the order of syscall names is down to scheduling

    def run(self, extra: tuple[str, ...] = ()) -> Report:
        """Trace the entry with strace and renacer and compare."""
        return compare(self.argv(), follow=self.follow, env=ENV, setup=self.setup, extra=extra)


def _python(script: Path) -> Callable[[], list[str]]:
    # A coverage run (pytest --cov) hooks every Python subprocess; the traced script must stay
    # a plain one, while renacer itself (which shares the environment) is still measured.
    return lambda: ["env", "-u", "COVERAGE_PROCESS_CONFIG", sys.executable, str(script)]


def _built(name: str, *tail: str) -> Callable[[], list[str]]:
    return lambda: [str(build_program(name)), *tail]


CORPUS: list[Entry] = [
    Entry("sh pipeline", lambda: ["sh", "-c", "cat src/note2.txt | grep note | wc -l"], True, _tree),
    Entry("ls -la", lambda: ["ls", "-la", "src"], False, _tree),
    # cp reads a directory in inode order, which differs from run to run (ext4 places new
    # directories anywhere and reuses freed inodes): copy a directory holding one file.
    Entry("cp -r", lambda: ["cp", "-r", "one", "copy"], False, _one_file),
    Entry("find", lambda: ["find", "src", "-name", "*.txt"], False, _tree),
    Entry("tar -cf", lambda: ["tar", "-cf", "out.tar", "src"], False, _tree),
    Entry("python3 threads+sockets", _python(PROGRAMS / "pysock.py"), True, None, True),
    Entry("C TCP+Unix server/client", _built("netpair.c"), True),
    Entry("C epoll+timerfd", _built("epoll_timer.c")),
]
