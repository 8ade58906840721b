"""Closures, lambdas and functions called back from C: a sorted() key, map(), filter(),
functools.partial, a decorator's wrapper, a function behind functools.lru_cache, a closure
returned by a factory, and a function called by code run by exec() (file `<generated>`, a frame
in the middle of the stack)."""

import functools
import os

import audit_hook


def logged(func):
    """A decorator whose wrapper checks the log directory before every call."""

    @functools.wraps(func)
    def wrapper(work, *args):
        os.stat(work)  # syscall: newfstatat
        return func(work, *args)

    return wrapper


@logged
def create(work, name):
    with open(os.path.join(work, name), "w") as f:  # syscall: openat
        f.write(name)


@functools.lru_cache
def first_line(path):
    with open(path) as f:  # syscall: openat
        return f.readline()


def opener(work):
    def open_in(name):
        return os.open(os.path.join(work, name), os.O_RDONLY)  # syscall: openat

    return open_in


def main():
    work = audit_hook.install()
    for name in ("bb", "a", "ccc"):
        create(work, name)
    d = work
    ordered = sorted(os.listdir(d), key=lambda n: os.stat(f"{d}/{n}").st_size)  # syscall: openat, newfstatat
    exists = list(map(os.path.exists, [os.path.join(work, n) for n in ordered]))  # syscall: newfstatat
    dirs = list(filter(lambda n: os.path.isdir(os.path.join(work, n)), ordered))  # syscall: newfstatat
    stat_a = functools.partial(os.stat, os.path.join(work, "a"))
    stat_a()  # syscall: newfstatat
    first_line(os.path.join(work, "a"))
    first_line(os.path.join(work, "a"))  # cached: no syscall
    exec(compile("first_line(d + '/bb')\n", "<generated>", "exec"), {"first_line": first_line, "d": d})
    open_in = opener(work)
    for name in ordered:
        os.close(open_in(name))
    return exists, dirs


if __name__ == "__main__":
    main()
