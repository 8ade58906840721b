"""Opens marked files from known places and records each open's Python stack as the interpreter sees it.

Usage: py_stack.py DIR RECORD. Every open of DIR/mark-* (an openat syscall) is made from a nested
function, a method, __init__, a generator, a coroutine run by asyncio, a thread, a deep recursion
or a function with a non-ASCII name. An audit hook on the 'open' event, which fires just before
the openat, appends the stack to RECORD as a JSON line: {path, tid, frames: [[filename,
qualname, line], ...]} innermost first, the hook's own frame left out.
"""

import asyncio
import json
import os
import sys
import threading

DIR = sys.argv[1]
RECORD = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)


def _hook(event, args):
    if event != "open" or not isinstance(args[0], str) or "/mark-" not in args[0]:
        return
    frames = []
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        frames.append([code.co_filename, getattr(code, "co_qualname", code.co_name), frame.f_lineno])
        frame = frame.f_back
    line = {"path": args[0], "tid": threading.get_native_id(), "frames": frames}
    os.write(RECORD, (json.dumps(line) + "\n").encode())


def mark(name):
    return os.path.join(DIR, "mark-" + name)


def outer():
    def middle():
        def inner():
            with open(mark("nested"), "w"):
                pass
        inner()
    middle()


class Store:
    def __init__(self, name):
        self.fd = os.open(mark(name), os.O_WRONLY | os.O_CREAT, 0o644)
        os.close(self.fd)

    def save(self):
        with open(mark("method"), "w"):
            pass


def numbers():
    for n in range(2):
        with open(mark(f"generator-{n}"), "w"):
            pass
        yield n


async def fetch(n):
    await asyncio.sleep(0)
    with open(mark(f"coroutine-{n}"), "w"):
        pass
    return n


async def gather():
    return await asyncio.gather(fetch(1), fetch(2))


def worker():
    with open(mark("thread"), "w"):
        pass


def deep(n):
    if n:
        return deep(n - 1)
    with open(mark("deep"), "w"):
        pass


def ünïcødé_ναμε():
    with open(mark("unicode"), "w"):
        pass


def main():
    sys.addaudithook(_hook)
    outer()
    Store("init").save()
    sum(numbers())
    asyncio.run(gather())
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    deep(40)
    ünïcødé_ναμε()
    (lambda: open(mark("lambda"), "w").close())()


if __name__ == "__main__":
    main()
