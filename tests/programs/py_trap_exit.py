"""A thread that ends, for the exit trap of tests/test_python_traps.py.

Usage: py_trap_exit.py. A thread calls getppid once from its marked line and returns; glibc
then frees its stack (madvise) and ends it (exit) after its Python frames are gone. The main
thread waits until the thread is gone; its exit_group comes after the interpreter has finished.
"""

import os
import threading
import time


def work():
    os.getppid()  # syscall: getppid thread


thread = threading.Thread(target=work)
thread.start()
thread.join()
while len(os.listdir("/proc/self/task")) > 1:  # join() returns before glibc has ended the thread
    time.sleep(0.001)
os.getppid()  # syscall: getppid main
