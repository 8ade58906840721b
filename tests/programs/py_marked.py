"""Python calls whose syscalls --source must credit to the marked line (``# syscall: NAME``).

Usage: py_marked.py DIR. Every marked line makes the named syscall at least once; lines in
the standard library that make it (os.path.exists, json.load) are credited to the caller.
"""

import json
import os
import sys


class Store:
    def __init__(self, root):
        self.root = root

    def save(self, name, data):
        with open(os.path.join(self.root, name), "w") as f:  # syscall: openat
            json.dump(data, f)

    def load(self, name):
        with open(os.path.join(self.root, name)) as f:  # syscall: openat
            return json.load(f)


def exists_via_stdlib(path):
    return os.path.exists(path)  # syscall: newfstatat


def generate(root):
    for name in ("a", "b"):
        yield os.open(os.path.join(root, name), os.O_RDONLY)  # syscall: openat


def ünïcode_name(root):
    return os.stat(root)  # syscall: newfstatat


def main():
    root = sys.argv[1].rstrip("/") + "/"
    store = Store(root)
    store.save("a", {"x": 1})
    store.save("b", [1, 2])
    store.load("a")
    exists_via_stdlib(os.path.join(root, "missing"))
    for fd in generate(root):
        os.close(fd)
    ünïcode_name(root)
    names = sorted(os.listdir(root), key=lambda n: os.stat(root + n).st_size)  # syscall: openat, newfstatat
    return 0 if names else 1


if __name__ == "__main__":
    sys.exit(main())
