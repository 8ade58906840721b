"""The type half of the Itanium C++ mangling grammar: types, template arguments and parameters."""

from __future__ import annotations

from .itanium_expr_nodes import Decltype
from .itanium_nodes import (
    ArgPack,
    AutoParam,
    BuiltinType,
    Invalid,
    Name,
    Node,
    PackExpansion,
    Printer,
    Template,
    TParam,
    Words,
)
from .itanium_reader import Reader, is_digit
from .itanium_tables import BUILTIN, BUILTIN_D
from .itanium_type_nodes import Array, Function, MemberPointer, Pointer, Qualified
from .itanium_type_nodes import Postfix as TypePostfix


class TypeGrammar(Reader):
    """Types (with the substitution candidates they add), template arguments, parameter lists."""

    def params(self, until: str) -> list[Node]:
        params = []
        while self.pos < len(self.s) and self.peek() not in until:
            params.append(self.type())
        if not params:
            raise Invalid
        if len(params) == 1 and isinstance(params[0], BuiltinType) and params[0].s == "void":
            return []
        return params


    def template_args(self) -> list[Node]:
        self.expect("I")
        args = []
        while not self.eat("E"):
            args.append(self.template_arg())
        return args

    def template_arg(self) -> Node:
        self.enter()
        c = self.peek()
        if c == "L":
            node = self.expr_primary()
        elif c == "X":
            self.pos += 1
            node = self.expression()
            self.expect("E")
        elif c in ("J", "I"):  # 'I' is how older compilers wrote an argument pack
            self.pos += 1
            items = []
            while not self.eat("E"):
                items.append(self.template_arg())
            node = ArgPack(items)
        else:
            node = self.type()
        self.depth -= 1
        return node

    def template_param(self) -> Node:
        self.expect("T")
        index = 0 if self.eat("_") else self.number() + 1
        if index and not self.eat("_"):
            raise Invalid
        if index < 0:
            raise Invalid
        if self.in_lambda_sig:
            return LambdaParam(index, self.scope)
        return TParam(index, self.scope)

    def decltype(self) -> Node:
        self.pos += 2
        node = Decltype(self.expression())
        self.expect("E")
        return node

    def type(self) -> Node:
        self.enter()
        c, c1 = self.peek(), self.peek(1)
        conversion, self.in_conversion = self.in_conversion, False  # only the outermost type
        if c in BUILTIN and c:
            self.pos += 1
            self.depth -= 1
            return BuiltinType(BUILTIN[c])
        if c == "D" and c1 in BUILTIN_D and c1:
            self.pos += 2
            self.depth -= 1
            return BuiltinType(BUILTIN_D[c1])
        if c in ("r", "V", "K") and c:
            quals = self.cv_quals()
            inner = self.type()
            if isinstance(inner, Function) and self.subs and self.subs[-1] is inner:
                self.subs.pop()  # a member function's qualifiers: one candidate, not two
            node: Node = Qualified(inner, quals)
        elif c in ("P", "R", "O") and c:
            self.pos += 1
            node = Pointer(self.type(), {"P": "*", "R": "&", "O": "&&"}[c])
        elif c in ("C", "G") and c:
            self.pos += 1
            node = TypePostfix(self.type(), " _Complex" if c == "C" else " _Imaginary")
        elif c == "F" or (c == "D" and c1 in ("o", "O", "w", "x")):
            node = self.function_type()
        elif c == "A":
            node = self.array_type()
        elif c == "M":
            self.pos += 1
            cls = self.type()
            node = MemberPointer(cls, self.type())
        elif c == "T":
            node = self.template_param()
            if self.peek() == "I" and not conversion:
                self.subs.append(node)
                node = Template(node, self.template_args())
        elif c == "S" and c1 != "t":
            node = self.substitution()
            if isinstance(node, TParam):  # a parameter's substitution means that parameter here
                node = type(node)(node.index, self.scope)
            if self.peek() != "I":
                self.depth -= 1
                return node
            node = Template(node, self.template_args())
        elif c == "D" and c1 == "p":
            self.pos += 2
            node = PackExpansion(self.type())
        elif c == "D" and c1 in ("t", "T"):
            node = self.decltype()
        elif c == "D" and c1 == "v":
            self.pos += 2
            size = self.number()
            self.expect("_")
            node = TypePostfix(self.type(), f" __vector({size})")
        elif c == "D" and c1 == "F":
            self.pos += 2
            bits = self.number()
            self.expect("_")
            self.depth -= 1
            return BuiltinType(f"_Float{bits}")
        elif c == "u":
            self.pos += 1
            node = Name(self.source_name())
        elif c == "U":  # a vendor qualifier: 'int __vector'
            self.pos += 1
            qualifier = self.source_name()
            node = TypePostfix(self.type(), " " + qualifier)
        elif is_digit(c) or c in ("N", "Z", "S"):
            node = self.name()[0]
        else:
            raise Invalid
        self.subs.append(node)
        self.depth -= 1
        return node

    def function_type(self) -> Node:
        extra: list[str | Node | list[Node]] = []
        while self.peek() == "D":
            code = self.s[self.pos + 1:self.pos + 2]
            self.pos += 2
            if code == "o":
                extra.append(" noexcept")
            elif code == "O":
                extra += [" noexcept(", self.expression(), ")"]
                self.expect("E")
            elif code == "w":
                types = []
                while not self.eat("E"):
                    types.append(self.type())
                extra += [" throw(", types, ")"]
            elif code == "x":
                extra.append(" transaction_safe")
            else:
                raise Invalid
        self.expect("F")
        self.eat("Y")
        ret = self.type()
        params: list[Node] = []
        ref = ""
        while True:
            if self.eat("E"):
                break
            if self.peek() in ("R", "O") and self.peek(1) == "E":
                ref = " &" if self.s[self.pos] == "R" else " &&"
                self.pos += 2
                break
            params.append(self.type())
        if len(params) == 1 and isinstance(params[0], BuiltinType) and params[0].s == "void":
            params = []
        return Function(ret, params, "", ref, Words(extra) if extra else None)

    def array_type(self) -> Node:
        self.expect("A")
        dim: Node | None
        if self.eat("_"):
            dim = None
        elif is_digit(self.peek()):
            dim = Name(str(self.number()))
            self.expect("_")
        else:
            dim = self.expression()
            self.expect("_")
        return Array(dim, self.type())


class LambdaParam(TParam):
    """A template parameter in a lambda's signature: ``auto:1`` there, its argument elsewhere."""

    __slots__ = ()

    def text(self, p: Printer) -> str:
        if p.in_lambda:
            return AutoParam(self.index + 1).text(p)
        return super().text(p)
