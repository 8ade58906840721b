/* The system-wide calls, each made so that it cannot change the machine:
 * syslog (SIZE_BUFFER; READ_ALL of 0 bytes and into NULL; CONSOLE_LEVEL with invalid
 * levels; an unknown action: nothing is read, cleared or set), reboot (always a wrong
 * magic, so EINVAL before anything happens: RESTART, POWER_OFF, RESTART2 with its string,
 * an unknown command), seccomp (GET_ACTION_AVAIL for known and unknown actions,
 * GET_NOTIF_SIZES, STRICT with a flag and FILTER with an unknown flag or an empty program,
 * which both fail before any filter is installed, an unknown op), bpf (a 2-entry array map
 * created, updated, looked up, its keys walked, closed; a map whose attr is cut at 48
 * bytes; PROG_LOAD of an unknown program type, which fails; NULL and unreadable attrs; an
 * unknown command), perf_event_open (a disabled software task-clock counter on ourselves,
 * closed; an unknown event type with an unknown flag; NULL and unreadable attrs), io_uring
 * (setup of a 4-entry ring, enter, register with a rejected and an unknown opcode, setup
 * with an unknown flag and an unreadable params, all closed).
 * With the argument "process": getrandom, sysinfo and uname only (decoded by another
 * family; compared separately). */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

static void syslog_calls(void)
{
    char buf[16];
    syscall(SYS_syslog, 10, NULL, 0);   /* SYSLOG_ACTION_SIZE_BUFFER */
    syscall(SYS_syslog, 3, buf, 0);     /* SYSLOG_ACTION_READ_ALL of nothing */
    syscall(SYS_syslog, 3, NULL, 10);   /* EINVAL */
    syscall(SYS_syslog, 8, NULL, 0);    /* SYSLOG_ACTION_CONSOLE_LEVEL: 0 is invalid */
    syscall(SYS_syslog, 8, NULL, 99);
    syscall(SYS_syslog, 99, buf, 10);
}

static void reboot_calls(void)
{
    syscall(SYS_reboot, 0xdead, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_RESTART, NULL);
    syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, 0x1234, LINUX_REBOOT_CMD_POWER_OFF, NULL);
    syscall(SYS_reboot, 0, LINUX_REBOOT_MAGIC2C, LINUX_REBOOT_CMD_RESTART2, "renacer-never-reboots");
    syscall(SYS_reboot, 0, LINUX_REBOOT_MAGIC2A, 0x777, NULL);
}

static void seccomp_calls(char *bad)
{
    uint32_t action = SECCOMP_RET_KILL_PROCESS;
    struct seccomp_notif_sizes sizes;
    struct sock_filter insns[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 39, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
        BPF_STMT(BPF_MISC | BPF_TAX, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof insns / sizeof insns[0], insns};
    struct sock_fprog empty = {0, insns};
    syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
    action = SECCOMP_RET_LOG;
    syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
    action = 0x12345678;
    syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
    syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, NULL);
    syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes);
    syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, bad);
    syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 1, NULL);           /* flags must be 0 */
    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 1u << 30, &prog);   /* unknown flag */
    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, &empty);
    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, bad);
    syscall(SYS_seccomp, 99, 0, NULL);
}

static void bpf_calls(char *bad)
{
    union bpf_attr attr;
    uint32_t key = 0, next;
    uint64_t value = 42;
    struct bpf_insn insns[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 8;
    attr.max_entries = 2;
    strcpy(attr.map_name, "renacer");
    int map = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, 72);
    attr.max_entries = 0;
    syscall(SYS_bpf, BPF_MAP_CREATE, &attr, 48);  /* no entries: EINVAL */
    memset(&attr, 0, sizeof attr);
    attr.map_fd = map;
    attr.key = (uintptr_t)&key;
    attr.value = (uintptr_t)&value;
    attr.flags = BPF_ANY;
    syscall(SYS_bpf, BPF_MAP_UPDATE_ELEM, &attr, 32);
    syscall(SYS_bpf, BPF_MAP_LOOKUP_ELEM, &attr, 32);
    attr.next_key = (uintptr_t)&next;
    syscall(SYS_bpf, BPF_MAP_GET_NEXT_KEY, &attr, 24);
    syscall(SYS_bpf, BPF_MAP_DELETE_ELEM, &attr, 16);  /* arrays keep their slots: EINVAL */
    close(map);
    memset(&attr, 0, sizeof attr);
    attr.prog_type = 0x63;  /* unknown: EINVAL, nothing loaded */
    attr.insn_cnt = 2;
    attr.insns = (uintptr_t)insns;
    attr.license = (uintptr_t)"GPL";
    syscall(SYS_bpf, BPF_PROG_LOAD, &attr, 128);
    syscall(SYS_bpf, BPF_PROG_LOAD, NULL, 128);
    syscall(SYS_bpf, BPF_PROG_LOAD, bad, 128);
    syscall(SYS_bpf, 999, &attr, 128);
}

static void perf_calls(char *bad)
{
    struct perf_event_attr pe;
    memset(&pe, 0, sizeof pe);
    pe.type = PERF_TYPE_SOFTWARE;
    pe.size = PERF_ATTR_SIZE_VER7;
    pe.config = PERF_COUNT_SW_TASK_CLOCK;
    pe.disabled = 1;
    pe.exclude_kernel = 1;
    pe.exclude_hv = 1;
    int fd = syscall(SYS_perf_event_open, &pe, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd >= 0)
        close(fd);
    pe.type = 0x63;
    pe.config = 1;
    syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0x40);
    syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
    syscall(SYS_perf_event_open, bad, 0, -1, -1, 0);
}

static void io_uring_calls(char *bad)
{
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    int ring = syscall(SYS_io_uring_setup, 4, &params);
    syscall(SYS_io_uring_enter, ring, 0, 0, IORING_ENTER_GETEVENTS, NULL, 0);
    syscall(SYS_io_uring_register, ring, IORING_REGISTER_PROBE, NULL, 0);
    syscall(SYS_io_uring_register, ring, 999, NULL, 0);
    close(ring);
    memset(&params, 0, sizeof params);
    params.flags = 1u << 31;
    syscall(SYS_io_uring_setup, 4, &params);
    syscall(SYS_io_uring_setup, 4, bad);
}

static void process_calls(char *bad)
{
    char buf[64];
    struct sysinfo si;
    struct utsname u;
    syscall(SYS_getrandom, buf, 16, 1);      /* GRND_NONBLOCK */
    syscall(SYS_getrandom, buf, 40, 0);      /* longer than -s */
    syscall(SYS_getrandom, buf, 16, 0x10);   /* no known flag: EINVAL */
    syscall(SYS_getrandom, bad, 16, 0);
    sysinfo(&si);
    syscall(SYS_sysinfo, bad);
    uname(&u);
    syscall(SYS_uname, NULL);
}

int main(int argc, char **argv)
{
    char *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (argc > 1 && strcmp(argv[1], "process") == 0) {
        process_calls(bad);
        return 0;
    }
    syslog_calls();
    reboot_calls();
    seccomp_calls(bad);
    bpf_calls(bad);
    perf_calls(bad);
    io_uring_calls(bad);
    return 0;
}
