// gainlp review queue: filters over the rows the page already holds (no data is fetched).
"use strict";
(function () {
  const rows = Array.from(document.querySelectorAll("#queue tbody tr.qrow"));
  const agency = document.getElementById("f-agency");
  const year = document.getElementById("f-year");
  const status = document.getElementById("f-status");
  const text = document.getElementById("f-text");
  const shown = document.getElementById("shown");
  const form = document.getElementById("filters");
  form.addEventListener("submit", (ev) => ev.preventDefault());

  function apply() {
    const a = agency.value, y = year.value, s = status.value, q = text.value.trim().toLowerCase();
    let n = 0;
    for (const tr of rows) {
      const d = tr.dataset;
      const ok = (!a || d.agency === a) && (!y || d.year === y) &&
        (!s || (s === "flagged" ? d.status !== "ok" : d.status === s)) &&
        (!q || d.agency.toLowerCase().includes(q) || d.name.toLowerCase().includes(q));
      tr.hidden = !ok;
      if (ok) n += 1;
    }
    shown.textContent = "showing " + n + " of " + rows.length;
    const params = new URLSearchParams();
    if (a) params.set("agency", a);
    if (y) params.set("year", y);
    if (s) params.set("status", s);
    if (q) params.set("q", q);
    const hash = params.toString();
    history.replaceState(null, "", hash ? "#" + hash : location.pathname);
  }
  // filters survive a reload and a trip to a report page and back (kept in the URL's #fragment)
  const init = new URLSearchParams(location.hash.slice(1));
  agency.value = init.get("agency") || "";
  year.value = init.get("year") || "";
  status.value = init.get("status") || "";
  text.value = init.get("q") || "";
  for (const el of [agency, year, status]) el.addEventListener("change", apply);
  text.addEventListener("input", apply);
  apply();
})();
