"""The tree of a demangled C++ name and how it prints, in the layout ``c++filt -i`` uses.

Types print through ``decl(p, ops, name)``: ``ops`` is the pointer/reference/cv text collected
on the way down and ``name`` the declarator, so that a function pointer comes out as
``void (*)(int)`` and an array reference as ``int (&) [3]``.
"""

from __future__ import annotations


class Invalid(Exception):
    """The name does not follow the grammar, or printing it would be unreasonably large."""


class Printer:
    """Printing state: the output budget and the element of a pack being expanded."""

    __slots__ = ("budget", "depth", "pack_index", "in_lambda", "memo")

    def __init__(self, budget: int) -> None:
        self.budget = budget
        # substitutions make the tree a DAG: print each shared node once per context
        self.memo: dict[tuple[int, int | None, int], tuple[Node, str]] = {}
        self.depth = 0
        self.pack_index: int | None = None
        self.in_lambda = 0  # >0 while printing a lambda's signature, where T_ reads 'auto:N'

    def spend(self, text: str) -> str:
        self.budget -= len(text) + 1
        if self.budget < 0:
            raise Invalid
        return text


class Node:
    """A piece of a demangled name; ``text`` prints it, ``decl`` prints it as a declarator's type."""

    __slots__ = ()

    def text(self, p: Printer) -> str:
        return self.decl(p, "", "")

    def decl(self, p: Printer, ops: str, name: str) -> str:
        return p.spend(self.text(p) + ops + (" " + name if name else ""))

    def resolve(self, p: Printer) -> Node:
        """The node itself, or what a template parameter stands for."""
        return self


def show(node: Node, p: Printer) -> str:
    """Print a node, once per printing context, guarding the recursion depth."""
    key = (id(node), p.pack_index, p.in_lambda)
    hit = p.memo.get(key)
    if hit is not None:
        return hit[1]
    p.depth += 1
    if p.depth > 150:
        raise Invalid
    try:
        text = node.text(p)
    finally:
        p.depth -= 1
    p.memo[key] = (node, text)  # holding the node keeps its id from being reused meanwhile
    return text


def declare(node: Node, p: Printer, ops: str, name: str) -> str:
    """``node.decl``, guarding the depth of declarator chains (pointer to pointer to ...)."""
    p.depth += 1
    if p.depth > 150:
        raise Invalid
    try:
        return node.decl(p, ops, name)
    finally:
        p.depth -= 1


def join(nodes: list[Node], p: Printer) -> str:
    """Comma-separated items; an empty pack prints as nothing, not as an empty slot."""
    return ", ".join(t for t in (show(n, p) for n in nodes) if t)


