"""The ``.svg`` flamegraph: one rectangle per node of the merged stacks, widths by syscall time.

Self-contained: no external resources; a small inline script shows a frame's title on hover
and zooms into a frame on click (click the ``all`` frame at the bottom to zoom back out).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from .flame import StackWeights

WIDTH = 1200  # px, the whole image
PAD = 10  # px left and right of the frames
FRAME_H = 16  # px per stack level
TOP = 34  # px above the frames: the heading
BOTTOM = 28  # px below them: the hovered frame's details
CHAR_W = 6.7  # px, the advance of one 11px monospace character, to cut labels to fit

_SCRIPT = """\
"use strict";
var X0 = %(pad)d, W = %(inner)d, CH = %(char_w)s;
var nodes = Array.prototype.slice.call(document.querySelectorAll("g.f"));
var details = document.getElementById("details");
function num(g, k) { return Number(g.getAttribute("data-" + k)); }
function label(g, px) {
  var n = g.getAttribute("data-n"), fit = Math.floor((px - 6) / CH);
  return fit < 3 ? "" : (n.length <= fit ? n : n.slice(0, fit - 2) + "..");
}
function place(g, x, w) {
  var r = g.querySelector("rect"), t = g.querySelector("text");
  r.setAttribute("x", (X0 + x * W).toFixed(1));
  r.setAttribute("width", (w * W).toFixed(1));
  t.setAttribute("x", (X0 + x * W + 3).toFixed(1));
  t.textContent = label(g, w * W);
  g.style.display = "";
}
function zoom(z) {
  var zx = num(z, "x"), zw = num(z, "w"), zd = num(z, "d");
  if (zw <= 0) return;
  nodes.forEach(function (g) {
    var x = num(g, "x"), w = num(g, "w"), d = num(g, "d");
    if (d < zd && x <= zx && x + w >= zx + zw) place(g, 0, 1);  /* an ancestor spans the view */
    else if (d >= zd && x >= zx && x + w <= zx + zw) place(g, (x - zx) / zw, w / zw);
    else g.style.display = "none";
  });
}
nodes.forEach(function (g) {
  g.addEventListener("click", function () { zoom(g); });
  g.addEventListener("mouseover", function () {
    details.textContent = g.querySelector("title").textContent;
  });
  g.addEventListener("mouseout", function () { details.textContent = " "; });
});
"""


@dataclass
class Node:
    """One frame of the merged stacks: its name, whether it is the syscall leaf, its total time."""

    name: str
    leaf: bool
    value: int = 0
    children: dict[tuple[str, bool], Node] = field(default_factory=dict)


def merge(stacks: StackWeights) -> Node:
    """The stacks merged into a tree rooted at ``all``: a node per distinct path prefix."""
    root = Node("all", False)
    for stack, weight in stacks.weights.items():
        root.value += weight
        node = root
        names = stack.names()
        for i, name in enumerate(names):
            key = (name, i == len(names) - 1)
            child = node.children.get(key)
            if child is None:
                child = node.children[key] = Node(name, key[1])
            child.value += weight
            node = child
    return root


def duration_text(ns: int) -> str:
    """A duration for a human: ``850 ns``, ``12.345 µs``, ``1.234 ms``, ``2.500 s``."""
    for unit, scale in (("s", 1_000_000_000), ("ms", 1_000_000), ("µs", 1000)):
        if ns >= scale:
            return f"{ns / scale:.3f} {unit}"
    return f"{ns} ns"


def color(node: Node) -> str:
    """A fill: warm hues for functions (stable per name), blue for syscalls, grey for the unknown."""
    if node.name in ("all", "[unknown]") and not node.leaf:
        return "rgb(190,190,190)"
    h = zlib.crc32(node.name.encode("utf-8", "replace"))
    a, b, c = h & 0xFF, (h >> 8) & 0xFF, (h >> 16) & 0xFF
    if node.leaf:
        return f"rgb({70 + a * 60 // 255},{140 + b * 60 // 255},{210 + c * 45 // 255})"
    return f"rgb({205 + a * 50 // 255},{b * 230 // 255},{c * 55 // 255})"


def _label(name: str, px: float) -> str:
    fit = int((px - 6) // CHAR_W)
    if fit < 3:
        return ""
    return name if len(name) <= fit else name[: fit - 2] + ".."


def svg(stacks: StackWeights, name: str) -> str:
    """The interactive SVG flamegraph of ``stacks``, headed by ``name``."""
    root = merge(stacks)
    total = root.value
    inner = WIDTH - 2 * PAD
    # (node, depth, offset in ns from the left): walked without recursion, stacks can be deep
    placed: list[tuple[Node, int, int]] = []
    todo: list[tuple[Node, int, int]] = [(root, 0, 0)]
    while todo:
        node, depth, x = todo.pop()
        placed.append((node, depth, x))
        offset = x
        kids = []
        for key in sorted(node.children):
            child = node.children[key]
            kids.append((child, depth + 1, offset))
            offset += child.value
        todo.extend(reversed(kids))
    max_depth = max(d for _, d, _ in placed)
    height = TOP + (max_depth + 1) * FRAME_H + BOTTOM
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" style="background-color:#fdfdf6">',
        "<style>g.f{cursor:pointer} g.f:hover rect{stroke:#000;stroke-width:0.5}"
        " text{font-family:monospace;font-size:11px;fill:#000} text.h{font-size:15px}</style>",
        f'<text class="h" x="{WIDTH // 2}" y="20" text-anchor="middle">'
        f"{escape(name)}: syscall time by stack ({escape(duration_text(total))})</text>",
    ]
    for node, depth, x in placed:
        frac_x = x / total if total else 0.0
        frac_w = node.value / total if total else (1.0 if depth == 0 else 0.0)
        px_x, px_w = PAD + frac_x * inner, frac_w * inner
        y = TOP + (max_depth - depth) * FRAME_H
        share = 100.0 * node.value / total if total else 100.0 * (depth == 0)
        kind = " [syscall]" if node.leaf else ""
        title = f"{node.name}{kind} ({duration_text(node.value)}, {share:.2f}%)"
        attr_n = escape(node.name, {'"': "&quot;"})
        out.append(
            f'<g class="f" data-n="{attr_n}" data-x="{x}" data-w="{node.value}" data-d="{depth}">'
            f"<title>{escape(title)}</title>"
            f'<rect x="{px_x:.1f}" y="{y}" width="{px_w:.1f}" height="{FRAME_H - 1}" rx="2" '
            f'fill="{color(node)}"/>'
            f'<text x="{px_x + 3:.1f}" y="{y + 11.5}">{escape(_label(node.name, px_w))}</text></g>')
    out.append(f'<text id="details" x="{PAD}" y="{height - 10}"> </text>')
    out.append(f'<text x="{WIDTH - PAD}" y="{height - 10}" text-anchor="end">'
               "click a frame to zoom, 'all' to reset</text>")
    script = _SCRIPT % {"pad": PAD, "inner": inner, "char_w": CHAR_W}
    out.append(f"<script><![CDATA[\n{script}]]></script>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
