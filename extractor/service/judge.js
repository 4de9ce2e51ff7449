/* Judgement controls for the review page as the service serves it (GET /review): each incident card gets
   "correct" and "wrong" (with a reason) and a field correction (a field, its right value, "fix"); a sentence
   selected in the article's text can be flagged as a missed incident. Each posts to /v1/judgements with the reviewer's name and the API token typed into the bar on top
   (kept for this tab only, in sessionStorage). */
(function () {
  "use strict";
  var REASONS = ["not_an_incident", "not_in_article", "duplicate", "out_of_scope", "wrong_fields", "other"];
  var FIELDS = ["date", "country", "region", "location", "attack_type", "killed", "wounded", "kidnapped"];
  var COUNTS = { killed: 1, wounded: 1, kidnapped: 1 };
  function fieldValue(field, text) {
    /* What the reviewer typed, as the schema holds it: empty is "not reported"; a count "5" or "3-5". */
    text = text.trim();
    if (!text) return null;
    if (!COUNTS[field]) return text;
    var m = /^(\d+)\s*(?:-\s*(\d+))?$/.exec(text);
    if (!m) return text;  /* the service refuses it, saying why */
    return { min: +m[1], max: m[2] === undefined ? +m[1] : +m[2] };
  }
  var bar = document.createElement("div");
  bar.id = "judge-bar";
  bar.style.cssText = "padding:4px 8px;background:#fffbe6;border-bottom:1px solid #e5d99a;font:13px sans-serif";
  bar.innerHTML = 'Judging as <input id="judge-who" size="12" placeholder="your name"> with token ' +
    '<input id="judge-token" type="password" size="20" placeholder="API token"> <span id="judge-status"></span>';
  document.body.insertBefore(bar, document.body.firstChild);
  var who = document.getElementById("judge-who"), token = document.getElementById("judge-token");
  who.value = sessionStorage.getItem("judge-who") || "";
  token.value = sessionStorage.getItem("judge-token") || "";
  who.onchange = function () { sessionStorage.setItem("judge-who", who.value); };
  token.onchange = function () { sessionStorage.setItem("judge-token", token.value); };
  function say(text) { document.getElementById("judge-status").textContent = text; }
  function post(body) {
    body.reviewer = who.value;
    return fetch("/v1/judgements", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token.value },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) {
        var detail = j.detail;
        if (Array.isArray(detail)) detail = detail.map(function (d) { return d.msg; }).join("; ");
        say(r.ok ? "saved: " + body.verdict : "refused (" + r.status + "): " + detail);
        return r.ok;
      });
    }, function () { say("the service did not answer"); return false; });
  }
  var lastSelection = "";
  document.addEventListener("selectionchange", function () {
    var s = window.getSelection(), text = document.getElementById("text");
    if (s && text && s.rangeCount && text.contains(s.anchorNode) && String(s).trim()) lastSelection = String(s).trim();
  });
  function decorate() {
    var a = window.reviewCurrentArticle && window.reviewCurrentArticle();
    if (!a) return;
    document.querySelectorAll("#cards .card[data-n]").forEach(function (card) {
      if (card.querySelector(".judge")) return;
      var n = +card.dataset.n, box = document.createElement("div");
      box.className = "judge";
      box.innerHTML = '<button data-v="correct">correct</button> <button data-v="wrong">wrong</button> ' +
        '<select class="judge-reason">' + REASONS.map(function (r) { return "<option>" + r + "</option>"; }).join("") +
        '</select> | <select class="judge-field">' +
        FIELDS.map(function (f) { return "<option>" + f + "</option>"; }).join("") +
        '</select> <input class="judge-value" size="12" placeholder="right value"> ' +
        '<button data-v="corrected">fix</button>';
      box.onclick = function (e) {
        e.stopPropagation();
        var verdict = e.target.dataset ? e.target.dataset.v : null;
        if (!verdict) return;
        var body = { article_id: a.id, n: n, verdict: verdict };
        if (verdict === "wrong") body.reason = box.querySelector(".judge-reason").value;
        if (verdict === "corrected") {
          body.field = box.querySelector(".judge-field").value;
          body.value = fieldValue(body.field, box.querySelector(".judge-value").value);
        }
        post(body).then(function (ok) { if (ok) card.dataset.judged = verdict; });
      };
      card.appendChild(box);
    });
    var text = document.getElementById("text");
    if (text && !document.getElementById("judge-missed")) {
      var button = document.createElement("button");
      button.id = "judge-missed";
      button.textContent = "flag the selected sentence as a missed incident";
      button.onclick = function () {
        if (!lastSelection) { say("select the sentence in the text first"); return; }
        post({ article_id: a.id, verdict: "missed", sentence: lastSelection });
      };
      text.parentNode.insertBefore(button, text);
      lastSelection = "";
    }
  }
  new MutationObserver(decorate).observe(document.getElementById("detail"), { childList: true });
})();
