"""The live stack unwinder: registers + memory + CFI -> the raw return addresses of a stopped task.

Each step finds the caller's registers from the callee's: by the CFI row of the pc (.eh_frame,
.debug_frame), else by recognising the kernel's signal-return trampoline, else by following
the frame-pointer chain. It never raises for any stack content and never loops: every step
must move the stack pointer up (a signal frame may move it anywhere once; a leaf returning
through the link register may leave it where it is), no (pc, sp) repeats, and ``limit``
bounds the walk. What differs between CPUs comes from the ``RegisterSet``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from ..events import StackFrame
from ..syscalls.base import MemoryReader
from .cfi import EXPRESSION, OFFSET, REGISTER, SAME_VALUE, UNDEFINED, VAL_OFFSET, Row
from .dwarfexpr import evaluate
from .frametable import FrameTable
from .modules import ElfCache, ElfImage, Module, ModuleMap
from .registers import RegisterSet, register_set
from .stackmem import MASK, WORD, StackMemory, read
from .walks import Result, Trail, Walk

CFI, FRAME_POINTER, TRUNCATED = "cfi", "frame-pointer fallback", "truncated stack"
TABLE_CAPACITY = 256  # modules whose decoded CFI is kept
FRAME_CACHE = 1 << 14  # frames (and trampoline checks) remembered per process
WALK_CACHE = 1 << 12  # whole walks remembered per process (a loop's syscall repeats its stack)
_Site = tuple[StackFrame, Module, "ElfImage | None", "FrameTable | None"]


class Unwinder:
    """Walks stacks of stopped tasks; shared by every task of a run (CFI cached per module)."""

    def __init__(self, arch: str | None = None, elves: ElfCache | None = None) -> None:
        """``arch``: the Arch's name ('x86_64', 'aarch64'); None for the machine renacer runs on."""
        self.regs: RegisterSet = register_set(arch)
        self.elves = elves if elves is not None else ElfCache()
        self._maps: dict[int, ModuleMap] = {}
        self._sites: dict[int, dict[int, _Site]] = {}  # per process: pc -> its frame, module and CFI
        self._tables: OrderedDict[tuple, FrameTable] = OrderedDict()
        self._trampolines: dict[tuple, bool] = {}  # (file, module offset) -> is the signal trampoline
        self._walks: dict[int, dict[tuple, list[Walk]]] = {}  # per process: (pc, sp, ...) -> walks

    def forget(self, tgid: int) -> None:
        """Drop a process's module map (after exec or exit: its mappings changed)."""
        self._maps.pop(tgid, None)
        self._sites.pop(tgid, None)
        self._walks.pop(tgid, None)

    def module_map(self, tgid: int, memory: MemoryReader | None = None, fresh: bool = False) -> ModuleMap:
        """The process's module map, read on first need (or again when ``fresh``)."""
        maps = self._maps.get(tgid)
        if maps is None or fresh:
            fresh_maps = ModuleMap.read(tgid, self.elves, memory, previous=maps)
            if fresh_maps is not maps:
                self._maps[tgid], self._sites[tgid] = fresh_maps, {}
                self._walks.pop(tgid, None)
            maps = fresh_maps
        return maps

    def table(self, image: ElfImage) -> FrameTable:
        """The CFI of one ELF image (built on first use, kept per file)."""
        table = self._tables.get(image.key)
        if table is not None:
            self._tables.move_to_end(image.key)
            return table
        secs = image.sections

        def separate() -> tuple[bytes, int] | None:
            debug = self.elves.debug_file(image.build_id)  # a -dbg package's copy of the CFI
            found = debug.sections.get(".debug_frame") if debug else None
            return (found.data, found.addr) if found else None

        table = FrameTable(*((s.data, s.addr) if s else None for s in
                             (secs.get(".eh_frame"), secs.get(".eh_frame_hdr"), secs.get(".debug_frame"))),
                           address_size=self.regs.word,
                           fallback=separate if image.build_id and ".debug_frame" not in secs else None)
        self._tables[image.key] = table
        if len(self._tables) > TABLE_CAPACITY:
            self._tables.popitem(last=False)
        return table

    def _site(self, tgid: int, maps: ModuleMap, pc: int) -> _Site | None:
        """The frame of ``pc`` with its module and CFI (remembered per process); None outside every module."""
        sites = self._sites.setdefault(tgid, {})
        site = sites.get(pc)
        if site is None:
            hit = maps.locate(pc)
            if hit is None:
                return None
            module, image = hit
            frame = StackFrame(pc, module.path, module.build_id, pc - module.bias)
            site = (frame, module, image, self.table(image) if image is not None else None)
            if len(sites) >= FRAME_CACHE:
                sites.clear()
            sites[pc] = site
        return site

    def unwind_at(self, tgid: int, pc: int, sp: int, registers: Callable[[], dict[int, int]],
                  memory: MemoryReader, limit: int = 64, stop: Callable[[StackFrame], bool] | None = None
                  ) -> Result:
        """unwind() of a task stopped at ``pc`` with ``sp``, its other registers fetched only if needed.

        A walk already made from the same pc and sp is reused when the registers and stack words
        it read still hold the same values (one memory read checks them all): a syscall made
        again from the same place in a loop costs no CFI steps.
        """
        key = (pc, sp, limit, stop)
        regs = None
        for walk in self._walks.get(tgid, {}).get(key, ()):
            if walk.regs and regs is None:
                regs = registers()
            if walk.holds(regs or {}, memory):
                return walk.result
        return self.unwind(tgid, registers() if regs is None else regs, memory, limit, stop)

    def unwind(self, tgid: int, regs: dict[int, int], memory: MemoryReader, limit: int = 64,
               stop: Callable[[StackFrame], bool] | None = None) -> tuple[tuple[StackFrame, ...], str]:
        """The stack of a task stopped with ``regs`` (DWARF-numbered), innermost first, and how it ended.

        How: 'cfi' (walked to the outermost frame by CFI), 'frame-pointer fallback' (some step
        followed the frame-pointer chain), 'truncated stack' (stopped early: limit, unreadable
        memory, no rule, a stack pointer that does not move up, a cycle). ``stop``, when given,
        ends the walk at the first frame it accepts (--source needs no more than the user's frame).
        """
        R = self.regs
        pc, sp = regs.get(R.pc), regs.get(R.sp)
        if pc is None or sp is None or limit <= 0:
            return (), TRUNCATED
        trail = Trail(regs)
        result = self._walk(tgid, regs, memory, limit, stop, trail)
        if trail.ok and result[1] == CFI:
            walk = trail.walk(result, R)
            if walk is not None:
                walks = self._walks.setdefault(tgid, {})
                if len(walks) >= WALK_CACHE:
                    walks.clear()
                known = walks.setdefault((pc, sp, limit, stop), [])
                known.insert(0, walk)
                del known[4:]  # the same place reached with a few different stacks: the newest few
        return result

    def _walk(self, tgid: int, regs: dict[int, int], memory: MemoryReader, limit: int,
              stop: Callable[[StackFrame], bool] | None, trail: Trail) -> Result:
        R = self.regs
        pc, sp = regs[R.pc], regs[R.sp]
        maps = self.module_map(tgid, memory)
        mem = StackMemory(memory)
        regs = dict(regs)
        frames: list[StackFrame] = []
        reread = used_fp = exact = False
        seen = {(pc, sp)}
        while True:
            site = self._site(tgid, maps, pc)
            if site is None and not reread:
                reread = True  # maybe dlopen'ed since: read the maps again, once per walk
                maps = self.module_map(tgid, memory, fresh=True)
                site = self._site(tgid, maps, pc)
            if site is None:
                trail.ok = False
                frames.append(StackFrame(pc, "", "", pc))
                if not maps.is_jit(pc):
                    return tuple(frames), TRUNCATED  # a pc in no code at all: the stack is garbage
                module = image = table = None
            else:
                frame, module, image, table = site
                frames.append(frame)
                if stop is not None and stop(frame):
                    return tuple(frames), FRAME_POINTER if used_fp else CFI
            # A return address is the instruction after the call, which may already belong to the
            # next function (a noreturn call ends its caller): look up the call instruction itself.
            # The pc after a signal frame is the interrupted instruction: looked up as is.
            row = table.row((pc if exact else pc - 1) - module.bias) if table is not None else None
            new, leaf = None, False
            if row is not None and row.signal and not R.signal_cfi_complete:
                # a trampoline whose CFI restores only some registers: the kernel's frame has them all
                new = self._signal_frame(regs, pc, image, module, mem, memory, first=len(frames) == 1)
                if new is not None:
                    trail.ok, exact = False, True
            if new is not None:
                pass
            elif row is not None:
                new = _apply_row(row, regs, pc, R, mem)
                if new is None:
                    return tuple(frames), TRUNCATED
                # a leaf's return address is still in the link register: its caller's sp may be its own
                leaf = new is not _END and row.saved is None and _returns_by_register(row, R)
                if trail.ok:  # the outermost frame's row needs nothing read when its CFA is plain
                    trail.ok = (not row.cfa_expr if new is _END else
                                trail.step(row, regs, new, R, leaf))
                if new is _END:
                    return tuple(frames), FRAME_POINTER if used_fp else CFI
                exact = row.signal
            else:
                trail.ok = False
                new = self._signal_frame(regs, pc, image, module, mem, memory, first=len(frames) == 1)
                exact = new is not None
                if new is None:
                    # the innermost function may be a leaf with no CFI at the pc (glibc's clone3 ends
                    # its CFI before its syscall on purpose): its return address is then at sp, or in
                    # the link register
                    new = _leaf_return(regs, R, mem, maps) if len(frames) == 1 else None
                    leaf = new is not None
                    if new is None:
                        new = _frame_pointer(regs, R, mem)
                    if new is None:
                        return tuple(frames), TRUNCATED
                    used_fp = True
            new_pc, new_sp = new.get(R.pc), new.get(R.sp)
            if new_pc == 0:
                return tuple(frames), FRAME_POINTER if used_fp else CFI  # the outermost frame's marker
            if (new_pc is None or new_sp is None or (new_pc, new_sp) in seen
                    or ((new_sp < sp or (new_sp == sp and not leaf)) and not exact)):
                return tuple(frames), TRUNCATED
            if len(frames) >= limit:
                return tuple(frames), TRUNCATED
            seen.add((new_pc, new_sp))
            regs, pc, sp = new, new_pc, new_sp

    def _signal_frame(self, regs: dict[int, int], pc: int, image: ElfImage | None, module: Module | None,
                      mem: StackMemory, memory: MemoryReader, first: bool) -> dict[int, int] | None:
        """The interrupted registers, when ``pc`` is the kernel-ABI signal-return trampoline."""
        R = self.regs
        key = (image.key, pc - module.bias, first) if image is not None and module is not None else None
        found = self._trampolines.get(key) if key is not None else None
        if found is None:
            code = R.sigreturn_code
            starts = (pc, pc - len(code)) if first else (pc,)  # frame 0 may be at the rt_sigreturn itself
            found = any(read(memory, start, len(code)) == code for start in starts)
            if key is not None:  # code in a file does not change; JIT code may: not remembered
                if len(self._trampolines) >= FRAME_CACHE:
                    self._trampolines.clear()
                self._trampolines[key] = found
        if not found:
            return None
        sp = regs[R.sp]
        new = {}
        for reg, off in R.signal_saved:
            value = mem.word(sp + off)
            if value is None:
                return None
            new[reg] = value
        return new


