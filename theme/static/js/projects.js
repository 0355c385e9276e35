/* Progressive enhancement of the projects list: a form that filters the list in place.
   Without this file the facet links (pre-built pages by status, type and canton) do the same. */
(function () {
  "use strict";

  function matches(item, key, value) {
    if (!value) { return true; }
    if (key === "canton") {
      return (item.getAttribute("data-cantons") || "").split(" ").indexOf(value) !== -1;
    }
    return item.getAttribute("data-" + key) === value;
  }

  function init() {
    var form = document.getElementById("filtre-projets");
    var list = document.getElementById("liste-projets");
    if (!form || !list) { return; }
    var items = Array.prototype.slice.call(list.querySelectorAll(".project-card"));
    var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter]"));
    var count = document.getElementById("filtre-compte");
    var none = document.getElementById("filtre-aucun");

    function apply() {
      var shown = 0;
      items.forEach(function (item) {
        var keep = selects.every(function (select) {
          return matches(item, select.getAttribute("data-filter"), select.value);
        });
        item.hidden = !keep;
        if (keep) { shown += 1; }
      });
      count.textContent = shown + (shown > 1 ? " projets affichés" : " projet affiché") + " sur " + items.length + ".";
      if (none) { none.hidden = shown !== 0; }
    }

    form.hidden = false;
    form.addEventListener("change", apply);
    form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    apply();
  }

  document.addEventListener("DOMContentLoaded", init);
}());
