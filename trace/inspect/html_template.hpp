// The page of `parley trace export --format html`: one self-contained file (inline CSS and JS,
// nothing fetched) showing a sequence view of the events embedded in it as JSON. export_html.cpp
// fills in @@TITLE@@ (HTML-escaped) and @@DATA@@ (JSON with <, > and & escaped).
#pragma once

namespace parley::trace::inspect {

inline constexpr const char* html_template = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@@TITLE@@</title>
<style>
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; color: #1f2328; background: #fff;
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
#bar { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; padding: 8px 12px;
  background: #f6f8fa; border-bottom: 1px solid #d0d7de; }
#bar h1 { font-size: 15px; margin: 0; font-weight: 600; }
#info, #count { color: #57606a; }
#filter { flex: 0 1 380px; padding: 4px 8px; font: inherit; border: 1px solid #afb8c1;
  border-radius: 6px; }
#legend { color: #57606a; font-size: 12px; }
#legend i { display: inline-block; width: 18px; margin: 0 4px 3px 8px; border-top: 2px solid; }
#view { flex: 1; overflow: auto; position: relative; }
#head, .row { display: flex; width: max-content; min-width: 100%; }
#head { position: sticky; top: 0; z-index: 4; background: #f6f8fa;
  border-bottom: 1px solid #d0d7de; }
