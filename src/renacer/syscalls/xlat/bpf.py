"""bpf(2) constant tables (values from linux/bpf.h, linux/bpf_common.h): the commands, map, program
and attach types strace 6.1 knows (newer kernels have more; strace prints those as numbers), their
flags, and the instruction fields of classic and extended BPF."""

from __future__ import annotations

from . import Xlat


def _sequence(prefix: str, *names: str) -> Xlat:
    """A table of consecutive values from 0, each name with ``prefix``."""
    return Xlat(tuple((v, prefix + n) for v, n in enumerate(names)))


BPF_COMMANDS = _sequence(
    "BPF_",
    "MAP_CREATE", "MAP_LOOKUP_ELEM", "MAP_UPDATE_ELEM", "MAP_DELETE_ELEM", "MAP_GET_NEXT_KEY",
    "PROG_LOAD", "OBJ_PIN", "OBJ_GET", "PROG_ATTACH", "PROG_DETACH", "PROG_TEST_RUN",
    "PROG_GET_NEXT_ID", "MAP_GET_NEXT_ID", "PROG_GET_FD_BY_ID", "MAP_GET_FD_BY_ID",
    "OBJ_GET_INFO_BY_FD", "PROG_QUERY", "RAW_TRACEPOINT_OPEN", "BTF_LOAD", "BTF_GET_FD_BY_ID",
    "TASK_FD_QUERY", "MAP_LOOKUP_AND_DELETE_ELEM", "MAP_FREEZE", "BTF_GET_NEXT_ID", "MAP_LOOKUP_BATCH",
    "MAP_LOOKUP_AND_DELETE_BATCH", "MAP_UPDATE_BATCH", "MAP_DELETE_BATCH", "LINK_CREATE", "LINK_UPDATE",
    "LINK_GET_FD_BY_ID", "LINK_GET_NEXT_ID", "ENABLE_STATS", "ITER_CREATE", "LINK_DETACH",
    "PROG_BIND_MAP",
)

BPF_MAP_TYPES = _sequence(
    "BPF_MAP_TYPE_",
    "UNSPEC", "HASH", "ARRAY", "PROG_ARRAY", "PERF_EVENT_ARRAY", "PERCPU_HASH", "PERCPU_ARRAY",
    "STACK_TRACE", "CGROUP_ARRAY", "LRU_HASH", "LRU_PERCPU_HASH", "LPM_TRIE", "ARRAY_OF_MAPS",
    "HASH_OF_MAPS", "DEVMAP", "SOCKMAP", "CPUMAP", "XSKMAP", "SOCKHASH", "CGROUP_STORAGE",
    "REUSEPORT_SOCKARRAY", "PERCPU_CGROUP_STORAGE", "QUEUE", "STACK", "SK_STORAGE", "DEVMAP_HASH",
    "STRUCT_OPS", "RINGBUF", "INODE_STORAGE", "TASK_STORAGE", "BLOOM_FILTER", "USER_RINGBUF",
)

BPF_PROG_TYPES = _sequence(
    "BPF_PROG_TYPE_",
    "UNSPEC", "SOCKET_FILTER", "KPROBE", "SCHED_CLS", "SCHED_ACT", "TRACEPOINT", "XDP", "PERF_EVENT",
    "CGROUP_SKB", "CGROUP_SOCK", "LWT_IN", "LWT_OUT", "LWT_XMIT", "SOCK_OPS", "SK_SKB", "CGROUP_DEVICE",
    "SK_MSG", "RAW_TRACEPOINT", "CGROUP_SOCK_ADDR", "LWT_SEG6LOCAL", "LIRC_MODE2", "SK_REUSEPORT",
    "FLOW_DISSECTOR", "CGROUP_SYSCTL", "RAW_TRACEPOINT_WRITABLE", "CGROUP_SOCKOPT", "TRACING",
    "STRUCT_OPS", "EXT", "LSM", "SK_LOOKUP", "SYSCALL",
)

BPF_ATTACH_TYPES = _sequence(
    "BPF_",
    "CGROUP_INET_INGRESS", "CGROUP_INET_EGRESS", "CGROUP_INET_SOCK_CREATE", "CGROUP_SOCK_OPS",
    "SK_SKB_STREAM_PARSER", "SK_SKB_STREAM_VERDICT", "CGROUP_DEVICE", "SK_MSG_VERDICT",
    "CGROUP_INET4_BIND", "CGROUP_INET6_BIND", "CGROUP_INET4_CONNECT", "CGROUP_INET6_CONNECT",
    "CGROUP_INET4_POST_BIND", "CGROUP_INET6_POST_BIND", "CGROUP_UDP4_SENDMSG", "CGROUP_UDP6_SENDMSG",
    "LIRC_MODE2", "FLOW_DISSECTOR", "CGROUP_SYSCTL", "CGROUP_UDP4_RECVMSG", "CGROUP_UDP6_RECVMSG",
    "CGROUP_GETSOCKOPT", "CGROUP_SETSOCKOPT", "TRACE_RAW_TP", "TRACE_FENTRY", "TRACE_FEXIT",
    "MODIFY_RETURN", "LSM_MAC", "TRACE_ITER", "CGROUP_INET4_GETPEERNAME", "CGROUP_INET6_GETPEERNAME",
    "CGROUP_INET4_GETSOCKNAME", "CGROUP_INET6_GETSOCKNAME", "XDP_DEVMAP", "CGROUP_INET_SOCK_RELEASE",
    "XDP_CPUMAP", "SK_LOOKUP", "XDP", "SK_SKB_VERDICT", "SK_REUSEPORT_SELECT",
    "SK_REUSEPORT_SELECT_OR_MIGRATE", "PERF_EVENT", "TRACE_KPROBE_MULTI", "LSM_CGROUP",
)

