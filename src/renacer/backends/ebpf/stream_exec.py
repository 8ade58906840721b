"""The kernel half of an exec's record: its argv and envp arrays, and the argv strings, read at sys_enter.

strace prints ``execve("/bin/true", ["true"], 0x7ffd... /* 23 vars */)``: the decoders read the
argv array word by word, each string it points to, and the envp array's words up to its NULL (to
count them). After the exec that memory is gone, so sys_enter captures it all: each array as one
BYTES span of its words (NULL included, read one word at a time so a read never crosses into an
unmapped page past the end), then up to ``spec.argv_strings`` argv strings as STRING spans. The
decoders read them through PayloadReader like any other capture.

Spec row bytes used (see capture.spec_value): 1 argv's argument index, 2 envp's, 3 argv strings to
read, 4-5 a string's byte limit (its NUL included). Register use as in stream_programs.py (R8 the
spec row, R9 the record, R7 the record's length); R6 counts words or strings (ctx is no longer needed).
A word is 8 bytes: a pointer on each 64-bit architecture renacer traces.
"""

from __future__ import annotations

from .asm import DW, R0, R1, R2, R3, R4, R6, R7, R8, R9, R10, B, H, Helper, Program, W
from .capture import SPEC_ARGV, SPEC_ARGV_STRINGS, SPEC_ENVP, SPEC_STRING_LIMIT
from .payload import BYTES, ENTRY, HEADER, OFF_ARGS, OFF_LENGTH, PAYLOAD, SPAN, STRING_CUT, STRING_ENDED

ARGV_WORDS = 64  # argv pointers read at most (strace shows -s of them, then "...")
ENVP_WORDS = 512  # envp pointers counted at most (more: the pointer alone is printed)

# stack slots, below stream_programs.py's
SRC, SIZE, ARRAY_AT = -56, -64, -72

# Verifier cost: a loop's exit states differ in their counter, a known constant, and a state kept
# across loops in a register or stack slot would have the next loop explored once per exit state
# (0.44 s to load). So counts pass through the record (map memory, which the verifier does not
# follow) and only dead registers differ where the loops end.


def close_span(p: Program, phase: int, src: int) -> None:
    """A captured span's header (address, size R0, phase, kind R4) at R9+R7; the record's length grows by it.

    In: R0 the bytes read, R4 its kind (STRING_CUT/STRING_ENDED/BYTES), R7 where the span starts,
    R9 the record, the source address at R10+src (each program keeps it in its own stack slot).
    Out: R0 the record's new length.
    """
    p.comment("the span's header: address, size, phase, kind")
    p.and_(R0, 2 * PAYLOAD - 1)
    p.mov(R1, R9)
    p.add(R1, R7)
    p.ldx(DW, R2, R10, src)
    p.stx(DW, R1, HEADER, R2)
    p.stx(W, R1, HEADER + 8, R0)
    p.st(B, R1, HEADER + 12, phase)
    p.stx(B, R1, HEADER + 13, R4)
    p.st(H, R1, HEADER + 14, 0)
    p.comment("length += SPAN + the size rounded up to 8")
    p.add(R0, 7)
    p.and_(R0, -8)
    p.add(R0, SPAN)
    p.add(R0, R7)
    p.stx(W, R9, OFF_LENGTH, R0)


