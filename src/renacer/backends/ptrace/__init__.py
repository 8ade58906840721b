"""The ptrace backend: PTRACE_SEIZE, one PTRACE_GET_SYSCALL_INFO per stop, process_vm_readv."""

from .tracer import PtraceTracer

__all__ = ["PtraceTracer"]
