"""The expression half of the Itanium mangling grammar, mixed into the C++ name parser."""

from __future__ import annotations

from .itanium_expr_nodes import (
    Binary,
    Call,
    Conditional,
    ExprPackExpansion,
    FunctionParam,
    Literal,
    Operand,
    Postfix,
    SizeofPack,
    Unary,
)
from .itanium_nodes import Invalid, Name, Nested, Node, Template, Words
from .itanium_reader import Reader, is_digit
from .itanium_tables import BUILTIN, LITERAL_SUFFIX, OPERATORS

_CAST = {"sc": "static_cast", "dc": "dynamic_cast", "cc": "const_cast", "rc": "reinterpret_cast"}


class ExpressionGrammar(Reader):
    """Expressions, literals and unresolved names."""

    def expr_list(self, end: str = "E") -> list[Node]:
        items = []
        while not self.eat(end):
            items.append(self.expression())
        return items

    def expression(self) -> Node:
        self.enter()
        try:
            return self._expression()
        finally:
            self.depth -= 1

    def _expression(self) -> Node:
        c = self.peek()
        code = self.s[self.pos:self.pos + 2]
        if c == "L":
            return self.expr_primary()
        if c == "T":
            return self.template_param()
        if code in ("fp", "fL"):
            self.pos += 2
            if code == "fL":
                self.number()
                self.expect("p")
            self.cv_quals()
            if self.eat("T"):
                return FunctionParam(0)
            return FunctionParam(1 if self.eat("_") else self.number_then("_") + 2)
        if code in ("sr", "gs") or is_digit(c) or code in ("on", "dn"):
            if code == "gs" and self.s[self.pos + 2:self.pos + 4] in ("nw", "na", "dl", "da"):
                self.pos += 2
                return Words(["::", self.expression()])
            return self.unresolved_name()
        if code in ("st", "at"):
            self.pos += 2
            # c++filt reads alignof's operand as an expression: a bare T_ there is no candidate
            operand = self.type() if code == "st" else self.expression()
            return Words([("sizeof" if code == "st" else "alignof") + " (", operand, ")"])
        if code in ("sz", "az"):
            self.pos += 2
            return Operand("sizeof " if code == "sz" else "alignof ", self.expression())
        if code == "sZ":
            self.pos += 2
            return SizeofPack(self.expression())
        if code == "sp":
            self.pos += 2
            return ExprPackExpansion(self.expression())
        if code == "cv":
            self.pos += 2
            target = self.type()
            if self.eat("_"):
                return Words(["(", target, ")(", self.expr_list(), ")"])
            return Words(["(", target, ")", Operand("", self.expression())])
        if code in _CAST:
            self.pos += 2
            target = self.type()
            return Words([_CAST[code] + "<", target, ">(", self.expression(), ")"])
        if code == "cl":
            self.pos += 2
            callee = self.expression()
            return Call(callee, self.expr_list())
        if code in ("dt", "pt", "ds"):
            self.pos += 2
            obj = self.expression()
            member = self.expression() if code == "ds" else self.unresolved_name()
            return Binary({"dt": ".", "pt": "->", "ds": ".*"}[code], obj, member)
        if code in ("ti", "te"):
            self.pos += 2
            return Words(["typeid (", self.type() if code == "ti" else self.expression(), ")"])
        if code == "tw":
            self.pos += 2
            return Operand("throw ", self.expression())
        if code == "tr":
            self.pos += 2
            return Name("throw")
        if code == "nx":
            self.pos += 2
            return Words(["noexcept (", self.expression(), ")"])
        if code == "tl":
            self.pos += 2
            target = self.type()
            return Words([target, "{", self.expr_list(), "}"])
        if code == "il":
            self.pos += 2
            return Words(["{", self.expr_list(), "}"])
        if code in ("nw", "na"):
            return self.new_expression(code)
        if code in OPERATORS:
            return self.operator_expression(code)
        raise Invalid

    def new_expression(self, code: str) -> Node:
        self.pos += 2
        placement = self.expr_list("_")
        target = self.type()
        parts: list[str | Node | list[Node]] = ["new "]  # c++filt writes array new as 'new' too
        if placement:
            parts += ["(", placement, ") "]
        parts.append(target)
        if self.eat("pi"):
            parts += ["(", self.expr_list(), ")"]
        elif self.peek() == "i" and self.peek(1) == "l":
            parts.append(self.expression())
            self.expect("E")
        else:
            self.expect("E")
        return Words(parts)

    def operator_expression(self, code: str) -> Node:
        spelling, arity = OPERATORS[code]
        self.pos += 2
        if arity == 1:
            if code in ("pp", "mm") and not self.eat("_"):
                return Postfix(self.expression(), spelling)
            self.eat("_")
            return Unary(spelling, self.expression())
        if arity == 2:
            left = self.expression()
            return Binary(spelling, left, self.expression())
        if code == "qu":
            cond, yes = self.expression(), self.expression()
            return Conditional(cond, yes, self.expression())
        raise Invalid

    def expr_primary(self) -> Node:
        self.expect("L")
        if self.eat("_Z") or self.eat("Z"):
            node = self.encoding()
            self.expect("E")
            return node
        code = self.peek()
        single = code in BUILTIN and self.peek(1) != "" and code != "z"
        target = self.type()
        start = self.pos
        while self.peek() not in ("E", ""):
            self.pos += 1
        value = self.s[start:self.pos]
        self.expect("E")
        if single and code == "b" and value in ("0", "1"):
            return Literal(None, "true" if value == "1" else "false", "")
        if single and code in LITERAL_SUFFIX and value:
            return Literal(None, value, LITERAL_SUFFIX[code])
        if single and code in ("f", "d", "e", "g"):
            value = "[" + value + "]"  # floating-point literals are written as their hex bytes
        return Literal(target, value, None)

    # -- unresolved names --------------------------------------------------------------
    def unresolved_name(self) -> Node:
        global_scope = self.eat("gs")
        if self.eat("sr"):
            if self.eat("N"):
                node = self.unresolved_type()
                while not self.eat("E"):
                    node = Nested(node, self.simple_id())
            elif is_digit(self.peek()):
                node = self.simple_id()
                while not self.eat("E"):
                    node = Nested(node, self.simple_id())
            else:
                node = self.unresolved_type()
            base = self.base_unresolved_name()
            # 'a::b<c>' is a template of a qualified name, which c++filt parenthesizes as an operand
            node = Template(Nested(node, base.name), base.args) if isinstance(base, Template) else Nested(
                node, base)
        else:
            node = self.base_unresolved_name()
        return Words(["::", node]) if global_scope else node

    def unresolved_type(self) -> Node:
        c = self.peek()
        if c == "T":
            node = self.template_param()
            self.subs.append(node)
        elif c == "D":
            node = self.decltype()
            self.subs.append(node)
        elif c == "S" and self.peek(1) == "t":
            self.pos += 2
            node = Nested(Name("std"), self.simple_id(template=False))
            self.subs.append(node)
        elif c == "S":
            node = self.substitution()
        else:
            raise Invalid
        if self.peek() == "I":
            node = Template(node, self.template_args())
            self.subs.append(node)
        return node

    def simple_id(self, template: bool = True) -> Node:
        node: Node = Name(self.source_name())
        if template and self.peek() == "I":
            node = Template(node, self.template_args())
        return node

    def base_unresolved_name(self) -> Node:
        if is_digit(self.peek()):
            return self.simple_id()
        if self.eat("on"):
            node = self.operator_name()
        elif self.eat("dn"):
            inner = self.simple_id() if is_digit(self.peek()) else self.unresolved_type()
            return Words(["~", inner])
        else:
            node = self.operator_name()
        if self.peek() == "I":
            node = Template(node, self.template_args())
        return node
