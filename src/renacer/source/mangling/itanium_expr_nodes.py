"""Expressions inside C++ mangled names (``decltype`` return types, non-type template arguments).

They print the way ``c++filt -i`` prints them: an operand that is not a plain name or a
function parameter goes in parentheses, ``(3)+(1)``, ``{parm#1}+{parm#2}``.
"""

from __future__ import annotations

from .itanium_nodes import (
    ArgPack,
    BuiltinType,
    Invalid,
    Name,
    Nested,
    Node,
    Printer,
    TParam,
    find_pack,
    join,
    show,
)
from .itanium_type_nodes import Encoding


class Expr(Node):
    """An expression; ``text`` prints it whole."""

    __slots__ = ()


def operand(node: Node, p: Printer) -> str:
    """An operand, parenthesized unless it is a name or a function parameter."""
    target = node
    for _ in range(32):
        if not isinstance(target, TParam):
            break
        target = target.resolve(p)
    text = show(node, p)
    if isinstance(target, (Name, Nested, FunctionParam)) and not isinstance(target, BuiltinType):
        return text
    return "(" + text + ")"


class Literal(Expr):
    __slots__ = ("type", "value", "suffix")

    def __init__(self, type_: Node | None, value: str, suffix: str | None) -> None:
        self.type, self.value, self.suffix = type_, value, suffix

    def text(self, p: Printer) -> str:
        value = "-" + self.value[1:] if self.value.startswith("n") else self.value
        if self.suffix is not None:
            return value + self.suffix
        if self.type is None:
            return value
        if not value:
            return show(self.type, p)
        return p.spend("(" + show(self.type, p) + ")" + value)


class FunctionParam(Expr):
    __slots__ = ("number",)

    def __init__(self, number: int) -> None:
        self.number = number

    def text(self, p: Printer) -> str:
        return f"{{parm#{self.number}}}" if self.number else "this"


class Unary(Expr):
    __slots__ = ("op", "arg")

    def __init__(self, op: str, arg: Node) -> None:
        self.op, self.arg = op, arg

    def text(self, p: Printer) -> str:
        arg = self.arg
        if self.op == "&" and isinstance(arg, Encoding) and isinstance(arg.name, Nested):
            return p.spend("&" + show(arg.name, p))  # a pointer to member: '&S::f', not '&(S::f())'
        gap = " " if self.op[-1].isalpha() or self.op[-1] == "]" else ""  # 'delete {parm#1}'
        return p.spend(self.op + gap + operand(arg, p))


class Postfix(Expr):
    __slots__ = ("arg", "op")

    def __init__(self, arg: Node, op: str) -> None:
        self.arg, self.op = arg, op

    def text(self, p: Printer) -> str:
        return p.spend(operand(self.arg, p) + self.op)


class Binary(Expr):
    __slots__ = ("op", "left", "right")

    def __init__(self, op: str, left: Node, right: Node) -> None:
        self.op, self.left, self.right = op, left, right

    def text(self, p: Printer) -> str:
        left, right = operand(self.left, p), operand(self.right, p)
        if self.op == "[]":
            return p.spend(left + "[" + show(self.right, p) + "]")
        if self.op in (".", "->"):
            return p.spend(left + self.op + right)
        return p.spend(left + self.op + right)


class Conditional(Expr):
    __slots__ = ("cond", "yes", "no")

    def __init__(self, cond: Node, yes: Node, no: Node) -> None:
        self.cond, self.yes, self.no = cond, yes, no

    def text(self, p: Printer) -> str:
        return p.spend(operand(self.cond, p) + "?" + operand(self.yes, p) + " : " + operand(self.no, p))


class Call(Expr):
    __slots__ = ("callee", "args")

    def __init__(self, callee: Node, args: list[Node]) -> None:
        self.callee, self.args = callee, args

    def text(self, p: Printer) -> str:
        return p.spend(operand(self.callee, p) + "(" + join(self.args, p) + ")")


class Operand(Expr):
    """An operand printed with the parenthesizing rule, after a prefix: ``sizeof {parm#1}``."""

    __slots__ = ("prefix", "arg")

    def __init__(self, prefix: str, arg: Node) -> None:
        self.prefix, self.arg = prefix, arg

    def text(self, p: Printer) -> str:
        return p.spend(self.prefix + operand(self.arg, p))


class SizeofPack(Expr):
    """``sizeof...(T)``: the pack's length once the arguments are known."""

    __slots__ = ("param",)

    def __init__(self, param: Node) -> None:
        self.param = param

    def text(self, p: Printer) -> str:
        if isinstance(self.param, TParam):
            saved, p.pack_index = p.pack_index, None
            try:
                target = self.param.resolve(p)
            except Invalid:
                target = None
            finally:
                p.pack_index = saved
            if isinstance(target, ArgPack):
                return str(len(target.args))
        return p.spend("sizeof...(" + show(self.param, p) + ")")


class Decltype(Node):
    __slots__ = ("expr",)

    def __init__(self, expr: Node) -> None:
        self.expr = expr

    def text(self, p: Printer) -> str:
        return p.spend("decltype (" + show(self.expr, p) + ")")


class ExprPackExpansion(Expr):
    """``e...``: the pack's elements when it is known (``0ul, 1ul``), else the pattern and ``...``."""

    __slots__ = ("pattern",)

    def __init__(self, pattern: Node) -> None:
        self.pattern = pattern

    def text(self, p: Printer) -> str:
        pack = find_pack(self.pattern, p)
        if pack is None:
            return p.spend(operand(self.pattern, p) + "...")
        saved = p.pack_index
        try:
            parts = []
            for i in range(len(pack.args)):
                p.pack_index = i
                parts.append(show(self.pattern, p))
        finally:
            p.pack_index = saved
        return p.spend(", ".join(parts))
