"""perf_event_open constant tables (values from linux/perf_event.h, linux/hw_breakpoint.h), holding
the names strace 6.1 knows."""

from __future__ import annotations

from . import Xlat

PERF_TYPE_HARDWARE, PERF_TYPE_SOFTWARE, PERF_TYPE_HW_CACHE, PERF_TYPE_BREAKPOINT = 0, 1, 3, 5
PERF_TYPE_TRACEPOINT = 2
PERF_TYPES = Xlat.of(
    (0, "PERF_TYPE_HARDWARE"),
    (1, "PERF_TYPE_SOFTWARE"),
    (2, "PERF_TYPE_TRACEPOINT"),
    (3, "PERF_TYPE_HW_CACHE"),
    (4, "PERF_TYPE_RAW"),
    (5, "PERF_TYPE_BREAKPOINT"),
)
PERF_ATTR_SIZES = Xlat.of(
    (64, "PERF_ATTR_SIZE_VER0"),
    (72, "PERF_ATTR_SIZE_VER1"),
    (80, "PERF_ATTR_SIZE_VER2"),
    (96, "PERF_ATTR_SIZE_VER3"),
    (104, "PERF_ATTR_SIZE_VER4"),
    (112, "PERF_ATTR_SIZE_VER5"),
    (120, "PERF_ATTR_SIZE_VER6"),
    (128, "PERF_ATTR_SIZE_VER7"),
)


def _seq(prefix: str, *names: str) -> Xlat:
    return Xlat(tuple((v, prefix + n) for v, n in enumerate(names)))


PERF_HW_IDS = _seq(
    "PERF_COUNT_HW_",
    "CPU_CYCLES", "INSTRUCTIONS", "CACHE_REFERENCES", "CACHE_MISSES", "BRANCH_INSTRUCTIONS",
    "BRANCH_MISSES", "BUS_CYCLES", "STALLED_CYCLES_FRONTEND", "STALLED_CYCLES_BACKEND", "REF_CPU_CYCLES",
)
PERF_SW_IDS = _seq(
    "PERF_COUNT_SW_",
    "CPU_CLOCK", "TASK_CLOCK", "PAGE_FAULTS", "CONTEXT_SWITCHES", "CPU_MIGRATIONS", "PAGE_FAULTS_MIN",
    "PAGE_FAULTS_MAJ", "ALIGNMENT_FAULTS", "EMULATION_FAULTS", "DUMMY", "BPF_OUTPUT", "CGROUP_SWITCHES",
)
PERF_HW_CACHE_IDS = _seq("PERF_COUNT_HW_CACHE_", "L1D", "L1I", "LL", "DTLB", "ITLB", "BPU", "NODE")
PERF_HW_CACHE_OPS = _seq("PERF_COUNT_HW_CACHE_OP_", "READ", "WRITE", "PREFETCH")
PERF_HW_CACHE_RESULTS = _seq("PERF_COUNT_HW_CACHE_RESULT_", "ACCESS", "MISS")

PERF_SAMPLE_BRANCH_STACK, PERF_SAMPLE_STACK_USER = 1 << 11, 1 << 13
PERF_SAMPLE_TYPES = Xlat(tuple((1 << b, "PERF_SAMPLE_" + n) for b, n in enumerate((
    "IP", "TID", "TIME", "ADDR", "READ", "CALLCHAIN", "ID", "CPU", "PERIOD", "STREAM_ID", "RAW",
    "BRANCH_STACK", "REGS_USER", "STACK_USER", "WEIGHT", "DATA_SRC", "IDENTIFIER", "TRANSACTION",
    "REGS_INTR", "PHYS_ADDR", "AUX", "CGROUP", "DATA_PAGE_SIZE", "CODE_PAGE_SIZE", "WEIGHT_STRUCT",
))))
PERF_READ_FORMATS = Xlat(tuple((1 << b, "PERF_FORMAT_" + n) for b, n in enumerate((
    "TOTAL_TIME_ENABLED", "TOTAL_TIME_RUNNING", "ID", "GROUP", "LOST",
))))
PERF_BRANCH_TYPES = Xlat(tuple((1 << b, "PERF_SAMPLE_BRANCH_" + n) for b, n in enumerate((
    "USER", "KERNEL", "HV", "ANY", "ANY_CALL", "ANY_RETURN", "IND_CALL", "ABORT_TX", "IN_TX", "NO_TX",
    "COND", "CALL_STACK", "IND_JUMP", "CALL", "NO_FLAGS", "NO_CYCLES", "TYPE_SAVE", "HW_INDEX", "PRIV_SAVE",
))))
# the one-bit members of the flags word, from bit 0; precise_ip (2 bits) is handled apart
PERF_ATTR_BITS = (
    "disabled", "inherit", "pinned", "exclusive", "exclude_user", "exclude_kernel", "exclude_hv",
    "exclude_idle", "mmap", "comm", "freq", "inherit_stat", "enable_on_exec", "task", "watermark",
    "precise_ip", "precise_ip", "mmap_data", "sample_id_all", "exclude_host", "exclude_guest",
    "exclude_callchain_kernel", "exclude_callchain_user", "mmap2", "comm_exec", "use_clockid",
    "context_switch", "write_backward", "namespaces", "ksymbol", "bpf_event", "aux_output", "cgroup",
    "text_poke", "build_id", "inherit_thread", "remove_on_exec", "sigtrap",
)
PERF_PRECISE_IP = ("arbitrary skid", "constant skid", "requested to have 0 skid", "must have 0 skid")
# strace prints the invalid read-write-execute combination with its number
HW_BREAKPOINT_TYPES = Xlat.of(
    (0, "HW_BREAKPOINT_EMPTY"),
    (1, "HW_BREAKPOINT_R"),
    (2, "HW_BREAKPOINT_W"),
    (3, "HW_BREAKPOINT_RW"),
    (4, "HW_BREAKPOINT_X"),
    (7, "0x7 /* HW_BREAKPOINT_INVALID */"),
)
PERF_FLAGS = Xlat.of(
    (1, "PERF_FLAG_FD_NO_GROUP"),
    (2, "PERF_FLAG_FD_OUTPUT"),
    (4, "PERF_FLAG_PID_CGROUP"),
    (8, "PERF_FLAG_FD_CLOEXEC"),
)
