"""C++ symbol names (the Itanium C++ ABI's ``_Z`` mangling), printed as ``c++filt -i`` prints them.

A recursive-descent parser over the ABI grammar builds a tree of nodes, keeping the
substitution table (``S_``, ``S0_``...) and the template arguments ``T_`` refers to; this
module holds encodings and names, ``itanium_types`` and ``itanium_exprs`` the rest.
Given back unchanged (None here): ``_GLOBAL__sub_I_`` names, fold expressions and other rare
expression forms, lambda template parameter lists (``TL``), anything malformed.
"""

from __future__ import annotations

from .itanium_exprs import ExpressionGrammar
from .itanium_nodes import (
    AbiTagged,
    Conversion,
    Ctor,
    Invalid,
    Lambda,
    Local,
    Name,
    Nested,
    Node,
    Printer,
    StdName,
    Template,
    TemplateScope,
    Words,
)
from .itanium_reader import is_digit
from .itanium_tables import OPERATORS, SPECIAL_T, SPECIAL_TLS, STD_ABBREVIATIONS
from .itanium_type_nodes import Encoding, Function, Prefixed
from .itanium_types import TypeGrammar

_MAX_OUTPUT = 1 << 16


class _Parser(TypeGrammar, ExpressionGrammar):
    """Encodings, names and special names."""

    def encoding(self) -> Node:
        """``<name> [<return type>] <parameters>``, a data name alone, or a special name."""
        self.enter()
        if self.peek() in ("T", "G"):
            node = self.special_name()
            self.depth -= 1
            return node
        saved_scope = self.scope
        self.scope = scope = TemplateScope(saved_scope)
        name, quals, ref = self.name()
        template = _final_template(name)
        if template is not None:
            scope.args = template.args
        if self.pos >= len(self.s) or self.peek() in ("E", "."):
            self.scope = saved_scope
            self.depth -= 1
            return name
        ret = self.type() if template is not None and not _is_ctor_or_conversion(template.name) else None
        params = self.params(until="E.")
        self.scope = saved_scope
        self.depth -= 1
        return Encoding(name, Function(ret, params, quals, ref))

    def name(self) -> tuple[Node, str, str]:
        """A name and, for a member function, its cv and ref qualifiers (``' const'``, ``' &&'``)."""
        self.enter()
        c = self.peek()
        quals = ref = ""
        if c == "N":
            node, quals, ref = self.nested_name()
        elif c == "Z":
            node, quals, ref = self.local_name()
        elif c == "S" and self.peek(1) != "t":
            node = self.substitution()
            node = Template(node, self.template_args())
        else:
            node = Nested(Name("std"), self.unqualified_name(None)) if self.eat("St") else None
            if node is None:
                node = self.unqualified_name(None)
            if self.peek() == "I":
                self.subs.append(node)
                node = Template(node, self.template_args())
        self.depth -= 1
        return node, quals, ref

    def nested_name(self) -> tuple[Node, str, str]:
        """``N [cv] [ref] <prefix>... E``: every prefix but the last is a substitution candidate."""
        self.expect("N")
        quals = self.cv_quals()
        ref = " &" if self.eat("R") else " &&" if self.eat("O") else ""
        prefix: Node | None = None
        from_sub = False
        std = False
        while not self.eat("E"):
            if prefix is not None and not from_sub:
                self.subs.append(prefix)
            from_sub = False
            c = self.peek()
            if c == "S" and self.peek(1) == "t":
                if prefix is not None:
                    raise Invalid
                self.pos += 2
                std = True
                continue
            if c == "S":
                if prefix is not None:
                    raise Invalid
                prefix, from_sub = self.substitution(), True
            elif c == "I":
                if prefix is None:
                    raise Invalid
                prefix = Template(prefix, self.template_args())
            elif c == "T":
                prefix = self.template_param()
            elif c == "D" and self.peek(1) in ("t", "T"):
                prefix = self.decltype()
            elif c == "M":
                self.pos += 1  # a closure in a data member's initializer: nothing to print
                from_sub = True
            elif c == "":
                raise Invalid
            else:
                part = self.unqualified_name(prefix)
                if std:
                    part, std = Nested(Name("std"), part), False
                prefix = part if prefix is None else Nested(prefix, part)
        if prefix is None or std:
            raise Invalid
        return prefix, quals, ref

    def local_name(self) -> tuple[Node, str, str]:
        """``Z <function> E <entity>``: ``f(int)::x``, ``main::{lambda()#1}``, a string literal."""
        self.expect("Z")
        function = self.encoding()
        self.expect("E")
        if isinstance(function, Encoding):  # c++filt leaves out the enclosing function's return type
            fn = function.function
            function = Encoding(function.name, Function(None, fn.params, fn.quals, fn.ref, fn.extra))
        if self.eat("s"):
            self.discriminator()
            return Local(function, Name("string literal")), "", ""
        if self.eat("d"):
            number = 1 if self.eat("_") else self.number_then("_") + 2
            function = Local(function, Name(f"{{default arg#{number}}}"))
        entity, quals, ref = self.name()
        self.discriminator()
        return Local(function, entity), quals, ref

    def discriminator(self) -> None:
        if self.eat("__"):
            self.number()
            self.expect("_")
        elif self.eat("_"):
            if not is_digit(self.peek()):
                raise Invalid
            self.pos += 1

    def unqualified_name(self, prefix: Node | None) -> Node:
        c, c1 = self.peek(), self.peek(1)
        if is_digit(c):
            node: Node = Name(self.source_name())
        elif c == "L" and is_digit(c1):
            self.pos += 1  # internal linkage (a static function): nothing to print
            node = Name(self.source_name())
        elif c == "U" and c1 == "t":
            self.pos += 2
            number = 1 if self.eat("_") else self.number() + 2
            if number != 1:
                self.expect("_")
            node = Name(f"{{unnamed type#{number}}}")
        elif c == "U" and c1 == "l":
            node = self.lambda_name()
        elif c == "C" and c1 in ("1", "2", "3", "4", "5", "I"):
            if prefix is None:
                raise Invalid
            self.pos += 2
            if c1 == "I":  # an inheriting constructor is named after the base class it inherits from
                self.pos += 1
                prefix = self.type()
            node = Ctor(prefix, False)
        elif c == "D" and c1 in ("0", "1", "2", "4", "5"):
            if prefix is None:
                raise Invalid
            self.pos += 2
            node = Ctor(prefix, True)
        elif c == "D" and c1 == "C":
            self.pos += 2
            names = [self.source_name()]
            while not self.eat("E"):
                names.append(self.source_name())
            node = Name("[" + ", ".join(names) + "]")
        elif c.islower() and c1:
            node = self.operator_name()
        else:
            raise Invalid
        while self.eat("B"):
            node = AbiTagged(node, self.source_name())
        return node

    def lambda_name(self) -> Node:
        self.pos += 2
        saved, self.in_lambda_sig = self.in_lambda_sig, True
        params = self.params(until="E")
        self.in_lambda_sig = saved
        self.expect("E")
        number = 1 if self.eat("_") else self.number() + 2
        if number != 1:
            self.expect("_")
        return Lambda(params, number)

    def operator_name(self) -> Node:
        code = self.s[self.pos:self.pos + 2]
        self.pos += 2
        if code == "cv":
            # 'cvT_IiE': the arguments belong to the operator, and T_ refers to them
            saved, self.in_conversion = self.in_conversion, True
            try:
                return Conversion(self.type())
            finally:
                self.in_conversion = saved
        if code == "li":
            return Name('operator"" ' + self.source_name())
        if code[0] == "v" and is_digit(code[1]):
            return Name("operator " + self.source_name())
        if code not in OPERATORS or code in ("st", "sz", "at", "az"):
            raise Invalid
        spelling = OPERATORS[code][0]
        return Name("operator" + (" " if spelling[0].isalpha() else "") + spelling)

    def substitution(self) -> Node:
        self.expect("S")
        c = self.peek()
        if c in STD_ABBREVIATIONS and c:
            self.pos += 1
            return StdName(*STD_ABBREVIATIONS[c])
        index = self.seq_id()
        if index >= len(self.subs):
            raise Invalid
        return self.subs[index]

    def special_name(self) -> Node:
        """``T..``/``G..``: vtables, typeinfo, thunks, guard variables, TLS and transaction clones."""
        c, c1 = self.s[self.pos], self.peek(1)
        self.pos += 2
        if c == "T":
            if c1 in SPECIAL_T:
                return Prefixed(SPECIAL_T[c1], self.type())
            if c1 in SPECIAL_TLS:
                return Prefixed(SPECIAL_TLS[c1], self.name()[0])
            if c1 in ("h", "v"):
                self.call_offset(c1)
                kind = "non-virtual thunk to " if c1 == "h" else "virtual thunk to "
                return Prefixed(kind, self.encoding())
            if c1 == "c":
                for _ in range(2):
                    self.pos += 1
                    self.call_offset(self.s[self.pos - 1])
                return Prefixed("covariant return thunk to ", self.encoding())
            if c1 == "C":
                derived = self.type()
                self.number()
                self.expect("_")
                base = self.type()
                return Words(["construction vtable for ", base, "-in-", derived])
            if c1 == "A":
                return Prefixed("template parameter object for ", self.template_arg())
        elif c == "G":
            if c1 == "V":
                return Prefixed("guard variable for ", self.name()[0])
            if c1 == "R":
                name = self.name()[0]
                return Prefixed(f"reference temporary #{self.seq_id()} for ", name)
            if c1 == "A":
                return Prefixed("hidden alias for ", self.encoding())
            if c1 == "T" and self.peek() in ("t", "n"):
                kind = "transaction clone for " if self.s[self.pos] == "t" else "non-transaction clone for "
                self.pos += 1
                return Prefixed(kind, self.encoding())
        raise Invalid

    def call_offset(self, kind: str) -> None:
        """``h <offset> _`` or ``v <offset> _ <virtual offset> _``, the kind letter already read."""
        self.number()
        if kind == "v":
            self.expect("_")
            self.number()
        elif kind != "h":
            raise Invalid
        self.expect("_")