_END = {}  # the step result that says: the return address is undefined, this is the outermost frame


def _apply_row(row: Row, regs: dict[int, int], pc: int, R: RegisterSet, mem: StackMemory
               ) -> dict[int, int] | None:
    """The caller's registers by one CFI row; _END at the outermost frame, None when it fails."""
    regs[R.pc] = pc  # DW_OP_breg of the pc column (PLT rules) means this frame's pc
    saved = row.saved
    if saved is not None:  # the usual shape: CFA = register + offset, registers saved at CFA + N
        base = regs.get(row.cfa_reg)
        if base is None:
            return None
        cfa = (base + row.cfa_offset) & MASK
        new = dict(regs)
        new[R.sp] = cfa
        chunk, start, last = mem.data, mem.base, mem.last
        for reg, off in saved:
            addr = (cfa + off) & MASK
            at = addr - start
            value = WORD.unpack_from(chunk, at)[0] if 0 <= at <= last else mem.word(addr)
            if value is None:
                if reg == row.ra or reg == R.sp:
                    return None
                new.pop(reg, None)
            else:
                new[reg] = value
        new[R.pc] = new[row.ra] & R.address_mask  # a signed return address (PAC) loses its code
        return new
    if row.cfa_expr:
        cfa = evaluate(row.cfa_expr, regs, mem.word)
    else:
        base = regs.get(row.cfa_reg)
        cfa = None if base is None else (base + row.cfa_offset) & MASK
    if cfa is None:
        return None
    new = dict(regs)
    new[R.sp] = cfa  # the CFA is the caller's sp, unless a rule says otherwise
    ra_seen = False
    for reg, kind, arg in row.rules:
        if reg == row.ra:
            ra_seen = True
            if kind == UNDEFINED:
                return _END
        if kind == OFFSET:
            value = mem.word((cfa + arg) & MASK)
        elif kind == VAL_OFFSET:
            value = (cfa + arg) & MASK
        elif kind == UNDEFINED:
            new.pop(reg, None)
            continue
        elif kind == SAME_VALUE:
            continue
        elif kind == REGISTER:
            value = regs.get(arg)
        else:
            value = evaluate(arg, regs, mem.word, push=cfa)
            if kind == EXPRESSION and value is not None:
                value = mem.word(value)
        if value is None:
            if reg == row.ra or reg == R.sp:
                return None
            new.pop(reg, None)
            continue
        new[reg] = value
    if not ra_seen and (row.ra == R.pc or row.ra not in regs):
        return None  # no rule for the return address: nothing says where the caller is
    # (a return-address column that is a register of its own, aarch64's link register, keeps its
    # value without a rule: a leaf returns through it)
    new[R.pc] = new[row.ra] & R.address_mask
    return new


