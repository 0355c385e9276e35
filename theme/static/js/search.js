/* The search page (recherche/): Pagefind's JS API with our own form, filters and result list.
 *
 * Everything comes from the site itself: the Pagefind bundle in /pagefind/ (its JS, its
 * WASM engine, run in its own same-origin worker, and the index fragments). The query and
 * the ticked filters live in the URL (?q=…&theme=…), so the header's search form, the back
 * button and a shared link all give the same results. Without this script the page offers
 * plain links instead (the markup's [data-search-nojs] block).
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
  var DATASETS = { type: { any: ["Jeu de données"] } }; // set by search/dataset_meta.html

  var engine = null; // the Pagefind module, once loaded
  var results = []; // results of the current search, not yet loaded beyond `shown`
  var shown = 0;
  var generation = 0; // a newer search makes older answers stale
  var timer = null;

  function setNojs(visible) {
    for (var i = 0; i < nojs.length; i++) nojs[i].hidden = !visible;
    app.hidden = visible;
  }

  function load() {
    if (!engine) {
      engine = import(app.dataset.bundle + "pagefind.js").then(function (pagefind) {
        return pagefind.options({ baseUrl: app.dataset.baseUrl, excerptLength: 24, ranking: RANKING })
          .then(function () { return pagefind.filters(); }) // loads the filters: searches count them
          .then(function () { return pagefind; });
      });
    }
    return engine;
  }

  function failed() {
    engine = null;
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

  function filters() {
    var chosen = {};
    boxes.forEach(function (box) {
      if (!box.checked) return;
      if (!chosen[box.name]) chosen[box.name] = { any: [] };
      chosen[box.name].any.push(box.value);
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

  function updateCounts(counts) {
    boxes.forEach(function (box) {
      var span = box.parentNode.querySelector("[data-count]");
      var values = counts && counts[box.name];
      span.textContent = values ? "(" + (values[box.value] || 0) + ")" : "";
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

  function render(data) {
    var meta = data.meta || {};
    var item = element("li", "search-result" + (meta.formats ? " search-result--dataset" : ""));
    var heading = element("h3", "search-result__title");
    var link = element("a", "", meta.title || data.url);
    link.href = data.url;
    heading.append(link);
    item.append(heading);
    if (meta.theme || meta.formats) {
      var facts = element("p", "search-result__meta");
      if (meta.theme) {
        facts.append(element("span", "visually-hidden", "Thème : "));
        facts.append(element("span", "badge", meta.theme));
      }
      if (meta.formats) facts.append(document.createTextNode(" Formats : " + meta.formats));
      item.append(facts);
    }
    var excerpt = element("p", "search-result__excerpt");
    appendExcerpt(excerpt, data.excerpt);
    item.append(excerpt);
    return item;
  }

  function showMore(current, focusFirst) {
    var slice = results.slice(shown, shown + PAGE);
    return Promise.all(slice.map(function (result) { return result.data(); })).then(function (pages) {
      if (current !== generation) return;
      var first = null;
      pages.forEach(function (data) {
        var item = render(data);
        first = first || item.querySelector("a");
        list.append(item);
      });
      shown += slice.length;
      more.hidden = shown >= results.length;
      if (focusFirst && first) first.focus();
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

  // How many results each checkbox would give. Values of one group add up (any of them),
  // groups narrow each other: a group's counts come from a search without its own ticks.
  function counts(pagefind, q, chosen, base) {
    var result = Object.assign({}, base);
    return Promise.all(Object.keys(chosen).map(function (key) {
      var others = Object.assign({}, chosen);
      delete others[key];
      var found = q || Object.keys(others).length
        ? pagefind.search(q || null, { filters: others }).then(function (r) { return r && r.filters; })
        : pagefind.filters();
      return found.then(function (values) {
        if (values && values[key]) result[key] = values[key];
      });
    })).then(function () { return result; });
  }

  function search() {
    var current = ++generation;
    var q = input.value.trim();
    var chosen = filters();
    var filterCount = boxes.filter(function (box) { return box.checked; }).length;
    writeUrl();
    updateSelected();
    return load().then(function (pagefind) {
      if (!q && !filterCount) {
        return pagefind.filters().then(function (counts) {
          if (current !== generation) return;
          results = [];
          shown = 0;
          list.replaceChildren();
          more.hidden = true;
          status.textContent = IDLE;
          updateCounts(counts);
        });
      }
      // Datasets first, then the other pages (news, projects…), each in Pagefind's order.
      var onlyDatasets = Object.assign({}, chosen, DATASETS);
      return Promise.all([
        pagefind.search(q || null, { filters: chosen }),
        pagefind.search(q || null, { filters: onlyDatasets }),
      ]).then(function (found) {
        var all = found[0];
        var datasets = found[1];
        if (current !== generation || !all || !datasets) return;
        var first = {};
        datasets.results.forEach(function (result) { first[result.id] = true; });
        results = datasets.results.concat(all.results.filter(function (result) { return !first[result.id]; }));
        shown = 0;
        list.replaceChildren();
        status.textContent = describe(results.length, datasets.results.length, q, filterCount);
        return Promise.all([showMore(current, false), counts(pagefind, q, chosen, all.filters)]);
      }).then(function (done) {
        if (done && current === generation) updateCounts(done[1]);
      });
    }).catch(failed);
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, DEBOUNCE_MS);
  }

  // ---- wiring -------------------------------------------------------------------------

  setNojs(false);
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
  window.addEventListener("popstate", function () { readUrl(); search(); });
  search();
})();
