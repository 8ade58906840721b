"""Direct `os` calls: each makes its syscall from C, on the line that calls it."""

import os

import audit_hook


def make_tree(work):
    os.mkdir(os.path.join(work, "tree"))  # syscall: mkdir
    fd = os.open(os.path.join(work, "tree", "a"), os.O_WRONLY | os.O_CREAT, 0o644)  # syscall: openat
    os.write(fd, b"hello")
    os.close(fd)
    return os.path.join(work, "tree")


def inspect(tree):
    size = os.stat(os.path.join(tree, "a")).st_size  # syscall: newfstatat
    try:
        os.stat(os.path.join(tree, "missing"))  # syscall: newfstatat
    except FileNotFoundError:
        pass
    names = os.listdir(tree)  # syscall: openat
    return size, names, os.access(tree, os.R_OK)  # syscall: access


def shuffle(tree):
    os.rename(os.path.join(tree, "a"), os.path.join(tree, "b"))  # syscall: rename
    os.symlink("b", os.path.join(tree, "link"))  # syscall: symlink
    target = os.readlink(os.path.join(tree, "link"))  # syscall: readlink
    os.unlink(os.path.join(tree, "link"))  # syscall: unlink
    os.remove(os.path.join(tree, target))  # syscall: unlink
    os.rmdir(tree)  # syscall: rmdir


def main():
    work = audit_hook.install()
    tree = make_tree(work)
    inspect(tree)
    shuffle(tree)


if __name__ == "__main__":
    main()
