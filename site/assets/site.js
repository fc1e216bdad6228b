// whichpy site: sortable tables, the scroll cue of wide tables and charts, and the results
// explorer. Progressive enhancement only: every table reads in document order without this
// file, and the results table is complete without it.
(function () {
  "use strict";

  // The cell of a row that covers column `col`, honouring colspan.
  function cellAt(row, col) {
    var at = 0;
    for (var i = 0; i < row.cells.length; i++) {
      var c = row.cells[i];
      var span = c.colSpan || 1;
      if (col < at + span) {
        return span > 1 ? null : c;
      }
      at += span;
    }
    return null;
  }

  function key(cell) {
    if (!cell) {
      return { empty: true, num: NaN, text: "" };
    }
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    raw = raw.trim();
    var num = raw === "" ? NaN : Number(raw);
    return { empty: raw === "", num: num, text: raw.toLowerCase() };
  }

  function compare(a, b) {
    if (a.empty || b.empty) {
      return a.empty === b.empty ? 0 : a.empty ? 1 : -1;
    }
    if (!isNaN(a.num) && !isNaN(b.num)) {
      return a.num - b.num;
    }
    return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  }

  function sortBy(table, col, th) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) {
      heads[i].removeAttribute("aria-sort");
    }
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (row, index) {
      return { row: row, index: index, key: key(cellAt(row, col)) };
    });
    rows.sort(function (a, b) {
      var c = compare(a.key, b.key);
      if (c !== 0 && !(a.key.empty || b.key.empty)) {
        c = ascending ? c : -c;
      }
      return c !== 0 ? c : a.index - b.index;
    });
    rows.forEach(function (r) {
      body.appendChild(r.row);
    });
  }

  function enhance(table) {
    if (!table.tHead || !table.tBodies.length) {
      return;
    }
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) {
        button.appendChild(th.firstChild);
      }
      th.appendChild(button);
      button.addEventListener("click", function () {
        sortBy(table, col, th);
      });
    });
  }

  document.querySelectorAll("table[data-sortable]").forEach(enhance);

  // A frame that scrolls sideways (a wide table, a chart on a phone) gets a hint above it and a
  // faded right edge while there is more to see; both go once it fits or is scrolled to its end.
  function scrollCue(frame) {
    var hint = document.createElement("p");
    hint.className = "scroll-hint";
    hint.setAttribute("aria-hidden", "true");
    hint.textContent = "Scroll sideways for more \u2192";
    hint.hidden = true;
    frame.parentNode.insertBefore(hint, frame);
    function update() {
      var over = frame.scrollWidth > frame.clientWidth + 1;
      var end = frame.scrollLeft + frame.clientWidth >= frame.scrollWidth - 1;
      hint.hidden = !over;
      frame.classList.toggle("overflows", over);
      frame.classList.toggle("at-end", over && end);
    }
    frame.addEventListener("scroll", update, { passive: true });
    if (window.ResizeObserver) {
      new ResizeObserver(update).observe(frame);
    }
    window.addEventListener("load", update);
    update();
  }

  // The article's Markdown tables get the wrapper the site's own tables have.
  document.querySelectorAll(".article table").forEach(function (table) {
    if (table.parentNode.classList.contains("table-wrap")) {
      return;
    }
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    wrap.setAttribute("role", "region");
    wrap.setAttribute("tabindex", "0");
    wrap.setAttribute("aria-label", "Table");
    table.parentNode.insertBefore(wrap, table);
    wrap.appendChild(table);
  });
  document.querySelectorAll(".article p > img[src$='.svg']").forEach(function (img) {
    if (img.parentNode.children.length === 1) {
      img.parentNode.classList.add("figure-scroll");
    }
  });
  document
    .querySelectorAll(".table-wrap, .chart-scroll, .article p.figure-scroll")
    .forEach(scrollCue);

  // The results explorer: each filter keeps the rows whose data-* attribute equals its value.
  // The form is hidden without this file; the full table is there either way.
  function explorer(form) {
    var table = document.getElementById(form.getAttribute("data-table"));
    if (!table || !table.tBodies.length) {
      return;
    }
    var count = form.querySelector(".explorer-count");
    var full = document.querySelector("a.results-csv");
    var part = document.querySelector("a.filtered-csv");
    var csv = null;
    if (full && window.fetch) {
      fetch(full.getAttribute("href"))
        .then(function (r) {
          return r.ok ? r.text() : null;
        })
        .then(function (text) {
          csv = text;
          apply();
        })
        .catch(function () {
          csv = null;
        });
    }

    // The CSV lines of the shown rows (its first two columns are the interpreter and the
    // workload, both plain ids), as a data: URL that the link downloads.
    function filteredCsv(keys) {
      var lines = csv.replace(/\r?\n$/, "").split(/\r?\n/);
      var out = [lines[0]];
      var n = 0;
      for (var i = 1; i < lines.length; i++) {
        var f = lines[i].split(",");
        if (keys[f[0] + " " + f[1]]) {
          out.push(lines[i]);
          n++;
        }
      }
      return { n: n, url: "data:text/csv;charset=utf-8," + encodeURIComponent(out.join("\n") + "\n") };
    }

    function apply() {
      var want = [];
      Array.prototype.forEach.call(form.querySelectorAll("select"), function (el) {
        if (el.value !== "") {
          want.push([el.name, el.value]);
        }
      });
      var rows = table.tBodies[0].rows;
      var shown = 0;
      var keys = {};
      Array.prototype.forEach.call(rows, function (row) {
        var ok = want.every(function (w) {
          return row.getAttribute("data-" + w[0]) === w[1];
        });
        row.hidden = !ok;
        if (ok) {
          shown++;
          keys[row.getAttribute("data-interp") + " " + row.getAttribute("data-workload")] = true;
        }
      });
      count.textContent =
        want.length === 0
          ? "All " + rows.length + " rows shown."
          : shown + " of " + rows.length + " rows shown.";
      if (part) {
        if (want.length === 0 || csv === null) {
          part.hidden = true;
          part.removeAttribute("href");
        } else {
          var f = filteredCsv(keys);
          part.href = f.url;
          part.textContent = "Download the " + f.n + " measured rows shown as CSV";
          part.hidden = false;
        }
      }
    }

    form.addEventListener("change", apply);
    form.addEventListener("reset", function () {
      setTimeout(apply, 0);
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
    });
    form.hidden = false;
    apply();
  }

  document.querySelectorAll("form.explorer").forEach(explorer);

  // The navigation's groups: one open at a time; a click elsewhere or Escape closes it.
  var groups = Array.prototype.slice.call(document.querySelectorAll(".nav-group details"));
  function closeGroups(except) {
    groups.forEach(function (d) {
      if (d !== except) {
        d.open = false;
      }
    });
  }
  groups.forEach(function (d) {
    d.addEventListener("toggle", function () {
      if (d.open) {
        closeGroups(d);
      }
    });
  });
  document.addEventListener("click", function (e) {
    if (!e.target.closest || !e.target.closest(".nav-group")) {
      closeGroups(null);
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      closeGroups(null);
    }
  });
})();