.cell-meta { flex: none; width: 170px; padding: 0 8px; position: sticky; left: 0; z-index: 3;
  background: #fff; font: 12px/34px ui-monospace, "SFMono-Regular", Menlo, monospace;
  white-space: nowrap; overflow: hidden; border-right: 1px solid #eaeef2; }
#head .cell-meta { background: #f6f8fa; color: #57606a; }
.seq { font-weight: 600; margin-right: 8px; }
.time { color: #57606a; }
.lane-head { display: flex; flex: none; }
.gutter { width: 48px; flex: none; text-align: center; color: #8c959f; font-size: 11px;
  line-height: 34px; }
.actor-name { width: 150px; flex: none; padding: 0 6px; text-align: center; font-weight: 600;
  line-height: 34px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.row { border-bottom: 1px solid #f3f4f6; cursor: pointer; }
.row:hover .cell-meta, .row:hover .lane { background-color: #f6faff; }
.row.chain .cell-meta, .row.chain .lane { background-color: #eef6ff; }
.row.sel .cell-meta, .row.sel .lane { background-color: #fff8c5; }
.lane { position: relative; flex: none; height: 34px; background-color: #fff;
  background-image: linear-gradient(to right, #d8dee4 1px, transparent 1px);
  background-size: 150px 100%; background-repeat: repeat-x; background-position: 123px 0; }
.arrow { position: absolute; top: 23px; height: 0; color: #0969da;
  border-top: 2px solid currentColor; }
.arrow.resp { color: #8250df; border-top-style: dashed; }
.arrow.ext { color: #6e7781; border-top-style: dotted; }
.arrow::after { content: ""; position: absolute; top: -7px; border-top: 6px solid transparent;
  border-bottom: 6px solid transparent; }
.arrow.r::after { right: -1px; border-left: 9px solid currentColor; }
.arrow.l::after { left: -1px; border-right: 9px solid currentColor; }
.selfloop { position: absolute; top: 14px; width: 22px; height: 12px; color: #0969da;
  border: 2px solid currentColor; border-left: none; border-radius: 0 6px 6px 0; }
.label { position: absolute; top: 3px; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; font-size: 12px; padding: 0 3px; border-radius: 3px;
  background: rgba(255, 255, 255, 0.85); }
.type { font-weight: 600; }
.content { color: #57606a; font-family: ui-monospace, "SFMono-Regular", Menlo, monospace;
  font-size: 11px; }
.tag { position: absolute; top: 7px; transform: translateX(-50%); max-width: 290px;
  padding: 1px 7px; border: 1px solid; border-radius: 10px; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; font: 11px/17px ui-monospace, Menlo, monospace; }
.tag.net { background: #dafbe1; border-color: #4ac26b; }
.tag.life { background: #f6f8fa; border-color: #afb8c1; color: #57606a; }
.tag.crash { background: #ffebe9; border-color: #ff8182; color: #82071e; font-weight: 600; }
.banner { position: absolute; left: 0; top: 7px; padding: 1px 10px; border-radius: 4px;
  background: #fff1e5; border: 1px solid #fb8f44; color: #762c00; font-weight: 600;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.empty { padding: 24px; color: #57606a; }
#detail { position: fixed; right: 14px; bottom: 14px; width: min(560px, 90vw); max-height: 55vh;
  display: flex; flex-direction: column; background: #fff; border: 1px solid #d0d7de;
  border-radius: 8px; box-shadow: 0 8px 24px rgba(140, 149, 159, 0.3); z-index: 10; }
#detail[hidden] { display: none; }
#detail-head { display: flex; align-items: center; gap: 8px; padding: 6px 10px;
  border-bottom: 1px solid #d0d7de; background: #f6f8fa; border-radius: 8px 8px 0 0; }
#detail-title { font-weight: 600; flex: 1; }
#chain { padding: 6px 10px; border-bottom: 1px solid #eaeef2; }
#json { margin: 0; padding: 8px 10px; overflow: auto;
  font: 12px/1.45 ui-monospace, "SFMono-Regular", Menlo, monospace; white-space: pre-wrap;
  word-break: break-all; }
button.link { border: none; background: none; padding: 0; color: #0969da; cursor: pointer;
  font: inherit; }
button.link:hover { text-decoration: underline; }
#close { border: none; background: none; font-size: 18px; line-height: 1; cursor: pointer; }
</style>
</head>
<body>
<div id="bar">
  <h1>Parley trace</h1>
  <span id="info"></span>
  <input id="filter" type="search" placeholder="Filter: words that must all appear (e.g. conn/2 deliver_text)" autocomplete="off">
  <span id="count"></span>
  <span id="legend"><i style="color:#0969da"></i>message<i style="color:#8250df;border-top-style:dashed"></i>response<i style="color:#6e7781;border-top-style:dotted"></i>no sender</span>
</div>
<div id="view">
  <div id="head"></div>
  <div id="rows"></div>
</div>
<div id="detail" hidden>
  <div id="detail-head"><span id="detail-title"></span><button id="close" title="Close (Esc)">&times;</button></div>
  <div id="chain"></div>
  <pre id="json"></pre>
</div>
<script type="application/json" id="trace-data">@@DATA@@</script>
<script>
(function () {
  "use strict";
  var W = 150, G = 48, MAX_ROWS = 5000;
  var data = JSON.parse(document.getElementById("trace-data").textContent);
  var events = data.events;
  var bySeq = Object.create(null);
  var col = Object.create(null);
  var actors = [];
  var selected = null;
  var rowsEl = document.getElementById("rows");
  var filterEl = document.getElementById("filter");

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = text;
    return n;
  }
  function addActor(name) {
    if (!name || name === "-" || name in col) return;
    col[name] = actors.length;
    actors.push(name);
  }
  events.forEach(function (x) {
    var e = x.e;
    bySeq[e.seq] = x;
    if (e.kind === "message") { addActor(e.from); addActor(e.to); }
    else if (e.kind === "net") addActor("conn/" + e.conn);
    else if (e.kind === "actor") addActor(e.name);
  });
  var laneWidth = G + actors.length * W;
  function cx(name) { return name in col ? G + col[name] * W + W / 2 : G / 2; }

  function renderHead() {
    var head = document.getElementById("head");
    head.appendChild(el("div", "cell-meta", "event"));
    var lane = el("div", "lane-head");
    lane.style.width = laneWidth + "px";
    var gutter = el("div", "gutter", "ext");
    gutter.title = "no sender: the network or a timer";
    lane.appendChild(gutter);
    actors.forEach(function (name) {
      var c = el("div", "actor-name", name);
      c.title = name;
      lane.appendChild(c);
    });
    head.appendChild(lane);
    var m = data.meta || {};
    var info = data.file + " \u2014 " + (m.source || "?") + ", " + (m.clock || "?") + " clock";
    if (m.seed !== undefined) info += ", seed " + m.seed;
    document.getElementById("info").textContent = info;
  }

  function oneLine(s) { // control characters shown as escapes, as `trace show` does
    return s.replace(/[\u0000-\u001f\u007f]/g, function (c) {
      if (c === "\r") return "\\r";
      if (c === "\n") return "\\n";
      if (c === "\t") return "\\t";
      return "\\x" + ("0" + c.charCodeAt(0).toString(16)).slice(-2);
    });
  }
  function label(e, left, width) {
    var l = el("div", "label");
    l.style.left = left + "px";
    l.style.maxWidth = Math.max(width, 420) + "px";
    var content = e.content || "";
    if (content.indexOf(e.type) === 0) content = content.slice(e.type.length);
    l.appendChild(el("span", "type", e.type));
    l.appendChild(el("span", "content", oneLine(content)));
    return l;
  }
  function drawMessage(lane, e) {
    var x2 = cx(e.to);
    if (e.from === e.to) {
      var loop = el("div", "selfloop");
      loop.style.left = x2 + "px";
      lane.appendChild(loop);
      lane.appendChild(label(e, x2 + 28, W - 34));
      return;
    }
    var x1 = cx(e.from);
    var a = el("div", "arrow " + (x2 >= x1 ? "r" : "l"));
    if (e.from === "-") a.className += " ext";
    if (e.response === true) a.className += " resp";
    a.style.left = Math.min(x1, x2) + "px";
    a.style.width = Math.abs(x2 - x1) + "px";
    lane.appendChild(a);
    lane.appendChild(label(e, Math.min(x1, x2) + 6, Math.abs(x2 - x1) - 12));
  }
  function drawTag(lane, x, cls, text) {
    var t = el("div", "tag " + cls, text);
    t.style.left = x + "px";
    lane.appendChild(t);
  }
  function drawEvent(lane, x) {
    var e = x.e;
    if (e.kind === "message") drawMessage(lane, e);
    else if (e.kind === "net") drawTag(lane, cx("conn/" + e.conn), "net", x.text.replace(/^net /, ""));
    else if (e.kind === "actor")
      drawTag(lane, cx(e.name), e.action === "crash" ? "crash" : "life", x.text.replace(/^actor /, ""));
    else {
      var b = el("div", "banner", x.text);
      b.style.maxWidth = laneWidth + "px";
      lane.appendChild(b);
    }
  }
  function makeRow(x) {
    var row = el("div", "row");
    row.setAttribute("data-seq", String(x.e.seq));
    var meta = el("div", "cell-meta");
    meta.appendChild(el("span", "seq", "#" + x.e.seq));
    meta.appendChild(el("span", "time", x.time));
    row.appendChild(meta);
    var lane = el("div", "lane");
    lane.style.width = laneWidth + "px";
    drawEvent(lane, x);
    row.appendChild(lane);
    return row;
  }

  function matches(x, terms) {
    if (!terms.length) return true;
    if (x.search === undefined)
      x.search = ("#" + x.e.seq + " " + x.time + " " + x.text + " " + JSON.stringify(x.e)).toLowerCase();
    return terms.every(function (t) { return x.search.indexOf(t) >= 0; });
  }
  function render() {
    var terms = filterEl.value.toLowerCase().split(/\s+/).filter(Boolean);
    var frag = document.createDocumentFragment();
    var shown = 0, matched = 0;
    events.forEach(function (x) {
      if (!matches(x, terms)) return;
      matched++;
      if (shown < MAX_ROWS) { frag.appendChild(makeRow(x)); shown++; }
    });
    rowsEl.textContent = "";
    if (!matched) rowsEl.appendChild(el("div", "empty", "No events match the filter."));
    rowsEl.appendChild(frag);
    var text = matched === events.length ? events.length + " events" : matched + " of " + events.length + " events";
    if (shown < matched) text += " (the first " + shown + " shown)";
    document.getElementById("count").textContent = text;
    document.body.setAttribute("data-rendered", String(shown));
    markSelection(false);
  }

  function chainOf(seq) {
    var out = [], seen = Object.create(null), x = bySeq[seq];
    while (x && !seen[x.e.seq]) {
      seen[x.e.seq] = true;
      out.unshift(x);
      if (!x.e.parent) break;
      x = bySeq[x.e.parent];
    }
    return out;
  }
  function markSelection(scroll) {
    var inChain = Object.create(null);
    if (selected !== null) chainOf(selected).forEach(function (c) { inChain[c.e.seq] = true; });
    Array.prototype.forEach.call(rowsEl.children, function (r) {
      var s = r.getAttribute("data-seq");
      var isSel = selected !== null && s === String(selected);
      r.classList.toggle("sel", isSel);
      r.classList.toggle("chain", !isSel && !!inChain[s]);
      if (scroll && isSel) r.scrollIntoView({ block: "nearest" });
    });
  }
  function select(seq) {
    var x = bySeq[seq];
    if (!x) return;
    selected = x.e.seq;
    document.getElementById("detail").hidden = false;
    document.getElementById("detail-title").textContent = "#" + x.e.seq + " " + x.e.kind + " at " + x.time;
    var chain = document.getElementById("chain");
    chain.textContent = "causal chain: ";
    chainOf(seq).forEach(function (c, i) {
      if (i) chain.appendChild(document.createTextNode(" \u2192 "));
      var b = el("button", "link", "#" + c.e.seq);
      b.title = c.text;
      b.addEventListener("click", function () { select(c.e.seq); });
      chain.appendChild(b);
    });
    document.getElementById("json").textContent = JSON.stringify(x.e, null, 2);
    markSelection(true);
  }

  rowsEl.addEventListener("click", function (ev) {
    var r = ev.target.closest(".row");
    if (r) select(r.getAttribute("data-seq"));
  });
  rowsEl.addEventListener("mouseover", function (ev) {
    var r = ev.target.closest(".row");
    if (r && !r.title) r.title = JSON.stringify(bySeq[r.getAttribute("data-seq")].e, null, 2);
  });
  var timer = null;
  filterEl.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(render, 120);
  });
  document.getElementById("close").addEventListener("click", function () {
    document.getElementById("detail").hidden = true;
    selected = null;
    markSelection(false);
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") document.getElementById("close").click();
    if (ev.key === "/" && document.activeElement !== filterEl) { ev.preventDefault(); filterEl.focus(); }
  });
  renderHead();
  render();
})();
</script>
</body>
</html>
)HTML";

} // namespace parley::trace::inspect
