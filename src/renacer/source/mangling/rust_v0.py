"""Rust's v0 symbol names (RFC 2603): ``_RNvCs1234_3app4main`` -> ``app::main``.

A reader that prints while it parses; backrefs re-read earlier text, so the work is bounded
by a step count and the output by a length. Output follows ``c++filt -i``: no crate
disambiguators, no instantiating crate, ``{closure#0}``, ``<T as Trait>``.
"""

from __future__ import annotations

_MAX_DEPTH = 200  # nesting a real symbol never reaches; guards the recursion
_MAX_OUTPUT = 1 << 16  # backrefs can repeat text exponentially; a longer result is refused
_MAX_STEPS = 1 << 14  # grammar items read, backrefs included; real symbols need a few hundred

_BASIC = {
    "a": "i8", "b": "bool", "c": "char", "d": "f64", "e": "str", "f": "f32", "h": "u8", "i": "isize",
    "j": "usize", "l": "i32", "m": "u32", "n": "i128", "o": "u128", "s": "i16", "t": "u16", "u": "()",
    "v": "...", "x": "i64", "y": "u64", "z": "!", "p": "_",
}
_SIGNED = set("ailnsx")
_UNSIGNED = set("hjmoty")


class _Invalid(Exception):
    """The symbol does not follow the v0 grammar."""


