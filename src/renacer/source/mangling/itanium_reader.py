"""The reading primitives and shared state of the C++ name parser, which its grammar parts extend."""

from __future__ import annotations

from .itanium_nodes import Invalid, Node, TemplateScope

_MAX_DEPTH = 96  # grammar nesting; real symbols stay far below, Python's stack does not
_QUALS = {"r": " restrict", "V": " volatile", "K": " const"}


def is_digit(c: str) -> bool:
    """An ASCII digit (``str.isdigit`` also accepts other scripts' digits)."""
    return "0" <= c <= "9"


class Reader:
    """A position in one mangled name, the substitution table and the template scope."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.pos = 0
        self.subs: list[Node] = []  # S_, S0_, S1_... in the order the grammar adds them
        self.depth = 0
        self.scope = TemplateScope(None)  # what T_ refers to in the encoding being read
        self.in_lambda_sig = False  # T_ in a lambda's parameters prints as 'auto:N'
        self.in_conversion = False  # 'cv T_ I..E': the arguments belong to the operator

    def peek(self, ahead: int = 0) -> str:
        i = self.pos + ahead
        return self.s[i:i + 1]  # '' past the end

    def eat(self, text: str) -> bool:
        if self.s.startswith(text, self.pos):
            self.pos += len(text)
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.eat(text):
            raise Invalid

    def enter(self) -> None:
        """Count one level of grammar nesting (the caller decrements ``depth`` when done)."""
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise Invalid

    def number(self) -> int:
        negative = self.eat("n")
        start = self.pos
        while is_digit(self.peek()):
            self.pos += 1
        if start == self.pos or self.pos - start > 9:
            raise Invalid
        value = int(self.s[start:self.pos])
        return -value if negative else value

    def number_then(self, end: str) -> int:
        value = self.number()
        self.expect(end)
        return value

    def seq_id(self) -> int:
        """A base-36 index closed by ``_``: ``_`` is 0, ``0_`` is 1, ``A_`` is 11."""
        if self.eat("_"):
            return 0
        value = 0
        while not self.eat("_"):
            c = self.peek()
            if is_digit(c):
                value = value * 36 + ord(c) - 48
            elif "A" <= c <= "Z":
                value = value * 36 + ord(c) - 55
            else:
                raise Invalid
            self.pos += 1
            if value > 1 << 20:
                raise Invalid
        return value + 1

    def source_name(self) -> str:
        length = self.number()
        if length <= 0 or self.pos + length > len(self.s):
            raise Invalid
        name = self.s[self.pos:self.pos + length]
        self.pos += length
        if name.startswith("_GLOBAL_") and name[8:9] in ("_", ".", "$") and name[9:10] == "N":
            return "(anonymous namespace)"
        return name

    def cv_quals(self) -> str:
        """``rVK`` -> `` const volatile restrict`` (c++filt's order)."""
        quals = ""
        while self.peek() in _QUALS and self.peek():
            quals = _QUALS[self.s[self.pos]] + quals
            self.pos += 1
        return quals

    # -- the grammar parts call each other through these; the parser class provides them
    def encoding(self) -> Node:
        raise NotImplementedError

    def name(self) -> tuple[Node, str, str]:
        raise NotImplementedError

    def substitution(self) -> Node:
        raise NotImplementedError

    def operator_name(self) -> Node:
        raise NotImplementedError

    def type(self) -> Node:
        raise NotImplementedError

    def template_param(self) -> Node:
        raise NotImplementedError

    def template_args(self) -> list[Node]:
        raise NotImplementedError

    def decltype(self) -> Node:
        raise NotImplementedError

    def expression(self) -> Node:
        raise NotImplementedError
