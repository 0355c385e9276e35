/* Progressive enhancement only: every page works without this file.
   - marks <html> with the class "js" (CSS hides the "map needs JavaScript" notes);
   - makes tables with class "sortable" sortable by their column headers, with buttons
     reachable by keyboard and aria-sort telling screen readers the order. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function cellValue(row, index, numeric) {
    var text = row.cells[index] ? row.cells[index].textContent.trim() : "";
    if (!numeric) { return text.toLocaleLowerCase("fr"); }
    var number = parseFloat(text.replace(/[\s\u202f\u00a0]/g, "").replace(",", "."));
    return isNaN(number) ? -Infinity : number;
  }

  function sortBy(table, index, numeric, header) {
    var body = table.tBodies[0];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function enhance(table) {
    var numeric = (table.getAttribute("data-numeric-columns") || "").split(",");
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = header.textContent;
      button.setAttribute("title", "Trier par " + header.textContent);
      header.textContent = "";
      header.appendChild(button);
      button.addEventListener("click", function () {
        sortBy(table, index, numeric.indexOf(String(index)) !== -1, header);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), enhance);
  });
}());
