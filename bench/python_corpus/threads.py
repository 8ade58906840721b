"""threading.Thread: syscalls made by a target function, by a subclass's run(), and by the main
thread while the others run; each is credited to its own thread's frames."""

import os
import threading

import audit_hook


def worker(work, n):
    path = os.path.join(work, f"t{n}")
    with open(path, "w") as f:  # syscall: openat
        f.write(str(n))
    os.stat(path)  # syscall: newfstatat


class Scanner(threading.Thread):
    def __init__(self, work):
        super().__init__()
        self.work = work

    def run(self):
        os.mkdir(os.path.join(self.work, "scan"))  # syscall: mkdir
        self.found = os.listdir(self.work)  # syscall: openat


def main():
    work = audit_hook.install()
    threads = [threading.Thread(target=worker, args=(work, n)) for n in range(3)]
    threads.append(Scanner(work))
    for t in threads:
        t.start()
    with open(os.path.join(work, "main"), "w"):  # syscall: openat
        pass
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
