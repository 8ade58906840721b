"""Rust's legacy symbol names: ``_ZN3std2fs4File4open17h<16 hex digits>E``.

Returns None when the name is not legacy Rust (the caller then tries C++). Output follows
``c++filt -i`` (no hash), except that ``$u..$`` escapes of non-ASCII characters are decoded.
"""

from __future__ import annotations

_MAX_OUTPUT = 1 << 16

_LEGACY_ESCAPES = {
    "SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">", "LP": "(", "RP": ")", "C": ",",
}


def _is_hash(part: str) -> bool:
    return len(part) == 17 and part[0] == "h" and all(c in "0123456789abcdef" for c in part[1:])


def _legacy_component(text: str) -> str:
    """Decode one path element's ``$..$`` escapes and ``..`` separators; unknown escapes stay as written."""
    if text.startswith("_$"):
        text = text[1:]
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        end = text.find("$", i + 1) if c == "$" else -1
        if end > 0:
            code = text[i + 1:end]
            char = _LEGACY_ESCAPES.get(code) or _unicode_escape(code)
            if char:
                out.append(char)
                i = end + 1
                continue
        if c == "." and text.startswith("..", i):
            out.append("::")
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _unicode_escape(code: str) -> str | None:
    """``u7b`` -> ``{``; None for anything else, including control characters."""
    if not (code[:1] == "u" and 1 < len(code) <= 7 and all(h in "0123456789abcdef" for h in code[1:])):
        return None
    value = int(code[1:], 16)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF or not chr(value).isprintable():
        return None
    return chr(value)


def demangle_legacy(name: str) -> str | None:
    """``_ZN3std2fs4File4open17h0123456789abcdefE`` -> ``std::fs::File::open``; None if not legacy Rust."""
    if not name.startswith("_ZN"):
        return None
    body = name[3:]
    parts: list[str] = []
    i, n = 0, len(body)
    while i < n and body[i] != "E":
        j = i
        while j < n and "0" <= body[j] <= "9":
            j += 1
        if j == i or body[i] == "0" or j - i > 6:
            return None
        length = int(body[i:j])
        if j + length > n:
            return None
        parts.append(body[j:j + length])
        i = j + length
    if i >= n or (i + 1 < n and body[i + 1] != ".") or len(parts) < 2 or not _is_hash(parts[-1]):
        return None
    text = "::".join(_legacy_component(p) for p in parts[:-1])
    return text if len(text) <= _MAX_OUTPUT else None


# --- v0 -------------------------------------------------------------------------------
