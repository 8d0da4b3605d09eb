// Draws the report's space-time diagram from the JSON embedded in the page. No external resources.
// Every element the page marks (lanes, messages, views, faults, operations, filters) is created
// at load; a message's lines are made when it is first drawn; zooming and filtering move, draw
// or hide elements, never remake them.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var LEFT = 14, RIGHT = 40;                 // px before time 0 and after the end
  var RULER = 22, STRIP = 22, TOP = RULER + STRIP + 6;
  var LANE = 44, LINE = 22;                  // a lane's height and its time line's offset in it
  var OP_LINE = 18, OP_GAP = 6, OP_ROW = 18; // clerk lanes: time line, then rows of op bars
  var MAX_WIDTH = 4e6, MAX_SCALE = 1;        // the widest drawing (px) and zoom (px per µs)
  var DENSE = 0.3;                           // messages per px above which arrows are drawn together
  var OUTCOMES = ["delivered", "dropped", "reply_lost", "dead_server", "failed", "pending"];
  var KINDS = { view_service: "view service", server: "server", clerk: "clerk", other: "other" };

  // ---- the data, unpacked -------------------------------------------------------------------
  var methods = data.methods;
  var messages = data.messages.map(function (r) {
    return { id: r[0], from: r[1], to: r[2], method: methods[r[3]], sent: r[4], delivered: r[5],
      ended: r[6], outcome: r[7], reason: r[8], args: r[9], reply: r[10] };
  });
  var ops = data.ops, faults = data.faults, views = data.views;
  // Maps keyed by names from the data have no prototype, so no name can find Object's fields.
  function dict() { return Object.create(null); }
  var lanes = [], laneByName = dict();
  function addLane(name, kind) {
    if (laneByName[name]) { return; }
    var lane = { name: name, kind: kind, rows: 0, dead: [] };
    lanes.push(lane);
    laneByName[name] = lane;
  }
  data.lanes.forEach(function (l) { addLane(l.name, l.kind); });
  // Nodes the lanes do not list still get one, so nothing is lost.
  messages.forEach(function (m) { addLane(m.from, "other"); addLane(m.to, "other"); });
  ops.forEach(function (op) { addLane(op.client, "clerk"); });
  faults.forEach(function (f) { f.nodes.forEach(function (n) { addLane(n, "other"); }); });

  var END = Math.max(1, data.duration_us);
  messages.forEach(function (m) { END = Math.max(END, m.sent, m.delivered || 0, m.ended || 0); });
  ops.forEach(function (op) { END = Math.max(END, op.call_us, op.return_us || 0); });
  faults.forEach(function (f) { END = Math.max(END, f.at_us); });
  views.forEach(function (v) { END = Math.max(END, v.from_us, v.to_us || 0); });

  function first() {
    for (var i = 0; i < arguments.length; i++) { if (arguments[i] !== null && arguments[i] !== undefined) { return arguments[i]; } }
    return null;
  }
  function ms(us) { return us === null ? "—" : (us / 1000).toFixed(3) + " ms"; }
  function clip(text, n) { return text.length > n ? text.slice(0, n - 1) + "…" : text; }

  // Each client's operations in rows, so that operations that overlap in time do not overlap.
  var opsByClient = dict();
  ops.forEach(function (op) { (opsByClient[op.client] = opsByClient[op.client] || []).push(op); });
  Object.keys(opsByClient).forEach(function (client) {
    var rowEnds = [];
    opsByClient[client].slice().sort(function (a, b) { return a.call_us - b.call_us; }).forEach(function (op) {
      var row = 0;
      while (row < rowEnds.length && rowEnds[row] > op.call_us) { row++; }
      rowEnds[row] = first(op.return_us, END);
      op.row = row;
    });
    laneByName[client].rows = rowEnds.length;
  });

  // When each node was dead: from a kill to its next restart (or the end).
  faults.forEach(function (f) {
    if (f.kind !== "kill" && f.kind !== "restart") { return; }
    f.nodes.forEach(function (n) {
      var dead = laneByName[n].dead, last = dead[dead.length - 1];
      if (f.kind === "kill" && (!last || last.to !== null)) { dead.push({ from: f.at_us, to: null }); }
      if (f.kind === "restart" && last && last.to === null) { last.to = f.at_us; }
    });
  });

  // ---- elements ------------------------------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function svg(tag, cls, parent) {
    var e = document.createElementNS(NS, tag);
    if (cls) { e.setAttribute("class", cls); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function attrs(e, values) {
    for (var k in values) { e.setAttribute(k, values[k]); }
    return e;
  }
  function line(e, x1, y1, x2, y2) { return attrs(e, { x1: x1, y1: y1, x2: x2, y2: y2 }); }
  function cross(e, x, y) { e.setAttribute("d", "M" + (x - 4) + " " + (y - 4) + "l8 8m0 -8l-8 8"); }
  // The fonts of the labels, as report.css sets them, for measuring (labels.js).
  var L = ReportLabels;
  var MONO = L.font("11px ui-monospace, monospace");      // method names, operations
  var FAULT = L.font("700 10px ui-monospace, monospace"); // fault words (.fault text)
  var VIEW = L.font("600 11px system-ui, sans-serif");    // view labels (.view text)
  // Shows `shown` in the text element `e` ("": hides it); when `shown` is shortened, the whole
  // `full` is its title, shown on hover.
  function setLabel(e, shown, full) {
    if (e.shown === shown) { return; }
    e.shown = shown;
    e.textContent = shown;
    e.style.display = shown ? "" : "none";
    if (shown && shown !== full) { svg("title", null, e).textContent = full; }
  }

  var scroll = document.getElementById("diagram-scroll");
  var labelsBox = document.getElementById("lane-labels");
  [["time", 3], ["views", RULER + 3]].forEach(function (corner) {
    var e = el("span", "corner", corner[0]);
    e.style.top = corner[1] + "px";
    labelsBox.appendChild(e);
  });
  var chart = svg("svg");
  chart.id = "chart";
  scroll.appendChild(chart);
  var defs = svg("defs", null, chart);
  defs.innerHTML =
    '<marker id="head-req" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 1L10 5L0 9z" fill="#3f7fd9"/></marker>' +
    '<marker id="head-rep" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 1L10 5L0 9z" fill="#2e9e6b"/></marker>' +
    '<marker id="head-warn" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 1L10 5L0 9z" fill="#b7791f"/></marker>' +
    '<pattern id="dead-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fdf3f3"/><line x1="0" y1="0" x2="0" y2="6" stroke="#efb4b4" stroke-width="2"/></pattern>';
  var layers = {};
  ["views", "grid", "lanes", "ops", "dense", "msgs", "faults", "ruler"].forEach(function (name) {
    layers[name] = svg("g", { ruler: "ruler", grid: "grid", dense: "dense-arrows" }[name] || "layer-" + name, chart);
  });

  // Lanes: a label (the `.lane` element) beside the scrolling drawing, and a time line in it.
  lanes.forEach(function (lane) {
    var box = el("div", "lane");
    box.setAttribute("data-lane", lane.name);
    box.setAttribute("data-kind", lane.kind);
    box.title = lane.name + " (" + (KINDS[lane.kind] || lane.kind) + ")";
    box.appendChild(el("span", "lane-name", lane.name));
    box.appendChild(el("span", "lane-kind", KINDS[lane.kind] || lane.kind));
    labelsBox.appendChild(box);
    lane.box = box;
    lane.g = svg("g", "lane-track", layers.lanes);
    lane.g.setAttribute("data-lane", lane.name);
    lane.deadRects = lane.dead.map(function () { return svg("rect", "lane-dead", lane.g); });
    lane.line = svg("line", "lane-line", lane.g);
  });

  views.forEach(function (v, i) {
    var g = svg("g", "view " + (i % 2 ? "odd" : "even"), layers.views);
    attrs(g, { "data-viewnum": v.viewnum, "data-primary": v.primary, "data-backup": v.backup });
    v.g = g;
    v.band = svg("rect", "band", g);
    v.edge = svg("line", "edge", g);
    v.tag = svg("rect", "tag", g);
    v.text = svg("text", null, g);
    v.label = "view " + v.viewnum + ": P=" + (v.primary || "—") + ", B=" + (v.backup || "—");
  });

  function opLabel(op) {
    var value = clip(op.value, 24);
    if (op.kind === "put") { return "put " + op.key + "=" + value; }
    if (op.kind === "append") { return "append " + op.key + "+=" + value; }
    if (op.kind === "get") { return "get " + op.key + " → " + (op.return_us === null ? "…" : clip(first(op.output, ""), 24)); }
    return op.kind + " " + op.key;
  }
  ops.forEach(function (op) {
    var kind = ["put", "get", "append"].indexOf(op.kind) >= 0 ? op.kind : "other";
    var cls = "op op-" + kind + (op.flagged ? " flagged" : "") + (op.return_us === null ? " pending" : "");
    var g = svg("g", cls, layers.ops);
    attrs(g, { "data-client": op.client, "data-kind": op.kind, "data-key": op.key });
    if (op.flagged) {
      g.setAttribute("data-flagged", "true");
      op.flagBand = svg("rect", "flag-band", g);
    }
    op.g = g;
    op.bar = svg("rect", "bar", g);
    op.text = svg("text", null, g);
    op.label = opLabel(op);
  });

  // Each message's group says what it is; its lines are made when it is first drawn. The
  // classes of its request, reply and cross, by outcome (no reply or cross: null).
  messages.forEach(function (m) {
    m.g = svg("g", "msg " + m.outcome + " off", layers.msgs);
    attrs(m.g, { "data-id": m.id, "data-from": m.from, "data-to": m.to, "data-method": m.method, "data-outcome": m.outcome });
    var waiting = m.outcome === "pending" && m.delivered === null;
    m.reqClass = waiting ? "wait" : m.outcome === "dead_server" ? "req dead" : "req";
    m.repClass = { delivered: "rep", failed: "rep failed", reply_lost: "rep lost", pending: waiting ? null : "wait" }[m.outcome] || null;
    m.crossClass = { dropped: "cross", reply_lost: "cross", dead_server: "cross dead" }[m.outcome] || null;
    m.short = m.method.slice(m.method.lastIndexOf(".") + 1);
    m.last = m.outcome === "pending" ? END : Math.max(m.sent, first(m.delivered, 0), first(m.ended, 0));
    m.filtered = false;
    m.on = false;
    m.drawn = -1;
  });

  faults.forEach(function (f) {
    var g = svg("g", "fault fault-" + f.kind, layers.faults);
    attrs(g, { "data-kind": f.kind, "data-nodes": f.nodes.join(",") });
    f.g = g;
    f.line = svg("line", null, g);
    f.marks = (f.nodes.length ? f.nodes : [null]).map(function (n) { return { lane: n, path: svg("path", null, g) }; });
    f.word = svg("text", null, g);
    f.word.textContent = f.kind;
  });

  // ---- layout --------------------------------------------------------------------------------
  var scale = 1, height = 0;
  function X(us) { return LEFT + us * scale; }
  function fitScale() { return Math.max(1e-9, (scroll.clientWidth - LEFT - RIGHT) / END); }
  function maxScale() { return Math.max(fitScale(), Math.min(MAX_SCALE, MAX_WIDTH / END)); }

  function layoutLanes() {
    var y = TOP;
    lanes.forEach(function (lane) {
      lane.top = y;
      lane.height = lane.hidden ? 0 : lane.rows ? OP_LINE + OP_GAP + lane.rows * OP_ROW + 6 : LANE;
      lane.y = y + (lane.rows ? OP_LINE : LINE);
      lane.box.style.top = y + "px";
      lane.box.style.height = lane.height + "px";
      lane.box.style.paddingTop = (lane.rows ? 4 : 6) + "px";
      y += lane.height;
    });
    height = y + 8;
    labelsBox.style.height = height + "px";
    chart.setAttribute("height", height);
  }

  function placeLane(lane) {
    if (lane.hidden) { return; }
    line(lane.line, 0, lane.y, X(END) + RIGHT, lane.y);
    lane.dead.forEach(function (d, i) {
      var x = X(d.from);
      attrs(lane.deadRects[i], { x: x, y: lane.y - 7, width: Math.max(2, X(first(d.to, END)) - x), height: 14 });
    });
  }

  function placeView(v) {
    var x1 = X(v.from_us), x2 = X(first(v.to_us, END)), w = Math.max(1, x2 - x1);
    attrs(v.band, { x: x1, y: RULER, width: w, height: height - RULER });
    line(v.edge, x1, RULER, x1, height);
    attrs(v.tag, { x: x1 + 1, y: RULER + 3, width: Math.max(1, w - 2), height: STRIP - 6, rx: 3 });
  }

  // A view's label at the left of the visible part of its band, so it stays in sight when
  // the band starts before the window; shortened to `vN` (or left out) when that part is narrow.
  function placeViewLabel(v, left, right) {
    var x1 = Math.max(X(v.from_us), left), room = Math.min(X(first(v.to_us, END)), right) - x1 - 10;
    var short = "v" + v.viewnum;
    setLabel(v.text, L.width(v.label, VIEW) <= room ? v.label : L.width(short, VIEW) <= room ? short : "", v.label);
    attrs(v.text, { x: x1 + 5, y: RULER + STRIP - 7 });
  }

  function placeOp(op) {
    var lane = laneByName[op.client];
    op.g.classList.toggle("hidden", !!lane.hidden);
    if (lane.hidden) { return; }
    var x1 = X(op.call_us), x2 = X(first(op.return_us, END)), w = Math.max(3, x2 - x1);
    var y = lane.y + OP_GAP + op.row * OP_ROW;
    attrs(op.bar, { x: x1, y: y, width: w, height: OP_ROW - 4, rx: 3 });
    op.x1 = x1;
    op.x2 = x1 + w;
    op.y = y;
    op.labelX = null;
    if (op.flagBand) { attrs(op.flagBand, { x: x1, y: RULER + STRIP, width: w, height: height - RULER - STRIP }); }
  }

  // An operation's label, at the left of the visible part of its bar: it stays in view while
  // that part is wide enough for a letter and "…", shortened when the whole does not fit.
  function placeOpLabel(op, left, right) {
    if (laneByName[op.client].hidden) { return; }
    var x1 = Math.max(op.x1, left), room = Math.min(op.x2, right) - x1 - 8;
    setLabel(op.text, room > 0 ? L.shorten(op.label, room, MONO) : "", op.label);
    if (op.text.shown && op.labelX !== x1) {
      op.labelX = x1;
      attrs(op.text, { x: x1 + 4, y: op.y + 10.5 });
    }
  }

  // Where a message's arrows go, by outcome: the request from the caller to the server (to
  // halfway and a cross if dropped; to a cross if the server was dead), the reply back (to
  // halfway and a cross if lost), and what is still under way up to the end (pending).
  function arrows(m) {
    var ys = laneByName[m.from].y, yt = laneByName[m.to].y, xs = X(m.sent);
    var xa = X(first(m.delivered, m.ended, m.sent)), xe = X(first(m.ended, m.delivered, m.sent));
    switch (m.outcome) {
    case "dropped":
      return { req: [xs, ys, (xs + xe) / 2, (ys + yt) / 2], rep: null, cross: [(xs + xe) / 2, (ys + yt) / 2] };
    case "dead_server":
      return { req: [xs, ys, xe, yt], rep: null, cross: [xe, yt] };
    case "pending":
      return m.repClass
        ? { req: [xs, ys, xa, yt], rep: [xa, yt, X(END), ys], cross: null }
        : { req: [xs, ys, X(END), yt], rep: null, cross: null };
    case "reply_lost":
      return { req: [xs, ys, xa, yt], rep: [xa, yt, (xa + xe) / 2, (yt + ys) / 2], cross: [(xa + xe) / 2, (yt + ys) / 2] };
    default:
      return { req: [xs, ys, xa, yt], rep: [xa, yt, xe, ys], cross: null };
    }
  }

  // One message's own elements (made the first time), and its method name if `chooseLabels`
  // gave it room.
  function placeMessage(m) {
    if (!m.req) {
      m.hit = svg("polyline", "hit", m.g);
      m.req = svg("line", m.reqClass, m.g);
      if (m.repClass) { m.rep = svg("line", m.repClass, m.g); }
      if (m.crossClass) { m.cross = svg("path", m.crossClass, m.g); }
    }
    var a = arrows(m), xs = a.req[0];
    line.apply(null, [m.req].concat(a.req));
    if (a.rep) { line.apply(null, [m.rep].concat(a.rep)); }
    if (a.cross) { cross(m.cross, a.cross[0], a.cross[1]); }
    m.hit.setAttribute("points", a.req.concat(a.rep ? a.rep.slice(2) : []).join(" "));
    if (m.labelY !== null && !m.label) {
      m.label = svg("text", null, m.g);
      m.label.textContent = m.short;
    }
    if (m.label) {
      m.label.style.display = m.labelY === null ? "none" : "";
      if (m.labelY !== null) { attrs(m.label, { x: m.labelX, y: m.labelY }); }
    }
  }

  // Which messages show their method name, and where: by the start of the arrow, above the
  // lane's line for arrows going up and below it for arrows going down, or else on the other
  // side, wherever it runs into no label placed before it (`board`); else not at all (hovering
  // the arrow tells). Decided for the whole drawing at once, so that scrolling does not change it.
  function chooseLabels(board) {
    messages.forEach(function (m) {
      m.labelY = null;
      if (m.filtered) { return; }
      var ys = laneByName[m.from].y, up = laneByName[m.to].y < ys, x = X(m.sent) + 3;
      var above = [x, ys - 4], below = [x, ys + 12];
      var spot = board.place(m.short, MONO, up ? [above, below] : [below, above]);
      if (spot) {
        m.labelX = spot.x;
        m.labelY = spot.y;
      }
    });
  }

  // Messages are drawn only when their arrows reach into the visible window widened by a
  // screen on each side; the others wait undrawn (class `off`) until scrolling or zooming
  // brings them in. This keeps zooming into a long run quick. `generation` counts layouts.
  var generation = 0, dense = false;
  function placeMessages() {
    var pad = scroll.clientWidth;
    var from = (scroll.scrollLeft - pad - LEFT) / scale, to = (scroll.scrollLeft + 2 * pad - LEFT) / scale;
    messages.forEach(function (m) {
      var on = !dense && !m.filtered && m.last >= from && m.sent <= to;
      if (on && m.drawn !== generation) {
        placeMessage(m);
        m.drawn = generation;
      }
      if (on !== m.on) {
        m.on = on;
        m.g.classList.toggle("off", !on);
      }
    });
  }

  // A fault's marks on its lanes, its line across them, and its word: right of the line above
  // the top mark, else left of it, else a row or two higher, else below the bottom mark; the
  // line reaches the word. Left out if none of those is free (`board`; hovering the line tells).
  function placeFault(f, board) {
    var shown = f.marks.filter(function (mark) { return mark.lane === null || !laneByName[mark.lane].hidden; });
    f.g.classList.toggle("hidden", shown.length === 0);
    if (!shown.length) { return; }
    var x = X(f.at_us), ys = [];
    f.marks.forEach(function (mark) {
      var lane = mark.lane === null ? null : laneByName[mark.lane];
      var visible = lane === null || !lane.hidden;
      mark.path.style.display = visible ? "" : "none";
      if (!visible) { return; }
      var y = lane === null ? TOP + 10 : lane.y;
      ys.push(y);
      mark.path.setAttribute("d", f.kind === "kill"
        ? "M" + (x - 5) + " " + (y - 5) + "l10 10m0 -10l-10 10"
        : "M" + x + " " + (y - 5) + "l5 5l-5 5l-5 -5z");
    });
    var top = Math.min.apply(null, ys), bottom = Math.max.apply(null, ys);
    if (!f.nodes.length) { top = TOP + 10; bottom = height - 8; }
    var w = L.width(f.kind, FAULT), step = FAULT.height + 1, spots = [];
    [top - 8, top - 8 - step, top - 8 - 2 * step, bottom + 8 + FAULT.ascent].forEach(function (y) {
      spots.push([x + 4, y], [x - 4 - w, y]);
    });
    var spot = board.place(f.kind, FAULT, spots);
    f.word.style.display = spot ? "" : "none";
    if (spot) { attrs(f.word, { x: spot.x, y: spot.y }); }
    var y1 = spot ? Math.min(top - 12, spot.y - FAULT.ascent) : top - 12;
    var y2 = spot ? Math.max(bottom + 12, spot.y) : bottom + 12;
    line(f.line, x, y1, x, y2);
  }

  // When arrows are packed closer than a few pixels, they are drawn together, a path per style
  // (no arrowheads, no hovering), instead of one by one: an overview that draws quickly.
  function drawDense() {
    layers.dense.textContent = "";
    if (!dense) { return; }
    var paths = dict();
    function add(cls, d) { (paths[cls] = paths[cls] || []).push(d); }
    function r(v) { return Math.round(v * 10) / 10; }
    function seg(p) { return "M" + r(p[0]) + " " + r(p[1]) + "L" + r(p[2]) + " " + r(p[3]); }
    messages.forEach(function (m) {
      if (m.filtered) { return; }
      var a = arrows(m);
      add(m.reqClass, seg(a.req));
      if (a.rep) { add(m.repClass, seg(a.rep)); }
      if (a.cross) { add(m.crossClass, "M" + r(a.cross[0] - 3) + " " + r(a.cross[1] - 3) + "l6 6m0 -6l-6 6"); }
    });
    Object.keys(paths).forEach(function (cls) { svg("path", cls, layers.dense).setAttribute("d", paths[cls].join("")); });
  }

  // Places everything for the current scale and filters; `refresh` then draws what the window
  // shows (call it once the scroll position is set).
  function layout() {
    layoutLanes();
    chart.setAttribute("width", Math.ceil(X(END) + RIGHT));
    var shown = messages.filter(function (m) { return !m.filtered; }).length;
    dense = shown / (END * scale) > DENSE;
    lanes.forEach(placeLane);
    views.forEach(placeView);
    ops.forEach(placeOp);
    drawDense();
    // Labels go where no other is: fault words first, then method names; none in the view
    // strip, nor in the rows of operation bars (their labels keep inside their bars).
    var blocked = lanes.filter(function (lane) { return lane.rows && !lane.hidden; })
      .map(function (lane) { return [lane.y + OP_GAP, lane.top + lane.height]; });
    var board = L.board({ x1: 0, y1: RULER + STRIP - 3, x2: X(END) + RIGHT, y2: height }, blocked);
    faults.forEach(function (f) { placeFault(f, board); });
    if (!dense) { chooseLabels(board); }
    generation++;
  }
  function refresh() {
    placeMessages();
    drawWindow();
    showWindow();
  }

  // The time ruler, grid lines, and view and operation labels, for the visible part only (the
  // drawing can be very wide).
  function niceStep(min) {
    var pow = Math.pow(10, Math.floor(Math.log10(Math.max(1, min))));
    return [1, 2, 5, 10].map(function (k) { return k * pow; }).filter(function (s) { return s >= min; })[0] || 10 * pow;
  }
  function tickText(t, step) {
    if (step >= 1e5) { return (t / 1e6).toFixed(Math.max(0, Math.ceil(-Math.log10(step / 1e6) - 1e-9))) + " s"; }
    return (t / 1e3).toFixed(Math.max(0, Math.ceil(-Math.log10(step / 1e3) - 1e-9))) + " ms";
  }
  function drawWindow() {
    var ruler = layers.ruler, grid = layers.grid;
    ruler.textContent = "";
    grid.textContent = "";
    var left = scroll.scrollLeft, right = left + scroll.clientWidth;
    attrs(svg("rect", "ruler-bg", ruler), { x: left, y: 0, width: right - left, height: RULER });
    line(svg("line", null, ruler), left, RULER - 0.5, right, RULER - 0.5);
    var step = niceStep(100 / scale);
    var t = Math.max(0, Math.ceil((left - LEFT) / scale / step) * step);
    for (; X(t) <= right && t <= END; t += step) {
      line(svg("line", null, ruler), X(t), RULER - 6, X(t), RULER);
      attrs(svg("text", null, ruler), { x: X(t) + 3, y: 13 }).textContent = tickText(t, step);
      line(svg("line", null, grid), X(t), RULER + STRIP, X(t), height);
    }
    views.forEach(function (v) { placeViewLabel(v, left, right); });
    ops.forEach(function (op) { placeOpLabel(op, left, right); });
  }

  // ---- zoom and the visible window --------------------------------------------------------------
  var fromInput = document.getElementById("window-from"), toInput = document.getElementById("window-to");
  var shownText = document.getElementById("window-shown");
  function setScale(next, anchor) {
    var at = (scroll.scrollLeft + anchor - LEFT) / scale;
    scale = Math.min(maxScale(), Math.max(fitScale(), next));
    layout();
    scroll.scrollLeft = X(at) - anchor;
    refresh();
  }
  function visibleWindow() {
    var left = Math.max(0, (scroll.scrollLeft - LEFT) / scale);
    return [left, Math.min(END, (scroll.scrollLeft + scroll.clientWidth - LEFT) / scale)];
  }
  function showWindow() {
    var w = visibleWindow();
    shownText.textContent = "showing " + ms(w[0]) + " – " + ms(w[1]) + " of " + ms(END) +
      (scale <= fitScale() * 1.0001 ? " (all)" : " (×" + (scale / fitScale()).toFixed(1) + ")") +
      (dense ? "; zoom in to see single messages" : "");
    if (document.activeElement !== fromInput && document.activeElement !== toInput) {
      fromInput.value = (w[0] / 1000).toFixed(3);
      toInput.value = (w[1] / 1000).toFixed(3);
    }
  }
  function showRange(from, to) {
    var span = Math.max(1, to - from);
    scale = Math.min(maxScale(), Math.max(fitScale(), scroll.clientWidth / span));
    layout();
    scroll.scrollLeft = X(from);
    refresh();
  }
  document.getElementById("zoom-in").addEventListener("click", function () { setScale(scale * 2, scroll.clientWidth / 2); });
  document.getElementById("zoom-out").addEventListener("click", function () { setScale(scale / 2, scroll.clientWidth / 2); });
  document.getElementById("zoom-fit").addEventListener("click", function () { setScale(fitScale(), 0); });
  document.getElementById("window-show").addEventListener("click", function () {
    var from = parseFloat(fromInput.value) * 1000, to = parseFloat(toInput.value) * 1000;
    if (isFinite(from) && isFinite(to) && to > from) { showRange(from, to); }
  });
  scroll.addEventListener("wheel", function (e) {
    if (!e.ctrlKey && !e.metaKey) { return; }
    e.preventDefault();
    setScale(scale * Math.exp(-e.deltaY * 0.002), e.clientX - scroll.getBoundingClientRect().left);
  }, { passive: false });
  var pending = false;
  scroll.addEventListener("scroll", function () {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(function () { pending = false; refresh(); });
  });
  window.addEventListener("resize", function () { setScale(scale, 0); });

  // The next operation the checker flagged: zoomed to and outlined for a moment.
  var flagged = ops.filter(function (op) { return op.flagged; }), nextFlag = 0;
  var flagButton = document.getElementById("next-flagged");
  flagButton.disabled = flagged.length === 0;
  flagButton.textContent = flagged.length ? "next flagged op (" + flagged.length + ")" : "no flagged ops";
  flagButton.addEventListener("click", function () {
    var op = flagged[nextFlag++ % flagged.length], end = first(op.return_us, END);
    var pad = Math.max(1000, (end - op.call_us) * 2);
    showRange(Math.max(0, op.call_us - pad), end + pad);
    op.g.classList.add("flash");
    setTimeout(function () { op.g.classList.remove("flash"); }, 1500);
  });

  // ---- filters -----------------------------------------------------------------------------
  var hiddenMethods = dict(), hiddenOutcomes = dict();
  function applyFilters() {
    lanes.forEach(function (lane) {
      lane.box.classList.toggle("hidden", !!lane.hidden);
      lane.g.classList.toggle("hidden", !!lane.hidden);
    });
    messages.forEach(function (m) {
      m.filtered = !!(laneByName[m.from].hidden || laneByName[m.to].hidden || hiddenMethods[m.method] || hiddenOutcomes[m.outcome]);
      m.g.classList.toggle("hidden", m.filtered);
    });
    layout();
    refresh();
  }
  function checkbox(box, cls, attr, value, text, count, onChange) {
    var label = el("label");
    var input = el("input", cls);
    input.type = "checkbox";
    input.checked = true;
    input.setAttribute(attr, value);
    input.addEventListener("change", function () { onChange(input.checked); applyFilters(); });
    label.appendChild(input);
    label.appendChild(document.createTextNode(" " + text + " "));
    if (count !== null) { label.appendChild(el("small", null, "(" + count + ")")); }
    box.appendChild(label);
  }
  function counts(key) {
    var n = dict();
    messages.forEach(function (m) { n[m[key]] = (n[m[key]] || 0) + 1; });
    return n;
  }
  var nodeBox = document.getElementById("node-filters");
  lanes.forEach(function (lane) {
    checkbox(nodeBox, "filter-node", "data-lane", lane.name, lane.name, null, function (on) { lane.hidden = !on; });
  });
  var byMethod = counts("method"), methodBox = document.getElementById("method-filters");
  methods.forEach(function (method) {
    checkbox(methodBox, "filter-method", "data-method", method, method, byMethod[method] || 0, function (on) { hiddenMethods[method] = !on; });
  });
  var byOutcome = counts("outcome"), outcomeBox = document.getElementById("outcome-filters");
  OUTCOMES.forEach(function (outcome) {
    if (!byOutcome[outcome]) { return; }
    checkbox(outcomeBox, "filter-outcome", "data-outcome", outcome, outcome.replace("_", " "), byOutcome[outcome], function (on) { hiddenOutcomes[outcome] = !on; });
  });

  // ---- tooltips ----------------------------------------------------------------------------
  var tooltip = document.getElementById("tooltip");
  var itemOf = new Map();
  messages.forEach(function (m) { itemOf.set(m.g, { describe: describeMessage, item: m }); });
  ops.forEach(function (op) { itemOf.set(op.g, { describe: describeOp, item: op }); });
  faults.forEach(function (f) { itemOf.set(f.g, { describe: describeFault, item: f }); });
  views.forEach(function (v) { itemOf.set(v.g, { describe: describeView, item: v }); });

  function describeMessage(m) {
    var lines = ["message #" + m.id + "  " + m.method, "from " + m.from + " to " + m.to,
      "outcome: " + m.outcome.replace("_", " ") + (m.reason ? " (" + m.reason + ")" : ""),
      "sent " + ms(m.sent) + ", delivered " + ms(m.delivered) + ", ended " + ms(m.ended) +
        (m.ended !== null ? " (took " + ms(m.ended - m.sent) + ")" : "")];
    if (m.args !== null) { lines.push("args: " + m.args); }
    if (m.reply !== null) { lines.push("reply: " + m.reply); }
    return lines.join("\n");
  }
  function describeOp(op) {
    var lines = [opLabel(op), "client " + op.client + ", " + op.kind + " of key " + op.key + (op.value ? ", value " + op.value : ""),
      "called " + ms(op.call_us) + (op.return_us === null ? ", never returned (pending)" : ", returned " + ms(op.return_us)),
      "output: " + first(op.output, "—")];
    if (op.flagged) { lines.push("FLAGGED: the linearizability checker could not place this operation"); }
    return lines.join("\n");
  }
  function describeFault(f) {
    return f.kind + " at " + ms(f.at_us) + (f.nodes.length ? " on " + f.nodes.join(", ") : "") + "\n" + f.text;
  }
  function describeView(v) {
    return v.label + "\nfrom " + ms(v.from_us) + (v.to_us === null ? " to the end" : " to " + ms(v.to_us));
  }
  chart.addEventListener("mouseover", function (e) {
    var g = e.target.closest(".msg, .op, .fault, .view");
    var entry = g && itemOf.get(g);
    if (!entry) { tooltip.style.display = "none"; return; }
    tooltip.textContent = entry.describe(entry.item);
    tooltip.style.display = "block";
  });
  chart.addEventListener("mousemove", function (e) {
    tooltip.style.left = Math.max(4, Math.min(e.clientX + 14, window.innerWidth - tooltip.offsetWidth - 8)) + "px";
    tooltip.style.top = (e.clientY + 16 + tooltip.offsetHeight > window.innerHeight ? e.clientY - tooltip.offsetHeight - 10 : e.clientY + 16) + "px";
  });
  chart.addEventListener("mouseleave", function () { tooltip.style.display = "none"; });

  // ---- the re-run command ------------------------------------------------------------------
  var copy = document.getElementById("copy-rerun");
  copy.addEventListener("click", function () {
    var text = document.getElementById("rerun").textContent;
    var done = function () { copy.textContent = "copied"; setTimeout(function () { copy.textContent = "copy"; }, 1200); };
    if (navigator.clipboard) { navigator.clipboard.writeText(text).then(done, select); } else { select(); }
  });
  function select() {
    var range = document.createRange();
    range.selectNodeContents(document.getElementById("rerun"));
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
  }

  // ---- first drawing -----------------------------------------------------------------------
  scale = fitScale();
  layout();
  refresh();
  document.getElementById("count-msgs").textContent = String(messages.length);
  document.getElementById("count-ops").textContent = String(ops.length);
  document.getElementById("count-faults").textContent = String(faults.length);
  document.getElementById("count-views").textContent = String(views.length);
  document.body.dataset.ready = "true";
})();
