/* The web edition's only script: the 大字 (large text) switch, remembered on this device, and search
   over the index built with the site (assets/search-index.js). Every page reads fully without it. */
(function () {
  "use strict";
  var root = document.documentElement, KEY = "guidebook-large-text";
  try { if (localStorage.getItem(KEY) === "1") root.classList.add("large"); } catch (e) { /* private mode */ }

  function norm(s) { return String(s).replace(/\s+/g, "").toLowerCase(); }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".large-toggle");
    if (toggle) {
      toggle.hidden = false;
      toggle.setAttribute("aria-pressed", root.classList.contains("large") ? "true" : "false");
      toggle.addEventListener("click", function () {
        var on = root.classList.toggle("large");
        toggle.setAttribute("aria-pressed", on ? "true" : "false");
        try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
      });
    }
    var box = document.querySelector(".search");
    if (!box || !window.GUIDE_INDEX) return;
    box.hidden = false;
    var form = box.querySelector("form"), q = document.getElementById("q");
    var list = document.getElementById("results"), status = document.getElementById("search-status");
    var index = window.GUIDE_INDEX.map(function (e) { return { e: e, t: norm(e.t), s: norm(e.s), x: norm(e.x) }; });

    /* A citizen's words: the catalogue's search words (source/synonyms.yaml: 失业金 -> 失业保险金) give the
       guide's words, and a word that is not found whole is looked for in the titles by its pairs of
       characters, without the little words of a sentence (我失业了 -> 失业; 社保卡丢了怎么办 -> 社会保障卡挂失).
       A title holding half of the word's pairs or more scores by that share, then by the share of its own pairs the word
       covers (a short title that says just that comes before a long one that says more). */
    var synonyms = window.GUIDE_SYNONYMS || {};
    var LITTLE = /怎么办|怎么样|怎么|什么|如何|哪里|哪儿|需要|手续|请问|我们|我|你|他|她|的|了|吗|呢|啊|吧|呀|要|想|办理|办/g;
    function variants(w) {
      var out = [w];
      Object.keys(synonyms).forEach(function (k) {
        if (w.indexOf(norm(k)) < 0) return;
        [].concat(synonyms[k]).forEach(function (t) {
          out.slice().forEach(function (v) { out.push(v.split(norm(k)).join(norm(t))); });
        });
      });
      return out;
    }
    function pairs(w) {
      var s = w.replace(LITTLE, " "), out = [];
      s.split(" ").forEach(function (part) {
        for (var i = 0; i + 1 < part.length; i++) if (out.indexOf(part.substr(i, 2)) < 0) out.push(part.substr(i, 2));
      });
      return out;
    }
    function wordScore(d, w) {
      var best = 0, own = pairs(d.t);
      variants(w).forEach(function (v) {
        if (d.t.indexOf(v) >= 0) best = Math.max(best, 200);
        else if (d.s.indexOf(v) >= 0) best = Math.max(best, 10);
        else if (d.x.indexOf(v) >= 0) best = Math.max(best, 5);
        // by pairs of characters, in titles only (in the texts, any two common pairs would match)
        var ps = pairs(v), inTitle = 0;
        ps.forEach(function (p) { if (d.t.indexOf(p) >= 0) inTitle++; });
        if (inTitle * 2 >= ps.length) best = Math.max(best, 100 * inTitle / ps.length + 50 * inTitle / Math.max(own.length, 1));
      });
      return best;
    }

    function run() {
      var words = q.value.split(/\s+/).map(norm).filter(Boolean);
      list.textContent = "";
      if (!words.length) { status.textContent = ""; return; }
      var hits = [];
      index.forEach(function (d, i) {
        var score = 0;
        for (var k = 0; k < words.length; k++) {
          var s = wordScore(d, words[k]);
          if (!s) return;
          score += s;
        }
        hits.push({ score: score, order: i, e: d.e });
      });
      hits.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
      status.textContent = hits.length ? "找到 " + hits.length + " 项" : "没有找到，请换个词试试";
      hits.forEach(function (h) {
        var li = document.createElement("li"), a = document.createElement("a"), where = document.createElement("span");
        a.href = h.e.u;
        a.textContent = h.e.t;
        where.className = "where";
        where.textContent = h.e.s;
        li.appendChild(a);
        li.appendChild(where);
        list.appendChild(li);
      });
    }

    q.addEventListener("input", run);
    form.addEventListener("submit", function (ev) { ev.preventDefault(); run(); });
    var m = /[?&]q=([^&#]*)/.exec(location.search);
    if (m) { q.value = decodeURIComponent(m[1].replace(/\+/g, " ")); run(); }
  });
})();