class _V0:
    """A recursive-descent reader of one v0 symbol that prints while it parses."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.pos = 0
        self.out: list[str] = []
        self.size = 0
        self.depth = 0
        self.steps = 0  # backrefs re-read text: bound the work even where nothing is printed
        self.bound = 0  # lifetimes bound by enclosing for<...> binders
        self.silent = 0  # >0 while parsing something that is not printed (impl paths, crates)

    # -- reading
    def peek(self) -> str:
        return self.s[self.pos] if self.pos < len(self.s) else ""

    def eat(self, c: str) -> bool:
        if self.s.startswith(c, self.pos):
            self.pos += len(c)
            return True
        return False

    def next(self) -> str:
        if self.pos >= len(self.s):
            raise _Invalid
        c = self.s[self.pos]
        self.pos += 1
        return c

    def base62(self) -> int:
        if self.eat("_"):
            return 0
        value = 0
        while True:
            c = self.next()
            if c == "_":
                return value + 1
            if "0" <= c <= "9":
                d = ord(c) - 48
            elif "a" <= c <= "z":
                d = ord(c) - 87
            elif "A" <= c <= "Z":
                d = ord(c) - 29
            else:
                raise _Invalid
            value = min(value * 62 + d, 1 << 64)  # disambiguators may exceed u64 (c++filt takes them)

    def opt_base62(self, tag: str) -> int:
        return self.base62() + 1 if self.eat(tag) else 0

    def decimal(self) -> int:
        if self.eat("0"):
            return 0
        start = self.pos
        while "0" <= self.peek() <= "9":
            self.pos += 1
        digits = self.s[start:self.pos]
        if not digits or len(digits) > 9:
            raise _Invalid
        return int(digits)

    def ident(self) -> str:
        is_puny = self.eat("u")
        length = self.decimal()
        self.eat("_")
        if self.pos + length > len(self.s):
            raise _Invalid
        raw = self.s[self.pos:self.pos + length]
        self.pos += length
        return _punycode(raw) if is_puny else raw

    # -- writing
    def emit(self, text: str) -> None:
        if self.silent:
            return
        self.size += len(text)
        if self.size > _MAX_OUTPUT:
            raise _Invalid
        self.out.append(text)

    def enter(self) -> None:
        self.depth += 1
        self.steps += 1
        if self.depth > _MAX_DEPTH or self.steps > _MAX_STEPS:
            raise _Invalid

    def backref(self, method, *args) -> None:
        """Parse the grammar item at an earlier position, then come back."""
        start = self.pos - 1
        target = self.base62()
        if target >= start:  # references only point backwards: no loops
            raise _Invalid
        saved = self.pos
        self.pos = target
        method(*args)
        self.pos = saved

    # -- grammar
    def path(self, in_value: bool) -> None:
        self.enter()
        tag = self.next()
        if tag == "C":
            self.opt_base62("s")
            self.emit(self.ident())
        elif tag == "M":
            self.impl_path()
            self.emit("<")
            self.type()
            self.emit(">")
        elif tag in "XY":
            if tag == "X":
                self.impl_path()
            self.emit("<")
            self.type()
            self.emit(" as ")
            self.path(False)
            self.emit(">")
        elif tag == "N":
            ns = self.next()
            if not ns.isalpha():
                raise _Invalid
            self.path(in_value)
            dis = self.opt_base62("s")
            name = self.ident()
            if ns.isupper():
                kind = {"C": "closure", "S": "shim"}.get(ns, ns)
                self.emit(f"::{{{kind}{':' + name if name else ''}#{dis}}}")
            elif name:
                self.emit("::" + name)
        elif tag == "I":
            self.path(in_value)
            self.emit("::<" if in_value else "<")
            self.list_until_e(self.generic_arg)
            self.emit(">")
        elif tag == "B":
            self.backref(self.path, in_value)
        else:
            raise _Invalid
        self.depth -= 1

    def impl_path(self) -> None:
        self.silent += 1
        self.opt_base62("s")
        self.path(False)
        self.silent -= 1

    def list_until_e(self, item) -> None:
        first = True
        while not self.eat("E"):
            if not first:
                self.emit(", ")
            item()
            first = False

    def generic_arg(self) -> None:
        if self.eat("L"):
            self.lifetime(self.base62())
        elif self.eat("K"):
            self.const()
        else:
            self.type()

    def lifetime(self, index: int) -> None:
        if index == 0:
            self.emit("'_")
            return
        depth = self.bound - index
        if depth < 0:
            raise _Invalid
        self.emit("'" + chr(97 + depth) if depth < 26 else f"'_{depth}")

    def binder(self) -> int:
        count = self.opt_base62("G")
        if count > 64:  # more lifetimes than any signature binds: hostile input
            raise _Invalid
        if count:
            names = []
            for i in range(count):
                depth = self.bound + i
                names.append("'" + chr(97 + depth) if depth < 26 else f"'_{depth}")
            self.emit("for<" + ", ".join(names) + "> ")
            self.bound += count
        return count

    def type(self) -> None:
        self.enter()
        tag = self.next()
        if tag in _BASIC:
            self.emit(_BASIC[tag])
        elif tag in "RQ":
            self.emit("&")
            if self.eat("L"):
                index = self.base62()
                if index:
                    self.lifetime(index)
                    self.emit(" ")
            if tag == "Q":
                self.emit("mut ")
            self.type()
        elif tag in "PO":
            self.emit("*const " if tag == "P" else "*mut ")
            self.type()
        elif tag in "AS":
            self.emit("[")
            self.type()
            if tag == "A":
                self.emit("; ")
                self.const()
            self.emit("]")
        elif tag == "T":
            self.emit("(")
            count = 0
            while not self.eat("E"):
                if count:
                    self.emit(", ")
                self.type()
                count += 1
            self.emit(",)" if count == 1 else ")")
        elif tag == "F":
            self.fn_sig()
        elif tag == "D":
            self.dyn_bounds()
        elif tag == "B":
            self.backref(self.type)
        else:
            self.pos -= 1
            self.path(False)
        self.depth -= 1

    def fn_sig(self) -> None:
        bound = self.binder()
        if self.eat("U"):
            self.emit("unsafe ")
        if self.eat("K"):
            abi = "C" if self.eat("C") else self.ident().replace("_", "-")
            self.emit(f'extern "{abi}" ')
        self.emit("fn(")
        self.list_until_e(self.type)
        self.emit(")")
        if self.eat("u"):
            pass  # '-> ()' is never written
        else:
            self.emit(" -> ")
            self.type()
        self.bound -= bound

    def dyn_bounds(self) -> None:
        self.emit("dyn ")
        bound = self.binder()
        first = True
        while not self.eat("E"):
            if not first:
                self.emit(" + ")
            self.dyn_trait()
            first = False
        self.bound -= bound
        if not self.eat("L"):
            raise _Invalid
        index = self.base62()
        if index:
            self.emit(" + ")
            self.lifetime(index)

    def dyn_trait(self) -> None:
        # the trait path's own generic args and the associated-type bindings share one '<...>'
        open_args = self.path_maybe_open_args()
        while self.eat("p"):
            self.emit(", " if open_args else "<")
            open_args = True
            self.emit(self.ident() + " = ")
            self.type()
        if open_args:
            self.emit(">")

    def path_maybe_open_args(self) -> bool:
        if self.eat("I"):
            self.path(False)
            self.emit("<")
            self.list_until_e(self.generic_arg)
            return True
        if self.eat("B"):
            start = self.pos - 1
            target = self.base62()
            if target >= start:
                raise _Invalid
            saved, self.pos = self.pos, target
            result = self.path_maybe_open_args()
            self.pos = saved
            return result
        self.path(False)
        return False

    def const(self) -> None:
        self.enter()
        if self.eat("p"):
            self.emit("_")
        elif self.eat("B"):
            self.backref(self.const)
        else:
            kind = self.next()
            negative = kind in _SIGNED and self.eat("n")
            start = self.pos
            while self.peek() in set("0123456789abcdef") and self.peek():
                self.pos += 1
            digits = self.s[start:self.pos]
            if not self.eat("_"):
                raise _Invalid
            value = int(digits, 16) if digits else 0
            if kind in _SIGNED or kind in _UNSIGNED:
                self.emit(("-" if negative else "") + (str(value) if len(digits) <= 16 else "0x" + digits))
            elif kind == "b" and value in (0, 1):
                self.emit("true" if value else "false")
            elif kind == "c" and value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF:
                self.emit(_char_literal(chr(value)))
            else:
                raise _Invalid
        self.depth -= 1


def _char_literal(c: str) -> str:
    escapes = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "'": "\\'", "\\": "\\\\", "\0": "\\0"}
    if c in escapes:
        return f"'{escapes[c]}'"
    if c.isprintable():
        return f"'{c}'"
    return f"'\\u{{{ord(c):x}}}'"


def _punycode(raw: str) -> str:
    """Decode a v0 punycode identifier (RFC 3492 with '_' in place of '-')."""
    basic, sep, encoded = raw.rpartition("_")
    if not sep:
        basic, encoded = "", raw
    out = list(basic)
    n, bias, i, k_pos = 128, 72, 0, 0
    while k_pos < len(encoded):
        old_i, weight, k = i, 1, 36
        while True:
            if k_pos >= len(encoded):
                raise _Invalid
            c = encoded[k_pos]
            k_pos += 1
            digit = ord(c) - 97 if "a" <= c <= "z" else ord(c) - 22 if "0" <= c <= "9" else -1
            if digit < 0:
                raise _Invalid
            i += digit * weight
            t = 1 if k <= bias else 26 if k >= bias + 26 else k - bias
            if digit < t:
                break
            weight *= 36 - t
            k += 36
            if i > 0x10FFFF * 64:
                raise _Invalid
        length = len(out) + 1
        delta = (i - old_i) // (700 if old_i == 0 else 2)
        delta += delta // length
        k = 0
        while delta > 455:  # ((36 - 1) * 26) // 2
            delta //= 35
            k += 36
        bias = k + (36 * delta) // (delta + 38)
        n += i // length
        i %= length
        if n > 0x10FFFF or 0xD800 <= n <= 0xDFFF:
            raise _Invalid
        out.insert(i, chr(n))
        i += 1
    return "".join(out)


def demangle_v0(name: str) -> str | None:
    """``_RNvCs1234_3app4main`` -> ``app::main``; None if not a well-formed v0 symbol."""
    if not name.startswith("_R"):
        return None
    text, _, _vendor = name[2:].partition(".")
    if "0" <= text[:1] <= "9":
        return None  # only encoding version 0 exists
    reader = _V0(text)
    try:
        reader.path(True)
        if reader.pos < len(text):  # the instantiating crate is not printed
            reader.silent += 1
            reader.path(False)
        if reader.pos != len(text):
            return None
    except (_Invalid, RecursionError, ValueError):
        return None
    return "".join(reader.out)
