"""Generators: the syscall is made in the generator's frame, resumed by a for loop, by next(),
by a built-in consuming a generator expression, and through yield from."""

import os

import audit_hook


def create(work, names):
    for name in names:
        fd = os.open(os.path.join(work, name), os.O_WRONLY | os.O_CREAT, 0o644)  # syscall: openat
        yield name
        os.close(fd)


def sizes(work, names):
    for name in names:
        yield os.stat(os.path.join(work, name)).st_size  # syscall: newfstatat


def both(work, names):
    yield from create(work, [n + ".x" for n in names])
    yield from sizes(work, names)


def main():
    work = audit_hook.install()
    names = ["g1", "g2"]
    for _ in create(work, names):
        pass
    stats = sizes(work, names)
    next(stats)
    next(stats)
    total = sum(os.stat(os.path.join(work, n)).st_size for n in names)  # syscall: newfstatat
    list(both(work, names))
    return total


if __name__ == "__main__":
    main()
