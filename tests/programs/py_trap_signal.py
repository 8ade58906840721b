"""Python signal handlers that make syscalls, for the signal trap of tests/test_python_traps.py.

Usage: py_trap_signal.py DIR. SIGALRM (a timer) interrupts signal.pause(); SIGUSR1 is raised by
signal.raise_signal(). Each handler stats DIR/mark-SIGNAL (newfstatat) from its marked line,
above the frame it interrupted, which sits at the marked line of the call that was running.
"""

import os
import signal
import sys


def on_alarm(signum, frame):
    os.path.exists(os.path.join(sys.argv[1], "mark-alarm"))  # syscall: newfstatat alarm


def on_usr1(signum, frame):
    os.path.exists(os.path.join(sys.argv[1], "mark-usr1"))  # syscall: newfstatat usr1


def main():
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGUSR1, on_usr1)
    signal.setitimer(signal.ITIMER_REAL, 0.2, 0.2)  # again and again: pause() never waits forever
    signal.pause()  # interrupted: alarm
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.raise_signal(signal.SIGUSR1)  # interrupted: usr1


main()
