"""Source correlation: from a stopped task's registers to the user's file:line.

Layers, each knowing nothing of the ones above it:

- ``modules``  /proc/PID/maps -> the mapped ELF files, their build-ids and load biases
- ``cfi``      .eh_frame / .debug_frame call-frame rules, decoded per FDE on demand
- ``unwind``   registers + memory + CFI -> the raw return addresses (the backend calls it live)
- ``dwarf``    line tables, functions and inline chains of one module (pyelftools)
- ``demangle`` Rust (legacy and v0) and C++ symbol names
- ``cache``    the tables, saved per build-id under $XDG_CACHE_HOME/renacer
- ``symbolize`` a captured frame -> SourceFrames (enrich calls it; works on recordings too)

pyelftools is imported only when a source option is used.
"""
