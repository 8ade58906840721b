"""C++ types as declarators (``void (*)(int)``, ``int (&) [3]``), functions and special names."""

from __future__ import annotations

from .itanium_nodes import Node, Printer, declare, join, show


class Qualified(Node):
    """``K``, ``V``, ``r`` on a type; on a function type they qualify the function (a member's ``this``)."""

    __slots__ = ("inner", "quals")

    def __init__(self, inner: Node, quals: str) -> None:
        self.inner, self.quals = inner, quals

    def decl(self, p: Printer, ops: str, name: str) -> str:
        inner = self.inner.resolve(p)
        if isinstance(inner, Function):
            merged = Function(inner.ret, inner.params, inner.quals + self.quals, inner.ref, inner.extra)
            return declare(merged, p, ops, name)
        if isinstance(inner, Array):  # a qualified array is an array of qualified elements
            return declare(Array(inner.dim, Qualified(inner.inner, self.quals)), p, ops, name)
        if isinstance(inner, Qualified):  # 'const T' with T already const stays 'T const'
            extra = "".join(q for q in _split_quals(self.quals) if q not in inner.quals)
            return declare(inner.inner, p, inner.quals + extra + ops, name)
        return declare(self.inner, p, self.quals + ops, name)


def _split_quals(quals: str) -> list[str]:
    return [" " + q for q in quals.split()]


class Pointer(Node):
    __slots__ = ("inner", "op")

    def __init__(self, inner: Node, op: str) -> None:
        self.inner, self.op = inner, op

    def decl(self, p: Printer, ops: str, name: str) -> str:
        if self.op == "*":
            return declare(self.inner, p, "*" + ops, name)
        # reference collapsing: T& and T&& through a parameter that is itself a reference
        op, inner = self.op, self.inner
        for _ in range(32):
            target = inner.resolve(p)
            if not (isinstance(target, Pointer) and target.op != "*"):
                break
            op = "&" if op == "&" or target.op == "&" else "&&"
            inner = target.inner
        return declare(inner, p, op + ops, name)


class Function(Node):
    __slots__ = ("ret", "params", "quals", "ref", "extra")

    def __init__(self, ret: Node | None, params: list[Node], quals: str = "", ref: str = "",
                 extra: Node | None = None) -> None:
        self.ret, self.params, self.quals, self.ref, self.extra = ret, params, quals, ref, extra

    def tail(self, p: Printer) -> str:
        """``(int, char) const &&`` and an exception specification, if any."""
        extra = show(self.extra, p) if self.extra is not None else ""
        return "(" + join(self.params, p) + ")" + self.quals + self.ref + extra

    def decl(self, p: Printer, ops: str, name: str) -> str:
        gap = " " if name[:1] == "(" and name[-1:] == "]" else ""  # c++filt: 'void (* (*) [3])()'
        inner = "(" + ops + gap + name + ")" if ops else name
        if self.ret is None:
            return p.spend(inner + self.tail(p))
        return declare(self.ret, p, "", inner + self.tail(p))


class Array(Node):
    __slots__ = ("dim", "inner")

    def __init__(self, dim: Node | None, inner: Node) -> None:
        self.dim, self.inner = dim, inner

    def decl(self, p: Printer, ops: str, name: str) -> str:
        dims = ""
        node: Node = self
        for _ in range(32):
            if not isinstance(node, Array):
                break
            dims += "[" + (show(node.dim, p) if node.dim is not None else "") + "]"
            node = node.inner.resolve(p)
        inner = ("(" + ops + name + ") " if ops or name else "") + dims
        return declare(node, p, "", inner)


class MemberPointer(Node):
    __slots__ = ("cls", "member")

    def __init__(self, cls: Node, member: Node) -> None:
        self.cls, self.member = cls, member

    def decl(self, p: Printer, ops: str, name: str) -> str:
        cls = show(self.cls, p) + "::*"
        target = self.member.resolve(p)
        if isinstance(target, Function) or (isinstance(target, Qualified)
                                            and isinstance(target.inner.resolve(p), Function)):
            return declare(self.member, p, cls + ops, name)
        return declare(self.member, p, "", cls + ops + name)


class Postfix(Node):
    """A type with words after it: ``int __vector(4)``, ``double _Complex``."""

    __slots__ = ("inner", "suffix")

    def __init__(self, inner: Node, suffix: str) -> None:
        self.inner, self.suffix = inner, suffix

    def text(self, p: Printer) -> str:
        return p.spend(show(self.inner, p) + self.suffix)


class Encoding(Node):
    """A function: its name, parameters, cv/ref qualifiers, and the return type of a template."""

    __slots__ = ("name", "function")

    def __init__(self, name: Node, function: Function) -> None:
        self.name, self.function = name, function

    def text(self, p: Printer) -> str:
        fn = self.function
        head = show(self.name, p) + fn.tail(p)
        if fn.ret is None:
            return p.spend(head)
        return declare(fn.ret, p, "", head)


class Prefixed(Node):
    """``vtable for X``, ``non-virtual thunk to f()``, ``f() [clone .cold]``..."""

    __slots__ = ("before", "inner", "after")

    def __init__(self, before: str, inner: Node, after: str = "") -> None:
        self.before, self.inner, self.after = before, inner, after

    def text(self, p: Printer) -> str:
        return p.spend(self.before + show(self.inner, p) + self.after)