def _returns_by_register(row: Row, R: RegisterSet) -> bool:
    """Whether the row's return address is a register's value rather than a word it saved (a leaf's)."""
    if row.ra == R.pc:
        return False
    for reg, kind, _ in row.rules:
        if reg == row.ra:
            return kind in (SAME_VALUE, REGISTER)
    return True


def _leaf_return(regs: dict[int, int], R: RegisterSet, mem: StackMemory, maps: ModuleMap
                 ) -> dict[int, int] | None:
    """The caller of a leaf function that saved nothing, if it points into code: the link register
    where a call leaves the return address in one, else the word at sp."""
    sp = regs[R.sp]
    if R.link is not None:
        ra, caller_sp = regs.get(R.link), sp
    else:
        ra, caller_sp = mem.word(sp), sp + R.word
    if ra is None:
        return None
    ra &= R.address_mask
    if maps.find(ra) is None:
        return None
    new = dict(regs)
    new[R.pc], new[R.sp] = ra, caller_sp
    return new


def _frame_pointer(regs: dict[int, int], R: RegisterSet, mem: StackMemory) -> dict[int, int] | None:
    """The caller's registers by the frame-pointer chain, or None when there is none to follow."""
    fp, sp = regs.get(R.fp), regs[R.sp]
    if not fp or fp < sp:
        return None  # a frame pointer below the stack pointer is not one
    saved_fp, ra = mem.word(fp + R.fp_saved_fp), mem.word(fp + R.fp_saved_ra)
    if saved_fp is None or ra is None:
        return None
    new = dict(regs)
    new[R.fp], new[R.pc], new[R.sp] = saved_fp, ra & R.address_mask, fp + R.fp_cfa
    return new
