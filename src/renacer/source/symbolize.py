"""Captured frames -> source frames: function, file:line and inline chain of each return address.

One ``Symbolizer`` serves a whole run (live or a replayed recording). Per module build-id it
keeps a ``ModuleTables`` (symbol table, CU index, the CU tables built so far), loaded from and
saved to ``source.cache``; pyelftools is imported only to build what the cache lacks.
Every answer is memoized per (module, build-id, offset), so a repeated address costs a dict lookup.
"""

from __future__ import annotations

import io
from typing import Any

from renacer.events import SourceFrame, StackFrame
from renacer.source import cache
from renacer.source.demangle import demangle
from renacer.source.dwarf import CUIndex, CUTable
from renacer.source.symbols import EMPTY, SymbolTable

CACHE_KIND = "dwarf"
VDSO = "[vdso]"
TABLES_VERSION = 2  # bump when ModuleTables, CUTable or CUIndex change shape


class ModuleTables:
    """What is known of one build of a module: symbols, CU index, CU tables built so far."""

    __slots__ = ("version", "symbols", "index", "cus", "problem", "demangled")

    def __init__(self, symbols: SymbolTable, index: CUIndex | None, problem: str) -> None:
        self.version = TABLES_VERSION
        self.symbols = symbols
        self.index = index  # None: the module has no (readable) DWARF
        self.cus: dict[int, CUTable] = {}
        self.problem = problem  # why this module's debug info is missing or broken; '' if fine
        self.demangled: dict[str, str] = {}  # the names shown so far: demangling v0 names is slow

    def __reduce__(self) -> tuple[Any, ...]:
        state = (self.version, self.symbols, self.index, self.cus, self.problem, self.demangled)
        return (_restore_tables, state)


def _restore_tables(version: int, symbols: SymbolTable, index: CUIndex | None, cus: dict,
                    problem: str, demangled: dict) -> ModuleTables:
    tables = ModuleTables(symbols, index, problem)
    tables.version, tables.cus, tables.demangled = version, cus, demangled
    return tables


