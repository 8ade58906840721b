"""The eBPF backend: programs on the raw_syscalls tracepoints, maps and a ring buffer read from Python.

Nothing is imported here: ``renacer -- true`` must never load any of it (run.py imports
``tracer.EbpfTracer`` only when this backend is chosen).
"""
