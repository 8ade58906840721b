"""A small Python program whose syscalls come from ten nested Python frames.

Usage: py_workload.py DIR [ITERATIONS]. After the interpreter's start-up, one getppid marks the
start of the steady loop and one marks its end (the bench times stack reads between them); each
of the ITERATIONS (default 1000) stats DIR/data and writes 16 bytes to it: 2 syscalls each,
made at a depth of 10 Python frames (module, main, then nest 1..7, then step).
"""

import os
import sys

DEPTH = 7  # frames of nest(): module + main + 7 + step = 10


def step(fd, path):
    os.stat(path)
    os.write(fd, b"0123456789abcdef")


def nest(level, fd, path, iterations):
    if level > 1:
        return nest(level - 1, fd, path, iterations)
    for _ in range(iterations):
        step(fd, path)
    return iterations


def main():
    path = os.path.join(sys.argv[1], "data")
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.getppid()  # the steady loop starts
    nest(DEPTH, fd, path, iterations)
    os.getppid()  # the steady loop ends
    os.close(fd)


main()
