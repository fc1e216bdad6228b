// whichpy site: sortable tables. Progressive enhancement only: every table reads in
// document order without this file.
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
})();
