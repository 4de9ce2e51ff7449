/* The review page's browser: filters, a page of the article list at a time, one article's text with its
   evidence highlighted, incident cards, gold versus predicted, and the comparison of two runs. No network. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var DATA, ARTS;
  var PAGE = 100, GOLD_PAGE = 20;
  var state = { page: 0, goldPage: 0, shown: [], current: -1 };
  var $ = function (id) { return document.getElementById(id); };

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function words(s) { return String(s || "").replace(/_/g, " "); }

  /* ---- tabs ---- */
  function showTab(name) {
    var sections = document.querySelectorAll("section.tab");
    var found = false;
    sections.forEach(function (s) { if (s.id === name) found = true; });
    if (!found) name = "articles";
    sections.forEach(function (s) { s.classList.toggle("on", s.id === name); });
    document.querySelectorAll("#tabs a").forEach(function (a) { a.classList.toggle("on", a.dataset.tab === name); });
    if (name === "gold") renderGold();
  }
  function route() {
    var hash = decodeURIComponent(location.hash.slice(1));
    if (hash.indexOf("event=") === 0) {
      showTab("events");
      var target = document.getElementById("event-" + hash.slice(6));
      if (target) { target.classList.add("active"); target.scrollIntoView({ block: "start" }); }
      return;
    }
    if (hash.indexOf("article=") === 0) {
      var id = hash.slice(8), index = ARTS.findIndex(function (a) { return a.id === id; });
      showTab("articles");
      if (index >= 0) openArticle(index);
      return;
    }
    showTab(hash || "articles");
  }

  /* ---- filters and the list ---- */
  function fill(select, values) {
    values.sort().forEach(function (v) {
      var o = document.createElement("option"); o.value = v; o.textContent = words(v); select.appendChild(o);
    });
  }
  function distinct(key) {
    var seen = {};
    ARTS.forEach(function (a) { (Array.isArray(a[key]) ? a[key] : [a[key]]).forEach(function (v) { if (v) seen[v] = 1; }); });
    return Object.keys(seen);
  }
  function checked(id) { var e = $(id); return !!(e && e.checked); }
  function matches(a, f) {
    if (f.feed && a.feed !== f.feed) return false;
    if (f.country && a.countries.indexOf(f.country) < 0) return false;
    if (f.type && a.types.indexOf(f.type) < 0) return false;
    if (f.from && (!a.day || a.day < f.from)) return false;
    if (f.to && (!a.day || a.day > f.to)) return false;
    if (f.inc && !a.incidents.length) return false;
    if (f.ungrounded && !a.ungrounded) return false;
    if (f.failed && a.status !== "failed") return false;
    if (f.warn && !a.warnings.length) return false;
    if (f.changed && !(a.cmp && a.cmp.changed)) return false;
    if (f.errors && !(a.gold && a.gold.errors)) return false;
    if (f.q) {
      if (a._hay === undefined) a._hay = (a.title + "\n" + (a.text || "") + "\n" + a.id).toLowerCase();
      if (a._hay.indexOf(f.q) < 0) return false;
    }
    return true;
  }
  function applyFilters() {
    var f = {
      q: $("q").value.trim().toLowerCase(), feed: $("f-feed").value, country: $("f-country").value,
      type: $("f-type").value, from: $("f-from").value, to: $("f-to").value, inc: checked("f-inc"),
      ungrounded: checked("f-ungrounded"), failed: checked("f-failed"), warn: checked("f-warn"),
      changed: checked("f-changed"), errors: checked("f-errors")
    };
    state.shown = [];
    for (var i = 0; i < ARTS.length; i++) if (matches(ARTS[i], f)) state.shown.push(i);
    state.page = 0;
    renderList();
  }
  function pager(el, page, total, size, go) {
    var pages = Math.max(1, Math.ceil(total / size));
    el.innerHTML = pages < 2 ? "" :
      '<button data-p="prev"' + (page ? "" : " disabled") + ">&lsaquo; previous</button>" +
      "<span>page " + (page + 1) + " of " + pages + "</span>" +
      '<button data-p="next"' + (page + 1 < pages ? "" : " disabled") + ">next &rsaquo;</button>";
    el.onclick = function (e) {
      var p = e.target.dataset && e.target.dataset.p;
      if (p) go(p === "next" ? page + 1 : page - 1);
    };
  }
  function renderList() {
    var start = state.page * PAGE, items = state.shown.slice(start, start + PAGE);
    $("count").textContent = state.shown.length + " of " + ARTS.length + " articles";
    $("list").innerHTML = items.map(function (i) {
      var a = ARTS[i], flags = "";
      if (a.incidents.length) flags += '<span class="flag n">' + a.incidents.length + "</span>";
      if (a.status === "failed") flags += '<span class="flag failed">failed</span>';
      if (a.ungrounded) flags += '<span class="flag ungrounded">ungrounded</span>';
      if (a.warnings.length) flags += '<span class="flag warn">warnings</span>';
      if (a.cmp && a.cmp.changed) flags += '<span class="flag changed">changed</span>';
      return '<li data-i="' + i + '"' + (i === state.current ? ' class="sel"' : "") + '><span class="t">' + esc(a.title) +
        flags + '</span><span class="m">' + esc([a.day, a.feed, a.countries.join(", ")].filter(Boolean).join(" \u00b7 ")) +
        "</span></li>";
    }).join("");
    pager($("list-pager"), state.page, state.shown.length, PAGE, function (p) { state.page = p; renderList(); });
  }

  /* ---- one article ---- */
  function textHtml(text, segments) {
    if (text == null) return '<p class="meta">The article text is not available (give the feed with --feed).</p>';
    var out = "", pos = 0;
    segments.forEach(function (s) {
      out += esc(text.slice(pos, s[0]));
      var owners = s[2];
      out += '<mark class="ev c' + (owners[0] % 8) + (owners.length > 1 ? " multi" : "") + '" data-inc="' +
        owners.join(" ") + '" title="incident ' + owners.map(function (o) { return o + 1; }).join(", ") + '">' +
        esc(text.slice(s[0], s[1])) + "</mark>";
      pos = s[1];
    });
    return out + esc(text.slice(pos));
  }
  function cardHtml(c, n, opts) {
    opts = opts || {};
    var diff = opts.diff || [], cls = "card" + (n != null ? " c" + (n % 8) : "");
    var ungrounded = c.grounded === false;
    var missing = c.evidence.filter(function (e) { return e.found === false || e.ungrounded; }).length;
    if (ungrounded || missing) cls += " ungrounded";
    var head = (opts.tag ? '<span class="tag ' + opts.tag + '">' + esc(opts.tagText || opts.tag) + "</span> " : "") +
      (n != null ? '<span class="badge">#' + (n + 1) + "</span>" : "") +
      (c.primary ? '<span class="badge">primary</span>' : '<span class="badge">background</span>') +
      (c.grounded === true ? '<span class="badge ok">grounded</span>' : "") +
      (ungrounded ? '<span class="badge bad">ungrounded</span>' :
        (missing ? '<span class="badge bad">' + missing + " quote(s) not found</span>" : "")) +
      (c.optional ? '<span class="badge">optional</span>' : "") +
      (c.event_id ? '<span class="badge">event ' + esc(c.event_id) + "</span>" : "") +
      (c.event ? '<a class="badge evlink" href="#event=' + encodeURIComponent(c.event) + '">event ' + esc(c.event) + "</a>" : "");
    var rows = c.rows.map(function (r) {
      return "<tr" + (diff.indexOf(r[0]) >= 0 ? ' class="diff"' : "") + ' data-field="' + r[0] + '"><th>' + esc(r[1]) +
        "</th><td>" + esc(r[2]) + "</td></tr>";
    }).join("") + c.extra.map(function (r) { return "<tr><th>" + esc(r[0]) + "</th><td>" + esc(r[1]) + "</td></tr>"; }).join("");
    var ev = c.evidence.map(function (e) {
      var bad = e.found === false || e.ungrounded;
      return "<li" + (bad ? ' class="nf" title="not found in the article"' : "") + ">\u201c" + esc(e.q) + "\u201d" +
        (bad ? " \u2014 not found in the text" : "") + "</li>";
    }).join("");
    var corr = (c.corrections || []).map(function (x) { return "<li>" + esc(x) + "</li>"; }).join("");
    return '<div class="' + cls + '"' + (n != null && opts.select ? ' data-n="' + n + '"' : "") + ">" + head +
      "<h4>" + esc(c.summary) + "</h4><table>" + rows + '</table><ul class="ev">' + ev + "</ul>" +
      (corr ? '<p class="meta">Corrections:</p><ul class="meta">' + corr + "</ul>" : "") + "</div>";
  }
  function provHtml(p, label) {
    if (!p) return "";
    var cells = [["model", p.model], ["backend", p.backend], ["prompt", p.prompt ? p.prompt + " (" + p.prompt_hash + ")" : null],
      ["mode", p.mode], ["tokens", p.tokens + " (" + p.tokens_in + " in, " + p.tokens_out + " out)"],
      ["cost (USD, approx.)", p.cost_usd], ["latency", p.latency_s + " s"], ["attempts", p.attempts + (p.reasks ? ", " + p.reasks + " re-asks" : "")],
      ["cache hit", p.cache_hit ? "yes" : "no"]];
    return '<table class="prov">' + (label ? "<caption>" + esc(label) + "</caption>" : "") + cells.filter(function (c) {
      return c[1] != null && c[1] !== "";
    }).map(function (c) { return "<tr><th>" + c[0] + "</th><td>" + esc(c[1]) + "</td></tr>"; }).join("") + "</table>";
  }
  function compareHtml(a) {
    var c = a.cmp, html = '<h3>Run A versus run B</h3><p class="meta">status A: ' + esc(c.status[0]) + ", B: " +
      esc(c.status[1]) + '</p><div class="gvrow"><b>run A</b><b>run B</b></div>';
    c.pairs.forEach(function (p) {
      var rows = p.changed.map(function (f) { return f === "attribution" ? "perpetrators" : f; });
      html += '<div class="gvrow cmp"><div>' + (c.status[0] === "missing" ? "" : cardHtml(a.incidents[p.a], p.a, { diff: rows })) + "</div><div>" +
        cardHtml(c.b[p.b], null, { tag: p.changed.length ? "changed" : "match", tagText: p.changed.length ?
          "changed: " + p.changed.map(words).join(", ") : "same", diff: rows }) + "</div></div>";
    });
    c.only_a.forEach(function (i) {
      html += '<div class="gvrow"><div>' + cardHtml(a.incidents[i], i, { tag: "removed", tagText: "only in run A" }) + "</div><div></div></div>";
    });
    c.only_b.forEach(function (i) {
      html += '<div class="gvrow"><div></div><div>' + cardHtml(c.b[i], null, { tag: "added", tagText: "only in run B" }) + "</div></div>";
    });
    if (c.warnings_b.length) html += '<div class="warnings">B: ' + c.warnings_b.map(esc).join("<br>") + "</div>";
    return html + provHtml(c.prov_b, "run B");
  }
  function webLink(link) { return typeof link === "string" && /^https?:\/\/\S+$/i.test(link.trim()); }
  function openArticle(i) {
    var a = ARTS[i];
    state.current = i;
    document.querySelectorAll("#list li").forEach(function (li) { li.classList.toggle("sel", +li.dataset.i === i); });
    var html = "<h2>" + esc(a.title) + "</h2><p class=\"meta\">" +
      esc([a.published, a.feed, a.id].filter(Boolean).join(" \u00b7 ")) +
      (webLink(a.link) ? ' \u00b7 <a href="' + esc(a.link.trim()) + '" rel="noreferrer noopener">original</a>'
        : a.link_text ? ' \u00b7 link (not a web address, not opened): <code>' + esc(a.link_text) + "</code>" : "") + "</p>";
    html += '<p><span class="badge ' + (a.status === "ok" ? "ok" : "bad") + '">' + esc(a.status) + "</span>" +
      '<span class="badge">' + a.incidents.length + " incident(s)</span>" +
      (a.ungrounded ? '<span class="badge bad">ungrounded evidence</span>' : "") +
      (a.dropped ? '<span class="badge bad">' + a.dropped + " ungrounded dropped</span>" : "") + "</p>";
    if (a.error) html += '<div class="error">' + esc(a.error) + "</div>";
    if (a.warnings.length) html += '<div class="warnings"><b>Warnings</b><br>' + a.warnings.map(esc).join("<br>") + "</div>";
    html += provHtml(a.prov);
    html += '<div class="cols"><div id="cards">' + (a.incidents.length ? a.incidents.map(function (c, n) {
      return cardHtml(c, n, { select: true });
    }).join("") : '<p class="meta">No incident extracted.</p>') + "</div>";
    html += '<div class="text" id="text">' + textHtml(a.text, a.segments) + "</div></div>";
    if (a.gold) html += '<h3>Gold vs predicted</h3>' + goldHtml(a);
    if (a.cmp) html += compareHtml(a);
    var detail = $("detail");
    detail.innerHTML = html;
    detail.scrollTop = 0;
    $("cards").onclick = function (e) {
      var card = e.target.closest(".card[data-n]");
      if (card) selectIncident(+card.dataset.n);
    };
  }
  function selectIncident(n) {
    document.querySelectorAll("#cards .card").forEach(function (c) { c.classList.toggle("active", +c.dataset.n === n); });
    var first = null;
    document.querySelectorAll("#text mark.ev").forEach(function (m) {
      var on = m.dataset.inc.split(" ").indexOf(String(n)) >= 0;
      m.classList.toggle("active", on);
      if (on && !first) first = m;
    });
    if (first) first.scrollIntoView({ block: "center", behavior: "auto" });
  }
  window.reviewSelectIncident = selectIncident;
  window.reviewCurrentArticle = function () { return state.current >= 0 ? ARTS[state.current] : null; };

  /* ---- gold versus predicted ---- */
  function goldHtml(a) {
    var g = a.gold, html = "";
    g.pairs.forEach(function (p) {
      html += '<div class="gvrow pair"><div>' + cardHtml(a.incidents[p.pred], p.pred, {
        tag: "match", tagText: "matched (" + p.sim + ")" + (p.diff.length ? ", differs: " + p.diff.map(words).join(", ") : ""),
        diff: p.diff }) + "</div><div>" + cardHtml(p.gold, null, { tag: "match", tagText: "gold", diff: p.diff }) + "</div></div>";
    });
    g.spurious.forEach(function (i) {
      html += '<div class="gvrow spurious"><div>' + cardHtml(a.incidents[i], i, { tag: "spurious" }) + "</div><div></div></div>";
    });
    g.missed.forEach(function (c) {
      html += '<div class="gvrow missed"><div></div><div>' + cardHtml(c, null, { tag: "missed" }) + "</div></div>";
    });
    if (!html) html = '<p class="meta">No incident in gold or prediction: right.</p>';
    if (g.notes) html += '<p class="meta">Gold note: ' + esc(g.notes) + "</p>";
    return '<div class="gvrow"><b>predicted</b><b>gold</b></div>' + html;
  }
  function renderGold() {
    var list = $("goldlist");
    if (!list) return;
    var only = checked("g-errors"), items = [];
    ARTS.forEach(function (a, i) { if (a.gold && (!only || a.gold.errors)) items.push(i); });
    var start = state.goldPage * GOLD_PAGE;
    list.innerHTML = items.slice(start, start + GOLD_PAGE).map(function (i) {
      var a = ARTS[i];
      return '<div class="gv" data-i="' + i + '"><h3><a href="#article=' + encodeURIComponent(a.id) + '">' + esc(a.title) +
        "</a> " + (a.gold.errors ? '<span class="flag failed">' + a.gold.errors + " disagreement(s)</span>" : '<span class="badge ok">agrees</span>') +
        "</h3>" + goldHtml(a) + "</div>";
    }).join("") || '<p class="meta">No article with gold labels.</p>';
    pager($("gold-pager"), state.goldPage, items.length, GOLD_PAGE, function (p) { state.goldPage = p; renderGold(); });
  }

  /* ---- data: plain JSON, or gzip + base64 for large runs (decompressed by the browser, no library) ---- */
  function loadData() {
    var el = document.getElementById("data");
    if (el.type !== "application/x-gzip-base64") return Promise.resolve(JSON.parse(el.textContent));
    var binary = atob(el.textContent.trim()), bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);  /* 10x faster than a data: URL */
    el.textContent = "";
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text().then(JSON.parse);
  }

  /* ---- wiring ---- */
  function start(data) {
    DATA = data;
    ARTS = data.articles;
    fill($("f-feed"), distinct("feed"));
    fill($("f-country"), distinct("countries"));
    fill($("f-type"), distinct("types"));
    $("filters").addEventListener("submit", function (e) { e.preventDefault(); });
    $("filters").addEventListener("input", applyFilters);
    $("filters").addEventListener("change", applyFilters);
    $("list").addEventListener("click", function (e) {
      var li = e.target.closest("li[data-i]");
      if (li) openArticle(+li.dataset.i);
    });
    if ($("g-errors")) $("g-errors").addEventListener("change", function () { state.goldPage = 0; renderGold(); });
  if ($("e-multi")) $("e-multi").addEventListener("change", function () {
    var only = $("e-multi").checked;
    document.querySelectorAll("#events .event").forEach(function (e) { e.hidden = only && +e.dataset.sources < 2; });
  });
    window.addEventListener("hashchange", route);
    applyFilters();
    route();
    if (state.current < 0 && state.shown.length) openArticle(state.shown[0]);
    window.reviewReadyMs = performance.now();  /* read by bench/bench_review.py */
    document.body.dataset.ready = "1";
  }
  $("count").textContent = "Loading the articles\u2026";
  loadData().then(start).catch(function (error) {
    $("count").textContent = "This browser could not read the page's data: " + error;
  });
})();
