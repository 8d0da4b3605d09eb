// Where the report's diagram may write a label: text measured as the browser lays it out,
// shortened to a width with "…", and a board of the label boxes placed so far, so that no label
// is drawn over another. Runs before report.js, in the same script element; report.js uses
// `ReportLabels` only.
var ReportLabels = (function () {
  "use strict";
  var COLUMN = 128; // px: the board's boxes are kept by column, so a box meets its neighbours only
  var GAP = 6;      // px kept free between two labels on one line, so that words stay apart
  var canvas = document.createElement("canvas").getContext("2d");
  var fonts = Object.create(null), widths = Object.create(null);

  function measure(text, font) {
    if (canvas.font !== font.spec) { canvas.font = font.spec; }
    return canvas.measureText(text).width;
  }

  // A CSS font (`600 11px system-ui, sans-serif`) with how far its text reaches above and below
  // the baseline: SVG text boxes are the font's box (ascent + descent), whatever the glyphs.
  function font(spec) {
    if (!fonts[spec]) {
      canvas.font = spec;
      var m = canvas.measureText("Hg"), size = parseFloat(/([\d.]+)px/.exec(spec)[1]);
      var ascent = m.fontBoundingBoxAscent, descent = m.fontBoundingBoxDescent;
      fonts[spec] = {
        spec: canvas.font,
        ascent: Math.ceil(ascent === undefined ? size : ascent),
        descent: Math.ceil(descent === undefined ? size * 0.3 : descent)
      };
      fonts[spec].height = fonts[spec].ascent + fonts[spec].descent;
    }
    return fonts[spec];
  }

  // The width of `text` in `font`, in whole px (kept: labels repeat).
  function width(text, font) {
    var key = font.spec + "\n" + text;
    if (!(key in widths)) { widths[key] = Math.ceil(measure(text, font)); }
    return widths[key];
  }

  // `text` if it is at most `room` px wide, else its longest start that fits followed by "…";
  // "" if not even one character and "…" fit.
  function shorten(text, room, font) {
    if (width(text, font) <= room) { return text; }
    var chars = Array.from(text);
    var n = Math.min(chars.length - 1, Math.floor(chars.length * room / Math.max(1, width(text, font))));
    while (n > 0 && Math.ceil(measure(chars.slice(0, n).join("") + "…", font)) > room) { n--; }
    return n > 0 ? chars.slice(0, n).join("") + "…" : "";
  }

  // The label boxes placed so far, all inside `bounds` ({x1, y1, x2, y2}) and out of the
  // horizontal bands `blocked` ([y1, y2] each: where other labels keep to rows of their own).
  function board(bounds, blocked) {
    var columns = new Map();
    function columnsOf(box) {
      var out = [];
      for (var c = Math.floor(box.x1 / COLUMN); c <= Math.floor(box.x2 / COLUMN); c++) { out.push(c); }
      return out;
    }
    function free(box) {
      if (box.x1 < bounds.x1 || box.x2 > bounds.x2 || box.y1 < bounds.y1 || box.y2 > bounds.y2) { return false; }
      for (var i = 0; i < blocked.length; i++) {
        if (box.y1 < blocked[i][1] && blocked[i][0] < box.y2) { return false; }
      }
      return columnsOf(box).every(function (c) {
        return (columns.get(c) || []).every(function (o) {
          return box.x2 + GAP <= o.x1 || o.x2 + GAP <= box.x1 || box.y2 <= o.y1 || o.y2 <= box.y1;
        });
      });
    }
    return {
      // The first of `spots` ([left x, baseline y] each) where `text` in `font` fits, now
      // taken; null if none.
      place: function (text, font, spots) {
        var w = width(text, font);
        for (var i = 0; i < spots.length; i++) {
          var x = spots[i][0], y = spots[i][1];
          var box = { x1: x, y1: y - font.ascent, x2: x + w, y2: y + font.descent };
          if (free(box)) {
            columnsOf(box).forEach(function (c) {
              if (!columns.has(c)) { columns.set(c, []); }
              columns.get(c).push(box);
            });
            return { x: x, y: y };
          }
        }
        return null;
      }
    };
  }

  return { font: font, width: width, shorten: shorten, board: board };
})();
