"""What py_trap_exec.py execs: stats DIR/mark-after from a method (``# syscall: newfstatat after``).

Usage: py_trap_exec_target.py DIR. The method's name tells the interpreters apart in a trace:
3.11+ name it by its qualified name (Worker.run), 3.10 by its plain one (run).
"""

import os
import sys


class Worker:
    def run(self):
        os.path.exists(os.path.join(sys.argv[1], "mark-after"))  # syscall: newfstatat after


Worker().run()