def own_vdso() -> bytes | None:
    """This process's vDSO image: the kernel maps the same one into every process (build-ids tell)."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                if line.rstrip().endswith(VDSO):
                    low, high = (int(x, 16) for x in line.split()[0].split("-"))
                    with open("/proc/self/mem", "rb") as mem:
                        mem.seek(low)
                        return mem.read(high - low)
    except (OSError, ValueError):
        pass
    return None


class _Module:
    """One (path, build-id): its tables, and the open files needed to extend them."""

    def __init__(self, path: str, build_id: str) -> None:
        self.path = path
        self.build_id = build_id
        self.replaced = ""  # set when the file on disk is another build than the traced one
        self.unreadable = ""  # why a warm run could not reopen the file for a CU the cache lacks
        self.dirty = False
        self._reader: Any = None  # dwarf.DwarfReader, opened on the first CU the cache lacks
        self._files: list[Any] = []
        loaded = cache.load(CACHE_KIND, build_id) if build_id else None
        if isinstance(loaded, ModuleTables) and loaded.version == TABLES_VERSION:
            self.tables = loaded
        else:
            self.tables = self._build()

    def _open(self, path: str) -> Any:
        from elftools.elf.elffile import ELFFile

        if path == VDSO:
            image = own_vdso()
            if image is None:
                raise OSError("this process has no vDSO to compare with")
            return ELFFile(io.BytesIO(image))
        f = open(path, "rb")  # noqa: SIM115 - kept open for pyelftools' lazy reads until close()
        self._files.append(f)
        return ELFFile(f)

    def _build(self) -> ModuleTables:
        from renacer.source import debugfile
        from renacer.source.symbols import read_symbols

        try:
            elf = self._open(self.path)
            on_disk = debugfile.build_id(elf)
        except Exception as e:  # noqa: BLE001 - unreadable or not ELF: no names, one problem line
            return ModuleTables(EMPTY, None, f"cannot read: {_reason(e)}")
        if self.build_id and on_disk != self.build_id:
            self.replaced = f"replaced on disk (build-id {on_disk or 'none'}, traced {self.build_id})"
            if self.path == VDSO:  # traced under another kernel: its vDSO is out of reach, and that is fine
                self.replaced = ""
            return ModuleTables(EMPTY, None, self.replaced)
        self.dirty = True
        if self.path == VDSO:  # no debug info anywhere, by design: its dynamic symbols are all there is
            return ModuleTables(read_symbols(elf), None, "")
        problem, debug = "", None
        try:
            where = debugfile.find_debug_file(self.path, elf, on_disk)
            debug = elf if where == self.path else self._open(where) if where else None
        except Exception as e:  # noqa: BLE001 - a broken debug file is reported, the module still named
            problem = f"cannot read debug file: {_reason(e)}"
        try:
            symbols = read_symbols(*(e for e in (elf, debug) if e is not None))
        except Exception as e:  # noqa: BLE001
            symbols, problem = EMPTY, problem or f"bad symbol table: {_reason(e)}"
        index = None
        if debug is not None:
            try:
                from renacer.source.dwarf import DwarfReader

                self._reader = DwarfReader(debug)
                index = self._reader.index()
            except Exception as e:  # noqa: BLE001 - corrupt DWARF: symbols only
                self._reader, problem = None, f"corrupt DWARF: {_reason(e)}"
        elif not problem:
            problem = "no debug info" if len(symbols) else "no debug info and no symbols (stripped)"
        return ModuleTables(symbols, index, problem)

    def cu_table(self, offset: int) -> CUTable | None:
        """The table of the CU at offset, built (and marked for saving) when not yet known."""
        table = self.tables.cus.get(offset)
        if table is not None:
            return table
        if self._reader is None and not self._reopen():
            return None
        table = self._reader.cu_table(offset)
        self.tables.cus[offset] = table
        self.dirty = True
        return table

    def _reopen(self) -> bool:
        """Open the DWARF again on a warm run that meets a CU the cache lacks."""
        from renacer.source import debugfile
        from renacer.source.dwarf import DwarfReader

        if self.unreadable:
            return False
        try:
            elf = self._open(self.path)
            on_disk = debugfile.build_id(elf)
            if on_disk != self.build_id:
                self.unreadable = f"replaced on disk (build-id {on_disk or 'none'}, traced {self.build_id})"
                return False
            where = debugfile.find_debug_file(self.path, elf, self.build_id)
            if where is None:
                self.unreadable = "debug info gone since it was cached"
                return False
            self._reader = DwarfReader(elf if where == self.path else self._open(where))
        except Exception as e:  # noqa: BLE001 - the cached tables still answer what they can
            self.unreadable = f"cannot read: {_reason(e)}"
            return False
        return True

    def close(self) -> None:
        """Save the tables if this run added to them; release the files."""
        if self.dirty and self.build_id:
            on_disk = cache.load(CACHE_KIND, self.build_id)
            if isinstance(on_disk, ModuleTables) and on_disk.version == TABLES_VERSION:
                for offset, table in on_disk.cus.items():  # another run's CUs: keep them too
                    self.tables.cus.setdefault(offset, table)
                for raw, name in on_disk.demangled.items():
                    self.tables.demangled.setdefault(raw, name)
            cache.store(CACHE_KIND, self.build_id, self.tables)
            self.dirty = False
        for f in self._files:
            f.close()
        self._files.clear()
        self._reader = None


def _reason(e: Exception) -> str:
    return str(e).splitlines()[0][:120] if str(e) else type(e).__name__


class Symbolizer:
    """Turns captured frames into source frames; one per run, tables cached per build-id."""

    def __init__(self) -> None:
        self._memo: dict[tuple[str, str, int], tuple[SourceFrame, ...]] = {}
        self._modules: dict[tuple[str, str], _Module] = {}
        self._problems: dict[str, str] = {}

    def frames(self, frame: StackFrame) -> tuple[SourceFrame, ...]:
        """The frames of one captured address, innermost first: inlined callees, then their function."""
        key = (frame.module, frame.build_id, frame.offset)
        known = self._memo.get(key)
        if known is not None:
            return known
        pc = max(frame.offset - 1, 0)  # a return address points after its call: credit the call
        try:
            result = self._resolve(frame.module, frame.build_id, pc)
        except Exception as e:  # noqa: BLE001 - a bug or hostile input costs one frame, never the run
            self._note(frame.module, f"cannot symbolize 0x{pc:x}: {_reason(e)}")
            result = (SourceFrame(frame.module, pc, "", "", 0),)
        self._memo[key] = result
        return result

    def problems(self) -> list[str]:
        """One short line per module that lacks or has broken debug info."""
        return [f"{module}: {problem}" for module, problem in self._problems.items()]

    def close(self) -> None:
        """Persist the tables built during the run (source/cache.py) and release files."""
        for module in self._modules.values():
            module.close()

    def _note(self, module: str, problem: str) -> None:
        if problem and module not in self._problems:
            self._problems[module] = problem

    def _name(self, raw: str, module: _Module) -> str:
        name = module.tables.demangled.get(raw)
        if name is None:
            try:
                name = demangle(raw) if raw else ""
            except Exception:  # noqa: BLE001 - an undecodable name is shown as spelled
                name = raw
            module.tables.demangled[raw] = name
            module.dirty = True
        return name

    def _module(self, path: str, build_id: str) -> _Module:
        module = self._modules.get((path, build_id))
        if module is None:
            module = self._modules[(path, build_id)] = _Module(path, build_id)
            self._note(path, module.tables.problem)
        return module

    def _resolve(self, path: str, build_id: str, pc: int) -> tuple[SourceFrame, ...]:
        if not path or path.startswith("[") and path != VDSO:
            return (SourceFrame(path, pc, "", "", 0),)  # nothing mapped, [stack]...: no file to read
        module = self._module(path, build_id)
        tables = module.tables
        if module.replaced:
            return (SourceFrame(path, pc, "", "", 0),)
        out: list[SourceFrame] = []
        file, line, function, entry = "", 0, "", -1
        offset = tables.index.lookup(pc) if tables.index is not None else -1
        table = module.cu_table(offset) if offset >= 0 else None
        if table is None and offset >= 0:
            self._note(path, module.unreadable)
        if table is not None:
            self._note(path, f"corrupt DWARF ({table.problem})" if table.problem else "")
            file, line = table.location(pc)
            for scope in table.chain(pc):
                name = self._name(table.names[table.scope_name[scope]], module)
                if table.is_inlined(scope):
                    out.append(SourceFrame(path, pc, name, file, line, inlined=True))
                    file, line = table.file(table.call_file[scope]), table.call_line[scope]
                else:
                    function, entry = name, table.scope_entry[scope]
                    break
        symbol = tables.symbols.lookup(pc)
        if symbol is not None:
            name, start = self._name(symbol[0], module), symbol[1]
            function = function or name
        elif entry >= 0:
            name, start = function, entry
        else:
            name, start = "", pc
        out.append(SourceFrame(path, pc, function, file, line, symbol=name, symbol_offset=pc - start))
        return tuple(out)
