"""Methods: __init__, an instance method, a classmethod, a staticmethod, a property, an
inherited method reached through super(), a dunder method called by a built-in, and a class
body run inside a function."""

import os

import audit_hook


class Store:
    def __init__(self, root):
        self.root = root
        os.mkdir(root)  # syscall: mkdir

    def path(self, name):
        return os.path.join(self.root, name)

    def save(self, name, text):
        with open(self.path(name), "w") as f:  # syscall: openat
            f.write(text)

    @classmethod
    def at(cls, work, name):
        if not os.path.exists(os.path.join(work, name)):  # syscall: newfstatat
            return cls(os.path.join(work, name))
        return None

    @staticmethod
    def size(path):
        return os.stat(path).st_size  # syscall: newfstatat

    @property
    def names(self):
        return sorted(os.listdir(self.root))  # syscall: openat

    def __len__(self):
        return len(self.names)


class LoggedStore(Store):
    def save(self, name, text):
        super().save(name, text)
        with open(self.path("log"), "a") as log:  # syscall: openat
            log.write(name + "\n")


def main():
    work = audit_hook.install()
    store = LoggedStore.at(work, "store")
    store.save("x", "xx")
    Store.size(store.path("x"))

    class Settings:
        found = os.path.exists(os.path.join(work, "store", "x"))  # syscall: newfstatat
        fd = os.open(os.path.join(work, "store", "x"), os.O_RDONLY)  # syscall: openat

    os.close(Settings.fd)
    return len(store)


if __name__ == "__main__":
    main()
