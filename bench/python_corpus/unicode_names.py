"""Functions, a class and a method whose names are not ASCII: renacer must decode the names as
the interpreter holds them (the files opened have ASCII names, so paths print unescaped)."""

import os

import audit_hook


def créer(work, name):
    with open(os.path.join(work, name), "w"):  # syscall: openat
        pass


def размер(work, name):
    return os.stat(os.path.join(work, name)).st_size  # syscall: newfstatat


class Ωmega:
    def 読む(self, path):
        with open(path) as f:  # syscall: openat
            return f.read()


def main():
    work = audit_hook.install()
    créer(work, "u1")
    размер(work, "u1")
    Ωmega().読む(os.path.join(work, "u1"))


if __name__ == "__main__":
    main()
