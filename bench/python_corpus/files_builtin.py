"""Built-in open(): read and write in one expression, in a with block, in a comprehension, in a
context manager's __enter__ and __exit__, a failing open caught by the caller, opens in an except
and a finally block, in __del__ (run by `del`) and in an atexit handler (run at exit)."""

import atexit
import os

import audit_hook


class Scratch:
    """A context manager that creates a file on entry and removes it on exit."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.file = open(self.path, "w")  # syscall: openat
        return self.file

    def __exit__(self, *exc):
        self.file.close()
        os.unlink(self.path)  # syscall: unlink
        return False


class Flushed:
    """Writes its marker file when it is collected."""

    def __init__(self, path):
        self.path = path

    def __del__(self):
        open(self.path, "w").close()  # syscall: openat


def recover(work):
    try:
        os.rmdir(os.path.join(work, "one"))  # syscall: rmdir
    except NotADirectoryError:
        open(os.path.join(work, "recovered"), "w").close()  # syscall: openat
    finally:
        open(os.path.join(work, "finally"), "w").close()  # syscall: openat


def at_exit(work):
    open(os.path.join(work, "at-exit"), "w").close()  # syscall: openat


def write_all(work, names):
    for name in names:
        with open(os.path.join(work, name), "w") as f:  # syscall: openat
            f.write(name * 3)


def read_all(work, names):
    return [open(os.path.join(work, n)).read() for n in names]  # syscall: openat


def main():
    work = audit_hook.install()
    names = ["one", "two", "three"]
    write_all(work, names)
    texts = read_all(work, names)
    first = open(os.path.join(work, "one"), "rb").read()  # syscall: openat
    with Scratch(os.path.join(work, "scratch")) as f:
        f.write("".join(texts))
    try:
        open(os.path.join(work, "absent"))  # syscall: openat
    except FileNotFoundError:
        pass
    recover(work)
    flushed = Flushed(os.path.join(work, "flushed"))
    del flushed
    atexit.register(at_exit, work)
    return first


if __name__ == "__main__":
    main()
