/* System V IPC and POSIX message queues, run in a private IPC namespace (unshare
 * CLONE_NEWIPC): the ids the kernel hands out start at 0 on every run, and nothing can
 * outlive the program (every object is removed anyway: IPC_RMID, mq_unlink).
 * shm: shmget (IPC_PRIVATE with IPC_CREAT|IPC_EXCL|mode, a key, huge-page size bits and
 * unknown bits that fail), shmat (SHM_RDONLY; unknown bits), shmdt, shmctl (IPC_INFO,
 * SHM_INFO, IPC_SET, SHM_LOCK, an unknown command, IPC_64, NULL and unreadable buffers,
 * IPC_RMID). sem: semget, semop as a raw syscall (glibc would call semtimedop) with one
 * operation, 40 (cut at -s without -v), NULL, unreadable and half-readable arrays,
 * semtimedop with a timeout, semctl (SETVAL, GETVAL, SETALL, GETALL, GETPID, GETNCNT,
 * GETZCNT, IPC_INFO, SEM_INFO, IPC_SET, an unknown command, IPC_RMID). msg: msgget,
 * msgsnd (short text, text longer than -s, unreadable), msgrcv (MSG_NOERROR|IPC_NOWAIT,
 * ENOMSG), msgctl (IPC_INFO, MSG_INFO, IPC_SET, IPC_RMID). mq: mq_open (O_CREAT with and
 * without attributes, unreadable attributes, open of an existing queue), mq_timedsend,
 * mq_timedreceive (a message, an empty queue, a short buffer), mq_notify (signal, none,
 * thread id, removal), mq_getsetattr, mq_unlink.
 * IPC_STAT, SHM_STAT and friends only ever fail here: on success they show creation and
 * access times in seconds, which differ between the strace run and the renacer run. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define IPC_64 0x100

struct message {
    long mtype;
    char mtext[48];
};

static void shm_calls(char *bad)
{
    struct shmid_ds ds;
    struct shminfo info;
    int id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | IPC_EXCL | 0600);
    int keyed = shmget(0x52454e41, 4096, IPC_CREAT | 0640);
    syscall(SYS_shmget, 0x1234, 4096, SHM_HUGETLB | (21u << 26));  /* no such key */
    syscall(SYS_shmget, 0x1234, 4096, 0x7000000 | IPC_EXCL);
    void *ro = shmat(id, NULL, SHM_RDONLY);
    shmdt(ro);
    syscall(SYS_shmat, -1, 0x1000, SHM_RND | SHM_REMAP | 0x100000);
    shmdt(NULL);
    shmctl(id, IPC_INFO, (struct shmid_ds *)&info);
    shmctl(id, SHM_INFO, &ds);
    memset(&ds, 0, sizeof ds);
    ds.shm_perm.mode = 0644;
    shmctl(id, IPC_SET, &ds);
    shmctl(id, SHM_LOCK, NULL);
    shmctl(id, SHM_UNLOCK, NULL);
    shmctl(id, IPC_STAT, (struct shmid_ds *)bad);
    shmctl(id, IPC_SET, NULL);
    syscall(SYS_shmctl, id, IPC_64 | IPC_STAT, &ds);
    syscall(SYS_shmctl, id, 0x55, &ds);
    shmctl(-1, IPC_STAT, &ds);
    shmctl(keyed, IPC_RMID, NULL);
    shmctl(id, IPC_RMID, NULL);
}

static void sem_calls(char *bad, char *edge)
{
    struct sembuf ops[40];
    struct timespec ts = {0, 1000};
    unsigned short values[3] = {1, 2, 3};
    struct semid_ds ds;
    struct seminfo info;
    int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    semget(0x4d45, 1, IPC_NOWAIT);  /* no such key */
    for (int i = 0; i < 40; i++) {  /* waits for zero on semaphores 1 and 2, which are 0 */
        ops[i].sem_num = 1 + i % 2;
        ops[i].sem_op = 0;
        ops[i].sem_flg = 0;
    }
    ops[0].sem_num = 0;
    ops[0].sem_op = 1;
    ops[0].sem_flg = SEM_UNDO;
    syscall(SYS_semop, id, ops, 1);
    syscall(SYS_semop, id, ops, 40);
    ops[1].sem_num = 0;
    ops[1].sem_op = -2;
    ops[1].sem_flg = IPC_NOWAIT | 0x10;
    syscall(SYS_semtimedop, id, ops, 2, &ts);
    syscall(SYS_semop, id, NULL, 1);
    syscall(SYS_semop, id, bad, 2);
    memset(edge - 12, 0, 12);  /* two sembufs end the readable page, the third does not exist */
    syscall(SYS_semop, id, edge - 12, 3);
    syscall(SYS_semop, id, ops, 0);
    semctl(id, 1, SETVAL, 5);
    semctl(id, 1, GETVAL);
    semctl(id, 0, SETALL, values);
    semctl(id, 0, GETALL, values);
    semctl(id, 0, GETPID);
    semctl(id, 0, GETNCNT);
    semctl(id, 0, GETZCNT);
    semctl(id, 0, IPC_INFO, &info);
    semctl(id, 0, SEM_INFO, &info);
    memset(&ds, 0, sizeof ds);
    ds.sem_perm.mode = 0640;
    semctl(id, 0, IPC_SET, &ds);
    semctl(id, 0, IPC_STAT, bad);
    syscall(SYS_semctl, id, 0, 0x77, 0);
    syscall(SYS_semctl, id, 0, IPC_64 | 0x77, 0);
    semctl(id, 0, IPC_RMID);
}

