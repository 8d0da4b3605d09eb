// Draws the timeline from the JSON data embedded in the page. No external resources.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("lincheck-data").textContent);
  var GAP = 6, LANE = 30, TOP = 26, LABEL = 96, PAD = 10, MAX_BAR = 280, OPEN = 60;
  var measure = document.createElement("canvas").getContext("2d");
  measure.font = "11px ui-monospace, monospace";
  // The width a bar needs to show its label (and its prefix number), within reason.
  function wanted(op) {
    var r = role[op.id] || {};
    var text = measure.measureText(op.label).width + 12 + (r.prefix ? 26 : 0);
    return Math.min(MAX_BAR, Math.ceil(text));
  }
  var ops = data.operations;
  var byId = {};
  ops.forEach(function (op) { byId[op.id] = op; });

  // Per operation: its role in the check, for classes and the tooltip.
  var role = {};
  data.partitions.forEach(function (p, pi) {
    p.operations.forEach(function (id) { role[id] = { partition: pi }; });
    if (p.status === "linearizable" || p.status === "unchecked") { return; }
    p.operations.forEach(function (id) { role[id].failing = true; });
    p.prefix.forEach(function (id, k) { role[id].prefix = k + 1; role[id].stateAfter = p.states[k]; });
    p.unplaced.forEach(function (id) { role[id].unplaced = true; });
  });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function describe(op) {
    var r = role[op.id] || {};
    var p = data.partitions[r.partition];
    var lines = [op.label, "client " + op.client + ", operation #" + op.id,
      "called at " + op.callShown + (op.retShown === null ? ", never returned (pending)" : ", returned at " + op.retShown)];
    if (p) { lines.push("partition: " + p.label + " (" + p.status + ")"); }
    if (r.prefix) { lines.push("linearizable prefix: step " + r.prefix + " of " + p.prefix.length); lines.push("state after it: " + r.stateAfter); }
    if (r.unplaced) { lines.push("could NOT be placed after the longest linearizable prefix"); }
    return lines.join("\n");
  }

  // The explanation of each partition that failed or was left undecided; the first one open.
  var explanation = document.getElementById("explanation");
  var focus = document.getElementById("focus");
  data.partitions.forEach(function (p, pi) {
    if (p.status === "linearizable" || p.status === "unchecked") { return; }
    var s = el("details");
    s.open = explanation.children.length === 0;
    var what = p.status === "violation" ? "no linearization" : "undecided (the search hit a limit)";
    s.appendChild(el("summary", null, p.label + ": " + what + " (" + p.operations.length + " operations, " +
      p.prefix.length + " placed)"));
    s.appendChild(el("div", null, "Longest linearizable prefix, in order (" + p.prefix.length + " operations):"));
    var ol = el("ol", "prefix-list");
    p.prefix.forEach(function (id, k) {
      var li = el("li");
      li.dataset.op = id;
      li.appendChild(el("span", "op-text", byId[id].label + "  (client " + byId[id].client + ")"));
      li.appendChild(el("div", "state", "state after it: " + p.states[k]));
      ol.appendChild(li);
    });
    s.appendChild(ol);
    if (p.status === "violation") {
      s.appendChild(el("div", null, "None of these can take effect next:"));
      var ul = el("ul", "unplaced-list");
      p.unplaced.forEach(function (id) {
        var li = el("li");
        li.dataset.op = id;
        li.appendChild(el("span", "op-text", byId[id].label + "  (client " + byId[id].client + ")"));
        ul.appendChild(li);
      });
      s.appendChild(ul);
      if (p.reason) { s.appendChild(el("div", "reason", "Why: " + p.reason)); }
    }
    explanation.appendChild(s);
    var option = el("option", null, p.label + " only");
    option.value = "p" + pi;
    focus.appendChild(option);
  });

  var timeline = document.getElementById("timeline");
  var tooltip = document.getElementById("tooltip");
  var bars = {};

  function draw() {
    timeline.textContent = "";
    bars = {};
    var shown = ops.filter(function (op) {
      var r = role[op.id] || {};
      if (focus.value === "failing") { return r.failing; }
      if (focus.value.charAt(0) === "p") { return "p" + r.partition === focus.value; }
      return true;
    });
    // Columns: one per event (call or return) of the shown operations, in time order.
    var seqs = [];
    shown.forEach(function (op) { seqs.push(op.callSeq); if (op.retSeq !== null) { seqs.push(op.retSeq); } });
    seqs.sort(function (a, b) { return a - b; });
    var column = {};
    seqs.forEach(function (s, i) { column[s] = i; });
    // Positions: each event a column, and columns spaced so that every operation that returned
    // is at least as wide as its label (one pass in time order: a call comes before its return).
    var endOf = {};
    shown.forEach(function (op) { if (op.retSeq !== null) { endOf[op.retSeq] = op; } });
    var pos = [];
    seqs.forEach(function (s, i) {
      var at = i === 0 ? 0 : pos[i - 1] + GAP;
      var op = endOf[s];
      if (op) { at = Math.max(at, pos[column[op.callSeq]] + wanted(op)); }
      pos.push(at);
    });
    var last = pos.length ? pos[pos.length - 1] : 0;
    var clients = [];
    shown.forEach(function (op) { if (clients.indexOf(op.client) < 0) { clients.push(op.client); } });
    clients.sort(function (a, b) { return a - b; });
    var width = LABEL + PAD * 2 + last + MAX_BAR + OPEN;
    timeline.style.width = width + "px";
    timeline.style.height = (TOP + clients.length * LANE + 4) + "px";
    var x = function (col) { return LABEL + PAD + pos[col]; };

    var ruler = el("div", "ruler");
    ruler.style.width = width + "px";
    // A tick at a call, at least 90 px after the previous tick.
    var lastTick = -Infinity;
    shown.slice().sort(function (a, b) { return a.callSeq - b.callSeq; }).forEach(function (op) {
      var at = x(column[op.callSeq]);
      if (at - lastTick >= 90) {
        var t = el("div", "tick", op.callShown);
        t.style.left = at + "px";
        ruler.appendChild(t);
        lastTick = at;
      }
    });
    timeline.appendChild(ruler);

    var laneOf = {};
    clients.forEach(function (c, i) {
      laneOf[c] = i;
      var lane = el("div", "lane");
      lane.style.top = (TOP + i * LANE) + "px";
      lane.style.height = LANE + "px";
      lane.style.width = width + "px";
      lane.appendChild(el("span", "lane-label", "client " + c));
      timeline.appendChild(lane);
    });

    // A pending operation stays open until its client's next call, or the end.
    var nextCall = {};
    var byClient = {};
    shown.forEach(function (op) { (byClient[op.client] = byClient[op.client] || []).push(op); });
    Object.keys(byClient).forEach(function (c) {
      var list = byClient[c].slice().sort(function (a, b) { return a.callSeq - b.callSeq; });
      list.forEach(function (op, i) { nextCall[op.id] = i + 1 < list.length ? x(column[list[i + 1].callSeq]) : null; });
    });

    shown.forEach(function (op) {
      var r = role[op.id] || {};
      var cls = "op";
      if (op.retSeq === null) { cls += " pending"; }
      if (r.failing) { cls += " in-failing"; }
      if (r.prefix) { cls += " prefix"; }
      if (r.unplaced) { cls += " unplaced"; }
      var bar = el("div", cls);
      bar.dataset.op = op.id;
      bar.dataset.client = op.client;
      if (r.prefix) {
        bar.dataset.prefixIndex = r.prefix;
        bar.appendChild(el("span", "badge", String(r.prefix)));
      }
      bar.appendChild(document.createTextNode(op.label));
      var from = x(column[op.callSeq]);
      var to;
      if (op.retSeq !== null) {
        to = x(column[op.retSeq]);
      } else {
        // Open-ended: to its client's next call, or past the end of the history.
        to = nextCall[op.id] !== null ? nextCall[op.id] : Math.max(LABEL + PAD + last, from + wanted(op)) + OPEN;
      }
      bar.style.left = from + "px";
      bar.style.width = Math.max(GAP * 2, to - from - 2) + "px";
      bar.style.top = (TOP + laneOf[op.client] * LANE + 5) + "px";
      bar.title = describe(op);
      timeline.appendChild(bar);
      bars[op.id] = bar;
    });
    // What was drawn, measured after layout, for a reader of the rendered page (and the test).
    Object.keys(bars).forEach(function (id) {
      var box = bars[id].getBoundingClientRect();
      bars[id].dataset.drawnWidth = String(Math.round(box.width));
    });
    document.body.dataset.drawn = String(shown.length);
  }

  timeline.addEventListener("mouseover", function (e) {
    var bar = e.target.closest(".op");
    if (!bar) { return; }
    tooltip.textContent = describe(byId[bar.dataset.op]);
    tooltip.style.display = "block";
  });
  timeline.addEventListener("mousemove", function (e) {
    tooltip.style.left = Math.min(e.clientX + 14, window.innerWidth - 540) + "px";
    tooltip.style.top = (e.clientY + 16) + "px";
  });
  timeline.addEventListener("mouseout", function (e) {
    if (e.target.closest(".op")) { tooltip.style.display = "none"; }
  });
  explanation.addEventListener("click", function (e) {
    var li = e.target.closest("li[data-op]");
    if (!li) { return; }
    if (!bars[li.dataset.op]) { focus.value = "all"; draw(); }
    var bar = bars[li.dataset.op];
    bar.scrollIntoView({ block: "nearest", inline: "center" });
    bar.classList.add("flash");
    setTimeout(function () { bar.classList.remove("flash"); }, 1200);
  });
  focus.addEventListener("change", draw);
  if (!data.partitions.some(function (p) { return p.status === "violation" || p.status === "undecided"; })) {
    focus.disabled = true;
  }
  draw();
  document.body.dataset.ready = "true";
})();
