"""System V IPC and POSIX message queue constant tables (values from linux/ipc.h, linux/shm.h,
linux/sem.h, linux/msg.h, asm-generic/siginfo.h); entries in the order strace prints flags."""

from __future__ import annotations

from . import Xlat

IPC_64 = 0x100  # the cmd bit that asks for the 64-bit structs
IPC_PRIVATE = 0
SHM_HUGE_SHIFT = 26
SHM_HUGE_MASK = 0x3F

# semget and msgget
IPC_GET_FLAGS = Xlat.of((0o1000, "IPC_CREAT"), (0o2000, "IPC_EXCL"), (0o4000, "IPC_NOWAIT"))
SHMGET_FLAGS = Xlat.of(
    (0o1000, "IPC_CREAT"),
    (0o2000, "IPC_EXCL"),
    (0o4000, "SHM_HUGETLB"),
    (0o10000, "SHM_NORESERVE"),
)
SHMAT_FLAGS = Xlat.of(
    (0o10000, "SHM_RDONLY"),
    (0o20000, "SHM_RND"),
    (0o40000, "SHM_REMAP"),
    (0o100000, "SHM_EXEC"),
)
_IPC_CMDS = ((0, "IPC_RMID"), (1, "IPC_SET"), (2, "IPC_STAT"), (3, "IPC_INFO"))
SHMCTL_CMDS = Xlat.of(
    *_IPC_CMDS,
    (11, "SHM_LOCK"),
    (12, "SHM_UNLOCK"),
    (13, "SHM_STAT"),
    (14, "SHM_INFO"),
    (15, "SHM_STAT_ANY"),
)
SEMCTL_CMDS = Xlat.of(
    *_IPC_CMDS,
    (11, "GETPID"),
    (12, "GETVAL"),
    (13, "GETALL"),
    (14, "GETNCNT"),
    (15, "GETZCNT"),
    (16, "SETVAL"),
    (17, "SETALL"),
    (18, "SEM_STAT"),
    (19, "SEM_INFO"),
    (20, "SEM_STAT_ANY"),
)
MSGCTL_CMDS = Xlat.of(*_IPC_CMDS, (11, "MSG_STAT"), (12, "MSG_INFO"), (13, "MSG_STAT_ANY"))
SEMOP_FLAGS = Xlat.of((0x1000, "SEM_UNDO"), (0o4000, "IPC_NOWAIT"))
MSG_FLAGS = Xlat.of(
    (0o10000, "MSG_NOERROR"),
    (0o20000, "MSG_EXCEPT"),
    (0o40000, "MSG_COPY"),
    (0o4000, "IPC_NOWAIT"),
)

# POSIX message queues: mq_getsetattr's mq_flags knows only O_NONBLOCK
MQ_FLAGS = Xlat.of((0o4000, "O_NONBLOCK"),)
