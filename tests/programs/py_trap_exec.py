"""exec and fork+exec from Python, for the exec trap of tests/test_python_traps.py.

Usage: py_trap_exec.py MODE DIR PROGRAM [ARGS...]. Each marked line stats DIR/mark-TAG (one
newfstatat) and says so, ``# syscall: newfstatat TAG``; the execs are marked too.
MODE exec: stat, then exec PROGRAM ARGS (another interpreter and script, or a native program).
MODE fork: fork; the child stats, then execs PROGRAM ARGS; the parent waits for it, then stats.
"""

import os
import sys


def mark(tag):
    return os.path.join(sys.argv[2], "mark-" + tag)


class Launcher:
    def __init__(self, program, args):
        self.program, self.args = program, args

    def exec(self):
        os.path.exists(mark("before"))  # syscall: newfstatat before
        os.execv(self.program, [self.program, *self.args])  # syscall: execve exec

    def fork(self):
        pid = os.fork()
        if pid == 0:
            os.path.exists(mark("child"))  # syscall: newfstatat child
            os.execv(self.program, [self.program, *self.args])  # syscall: execve fork
        os.waitpid(pid, 0)
        os.path.exists(mark("parent"))  # syscall: newfstatat parent


if __name__ == "__main__":
    getattr(Launcher(sys.argv[3], sys.argv[4:]), sys.argv[1])()
