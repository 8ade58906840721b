"""asyncio coroutines: syscalls made in coroutines run by the event loop, after an await, in
tasks run by gather, in an async context manager and in an async generator."""

import asyncio
import os

import audit_hook


async def touch(work, name):
    await asyncio.sleep(0)
    with open(os.path.join(work, name), "w"):  # syscall: openat
        pass
    return name


async def measure(work, name):
    return os.stat(os.path.join(work, name)).st_size  # syscall: newfstatat


class Locked:
    """An async context manager that holds a lock directory while in use."""

    def __init__(self, path):
        self.path = path

    async def __aenter__(self):
        os.mkdir(self.path)  # syscall: mkdir
        return self

    async def __aexit__(self, *exc):
        await asyncio.sleep(0)
        os.rmdir(self.path)  # syscall: rmdir


async def listing(work, names):
    for name in names:
        await asyncio.sleep(0)
        yield os.open(os.path.join(work, name), os.O_RDONLY)  # syscall: openat


async def run(work):
    names = await asyncio.gather(touch(work, "c1"), touch(work, "c2"), touch(work, "c3"))
    await measure(work, "c1")
    async with Locked(os.path.join(work, "lock")):
        await touch(work, "c4")
    async for fd in listing(work, names):
        os.close(fd)


def main():
    work = audit_hook.install()
    asyncio.run(run(work))


if __name__ == "__main__":
    main()