def _array(p: Program, which: int, cap: int, tag: str) -> None:
    """args[spec[which]]'s words up to its NULL (at most ``cap``) as a span that starts at ARRAY_AT."""
    done, loop, ended = f"done_{tag}", f"loop_{tag}", f"ended_{tag}"
    p.st(DW, R10, ARRAY_AT, PAYLOAD)  # none
    p.ldx(B, R1, R8, which)
    p.jmp(">", R1, 5, done)
    p.lsh(R1, 3)
    p.add(R1, R9)
    p.ldx(DW, R1, R1, OFF_ARGS)
    p.jmp("==", R1, 0, done)
    p.stx(DW, R10, SRC, R1)
    p.ldx(W, R7, R9, OFF_LENGTH)
    p.jmp(">=", R7, PAYLOAD, done)
    p.stx(DW, R10, ARRAY_AT, R7)
    p.mov(R6, 0)
    p.label(loop)
    p.comment("word R6: read into the span, kept whether or not it is the NULL")
    p.mov(R1, R6)
    p.lsh(R1, 3)
    p.add(R1, R7)
    p.add(R1, R9)
    p.add(R1, HEADER + SPAN)
    p.mov(R2, 8)
    p.mov(R3, R6)
    p.lsh(R3, 3)
    p.ldx(DW, R4, R10, SRC)
    p.add(R3, R4)
    p.call(Helper.PROBE_READ_USER)
    p.jmp("!=", R0, 0, ended)
    p.mov(R1, R6)
    p.lsh(R1, 3)
    p.add(R1, R7)
    p.add(R1, R9)
    p.ldx(DW, R1, R1, HEADER + SPAN)
    p.add(R6, 1)
    p.jmp("==", R1, 0, ended)
    p.jmp("<", R6, cap, loop)
    p.label(ended)
    p.comment("the span's header: address, size, phase, kind; length += SPAN + 8 a word")
    p.mov(R1, R9)
    p.add(R1, R7)
    p.ldx(DW, R2, R10, SRC)
    p.stx(DW, R1, HEADER, R2)
    p.mov(R0, R6)
    p.lsh(R0, 3)
    p.stx(W, R1, HEADER + 8, R0)
    p.st(B, R1, HEADER + 12, ENTRY)
    p.st(B, R1, HEADER + 13, BYTES)
    p.st(H, R1, HEADER + 14, 0)
    p.add(R0, SPAN)
    p.add(R0, R7)
    p.stx(W, R9, OFF_LENGTH, R0)
    p.label(done)


def _argv_strings(p: Program) -> None:
    """The strings argv's captured words point at, as STRING spans (a failed read is skipped)."""
    loop, nxt, done, cut, span = "loop_strs", "next_strs", "done_strs", "cut_strs", "span_strs"
    p.mov(R6, 0)
    p.label(loop)
    p.comment("string R6: its pointer is word R6 of the argv span; a NULL ends them")
    p.ldx(B, R1, R8, SPEC_ARGV_STRINGS)
    p.jmp(">=", R6, R1, done)
    p.ldx(DW, R1, R10, ARRAY_AT)
    p.jmp(">=", R1, PAYLOAD, done)
    p.comment("the words the argv span holds: its size / 8, read back from the record")
    p.mov(R2, R1)
    p.add(R2, R9)
    p.ldx(W, R2, R2, HEADER + 8)
    p.rsh(R2, 3)
    p.jmp(">=", R6, R2, done)
    p.mov(R2, R6)
    p.lsh(R2, 3)
    p.add(R1, R2)
    p.add(R1, R9)
    p.ldx(DW, R3, R1, HEADER + SPAN)
    p.jmp("==", R3, 0, done)
    p.stx(DW, R10, SRC, R3)
    p.ldx(W, R7, R9, OFF_LENGTH)
    p.jmp(">=", R7, PAYLOAD, done)
    p.ldx(H, R2, R8, SPEC_STRING_LIMIT)
    p.jmp("==", R2, 0, done)
    p.jmp("<=", R2, PAYLOAD, "sized_strs")
    p.mov(R2, PAYLOAD)
    p.label("sized_strs")
    p.stx(DW, R10, SIZE, R2)
    p.mov(R1, R9)
    p.add(R1, R7)
    p.add(R1, HEADER + SPAN)
    p.call(Helper.PROBE_READ_USER_STR)
    p.jmp("s<=", R0, 0, nxt)
    p.ldx(DW, R2, R10, SIZE)
    p.mov(R4, STRING_CUT)
    p.jmp(">=", R0, R2, cut)
    p.mov(R4, STRING_ENDED)
    p.label(cut)
    p.sub(R0, 1)
    p.label(span)
    close_span(p, ENTRY, SRC)
    p.label(nxt)
    p.add(R6, 1)
    p.jmp("<", R6, ARGV_WORDS, loop)
    p.label(done)


def capture_exec(p: Program) -> None:
    """argv's words and strings, then envp's words (last: the largest, and only counted)."""
    _array(p, SPEC_ARGV, ARGV_WORDS, "argv")
    _argv_strings(p)
    _array(p, SPEC_ENVP, ENVP_WORDS, "envp")
