/* renacer's HTML report: draws every section from the JSON in #report-data.
 * Text from the trace only ever goes through textContent (never innerHTML), so it cannot become markup. */
(function () {
  "use strict";
  var started = performance.now();
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var P = D.meta.percentiles;
  var COLORS = {
    file: "#2f6fde", descriptor: "#0f9d9a", network: "#8e44ad", memory: "#7a869a", process: "#d97706",
    signal: "#c2185b", wait: "#b9c3d3", ipc: "#6d4c41", other: "#4f8a3c"
  };
  var ERROR_COLOR = "#d32f2f";
  // the SVG namespace, taken from the HTML parser so that the page holds no URL at all
  var SVGNS = (function () { var d = document.createElement("div"); d.innerHTML = "<svg></svg>"; return d.firstChild.namespaceURI; })();

  // ---- small helpers -------------------------------------------------------------------------
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "cls") e.className = attrs[k];
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    (kids || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) { if (k === "text") e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); }
    return e;
  }
  function body(id) { var b = document.getElementById(id + "-body"); b.textContent = ""; return b; }
  function int(n) { return n == null ? "" : Number(n).toLocaleString("en-US"); }
  function ns(v) {
    if (v == null) return "";
    var a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(3) + " s";
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e8 ? 0 : a >= 1e7 ? 1 : 2) + " ms";
    if (a >= 1e3) return (v / 1e3).toFixed(a >= 1e5 ? 0 : a >= 1e4 ? 1 : 2) + " \u00b5s";
    return Math.round(v) + " ns";
  }
  function bytes(n) {
    if (!n) return n === 0 ? "0" : "";
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(n >= 100 ? 0 : 1) : n) + " " + u[i];
  }
  function decade(d) { var u = ["ns", "\u00b5s", "ms", "s"], i = Math.min(3, Math.floor(d / 3)); return Math.pow(10, d - 3 * i) + " " + u[i]; }
  function pct(part, all) { return all ? (100 * part / all).toFixed(2) : "0.00"; }
  function chip(color) { var c = el("span", { cls: "chip" }); c.style.background = color; return c; }
  function lead(b, text) { b.appendChild(el("p", { cls: "lead", text: text })); }

  // ---- a sortable, filterable, paginated table -------------------------------------------------
  // cols: {label, get(row) -> sort value, show(row) -> text or node, num, cls, title}
  function table(parent, cols, rows, opt) {
    opt = opt || {};
    var size = opt.pageSize || 25, page = 0, sortCol = opt.sort == null ? -1 : opt.sort, desc = opt.desc !== false;
    var query = "", shown = rows;
    var box = el("div", { cls: "table-box" });
    if (opt.id) box.id = opt.id;
    if (opt.filter && rows.length > 10) {
      var input = el("input", { type: "search", placeholder: opt.filter, "aria-label": opt.filter });
      input.addEventListener("input", function () { query = input.value.toLowerCase(); page = 0; refresh(); });
      box.appendChild(el("div", { cls: "tools" }, [input]));
    }
    var t = el("table", { cls: "data" }), head = el("tr"), tb = el("tbody");
    cols.forEach(function (c, i) {
      var th = el("th", { cls: c.num ? "num" : "", text: c.label, title: c.title || "Sort by " + c.label });
      th.addEventListener("click", function () {
        if (sortCol === i) desc = !desc; else { sortCol = i; desc = !!c.num; }
        page = 0; refresh();
      });
      head.appendChild(th);
    });
    t.appendChild(el("thead", null, [head]));
    t.appendChild(tb);
    if (opt.foot) t.appendChild(el("tfoot", null, [opt.foot]));
    box.appendChild(t);
    var pager = el("div", { cls: "pager" });
    box.appendChild(pager);
    parent.appendChild(box);

    function refresh() {
      shown = !query ? rows.slice() : rows.filter(function (r) {
        return cols.some(function (c) { var v = c.get(r); return v != null && String(v).toLowerCase().indexOf(query) >= 0; });
      });
      if (sortCol >= 0) {
        var g = cols[sortCol].get;
        shown.sort(function (a, b) {
          var x = g(a), y = g(b);
          if (x === y) return 0;
          if (x == null) return 1;
          if (y == null) return -1;
          return (x < y ? -1 : 1) * (desc ? -1 : 1);
        });
      }
      Array.prototype.forEach.call(head.children, function (th, i) {
        if (i === sortCol) th.setAttribute("aria-sort", desc ? "descending" : "ascending"); else th.removeAttribute("aria-sort");
      });
      var pages = Math.max(1, Math.ceil(shown.length / size));
      page = Math.min(page, pages - 1);
      tb.textContent = "";
      shown.slice(page * size, page * size + size).forEach(function (r) {
        var tr = el("tr");
        cols.forEach(function (c) {
          var v = c.show ? c.show(r) : c.get(r);
          var td = el("td", { cls: (c.num ? "num " : "") + (c.cls ? (typeof c.cls === "function" ? c.cls(r) : c.cls) : "") });
          if (v instanceof Node) td.appendChild(v); else td.textContent = v == null ? "" : String(v);
          tr.appendChild(td);
        });
        tb.appendChild(tr);
      });
      if (!shown.length) tb.appendChild(el("tr", null, [el("td", { colspan: cols.length, cls: "muted", text: "Nothing to show." })]));
      pager.textContent = "";
      if (shown.length > size) {
        pager.appendChild(el("button", { text: "\u2039 Previous", onclick: function () { if (page > 0) { page--; refresh(); } } }));
        pager.appendChild(el("span", { text: "rows " + int(page * size + 1) + "\u2013" + int(Math.min(shown.length, page * size + size)) + " of " + int(shown.length) }));
        pager.appendChild(el("button", { text: "Next \u203a", onclick: function () { if (page < pages - 1) { page++; refresh(); } } }));
      } else if (query) {
        pager.appendChild(el("span", { text: int(shown.length) + " of " + int(rows.length) + " rows" }));
      }
    }
    refresh();
    return box;
  }

  // ---- summary ---------------------------------------------------------------------------------
  var CAT = 8 + P.length, BUCKETS = CAT + 1;
  function renderSummary() {
    var b = body("summary"), rows = D.summary;
    var total = rows.reduce(function (s, r) { return s + r[3]; }, 0);
    var calls = rows.reduce(function (s, r) { return s + r[1]; }, 0);
    var errs = rows.reduce(function (s, r) { return s + r[2]; }, 0);
    lead(b, "Every finished syscall, as renacer -c counts it: time is from entry to exit of each call. " +
      "Percentiles are over each call's duration" + (D.meta.interpolated ? " (~: interpolated within the kernel's log2 buckets, eBPF)." : " (exact)."));
    if (!rows.length) { b.appendChild(el("p", { cls: "muted", text: "No finished syscalls were traced." })); return; }
    var mark = D.meta.interpolated ? "~" : "";
    var cols = [
      { label: "syscall", get: function (r) { return r[0]; }, show: function (r) {
        var a = el("a", { href: "#lat-" + r[0], text: r[0] }); return el("span", { cls: "mono" }, [chip(COLORS[r[CAT]] || COLORS.other), a]); } },
      { label: "calls", num: true, get: function (r) { return r[1]; }, show: function (r) { return int(r[1]); } },
      { label: "errors", num: true, get: function (r) { return r[2]; }, show: function (r) { return r[2] ? int(r[2]) : ""; }, cls: "bad" },
      { label: "% time", num: true, get: function (r) { return r[3]; }, show: function (r) { return pct(r[3], total); } },
      { label: "total", num: true, get: function (r) { return r[3]; }, show: function (r) { return ns(r[3]); } },
      { label: "avg", num: true, get: function (r) { return r[6]; }, show: function (r) { return ns(r[6]); } },
      { label: "min", num: true, get: function (r) { return r[4]; }, show: function (r) { return ns(r[4]); } },
      { label: "max", num: true, get: function (r) { return r[5]; }, show: function (r) { return ns(r[5]); } }
    ];
    P.forEach(function (p, i) {
      cols.push({ label: mark + "p" + p, num: true, get: function (r) { return r[8 + i]; }, show: function (r) { return ns(r[8 + i]); } });
    });
    var foot = el("tr", null, [el("td", { text: "total" }), el("td", { cls: "num", text: int(calls) }),
      el("td", { cls: "num bad", text: errs ? int(errs) : "" }), el("td", { cls: "num", text: "100.00" }),
      el("td", { cls: "num", text: ns(total) })]);
    for (var i = 5; i < cols.length; i++) foot.appendChild(el("td"));
    table(b, cols, rows, { sort: 3, pageSize: 15, filter: "Filter syscalls\u2026", foot: foot, id: "summary-table" });
  }

  // ---- latency histograms (inline SVG) ----------------------------------------------------------
  function histogramSvg(r) {
    var W = 320, H = 140, L = 8, R = 8, T = 34, B = 24, buckets = r[BUCKETS];
    var s = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": r[0] + " latency histogram", "class": "hist" });
    if (!buckets.length) return s;
    var lo = Math.log10(Math.max(1, buckets[0][0])), hi = Math.log10(buckets[buckets.length - 1][1] + 1);
    if (hi - lo < 1) { lo -= 0.5; hi += 0.5; }
    var top = 0; buckets.forEach(function (k) { top = Math.max(top, k[2] / Math.max(0.05, Math.log10(k[1] + 1) - Math.log10(Math.max(1, k[0])))); });
    function x(v) { return L + (W - L - R) * (Math.log10(Math.max(1, v)) - lo) / (hi - lo); }
    s.appendChild(svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#aab3c2" }));
    for (var d = Math.ceil(lo); d <= Math.floor(hi); d++) {
      var tx = x(Math.pow(10, d));
      s.appendChild(svg("line", { x1: tx, x2: tx, y1: H - B, y2: H - B + 4, stroke: "#aab3c2" }));
      s.appendChild(svg("text", { x: tx, y: H - 6, "font-size": 10, "text-anchor": "middle", fill: "#5d6778", text: decade(d) }));
    }
    buckets.forEach(function (k) {
      var x0 = x(Math.max(1, k[0])), x1 = Math.max(x0 + 1.5, x(k[1] + 1));
      var density = k[2] / Math.max(0.05, Math.log10(k[1] + 1) - Math.log10(Math.max(1, k[0])));
      var h = Math.max(1, (H - B - T) * density / top);
      var rect = svg("rect", { x: x0, y: H - B - h, width: Math.max(1, x1 - x0 - 0.5), height: h, fill: COLORS[r[CAT]] || COLORS.other, "class": "bar" });
      rect.appendChild(svg("title", { text: ns(k[0]) + "\u2013" + ns(k[1]) + ": " + int(k[2]) + " calls" }));
      s.appendChild(rect);
    });
    [[50, "#1a7f37"], [90, "#b26a00"], [99, "#c62828"]].forEach(function (m, j) {
      var at = P.indexOf(m[0]), v = at < 0 ? null : r[8 + at];
      if (v == null) return;
      var px = x(Math.max(1, v)), right = px < W - 40;
      s.appendChild(svg("line", { x1: px, x2: px, y1: 2 + j * 10, y2: H - B, stroke: m[1], "stroke-dasharray": "3 2", "class": "pmark" }));
      s.appendChild(svg("text", { x: right ? px + 3 : px - 3, y: 10 + j * 10, "font-size": 10, fill: m[1], "text-anchor": right ? "start" : "end", text: "p" + m[0] }));
    });
    return s;
  }
  function renderLatency() {
    var b = body("latency"), rows = D.summary;
    lead(b, "How long each syscall's calls took (log scale; bar area is calls). Dashed lines: p50, p90, p99. " +
      "Sorted by total time; hover a bar for its range and count.");
    if (!rows.length) { b.appendChild(el("p", { cls: "muted", text: "No durations to draw." })); return; }
    var grid = el("div", { cls: "lat-grid", id: "latency-grid" });
    b.appendChild(grid);
    var first = 8, more = null;
    function card(r) {
      var p50 = r[8 + P.indexOf(50)], p99 = r[8 + P.indexOf(99)];
      return el("div", { cls: "lat-card", id: "lat-" + r[0] }, [
        el("div", { cls: "lat-title" }, [chip(COLORS[r[CAT]] || COLORS.other), r[0]]),
        el("div", { cls: "lat-sub", text: int(r[1]) + " calls \u00b7 p50 " + ns(p50) + " \u00b7 p99 " + ns(p99) + " \u00b7 max " + ns(r[5]) }),
        histogramSvg(r)]);
    }
    rows.slice(0, first).forEach(function (r) { grid.appendChild(card(r)); });
    if (rows.length > first) {
      more = el("button", { text: "Show all " + rows.length + " syscalls" });
      more.addEventListener("click", function () { rows.slice(first).forEach(function (r) { grid.appendChild(card(r)); }); more.remove(); });
      b.appendChild(el("div", { cls: "tools" }, [more]));
    }
    // a link from the summary table to a card not drawn yet draws them all
    window.addEventListener("hashchange", function () {
      if (location.hash.indexOf("#lat-") === 0 && !document.getElementById(location.hash.slice(1)) && more && more.isConnected) more.click();
    });
  }

  // ---- timeline (canvas) -------------------------------------------------------------------------
  function renderTimeline() {
    var b = body("timeline"), T = D.timeline, n = T.t.length;
    lead(b, "Each row is a thread, grouped by process; each bar a syscall from entry to exit, coloured by kind (failed calls red). " +
      "Drag to pan, Ctrl+wheel or double-click to zoom (Shift+double-click zooms out), click a bar to keep its details.");
    if (!T.threads.length) { b.appendChild(el("p", { cls: "muted", text: "No per-call events (a kernel-side summary has counts only)." })); return; }
    var total = T.total;
    if (T.kept < total) b.appendChild(el("p", { cls: "note", text: "The timeline holds the first " + int(T.kept) + " of " + int(total) + " calls; every other section counts them all." }));
    var ROWH = 20, LABEL = 210, AXIS = 26, MAXROWS = 400;
    var rows = T.threads.slice(0, MAXROWS), nrows = rows.length;
    // per row: its calls' indexes in entry order, and its longest call (for the search window)
    var byRow = [], longest = [];
    for (var r = 0; r < nrows; r++) { byRow.push([]); longest.push(0); }
    for (var i = 0; i < n; i++) { var rr = T.th[i]; if (rr < nrows) { byRow[rr].push(i); if (T.d[i] > longest[rr]) longest[rr] = T.d[i]; } }
    byRow.forEach(function (a) { a.sort(function (x, y) { return T.t[x] - T.t[y]; }); });
    var rowStart = byRow.map(function (a) { return Float64Array.from(a, function (k) { return T.t[k]; }); });
    var colorOf = T.names.map(function (nm) { return COLORS[T.categories[nm]] || COLORS.other; });
    var end = 1;
    rows.forEach(function (t) { end = Math.max(end, t[3]); });
    for (i = 0; i < n; i++) end = Math.max(end, T.t[i] + T.d[i]);
    var view = { a: 0, b: end * 1.01 };

    var tools = el("div", { cls: "tools" });
    var legend = el("div", { cls: "legend" });
    Object.keys(COLORS).forEach(function (k) { legend.appendChild(el("span", null, [chip(COLORS[k]), k])); });
    legend.appendChild(el("span", null, [chip(ERROR_COLOR), "failed"]));
    var pick = el("select", { "aria-label": "Highlight a syscall" }, [el("option", { value: "", text: "Highlight: all syscalls" })]);
    T.names.slice().sort().forEach(function (nm) { pick.appendChild(el("option", { value: nm, text: nm })); });
    var zin = el("button", { text: "+", title: "Zoom in" }), zout = el("button", { text: "\u2212", title: "Zoom out" });
    var reset = el("button", { text: "Show all", title: "Reset the zoom" });
    var range = el("span", { cls: "muted" });
    tools.appendChild(pick); tools.appendChild(zin); tools.appendChild(zout); tools.appendChild(reset); tools.appendChild(range);
    b.appendChild(tools);
    b.appendChild(legend);
    var box = el("div", { cls: "timeline-box" });
    var canvas = el("canvas", { id: "timeline-canvas" });
    var tip = el("div", { cls: "tip", hidden: "" });
    box.appendChild(canvas); box.appendChild(tip);
    b.appendChild(box);
    var picked = el("div", { cls: "picked", id: "timeline-picked", text: "Click a call to see it here." });
    b.appendChild(picked);
    if (T.threads.length > MAXROWS) b.appendChild(el("p", { cls: "muted", text: "The first " + MAXROWS + " of " + T.threads.length + " threads are drawn." }));

    var dpr = window.devicePixelRatio || 1, W = 0, H = AXIS + nrows * ROWH + 4, ctx = canvas.getContext("2d");
    var highlight = -1;
    function size() {
      W = Math.max(600, box.clientWidth || 1300);
      canvas.width = W * dpr; canvas.height = H * dpr;
      canvas.style.width = W + "px"; canvas.style.height = H + "px";
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    function xOf(t) { return LABEL + (t - view.a) * (W - LABEL - 8) / (view.b - view.a); }
    function tOf(x) { return view.a + (x - LABEL) * (view.b - view.a) / (W - LABEL - 8); }
    function lower(arr, v) { var lo = 0, hi = arr.length; while (lo < hi) { var m = (lo + hi) >> 1; if (arr[m] < v) lo = m + 1; else hi = m; } return lo; }
    function niceStep(span) { var s = Math.pow(10, Math.floor(Math.log10(span / 8))); return span / s > 40 ? s * 5 : span / s > 16 ? s * 2 : s; }
    function draw() {
      ctx.clearRect(0, 0, W, H);
      ctx.font = "12px system-ui, sans-serif";
      ctx.textBaseline = "middle";
      var step = niceStep(view.b - view.a), drawn = 0;
      ctx.fillStyle = "#5d6778"; ctx.strokeStyle = "#eceff4";
      for (var t = Math.ceil(view.a / step) * step; t <= view.b; t += step) {
        var gx = xOf(t);
        ctx.beginPath(); ctx.moveTo(gx + 0.5, AXIS - 4); ctx.lineTo(gx + 0.5, H); ctx.stroke();
        var label = t ? "+" + ns(t) : "0";
        if (gx + 3 + ctx.measureText(label).width < W) ctx.fillText(label, gx + 3, AXIS / 2);
      }
      var lastTgid = null;
      for (var r = 0; r < nrows; r++) {
        var th = rows[r], y = AXIS + r * ROWH;
        if (th[1] !== lastTgid && r > 0) { ctx.fillStyle = "#c3cad6"; ctx.fillRect(0, y, W, 1); }
        var leader = th[0] === th[1];
        ctx.fillStyle = leader ? "#1d2330" : "#5d6778";
        var name = (leader ? "" : "  \u21b3 ") + (leader ? "pid " : "tid ") + th[0] + (th[5] && leader ? " " + th[5] : "");
        ctx.fillText(name.length > 30 ? name.slice(0, 29) + "\u2026" : name, 6, y + ROWH / 2);
        lastTgid = th[1];
        // the thread's life
        var l0 = Math.max(LABEL, xOf(th[2])), l1 = Math.min(W - 8, xOf(th[3]));
        if (l1 > l0) { ctx.fillStyle = "#e3e8f0"; ctx.fillRect(l0, y + ROWH / 2 - 1, l1 - l0, 2); }
        var idx = byRow[r], starts = rowStart[r], k = lower(starts, view.a - longest[r]), lastEnd = -1;
        for (; k < idx.length && starts[k] <= view.b; k++) {
          var c = idx[k], t0 = T.t[c], t1 = t0 + T.d[c];
          if (t1 < view.a) continue;
          // whole pixels: calls within a pixel already drawn are skipped, so 100k calls stay a few thousand rects
          var x0 = Math.floor(Math.max(LABEL, xOf(t0))), x1 = Math.max(x0 + 1, Math.ceil(Math.min(W - 8, xOf(t1))));
          if (x1 <= lastEnd) continue;
          var dim = highlight >= 0 && T.nm[c] !== highlight;
          ctx.fillStyle = T.e[c] ? ERROR_COLOR : colorOf[T.nm[c]];
          ctx.globalAlpha = dim ? 0.15 : 1;
          ctx.fillRect(Math.max(x0, lastEnd), y + 3, x1 - Math.max(x0, lastEnd), ROWH - 6);
          lastEnd = x1; drawn++;
        }
        ctx.globalAlpha = 1;
      }
      T.marks.forEach(function (m) {
        var mx = xOf(m[1]);
        if (mx < LABEL || mx > W - 8) return;
        if (m[0] < 0) { ctx.fillStyle = ERROR_COLOR; ctx.fillRect(mx, AXIS, 2, H - AXIS); return; }
        if (m[0] >= nrows) return;
        var my = AXIS + m[0] * ROWH;
        ctx.fillStyle = m[2] === "exit" ? "#1d2330" : m[2] === "signal" ? "#c2185b" : m[2] === "decision" ? "#2e7d32" : "#b26a00";
        if (m[2] === "exit") ctx.fillRect(mx - 1, my + 2, 3, ROWH - 4);
        else { ctx.beginPath(); ctx.moveTo(mx - 5, my + 1); ctx.lineTo(mx + 5, my + 1); ctx.lineTo(mx, my + 8); ctx.fill(); }
      });
      ctx.fillStyle = "#c3cad6"; ctx.fillRect(LABEL - 1, AXIS - 4, 1, H);
      canvas.setAttribute("data-drawn", drawn);
      range.textContent = "showing " + (view.a > 0 ? "+" + ns(view.a) : "from the start") + " to +" + ns(view.b) + " (" + ns(view.b - view.a) + ")";
    }
    function callAt(px, py) {
      var r = Math.floor((py - AXIS) / ROWH);
      if (r < 0 || r >= nrows || px < LABEL) return null;
      var t = tOf(px), slack = 3 * (view.b - view.a) / (W - LABEL), idx = byRow[r], starts = rowStart[r];
      var k = lower(starts, t - longest[r] - slack), best = null, bestGap = Infinity;
      for (; k < idx.length && starts[k] <= t + slack; k++) {
        var c = idx[k], gap = t < T.t[c] ? T.t[c] - t : t > T.t[c] + T.d[c] ? t - T.t[c] - T.d[c] : 0;
        if (gap <= slack && gap < bestGap) { best = c; bestGap = gap; }
      }
      var mark = null;
      T.marks.forEach(function (m) { if (m[0] === r && Math.abs(xOf(m[1]) - px) < 5) mark = m; });
      return best != null ? { call: best, row: r } : mark ? { mark: mark, row: r } : null;
    }
    function describe(hit) {
      var th = rows[hit.row];
      if (hit.mark) return [(hit.mark[2] === "exit" ? "+++ " : hit.mark[2] === "decision" ? "decision " : "--- ") + hit.mark[3],
        "tid " + th[0] + " \u00b7 at +" + ns(hit.mark[1])];
      var c = hit.call;
      return [T.names[T.nm[c]] + "(" + T.a[c] + ") = " + T.r[c],
        "tid " + th[0] + (th[5] ? " (" + th[5] + ")" : "") + " \u00b7 at +" + ns(T.t[c]) + " \u00b7 took " + ns(T.d[c])];
    }
    function show(node, lines) {
      node.textContent = "";
      lines.forEach(function (ln, j) { node.appendChild(el("div", { text: ln, style: j ? "opacity:.8" : "" })); });
    }
    var drag = null;
    canvas.addEventListener("mousedown", function (e) { drag = { x: e.clientX, a: view.a, b: view.b, moved: false }; canvas.style.cursor = "grabbing"; });
    window.addEventListener("mouseup", function () { drag = null; canvas.style.cursor = ""; });
    canvas.addEventListener("mousemove", function (e) {
      var rect = canvas.getBoundingClientRect(), px = e.clientX - rect.left, py = e.clientY - rect.top;
      if (drag) {
        var dt = (e.clientX - drag.x) * (drag.b - drag.a) / (W - LABEL);
        if (Math.abs(e.clientX - drag.x) > 2) drag.moved = true;
        view.a = drag.a - dt; view.b = drag.b - dt; draw(); tip.hidden = true; return;
      }
      var hit = callAt(px, py);
      if (!hit) { tip.hidden = true; return; }
      show(tip, describe(hit));
      tip.hidden = false;
      var left = px + box.scrollLeft + 14, top = py + box.scrollTop + 14;
      if (left + 420 > W) left = Math.max(0, px - 430);
      tip.style.left = left + "px"; tip.style.top = top + "px";
    });
    canvas.addEventListener("mouseleave", function () { tip.hidden = true; });
    canvas.addEventListener("click", function (e) {
      var rect = canvas.getBoundingClientRect(), hit = callAt(e.clientX - rect.left, e.clientY - rect.top);
      if (hit) show(picked, describe(hit));
    });
    function zoom(factor, at) {
      var t = at == null ? (view.a + view.b) / 2 : tOf(at), span = Math.max(1000, (view.b - view.a) * factor);
      var f = at == null ? 0.5 : (t - view.a) / (view.b - view.a);
      view.a = t - span * f; view.b = view.a + span; draw();
    }
    canvas.addEventListener("wheel", function (e) {
      if (!e.ctrlKey && !e.metaKey) return;  // a plain wheel scrolls the page
      e.preventDefault();
      var rect = canvas.getBoundingClientRect();
      zoom(e.deltaY > 0 ? 1.25 : 0.8, e.clientX - rect.left);
    }, { passive: false });
    canvas.addEventListener("dblclick", function (e) { var rect = canvas.getBoundingClientRect(); zoom(e.shiftKey ? 2 : 0.5, e.clientX - rect.left); });
    zin.addEventListener("click", function () { zoom(0.5); });
    zout.addEventListener("click", function () { zoom(2); });
    reset.addEventListener("click", function () { view.a = 0; view.b = end * 1.01; draw(); });
    pick.addEventListener("change", function () { highlight = pick.value ? T.names.indexOf(pick.value) : -1; draw(); });
    window.addEventListener("resize", function () { size(); draw(); });
    size(); draw();
  }

  // ---- processes -------------------------------------------------------------------------------
  function renderProcesses() {
    var b = body("processes");
    lead(b, "Every process seen: its program (from its last successful execve), threads, syscalls, and how it ended.");
    table(b, [
      { label: "pid", num: true, get: function (r) { return r[0]; } },
      { label: "program", get: function (r) { return r[1]; }, cls: "mono" },
      { label: "execve arguments", get: function (r) { return r[2]; }, cls: "mono wrapcell" },
      { label: "threads", num: true, get: function (r) { return r[3]; } },
      { label: "syscalls", num: true, get: function (r) { return r[4]; }, show: function (r) { return int(r[4]); } },
      { label: "errors", num: true, get: function (r) { return r[5]; }, show: function (r) { return r[5] ? int(r[5]) : ""; }, cls: "bad" },
      { label: "ended", get: function (r) { return r[6]; }, cls: function (r) { return /^exited with 0$/.test(r[6]) ? "" : "bad"; } }
    ], D.processes, { sort: null, pageSize: 20, filter: "Filter processes\u2026", id: "process-table" });
  }

  // ---- files and sockets -------------------------------------------------------------------------
  function renderFiles() {
    var b = body("files"), rows = D.files;
    lead(b, "Bytes and time per file, socket or pipe, found through the descriptors each call used (see the docs for what is counted). " +
      "A call's whole duration goes to its first descriptor; bytes are the return values of the read and write families.");
    var cols = [
      { label: "path or endpoint", get: function (r) { return r[0]; }, cls: "mono wrapcell" },
      { label: "kind", get: function (r) { return r[1]; } },
      { label: "calls", num: true, get: function (r) { return r[2]; }, show: function (r) { return int(r[2]); } },
      { label: "read", num: true, get: function (r) { return r[3]; }, show: function (r) { return r[3] ? bytes(r[3]) : "\u2013"; } },
      { label: "written", num: true, get: function (r) { return r[4]; }, show: function (r) { return r[4] ? bytes(r[4]) : "\u2013"; } },
      { label: "bytes", num: true, get: function (r) { return r[3] + r[4]; }, show: function (r) { return bytes(r[3] + r[4]); } },
      { label: "time", num: true, get: function (r) { return r[5]; }, show: function (r) { return ns(r[5]); } },
      { label: "errors", num: true, get: function (r) { return r[6]; }, show: function (r) { return r[6] ? int(r[6]) : ""; }, cls: "bad" }
    ];
    if (!rows.length) { b.appendChild(el("p", { cls: "muted", text: "No call used a descriptor." })); return; }
    b.appendChild(el("h3", { text: "Top by bytes" }));
    table(b, cols, rows, { sort: 5, pageSize: 15, filter: "Filter paths\u2026", id: "files-by-bytes" });
    b.appendChild(el("h3", { text: "Top by time" }));
    table(b, cols, rows, { sort: 6, pageSize: 15, filter: "Filter paths\u2026", id: "files-by-time" });
  }

  // ---- errors ------------------------------------------------------------------------------------
  function renderErrors() {
    var b = body("errors"), rows = D.errors;
    lead(b, "Failed calls grouped by syscall and errno, with up to five distinct argument lists of each group.");
    if (!rows.length) { b.appendChild(el("p", { cls: "muted", text: "No call failed." })); return; }
    table(b, [
      { label: "syscall", get: function (r) { return r[0]; }, cls: "mono" },
      { label: "errno", get: function (r) { return r[1]; }, cls: "mono bad" },
      { label: "meaning", get: function (r) { return r[2]; } },
      { label: "calls", num: true, get: function (r) { return r[3]; }, show: function (r) { return int(r[3]); } },
      { label: "examples", get: function (r) { return r[4].join(" "); }, show: function (r) {
        return el("div", { cls: "examples" }, r[4].map(function (a) { return el("div", { text: r[0] + "(" + a + ")" }); })); }, cls: "wrapcell" },
      { label: "threads", get: function (r) { return r[5].join(", "); } }
    ], rows, { sort: 3, pageSize: 20, filter: "Filter errors\u2026", id: "errors-table" });
  }

  // ---- slowest calls -----------------------------------------------------------------------------
  function renderSlowest() {
    var b = body("slowest"), rows = D.slowest;
    lead(b, "The " + rows.length + " longest calls (entry to exit). Waiting calls (poll, futex, wait4, read of a pipe\u2026) are often the longest and harmless.");
    if (!rows.length) { b.appendChild(el("p", { cls: "muted", text: "No finished calls." })); return; }
    table(b, [
      { label: "took", num: true, get: function (r) { return r[3]; }, show: function (r) { return ns(r[3]); } },
      { label: "call", get: function (r) { return r[0] + "(" + r[1] + ") = " + r[2]; }, cls: "mono wrapcell" },
      { label: "tid", num: true, get: function (r) { return r[4]; } },
      { label: "at", num: true, get: function (r) { return r[5]; }, show: function (r) { return "+" + ns(r[5]); } }
    ], rows, { sort: 0, pageSize: 15, id: "slowest-table" });
  }

  // ---- source locations and function profile ------------------------------------------------------
  function renderSource() {
    var b = body("source");
    if (!D.sources) {
      lead(b, "No source locations: trace with --source (or -k, --function-time, --flamegraph) and a program with debug information " +
        "to see which lines of your code made the calls, and the time per function.");
      return;
    }
    lead(b, "The line of your own code behind each call (the innermost frame in user code), and syscall time charged to each function.");
    b.appendChild(el("h3", { text: "Source lines" }));
    var cols = [
      { label: "location", get: function (r) { return r[0] ? r[0] + ":" + r[1] : "(unknown)"; }, cls: "mono wrapcell" },
      { label: "function", get: function (r) { return r[2]; }, cls: "mono" },
      { label: "calls", num: true, get: function (r) { return r[3]; }, show: function (r) { return int(r[3]); } },
      { label: "time", num: true, get: function (r) { return r[4]; }, show: function (r) { return ns(r[4]); } },
      { label: "syscalls", get: function (r) { return r[5]; }, cls: "mono" }
    ];
    // --transpiler-map: the generated (Rust) line next to the original one, for the frames the map names
    if (D.sources.some(function (r) { return r[6]; })) {
      cols.splice(2, 0, { label: "generated", title: "The generated code's line (exact: the map names it; approximate: an earlier line)",
        get: function (r) { return r[6] ? r[6] + (r[7] === "approximate" ? " (approximate)" : "") : ""; }, cls: "mono wrapcell" });
    }
    table(b, cols, D.sources, { sort: 3, pageSize: 20, filter: "Filter lines\u2026", id: "source-table" });
    var pf = D.profile;
    if (!pf) return;
    b.appendChild(el("h3", { text: "Function profile" }));
    table(b, [
      { label: "function", get: function (r) { return r[0]; }, cls: "mono" },
      { label: "module", get: function (r) { return r[1]; }, cls: "mono" },
      { label: "calls", num: true, get: function (r) { return r[2]; }, show: function (r) { return int(r[2]); } },
      { label: "% time", num: true, get: function (r) { return r[3]; }, show: function (r) { return pct(r[3], pf.total_ns); } },
      { label: "time", num: true, get: function (r) { return r[3]; }, show: function (r) { return ns(r[3]); } },
      { label: "longest", num: true, get: function (r) { return r[4]; }, show: function (r) { return ns(r[4]) + " " + r[5]; } },
      { label: "at", get: function (r) { return r[6]; }, cls: "mono" },
      { label: "slow I/O", num: true, get: function (r) { return r[7]; }, show: function (r) { return r[7] || ""; } }
    ], pf.functions, { sort: 4, pageSize: 20, id: "profile-table" });
    b.appendChild(el("h3", { text: "Hot paths" }));
    table(b, [
      { label: "% time", num: true, get: function (r) { return r[2]; }, show: function (r) { return pct(r[2], pf.total_ns); } },
      { label: "calls", num: true, get: function (r) { return r[1]; }, show: function (r) { return int(r[1]); } },
      { label: "path (outermost first)", get: function (r) { return r[0].join(" \u2192 "); }, cls: "mono wrapcell" }
    ], pf.hot, { sort: 0, pageSize: 10, id: "hot-table" });
  }

  // ---- transpiler decisions ------------------------------------------------------------------------
  function renderDecisions() {
    var X = D.decisions;
    if (!X || !document.getElementById("decisions-body")) return;
    var b = body("decisions");
    lead(b, int(X.total) + " decisions the traced program reported (--trace-transpiler-decisions): from its stderr " +
      "([DECISION]/[RESULT] lines) and from its decisions.msgpack. Times are since the trace's first event." +
      (X.kept < X.total ? " The first " + int(X.kept) + " are listed." : "") +
      (X.linked ? " \u201cRan under\u201d: the calls whose source line is the decision's location."
                : " Trace with --source to see which calls ran under each decision's location."));
    var cols = [
      { label: "at", num: true, get: function (r) { return r[0]; }, show: function (r) { return "+" + ns(r[0]); } },
      { label: "decision", get: function (r) { return r[1] + "::" + r[2]; }, cls: "mono" },
      { label: "input", get: function (r) { return r[3]; }, cls: "mono wrapcell" },
      { label: "result", get: function (r) { return r[4]; }, show: function (r) { return r[4] == null ? "(none)" : r[4]; },
        cls: function (r) { return r[4] == null ? "muted" : "mono wrapcell"; } },
      { label: "source location", get: function (r) { return r[5] ? r[5] + ":" + r[6] + (r[7] ? ":" + r[7] : "") : ""; }, cls: "mono wrapcell" },
      { label: "origin", get: function (r) { return r[8]; } },
      { label: "id", get: function (r) { return r[9]; }, cls: "mono" },
      { label: "tid", num: true, get: function (r) { return r[10]; } }
    ];
    if (X.linked) {
      cols.push({ label: "ran under", num: true, title: "Calls made from the decision's source line",
        get: function (r) { return r[11] ? r[11][0] : -1; },
        show: function (r) { return r[11] ? int(r[11][0]) + (r[11][0] ? " (" + r[11][2] + ", " + ns(r[11][1]) + ")" : "") : ""; } });
    }
    table(b, cols, X.rows, { sort: 0, desc: false, pageSize: 25, filter: "Filter decisions\u2026", id: "decision-table" });
  }

  // ---- command and environment -------------------------------------------------------------------
  function renderEnvironment() {
    var b = body("environment"), m = D.meta, env = D.env;
    var kv = el("div", { cls: "kv" });
    function row(k, v) { if (v != null && v !== "") { kv.appendChild(el("div", { text: k })); kv.appendChild(el("div", { text: String(v) })); } }
    row("traced command", m.argv.length ? JSON.stringify(m.argv) : "");
    row("attached to", m.pids.length ? m.pids.join(", ") : "");
    row("exit status", m.exit_status == null ? "unknown" : m.exit_status);
    row("working directory", m.cwd == null ? "not recorded" : m.cwd);
    row("host", m.host);
    row("architecture", m.arch);
    row("replayed from", m.replayed);
    row("renacer", m.replayed ? m.version + " (recorded), " + m.generated_by + " (report)" : m.version);
    row("report made by", m.invocation);
    b.appendChild(kv);
    b.appendChild(el("h3", { text: "Environment" }));
    lead(b, "The traced program's environment, " + env.source + ". Values of variables whose names contain " +
      env.redacted_names.join(", ") + " (any case) are replaced by [redacted].");
    if (!env.vars) return;
    table(b, [
      { label: "name", get: function (r) { return r[0]; }, cls: "mono" },
      { label: "value", get: function (r) { return r[1]; }, cls: function (r) { return r[2] ? "redacted" : "mono wrapcell"; } }
    ], env.vars, { sort: 0, desc: false, pageSize: 50, filter: "Filter variables\u2026", id: "env-table" });
  }

  [renderSummary, renderLatency, renderTimeline, renderProcesses, renderFiles, renderErrors, renderSlowest,
    renderSource, renderDecisions, renderEnvironment].forEach(function (f) {
    try { f(); } catch (e) { console.error(f.name + ": " + (e && e.stack || e)); }
  });
  document.body.setAttribute("data-rendered", "1");
  document.body.setAttribute("data-render-ms", (performance.now() - started).toFixed(1));  // the drawing alone
  document.body.setAttribute("data-ready-ms", performance.now().toFixed(1));  // since navigation began
})();
