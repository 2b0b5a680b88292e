// A "back to search" link goes back in history when the visitor came from this site (keeping their
// search), else to its href.
(function () {
  "use strict";
  document.querySelectorAll("a[data-back]").forEach(function (a) {
    a.addEventListener("click", function (event) {
      if (history.length > 1 && document.referrer.indexOf(location.origin) === 0) {
        event.preventDefault();
        history.back();
      }
    });
  });
})();

// The unread count beside 通知 in the menu (shown only to the roles whose menu has the badge).
(function () {
  "use strict";
  var badges = document.querySelectorAll("[data-unread]");
  if (!badges.length || !window.fetch) return;
  var word = document.documentElement.lang === "en" ? "unread" : "未读";
  fetch("/api/v1/notifications/unread", {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; }).then(function (d) {
    if (!d || !d.unread) return;
    badges.forEach(function (e) { e.textContent = " " + d.unread; e.setAttribute("aria-label", word + " " + d.unread); e.hidden = false; });
  }).catch(function () {});
})();

// Finmart search page: results refresh as one types (debounced), without leaving the page.
// Everything works without this script too: the form submits and the server renders the same results.
(function () {
  "use strict";
  var form = document.getElementById("search");
  var results = document.getElementById("results");
  if (!form || !results || !window.fetch) return;

  var narrow = window.matchMedia ? window.matchMedia("(max-width: 720px)") : null;

  // On a phone the facet lists would push the results off the first screen: fold them.
  function foldFacets() {
    if (!narrow || !narrow.matches) return;
    results.querySelectorAll("details.facet-box").forEach(function (box) { box.open = false; });
  }
  foldFacets();

  var timer = null;
  var pending = null;

  function queryString() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (String(value).trim() !== "") params.append(key, value);
    });
    return params.toString();
  }

  function refresh() {
    var qs = queryString();
    if (pending) pending.abort();
    pending = new AbortController();
    fetch("/fragments/results?" + qs, { signal: pending.signal, headers: { Accept: "text/html" } })
      // A 400 carries the explanation of the bad value as HTML: show it like any result.
      .then(function (response) { return response.text(); })
      .then(function (html) {
        results.innerHTML = html;
        foldFacets();
        history.replaceState(null, "", qs ? "/?" + qs : "/");
      })
      .catch(function (error) { if (error.name !== "AbortError") results.setAttribute("data-error", "1"); });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    refresh();
  });
})();
