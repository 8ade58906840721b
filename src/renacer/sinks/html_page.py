"""The HTML report's page: a static header, the data as one JSON script, the inlined style and script.

Nothing is fetched: the style and script come from the package (``sinks/report/``) and are
written into the page; the data is JSON inside ``<script type="application/json">`` with every
``<``, ``>`` and ``&`` escaped as ``\\u003c``..., so no text from the trace can end that element.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from importlib import resources
from typing import Any

SECTIONS = (
    ("summary", "Summary"), ("latency", "Latency"), ("timeline", "Timeline"), ("processes", "Processes"),
    ("files", "Files & sockets"), ("errors", "Errors"), ("slowest", "Slowest calls"),
    ("source", "Source & functions"), ("decisions", "Transpiler decisions"),
    ("environment", "Command & environment"),
)
OPTIONAL = frozenset({"decisions"})  # sections only a report with such data has


def asset(name: str) -> str:
    """One of the report's own files (``report.js``, ``report.css``), read from the package."""
    return resources.files("renacer.sinks").joinpath("report", name).read_text(encoding="utf-8")


def script_json(data: Any) -> str:  # noqa: ANN401 - any JSON-ready value
    """``data`` as JSON safe inside a <script> element (no '<', '>', '&' or line separators)."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def inline_script(code: str) -> str:
    """Our own script, checked never to contain what would end its element early."""
    if "</script" in code.lower():
        raise ValueError("an inlined script must not contain '</script'")
    return code


def _hash(code: str) -> str:
    """A script's CSP source: only scripts with these hashes run (never one injected by the trace)."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode() + "'"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _facts(facts: list[tuple[str, str, str]]) -> str:
    """The header's boxes: (label, value, a CSS class for the value)."""
    return "".join(f'<div class="fact"><div class="fact-label">{_e(label)}</div>'
                   f'<div class="fact-value {_e(cls)}">{_e(value)}</div></div>'
                   for label, value, cls in facts)


def page(title: str, command: str, facts: list[tuple[str, str, str]], notes: list[str], data: Any) -> str:  # noqa: ANN401
    """The whole page."""
    shown = [(key, name) for key, name in SECTIONS if key not in OPTIONAL or data.get(key)]
    nav = "".join(f'<a href="#{key}">{_e(name)}</a>' for key, name in shown)
    sections = "".join(f'<section id="{key}"><h2>{_e(name)}</h2><div class="body" id="{key}-body">'
                       f'<p class="muted">Drawn by the page\'s script; nothing here without JavaScript.</p>'
                       f"</div></section>" for key, name in shown)
    note_html = "".join(f'<p class="note">{_e(n)}</p>' for n in notes)
    # the collector first: any error of the page's own script ends up in #page-errors, readable
    collector = (
        "window.__errors=[];function __err(m){window.__errors.push(String(m));"
        "var p=document.getElementById('page-errors');"
        "if(p){p.hidden=false;p.textContent=window.__errors.join('\\n');}}"
        "window.addEventListener('error',function(e){__err(e.message+' at '+e.lineno+':'+e.colno);});"
        # something the page's policy blocked (a script or a fetch that should not be there) is an error too
        "document.addEventListener('securitypolicyviolation',function(e){"
        "__err('blocked by the page policy: '+e.violatedDirective+' '+e.blockedURI);});"
        "(function(){var c=console.error;console.error=function(){__err([].join.call(arguments,' '));"
        "return c.apply(console,arguments);};})();"
    )
    script = inline_script(asset("report.js"))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # no network, and no script but these two: the browser enforces what the page promises
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        f"script-src {_hash(collector)} {_hash(script)}; style-src 'unsafe-inline'\">"
        f"<title>{_e(title)}</title>"
        f"<style>{asset('report.css')}</style>"
        f"<script>{collector}</script>"
        "</head><body>"
        '<header class="top"><div class="wrap">'
        '<div class="brand">renacer report</div>'
        f'<h1 class="command" title="the traced command">{_e(command)}</h1>'
        f'<div class="facts">{_facts(facts)}</div>{note_html}'
        f'<pre id="page-errors" class="page-errors" hidden></pre>'
        "</div></header>"
        f'<nav class="nav"><div class="wrap">{nav}</div></nav>'
        f'<main class="wrap">{sections}</main>'
        '<footer class="wrap muted">Made by renacer. This file is self-contained: it loads nothing '
        "from the network, and its charts are drawn by its own script.</footer>"
        f'<script type="application/json" id="report-data">{script_json(data)}</script>'
        f"<script>{script}</script>"
        "</body></html>\n"
    )