def _final_template(node: Node) -> Template | None:
    for _ in range(64):
        if isinstance(node, Local):
            node = node.entity
        elif isinstance(node, Template):
            return node
        else:
            return None
    return None


def _is_ctor_or_conversion(node: Node) -> bool:
    while isinstance(node, (Nested, AbiTagged)):
        node = node.name
    return isinstance(node, (Ctor, Conversion))


def _clone_suffix(text: str, pos: int) -> tuple[str, int]:
    """``.isra.0`` -> ('.isra.0', end): a compiler clone's name, as c++filt groups it."""
    end = pos + 1
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    if end == pos + 1:
        raise Invalid
    while end + 1 < len(text) and text[end] == "." and is_digit(text[end + 1]):
        end += 2
        while end < len(text) and is_digit(text[end]):
            end += 1
    return text[pos:end], end


def demangle_itanium(name: str) -> str | None:
    """``_ZN3app6config4loadEv`` -> ``app::config::load()``; None if not a well-formed C++ name."""
    if not name.startswith("_Z"):
        return None
    parser = _Parser(name)
    parser.pos = 2
    try:
        node = parser.encoding()
        while parser.pos < len(name):
            if name[parser.pos] != "." or not isinstance(node, Encoding | Prefixed):
                return None
            suffix, parser.pos = _clone_suffix(name, parser.pos)
            node = Prefixed("", node, f" [clone {suffix}]")
        text = node.text(Printer(_MAX_OUTPUT * 4))
        return text if 0 < len(text) <= _MAX_OUTPUT else None
    except (Invalid, RecursionError, IndexError, ValueError):
        return None