class Words(Node):
    """Fixed words around typed pieces: ``static_cast<T>(e)``, ``sizeof (T)``, ``new T(e)``..."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[str | Node | list[Node]]) -> None:
        self.parts = parts

    def text(self, p: Printer) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, list):
                out.append(join(part, p))
            else:
                out.append(show(part, p))
        return p.spend("".join(out))


class Name(Node):
    __slots__ = ("s",)

    def __init__(self, s: str) -> None:
        self.s = s

    def text(self, p: Printer) -> str:
        return self.s


class BuiltinType(Name):
    """``int``, ``char``...: a type, so an operand made of one gets parentheses."""

    __slots__ = ()


class StdName(Node):
    """``Ss``, ``Si``... : short (``std::string``) unless it prefixes its own constructor."""

    __slots__ = ("short", "full", "base")

    def __init__(self, short: str, full: str, base: str) -> None:
        self.short, self.full, self.base = short, full, base

    def text(self, p: Printer) -> str:
        return self.short


class Nested(Node):
    __slots__ = ("prefix", "name")

    def __init__(self, prefix: Node, name: Node) -> None:
        self.prefix, self.name = prefix, name

    def text(self, p: Printer) -> str:
        prefix = self.prefix
        if isinstance(prefix, StdName) and isinstance(self.name, Ctor):
            return p.spend(prefix.full + "::" + show(self.name, p))
        return p.spend(show(prefix, p) + "::" + show(self.name, p))


class Template(Node):
    __slots__ = ("name", "args")

    def __init__(self, name: Node, args: list[Node]) -> None:
        self.name, self.args = name, args

    def text(self, p: Printer) -> str:
        name = show(self.name, p)
        texts = [show(arg, p) for arg in self.args]
        args = ", ".join(t for t in texts if t)
        last = texts[-1] if texts and not isinstance(self.args[-1], (ArgPack, TParam)) else (
            _last_item(self.args[-1], p) if texts else "")
        close = " >" if last.endswith(">") else ">"
        return p.spend(name + (" <" if name.endswith("<") else "<") + args + close)


def _last_item(node: Node, p: Printer) -> str:
    """The text of the last item inside an argument; like c++filt, an empty pack there counts as ''."""
    for _ in range(32):
        if isinstance(node, TParam) and p.pack_index is None:
            node = node.resolve(p)
        if not isinstance(node, ArgPack):
            return show(node, p)
        if not node.args:
            return ""
        node = node.args[-1]
    raise Invalid


class Ctor(Node):
    """A constructor or destructor: named after the class it belongs to."""

    __slots__ = ("cls", "dtor")

    def __init__(self, cls: Node, dtor: bool) -> None:
        self.cls, self.dtor = cls, dtor

    def text(self, p: Printer) -> str:
        return ("~" if self.dtor else "") + base_name(self.cls, p)


def base_name(node: Node, p: Printer) -> str:
    """The unqualified name without template arguments: what a constructor is called."""
    for _ in range(64):
        if isinstance(node, Nested) and _unnamed(node.name):
            node = node.prefix  # c++filt names an unnamed class's constructor after the enclosing one
        elif isinstance(node, Nested):
            node = node.name
        elif isinstance(node, Template):
            node = node.name
        elif isinstance(node, AbiTagged):
            node = node.name
        elif isinstance(node, StdName):
            return node.base
        elif isinstance(node, TParam):
            node = node.resolve(p)
        else:
            return show(node, p)
    raise Invalid


def _unnamed(node: Node) -> bool:
    return isinstance(node, Lambda) or (isinstance(node, Name) and node.s.startswith("{"))


class AbiTagged(Node):
    __slots__ = ("name", "tag")

    def __init__(self, name: Node, tag: str) -> None:
        self.name, self.tag = name, tag

    def text(self, p: Printer) -> str:
        return p.spend(show(self.name, p) + "[abi:" + self.tag + "]")


class Conversion(Node):
    __slots__ = ("type",)

    def __init__(self, type_: Node) -> None:
        self.type = type_

    def text(self, p: Printer) -> str:
        return p.spend("operator " + show(self.type, p))


class Local(Node):
    """``f(int)::x``: an entity declared inside a function."""

    __slots__ = ("function", "entity")

    def __init__(self, function: Node, entity: Node) -> None:
        self.function, self.entity = function, entity

    def text(self, p: Printer) -> str:
        return p.spend(show(self.function, p) + "::" + show(self.entity, p))


class Lambda(Node):
    __slots__ = ("params", "number")

    def __init__(self, params: list[Node], number: int) -> None:
        self.params, self.number = params, number

    def text(self, p: Printer) -> str:
        p.in_lambda += 1
        try:
            params = join(self.params, p)
        finally:
            p.in_lambda -= 1
        return p.spend("{lambda(" + params + f")#{self.number}}}")


class TemplateScope:
    """The template arguments that ``T_`` refers to inside one encoding, filled once they are known."""

    __slots__ = ("args", "parent")

    def __init__(self, parent: TemplateScope | None) -> None:
        self.args: list[Node] | None = None
        self.parent = parent


class TParam(Node):
    __slots__ = ("index", "scope")

    def __init__(self, index: int, scope: TemplateScope) -> None:
        self.index, self.scope = index, scope

    def resolve(self, p: Printer) -> Node:
        scope: TemplateScope | None = self.scope
        while scope is not None and scope.args is None:
            scope = scope.parent
        if scope is None or scope.args is None or self.index >= len(scope.args):
            raise Invalid
        node = scope.args[self.index]
        if isinstance(node, ArgPack) and p.pack_index is not None:
            if p.pack_index >= len(node.args):
                raise Invalid
            return node.args[p.pack_index]
        return node

    def text(self, p: Printer) -> str:
        return show(self.resolve(p), p)

    def decl(self, p: Printer, ops: str, name: str) -> str:
        return declare(self.resolve(p), p, ops, name)


class AutoParam(Node):
    """A generic lambda's parameter: ``auto:1``."""

    __slots__ = ("number",)

    def __init__(self, number: int) -> None:
        self.number = number

    def text(self, p: Printer) -> str:
        return f"auto:{self.number}"


class ArgPack(Node):
    __slots__ = ("args",)

    def __init__(self, args: list[Node]) -> None:
        self.args = args

    def text(self, p: Printer) -> str:
        return join(self.args, p)


def find_pack(node: Node, p: Printer, depth: int = 0) -> ArgPack | None:
    """The argument pack a pack expansion's pattern refers to."""
    if depth > 64:
        return None
    if isinstance(node, TParam):
        saved, p.pack_index = p.pack_index, None
        try:
            target = node.resolve(p)
        finally:
            p.pack_index = saved
        return target if isinstance(target, ArgPack) else None
    for slot in getattr(type(node), "__slots__", ()):
        value = getattr(node, slot, None)
        values = value if isinstance(value, list) else [value]
        for child in values:
            if isinstance(child, Node) and not isinstance(child, PackExpansion):
                found = find_pack(child, p, depth + 1)
                if found is not None:
                    return found
    return None


class PackExpansion(Node):
    __slots__ = ("pattern",)

    def __init__(self, pattern: Node) -> None:
        self.pattern = pattern

    def text(self, p: Printer) -> str:
        pack = find_pack(self.pattern, p)
        if pack is None:
            return p.spend(show(self.pattern, p) + "...")
        saved = p.pack_index
        try:
            parts = []
            for i in range(len(pack.args)):
                p.pack_index = i
                parts.append(show(self.pattern, p))
        finally:
            p.pack_index = saved
        return p.spend(", ".join(parts))


# --- types ----------------------------------------------------------------------------
