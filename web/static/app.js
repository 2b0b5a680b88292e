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

// The header's menu (a <details>, app.css): from 641 px up it is shown whole with its button hidden; this also
// opens the element there, so assistive technology reads its links as shown, and folds it again on a phone.
(function () {
  "use strict";
  var menu = document.querySelector("[data-site-menu]");
  if (!menu || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 641px)");
  function follow() { menu.open = wide.matches; }
  follow();
  if (wide.addEventListener) wide.addEventListener("change", follow);
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

// Typing Chinese goes through an input method: pinyin such as "zhuan li dai" sits in the field, composing,
// until the typist picks 专利贷. Fields that act as one types wait for the composition to end (and never read
// a half-composed value); the same guard serves every as-you-type field (see also match.js, product_form.js).
window.FinmartIme = (function () {
  "use strict";
  /** Tracks composition inside `root`: `composing()` says whether one is under way; `onEnd` runs after it. */
  function watch(root, onEnd) {
    var active = false;
    root.addEventListener("compositionstart", function () { active = true; });
    // A keyboard that ends its composition without compositionend still sends a plain (not composing) input.
    root.addEventListener("input", function (event) {
      if (active && event.isComposing === false && event.inputType !== "insertCompositionText") active = false;
    }, true);
    root.addEventListener("compositionend", function (event) {
      active = false;
      if (onEnd) onEnd(event);
    });
    return {
      composing: function (event) { return active || !!(event && event.isComposing); },
    };
  }
  return { watch: watch };
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
  // While a word is being composed nothing is searched (nor logged): the search runs when it is committed.
  var ime = window.FinmartIme.watch(form, function () { later(); });

  function queryString() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (String(value).trim() !== "") params.append(key, value);
    });
    return params.toString();
  }

  // The search shown (the page's own at first): the same one again is neither sent nor logged, e.g. when the
  // box loses focus after its words were searched (a `change` event with nothing changed since).
  var shown = queryString();

  function refresh() {
    if (ime.composing()) return;
    var qs = queryString();
    if (qs === shown) return;
    shown = qs;
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
      .catch(function (error) {
        if (error.name === "AbortError") return;
        results.setAttribute("data-error", "1");
        shown = null; // not shown: the same search may be tried again
      });
  }

  function later(event) {
    clearTimeout(timer);
    if (ime.composing(event)) return;
    timer = setTimeout(refresh, 250);
  }

  // A search queued before the composition began would read the half-composed text: drop it.
  form.addEventListener("compositionstart", function () { clearTimeout(timer); });
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    refresh();
  });
})();

// 加入对比 on the cards and product pages: the list is kept in the `finmart_compare` cookie (the one the
// /compare page keeps too), shown with its count and a link to the comparison; a fifth is refused here as
// the page refuses it. Without this script the button's form goes to /compare?add=…, which does the same.
(function () {
  "use strict";
  var NAME = "finmart_compare";
  var MAX = 4;
  var en = document.documentElement.lang === "en";
  var onComparePage = location.pathname === "/compare";
  var tray = null;

  function read() {
    var ids = [];
    document.cookie.split(";").forEach(function (pair) {
      var kv = pair.trim().split("=");
      if (kv[0] !== NAME || !kv[1]) return;
      kv[1].split(".").forEach(function (part) {
        var id = Number(part);
        if (id > 0 && Math.floor(id) === id && ids.indexOf(id) < 0) ids.push(id);
      });
    });
    return ids;
  }

  function write(ids) {
    document.cookie = NAME + "=" + ids.join(".") + "; Path=/; Max-Age=" + (ids.length ? 2592000 : 0) + "; SameSite=Lax";
  }

  function show(message) {
    var ids = read();
    if (!tray) {
      tray = document.createElement("div");
      tray.className = "compare-tray no-print";
      tray.setAttribute("role", "region");
      tray.setAttribute("aria-label", en ? "Comparison" : "产品对比");
      tray.innerHTML = '<span data-compare-count></span> <a data-compare-link></a> <button type="button" data-compare-clear></button> <span data-compare-message role="status" aria-live="polite"></span>';
      tray.querySelector("[data-compare-clear]").textContent = en ? "Clear" : "清空";
      tray.querySelector("[data-compare-clear]").addEventListener("click", function () {
        write([]);
        show(en ? "Cleared." : "已清空。");
      });
      document.body.appendChild(tray);
    }
    tray.querySelector("[data-compare-count]").textContent = en ? ids.length + " of " + MAX + " chosen" : "已选 " + ids.length + " / " + MAX + " 个";
    var link = tray.querySelector("[data-compare-link]");
    link.href = "/compare?ids=" + ids.join(",");
    link.textContent = en ? "Compare →" : "查看对比 →";
    link.hidden = !ids.length;
    tray.querySelector("[data-compare-message]").textContent = message || "";
    tray.hidden = !ids.length && !message;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("compare-add") || onComparePage) return;
    event.preventDefault();
    var id = Number(form.querySelector("[name=add]").value);
    var ids = read();
    if (ids.indexOf(id) >= 0) {
      show(en ? "Already in the comparison." : "已在对比中。");
    } else if (ids.length >= MAX) {
      show(en ? "At most " + MAX + " products are compared at once: remove one first." : "最多同时对比 " + MAX + " 个产品，请先移除一个再加入。");
    } else {
      ids.push(id);
      write(ids);
      show(en ? "Added to the comparison." : "已加入对比。");
    }
  });

  if (!onComparePage && read().length) show("");
})();

// 打印: the button (hidden without this script, which it needs) prints the page; print.css lays it out. Folded
// parts are opened for the paper and the print line says when it was printed.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("main details:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var text = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) + " " + pad(now.getHours()) + ":" + pad(now.getMinutes());
    document.querySelectorAll("[data-printed-on]").forEach(function (e) { e.textContent = text; });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
