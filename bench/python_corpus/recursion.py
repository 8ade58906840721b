"""Recursion: a syscall at the bottom of a recursion 300 frames deep, and mutual recursion over a tree of
directories that makes syscalls on the way down and on the way back up."""

import os

import audit_hook


def deep(work, n):
    if n:
        return deep(work, n - 1)
    with open(os.path.join(work, "bottom"), "w"):  # syscall: openat
        pass
    return n


def make_dirs(path, depth):
    os.mkdir(path)  # syscall: mkdir
    if depth:
        make_files(path, depth - 1)


def make_files(path, depth):
    fd = os.open(os.path.join(path, "f"), os.O_WRONLY | os.O_CREAT, 0o644)  # syscall: openat
    os.close(fd)
    make_dirs(os.path.join(path, "sub"), depth)
    os.unlink(os.path.join(path, "f"))  # syscall: unlink


def main():
    work = audit_hook.install()
    deep(work, 300)
    make_dirs(os.path.join(work, "r"), 3)


if __name__ == "__main__":
    main()
