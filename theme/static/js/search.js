/* The search page (recherche/): Pagefind's JS API with our own form, filters and result list.
 *
 * Everything comes from the site itself: the Pagefind bundle in /pagefind/ (its JS, its
 * WASM engine, run in its own same-origin worker, and the index fragments) and the
 * datasets' filter values in recherche/filtres.json (Pagefind's own filter index is not
 * reproducible from one build to the next). The query and the ticked filters live in the
 * URL (?q=…&theme=…), so the header's search form, a reload and a shared link all give the
 * same results. Without this script the page offers plain links instead ([data-search-nojs]).
 *
 * - words, no filter: every page Pagefind finds, datasets first;
 * - words and filters: the datasets found that match the filters;
 * - filters alone: the datasets that match them, by title, without Pagefind.
 * Within a group, ticked values add up (any of them); groups narrow each other.
 */
(function () {
  "use strict";

  var app = document.querySelector("[data-search-app]");
  if (!app) return;
  var form = app.querySelector("[data-search-form]");
  var input = form.querySelector('input[name="q"]');
  var status = app.querySelector("[data-search-status]");
  var list = app.querySelector("[data-search-results]");
  var more = app.querySelector("[data-search-more]");
  var clear = app.querySelector("[data-search-clear]");
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"]'));
  var nojs = document.querySelectorAll("[data-search-nojs]");
  var PAGE = 10;
  var DEBOUNCE_MS = 250;
  var IDLE = "Saisissez un ou plusieurs mots, ou cochez un filtre.";
  // Dataset pages are long (previews, profiles): penalise length less than Pagefind does.
  var RANKING = { pageLength: 0.2 };

  var engine = null; // Promise of the Pagefind module
  var catalogue = null; // Promise of {datasets: [...], byId: {...}}
  var items = []; // what the current search found: {result} (Pagefind) or {dataset} (filters)
  var shown = 0;
  var generation = 0; // a newer search makes older answers stale
  var timer = null;

  function loadEngine() {
    if (!engine) {
      engine = import(app.dataset.bundle + "pagefind.js").then(function (pagefind) {
        return pagefind.options({ baseUrl: app.dataset.baseUrl, excerptLength: 24, ranking: RANKING })
          .then(function () { return pagefind; });
      });
    }
    return engine;
  }

  function loadCatalogue() {
    if (!catalogue) {
      catalogue = fetch(app.dataset.filters, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (data) {
        var byId = {};
        data.datasets.forEach(function (dataset) { byId[dataset.id] = dataset; });
        return { datasets: data.datasets, byId: byId };
      });
    }
    return catalogue;
  }

  function failed() {
    engine = null;
    catalogue = null;
    status.textContent = "La recherche n'a pas pu se charger. Parcourez le catalogue avec les liens ci-dessous.";
    list.replaceChildren();
    more.hidden = true;
    for (var i = 0; i < nojs.length; i++) nojs[i].hidden = false;
  }

  // ---- state <-> form <-> URL ---------------------------------------------------------

  function readUrl() {
    var params = new URLSearchParams(window.location.search);
    input.value = params.get("q") || "";
    boxes.forEach(function (box) {
      box.checked = params.getAll(box.name).indexOf(box.value) !== -1;
    });
    updateSelected();
    app.querySelectorAll("[data-filter-group]").forEach(function (group) {
      if (group.querySelector("input:checked")) group.open = true;
    });
  }

  function writeUrl() {
    var params = new URLSearchParams();
    var q = input.value.trim();
    if (q) params.set("q", q);
    boxes.forEach(function (box) {
      if (box.checked) params.append(box.name, box.value);
    });
    var query = params.toString();
    var url = window.location.pathname + (query ? "?" + query : "");
    if (url !== window.location.pathname + window.location.search) {
      window.history.replaceState(null, "", url);
    }
  }

  function chosenFilters() {
    var chosen = {};
    boxes.forEach(function (box) {
      if (!box.checked) return;
      (chosen[box.name] = chosen[box.name] || []).push(box.value);
    });
    return chosen;
  }

  function updateSelected() {
    app.querySelectorAll("[data-filter-group]").forEach(function (group) {
      var count = group.querySelectorAll("input:checked").length;
      group.querySelector("[data-selected-count]").textContent =
        count ? "(" + count + " coché" + (count > 1 ? "s" : "") + ")" : "";
    });
  }

  // ---- filters ------------------------------------------------------------------------

  function matches(dataset, chosen, except) {
    return Object.keys(chosen).every(function (key) {
      if (key === except) return true;
      var values = dataset.filters[key] || [];
      return chosen[key].some(function (value) { return values.indexOf(value) !== -1; });
    });
  }

  // How many of `datasets` each checkbox would give: a group's counts ignore its own ticks.
  function updateCounts(datasets, chosen) {
    var counts = {};
    boxes.forEach(function (box) {
      if (!counts[box.name]) {
        counts[box.name] = {};
        datasets.forEach(function (dataset) {
          if (!matches(dataset, chosen, box.name)) return;
          (dataset.filters[box.name] || []).forEach(function (value) {
            counts[box.name][value] = (counts[box.name][value] || 0) + 1;
          });
        });
      }
      box.parentNode.querySelector("[data-count]").textContent = "(" + (counts[box.name][box.value] || 0) + ")";
    });
  }

  // ---- results ------------------------------------------------------------------------

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  // Pagefind's excerpt is HTML with <mark> around the words found: keep those marks and
  // nothing else, as text (the page's own text must never become markup here).
  function appendExcerpt(target, html) {
    var doc = new DOMParser().parseFromString("<!DOCTYPE html><body>" + (html || ""), "text/html");
    doc.body.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        target.append(element("mark", "", node.textContent));
      } else {
        target.append(document.createTextNode(node.textContent));
      }
    });
  }

  function render(url, title, theme, formats, excerpt) {
    var item = element("li", "search-result" + (formats ? " search-result--dataset" : ""));
    var heading = element("h3", "search-result__title");
    var link = element("a", "", title || url);
    link.href = url;
    heading.append(link);
    item.append(heading);
    if (theme || formats) {
      var facts = element("p", "search-result__meta");
      if (theme) {
        facts.append(element("span", "visually-hidden", "Thème : "));
        facts.append(element("span", "badge", theme));
      }
      if (formats) facts.append(document.createTextNode(" Formats : " + formats));
      item.append(facts);
    }
    var text = element("p", "search-result__excerpt");
    excerpt(text);
    item.append(text);
    return item;
  }

  function load(item) {
    if (item.dataset) {
      var d = item.dataset;
      return Promise.resolve(render(app.dataset.baseUrl + d.url, d.title, d.theme, d.formats,
        function (target) { target.textContent = d.summary; }));
    }
    return item.result.data().then(function (data) {
      var meta = data.meta || {};
      return render(data.url, meta.title, meta.theme, meta.formats,
        function (target) { appendExcerpt(target, data.excerpt); });
    });
  }

  function showMore(current, focusFirst) {
    var slice = items.slice(shown, shown + PAGE);
    return Promise.all(slice.map(load)).then(function (rendered) {
      if (current !== generation) return;
      rendered.forEach(function (item) { list.append(item); });
      shown += slice.length;
      more.hidden = shown >= items.length;
      if (focusFirst && rendered.length) rendered[0].querySelector("a").focus();
    });
  }

  function plural(count, one, many) {
    return count + " " + (count > 1 ? many : one);
  }

  function describe(count, datasets, q, filterCount) {
    var text = count === 0 ? "Aucun résultat" : plural(count, "résultat", "résultats");
    if (q) text += " pour « " + q + " »";
    if (filterCount) text += ", avec " + plural(filterCount, "filtre", "filtres");
    if (count === 0) return text + ". Essayez un autre mot, ou retirez un filtre.";
    if (datasets === count) return text + (count > 1 ? ", tous des jeux de données." : ", un jeu de données.");
    if (datasets === 0) return text + ", aucun jeu de données.";
    return text + ", dont " + plural(datasets, "jeu de données", "jeux de données") + " en tête de liste.";
  }

  function show(current, found, datasetCount, q, filterCount) {
    items = found;
    shown = 0;
    list.replaceChildren();
    more.hidden = true;
    status.textContent = describe(items.length, datasetCount, q, filterCount);
    return showMore(current, false);
  }

  function search() {
    var current = ++generation;
    var q = input.value.trim();
    var chosen = chosenFilters();
    var filterCount = boxes.filter(function (box) { return box.checked; }).length;
    writeUrl();
    updateSelected();
    return loadCatalogue().then(function (cat) {
      if (!q) {
        if (current !== generation) return;
        updateCounts(cat.datasets, chosen);
        if (!filterCount) {
          items = [];
          list.replaceChildren();
          more.hidden = true;
          status.textContent = IDLE;
          return;
        }
        var listed = cat.datasets.filter(function (d) { return matches(d, chosen); });
        return show(current, listed.map(function (d) { return { dataset: d }; }), listed.length, q, filterCount);
      }
      return loadEngine().then(function (pagefind) {
        return pagefind.search(q);
      }).then(function (found) {
        if (current !== generation || !found) return;
        var datasets = [];
        var others = [];
        found.results.forEach(function (result) {
          var dataset = cat.byId[result.id];
          if (dataset) datasets.push({ result: result, entry: dataset });
          else others.push({ result: result });
        });
        updateCounts(datasets.map(function (item) { return item.entry; }), chosen);
        var kept = datasets.filter(function (item) { return matches(item.entry, chosen); });
        var all = filterCount ? kept : kept.concat(others);
        return show(current, all, kept.length, q, filterCount);
      });
    }).catch(failed);
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, DEBOUNCE_MS);
  }

  // ---- wiring -------------------------------------------------------------------------

  for (var i = 0; i < nojs.length; i++) nojs[i].hidden = true;
  app.hidden = false;
  readUrl();
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    search();
  });
  input.addEventListener("input", later);
  boxes.forEach(function (box) { box.addEventListener("change", search); });
  clear.addEventListener("click", function () {
    boxes.forEach(function (box) { box.checked = false; });
    search();
  });
  more.addEventListener("click", function () { showMore(generation, true); });
  search();
})();