static void msg_calls(char *bad)
{
    struct message m = {7, "hello"};
    struct msqid_ds ds;
    struct msginfo info;
    int id = msgget(IPC_PRIVATE, IPC_CREAT | IPC_EXCL | 0600);
    msgget(0x4d53, 0);  /* no such key */
    msgsnd(id, &m, 6, 0);
    strcpy(m.mtext, "a message longer than the thirty-two bytes");
    msgsnd(id, &m, 43, IPC_NOWAIT);
    msgsnd(id, bad, 8, 0);
    msgsnd(id, NULL, 8, 0);
    memset(&m, 0, sizeof m);
    msgrcv(id, &m, 16, 0, MSG_NOERROR | IPC_NOWAIT);
    msgrcv(id, &m, sizeof m.mtext, 7, IPC_NOWAIT);
    msgrcv(id, &m, sizeof m.mtext, 0, IPC_NOWAIT);
    msgrcv(id, &m, 8, -5, MSG_EXCEPT | IPC_NOWAIT);
    msgctl(id, IPC_INFO, (struct msqid_ds *)&info);
    msgctl(id, MSG_INFO, (struct msqid_ds *)&info);
    memset(&ds, 0, sizeof ds);
    ds.msg_perm.mode = 0600;
    ds.msg_qbytes = 4096;
    msgctl(id, IPC_SET, &ds);
    msgctl(id, IPC_STAT, (struct msqid_ds *)bad);
    syscall(SYS_msgctl, id, 0x66, bad);
    msgctl(id, IPC_RMID, NULL);
}

static void mq_calls(char *bad)
{
    struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 64};
    struct mq_attr old, nonblock = {.mq_flags = O_NONBLOCK};
    struct timespec now = {0, 0};
    struct sigevent ev;
    char buf[64];
    unsigned prio;
    mqd_t q = mq_open("/renacer-mq", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
    mqd_t reader = mq_open("/renacer-mq", O_RDONLY | O_NONBLOCK);
    syscall(SYS_mq_open, "renacer-other", O_WRONLY | O_CREAT, 0640, NULL);
    syscall(SYS_mq_open, "renacer-bad", O_WRONLY | O_CREAT, 0640, bad);
    syscall(SYS_mq_open, bad, O_RDONLY, 0, NULL);
    mq_timedsend(q, "hello queue", 11, 3, &now);
    syscall(SYS_mq_timedsend, q, "a message longer than thirty-two bytes", 38, 1, NULL);
    syscall(SYS_mq_timedsend, q, bad, 5, 1, NULL);
    mq_timedreceive(q, buf, sizeof buf, &prio, &now);
    syscall(SYS_mq_timedreceive, q, buf, 8, &prio, &now);  /* too short: EMSGSIZE */
    syscall(SYS_mq_timedreceive, q, buf, sizeof buf, NULL, NULL);
    mq_timedreceive(reader, buf, sizeof buf, &prio, &now);  /* empty, non-blocking */
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 42;
    syscall(SYS_mq_notify, q, &ev);
    syscall(SYS_mq_notify, q, NULL);
    ev.sigev_notify = SIGEV_NONE;
    syscall(SYS_mq_notify, q, &ev);
    syscall(SYS_mq_notify, q, NULL);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev._sigev_un._tid = gettid();
    syscall(SYS_mq_notify, q, &ev);
    syscall(SYS_mq_notify, q, bad);
    syscall(SYS_mq_getsetattr, q, NULL, &old);
    syscall(SYS_mq_getsetattr, q, &nonblock, &old);
    syscall(SYS_mq_getsetattr, q, bad, NULL);
    syscall(SYS_mq_getsetattr, -1, NULL, &old);
    close(reader);
    close(q);
    mq_unlink("/renacer-mq");
    syscall(SYS_mq_unlink, "renacer-other");
    syscall(SYS_mq_unlink, "renacer-other");
    syscall(SYS_mq_unlink, bad);
}

int main(void)
{
    if (unshare(CLONE_NEWIPC) != 0)
        return 1;
    char *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(page + 4096, 4096, PROT_NONE);
    shm_calls(bad);
    sem_calls(bad, page + 4096);
    msg_calls(bad);
    mq_calls(bad);
    return 0;
}
