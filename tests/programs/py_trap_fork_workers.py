"""Workers forked by multiprocessing, for the fork trap of tests/test_python_traps.py.

Usage: py_trap_fork_workers.py DIR [COUNT]. Starts COUNT (3) processes with the 'fork' start
method one after another, then joins them; each child stats DIR/mark-N once (newfstatat) from
its marked line, as a copy of the parent's image that never ran Python under the tracer.
"""

import multiprocessing
import os
import sys


def work(n):
    os.path.exists(os.path.join(sys.argv[1], f"mark-{n}"))  # syscall: newfstatat work


def main():
    context = multiprocessing.get_context("fork")
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    workers = [context.Process(target=work, args=(n,)) for n in range(count)]
    for worker in workers:
        worker.start()  # syscall: clone start
    for worker in workers:
        worker.join()


if __name__ == "__main__":
    main()
