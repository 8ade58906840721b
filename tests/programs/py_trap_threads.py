"""Many short threads, for the Thread.start() trap of tests/test_python_traps.py.

Usage: py_trap_threads.py DIR [COUNT]. Starts COUNT threads (20) one after another, without
waiting for each; each stats DIR/mark-N once (newfstatat) from its marked line. The parent's
clone3 is made inside Thread.start(), while (on 3.11) the new thread's state, made by the
parent, still carries the parent's native thread id.
"""

import os
import sys
import threading


def work(n):
    os.path.exists(os.path.join(sys.argv[1], f"mark-{n}"))  # syscall: newfstatat work


def main():
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()  # syscall: clone3 start
    for thread in threads:
        thread.join()
    os.path.exists(os.path.join(sys.argv[1], "mark-main"))  # syscall: newfstatat main


main()
