"""Stats a path from stacks that repeat, and from code objects made, run and freed again and again.

Usage: py_churn.py PATH. Each round compiles a new function (its name, file and line differ from
the last round's, while its code object and frame tend to land at the same addresses), calls it,
then stats from two fixed stacks that are the same every round: a remembered stack must be the
one read anew, whatever memory was reused.
"""

import os
import sys

PATH = sys.argv[1]


def leaf():
    os.stat(PATH)


def branch(n):
    if n:
        return branch(n - 1)
    leaf()
    os.stat(PATH)


def rounds(count):
    for i in range(count):
        source = f"def made_{i}():\n" + "\n" * (i % 3) + "    os.stat(PATH)\n"
        space = {"os": os, "PATH": PATH}
        exec(compile(source, f"<made-{i % 4}>", "exec"), space)
        space[f"made_{i}"]()
        del space
        leaf()
        branch(i % 3)
        yield i


sum(rounds(30))
