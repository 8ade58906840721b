"""Calls written over several lines. CPython reports a call at the first line of the call
expression (f_lineno of the calling frame), or, for `obj` then `.method(...)` on a later line,
at the line of `.method`; 3.10 to 3.13 agree. The marked line is that one, not where the
arguments or the closing parenthesis are."""

import os

import audit_hook


class Dir:
    def __init__(self, path):
        self.path = path

    def touch(self, name):
        os.close(os.open(os.path.join(self.path, name), os.O_WRONLY | os.O_CREAT, 0o644))  # syscall: openat
        return self


def main():
    work = audit_hook.install()
    fd = os.open(  # syscall: openat
        os.path.join(work, "split"),
        os.O_WRONLY | os.O_CREAT,
        0o644,
    )
    os.close(fd)
    with open(  # syscall: openat
            os.path.join(work, "split"),
            "a") as f:
        f.write("x")
    info = os.stat(  # syscall: newfstatat
        os.path.join(work, "split"),
        follow_symlinks=False,
    )
    sizes = [
        os.stat(os.path.join(work, "split")).st_size,  # syscall: newfstatat
        os.stat(work).st_mode,  # syscall: newfstatat
    ]
    (Dir(work)
        .touch("m1")
        .touch("m2"))
    os.rename(os.path.join(work, "split"),  # syscall: rename
              os.path.join(work, "joined"))
    return info, sizes


if __name__ == "__main__":
    main()
