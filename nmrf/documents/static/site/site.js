/* Search of the public site, in the browser: filters the prebuilt index (search-index.js). No server, no
   network, no inline script; results are built with textContent, so no text of a recommendation is ever
   read as markup. */
(function () {
  "use strict";
  var index = window.NMRF_INDEX;
  var form = document.getElementById("search");
  if (!index || !form) { return; }
  var results = document.getElementById("results");
  var count = document.getElementById("count");
  var facets = ["theme", "sdg", "mechanism", "institution", "review"];

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var haystacks = index.rows.map(function (r) {
    return fold([r.text, r.mechanism, r.by, r.document, r.names].join(" "));
  });

  function selected() {
    var q = fold(document.getElementById("q").value).split(/\s+/).filter(Boolean);
    var f = {};
    facets.concat(["status"]).forEach(function (name) {
      f[name] = document.getElementById("f-" + name).value;
    });
    return { q: q, f: f };
  }

  function matches(row, i, s) {
    for (var k = 0; k < s.q.length; k++) { if (haystacks[i].indexOf(s.q[k]) < 0) { return false; } }
    for (var n = 0; n < facets.length; n++) {
      var want = s.f[facets[n]];
      if (want && row.f[facets[n]].indexOf(want) < 0) { return false; }
    }
    return !s.f.status || row.status === s.f.status;
  }

  function show() {
    var s = selected();
    var found = [];
    index.rows.forEach(function (row, i) { if (matches(row, i, s)) { found.push(row); } });
    results.textContent = "";
    found.slice(0, 200).forEach(function (row) {
      var li = document.createElement("li");
      li.className = "rec";
      var a = document.createElement("a");
      a.href = "r/" + row.ref + ".html";
      a.textContent = row.text.length > 220 ? row.text.slice(0, 217) + "..." : row.text;
      var p = document.createElement("p");
      p.className = "meta";
      p.textContent = [row.mechanism, row.by, row.document, index.labels.status[row.status] || row.status].join(" · ");
      li.appendChild(a);
      li.appendChild(p);
      results.appendChild(li);
    });
    count.textContent = found.length === 0 ? count.dataset.none :
      found.length === 1 ? count.dataset.one : count.dataset.many.replace("{n}", String(found.length));
  }

  // Filters given in the address (index.html?theme=women) are applied on arrival.
  var params = new URLSearchParams(window.location.search);
  params.forEach(function (value, name) {
    var el = document.getElementById(name === "q" ? "q" : "f-" + name);
    if (el) { el.value = value; }
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); show(); });
  form.addEventListener("input", show);
  form.addEventListener("change", show);
  show();
}());