BPF_MAP_FLAGS = Xlat.of(
    (1 << 0, "BPF_F_NO_PREALLOC"),
    (1 << 1, "BPF_F_NO_COMMON_LRU"),
    (1 << 2, "BPF_F_NUMA_NODE"),
    (1 << 3, "BPF_F_RDONLY"),
    (1 << 4, "BPF_F_WRONLY"),
    (1 << 5, "BPF_F_STACK_BUILD_ID"),
    (1 << 6, "BPF_F_ZERO_SEED"),
    (1 << 7, "BPF_F_RDONLY_PROG"),
    (1 << 8, "BPF_F_WRONLY_PROG"),
    (1 << 9, "BPF_F_CLONE"),
    (1 << 10, "BPF_F_MMAPABLE"),
    (1 << 11, "BPF_F_PRESERVE_ELEMS"),
    (1 << 12, "BPF_F_INNER_MAP"),
)
BPF_F_NUMA_NODE = 1 << 2
BPF_PROG_FLAGS = Xlat.of(
    (1 << 0, "BPF_F_STRICT_ALIGNMENT"),
    (1 << 1, "BPF_F_ANY_ALIGNMENT"),
    (1 << 2, "BPF_F_TEST_RND_HI32"),
    (1 << 3, "BPF_F_TEST_STATE_FREQ"),
    (1 << 4, "BPF_F_SLEEPABLE"),
)
# BPF_MAP_UPDATE_ELEM's flags are one value; the lookups' are bits (BPF_ANY naming zero)
BPF_UPDATE_FLAGS = Xlat.of((0, "BPF_ANY"), (1, "BPF_NOEXIST"), (2, "BPF_EXIST"), (4, "BPF_F_LOCK"))
BPF_LOOKUP_FLAGS = Xlat.of((0, "BPF_ANY"), (4, "BPF_F_LOCK"))

# ---- instructions: the code byte is class | size+mode (loads, stores) or class | source+op
BPF_CLASSES = Xlat.of(
    (0, "BPF_LD"), (1, "BPF_LDX"), (2, "BPF_ST"), (3, "BPF_STX"),
    (4, "BPF_ALU"), (5, "BPF_JMP"), (6, "BPF_RET"), (7, "BPF_MISC"),
)
EBPF_CLASSES = Xlat.of(
    (0, "BPF_LD"), (1, "BPF_LDX"), (2, "BPF_ST"), (3, "BPF_STX"),
    (4, "BPF_ALU"), (5, "BPF_JMP"), (6, "BPF_JMP32"), (7, "BPF_ALU64"),
)
BPF_SIZES = Xlat.of((0x00, "BPF_W"), (0x08, "BPF_H"), (0x10, "BPF_B"), (0x18, "BPF_DW"))
BPF_MODES = Xlat.of(
    (0x00, "BPF_IMM"), (0x20, "BPF_ABS"), (0x40, "BPF_IND"), (0x60, "BPF_MEM"),
    (0x80, "BPF_LEN"), (0xA0, "BPF_MSH"), (0xC0, "BPF_XADD"),
)
BPF_SRC = Xlat.of((0x00, "BPF_K"), (0x08, "BPF_X"))
BPF_ALU_OPS = Xlat.of(
    (0x00, "BPF_ADD"), (0x10, "BPF_SUB"), (0x20, "BPF_MUL"), (0x30, "BPF_DIV"),
    (0x40, "BPF_OR"), (0x50, "BPF_AND"), (0x60, "BPF_LSH"), (0x70, "BPF_RSH"),
    (0x80, "BPF_NEG"), (0x90, "BPF_MOD"), (0xA0, "BPF_XOR"), (0xB0, "BPF_MOV"),
    (0xC0, "BPF_ARSH"), (0xD0, "BPF_END"),
)
BPF_JMP_OPS = Xlat.of(
    (0x00, "BPF_JA"), (0x10, "BPF_JEQ"), (0x20, "BPF_JGT"), (0x30, "BPF_JGE"),
    (0x40, "BPF_JSET"), (0x50, "BPF_JNE"), (0x60, "BPF_JSGT"), (0x70, "BPF_JSGE"),
    (0x80, "BPF_CALL"), (0x90, "BPF_EXIT"), (0xA0, "BPF_JLT"), (0xB0, "BPF_JLE"),
    (0xC0, "BPF_JSLT"), (0xD0, "BPF_JSLE"),
)
BPF_RVAL = Xlat.of((0x00, "BPF_K"), (0x08, "BPF_X"), (0x10, "BPF_A"))
BPF_MISCOP = Xlat.of((0x00, "BPF_TAX"), (0x80, "BPF_TXA"))
BPF_REGS = Xlat(tuple((n, f"BPF_REG_{n}") for n in range(11)))
