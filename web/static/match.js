// Finmart matching page and loan calculator: results refresh as one edits (debounced), bad fields are
// marked beside their inputs, and the matching form is remembered in this browser (localStorage only:
// nothing is sent anywhere but this server, and only to compute the result).
// Everything works without this script too: the forms submit and the server renders the same results.
(function () {
  "use strict";
  if (!window.fetch || !window.URLSearchParams) return;

  var STORE_KEY = "finmart.match.form.v1";

  /** The form as a query string, exactly as the browser would submit it (empty fields included). */
  function queryOf(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { params.append(key, value); });
    return params.toString();
  }

  /** Shows each field's error (from the fragment's error list) beside its input, and clears the others. */
  function markErrors(form, container, prefix) {
    var messages = {};
    container.querySelectorAll("[data-field][data-message]").forEach(function (a) {
      if (!(a.getAttribute("data-field") in messages)) messages[a.getAttribute("data-field")] = a.getAttribute("data-message");
    });
    form.querySelectorAll(".field-error[data-for]").forEach(function (p) {
      var field = p.getAttribute("data-for");
      var message = messages[field];
      var control = document.getElementById(prefix + field);
      var box = p.closest(".field, .inline");
      p.textContent = message || "";
      p.hidden = !message;
      if (box) box.classList.toggle("invalid", !!message);
      if (control && control.matches("input, select, textarea")) {
        if (message) control.setAttribute("aria-invalid", "true");
        else control.removeAttribute("aria-invalid");
      }
      // A folded part with a bad field opens, so the message can be seen.
      if (message) {
        var details = p.closest("details");
        if (details) details.open = true;
      }
    });
    return Object.keys(messages);
  }

  /** Opens the folded parts around an element, so a link to it (#f-tax_paid) lands on something visible. */
  function reveal(id) {
    var target = id && document.getElementById(id);
    if (!target) return;
    for (var d = target.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) d.open = true;
    target.scrollIntoView({ block: "center" });
    var focusable = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
    if (focusable) focusable.focus({ preventScroll: true });
  }

  /**
   * Refreshes `results` from `fragment` as `form` is edited (debounced), and on submit at once.
   * `pageUrl(qs)` is the address that shows the same state, put in the address bar.
   */
  function live(form, results, fragment, pageUrl, prefix, onChange) {
    var timer = null;
    var pending = null;
    // Chinese typed through an input method is read once committed, never half-composed (app.js's guard).
    var ime = window.FinmartIme ? window.FinmartIme.watch(form, function () { later(); }) : { composing: function () { return false; } };

    function refresh(focusAfter) {
      if (ime.composing()) return Promise.resolve();
      var qs = queryOf(form);
      if (pending) pending.abort();
      pending = new AbortController();
      results.setAttribute("aria-busy", "true");
      return fetch(fragment + "?" + qs, { signal: pending.signal, headers: { Accept: "text/html" } })
        // A 400 carries the explanation of the bad fields as HTML: show it like any result.
        .then(function (response) { return response.text(); })
        .then(function (html) {
          results.innerHTML = html;
          results.removeAttribute("aria-busy");
          var bad = markErrors(form, results, prefix);
          history.replaceState(null, "", pageUrl(qs));
          if (focusAfter) {
            if (bad.length) {
              var first = document.getElementById(prefix + bad[0]);
              if (first) (first.matches("input, select, textarea") ? first : first.querySelector("input, select") || first).focus();
            } else {
              results.focus({ preventScroll: false });
            }
          }
        })
        .catch(function (error) {
          if (error.name !== "AbortError") results.setAttribute("data-error", "1");
        });
    }

    function later(event) {
      clearTimeout(timer);
      if (ime.composing(event)) return;
      if (onChange) onChange();
      timer = setTimeout(function () { refresh(false); }, 350);
    }

    form.addEventListener("compositionstart", function () { clearTimeout(timer); });
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function (event) {
      // A button that posts the form elsewhere (保存到企业档案) is a real submission.
      if (event.submitter && event.submitter.hasAttribute("formaction")) return;
      event.preventDefault();
      if (onChange) onChange();
      clearTimeout(timer);
      refresh(true);
    });
    results.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href^='#']");
      if (!link) return;
      var id = link.getAttribute("href").slice(1);
      var target = document.getElementById(id);
      if (target && form.contains(target)) {
        event.preventDefault();
        reveal(id);
      }
    });
    return refresh;
  }

  // ---------------------------------------------------------------------------------------------------
  // The matching page

  var matchForm = document.getElementById("match-form");
  var matchResults = document.getElementById("results");
  if (matchForm && matchResults) {
    var forget = document.getElementById("match-forget");
    var saved = document.getElementById("match-saved");
    var en = document.documentElement.lang === "en";
    var storage = null;
    // A signed-in firm's form starts from its stored profile: this browser's copy never replaces it.
    var fromProfile = matchForm.hasAttribute("data-profile");
    try {
      storage = fromProfile ? null : window.localStorage;
      if (storage) storage.getItem(STORE_KEY);
    } catch (e) {
      storage = null; // private mode or storage disabled: the page still works, it just forgets
    }

    var save = function () {
      if (!storage) return;
      try {
        storage.setItem(STORE_KEY, queryOf(matchForm));
        if (forget) forget.hidden = false;
        if (saved) saved.textContent = en ? "Saved in this browser." : "已保存在本浏览器。";
      } catch (e) { /* full or refused: nothing to do */ }
    };

    /** Puts a saved query string back into the form's fields. */
    var restore = function (qs) {
      var params = new URLSearchParams(qs);
      Array.prototype.forEach.call(matchForm.elements, function (el) {
        if (!el.name) return;
        if (el.type === "checkbox") el.checked = params.getAll(el.name).indexOf(el.value) >= 0;
        else if (el.type === "radio") { if (params.has(el.name)) el.checked = params.get(el.name) === el.value; }
        else if (params.has(el.name)) el.value = params.get(el.name);
      });
      // Open the folded parts that hold something given.
      matchForm.querySelectorAll("details.more").forEach(function (d) {
        var given = Array.prototype.some.call(d.querySelectorAll("input"), function (el) {
          return el.type === "checkbox" ? el.checked : el.type !== "radio" && el.value.trim() !== "";
        });
        if (given) d.open = true;
      });
    };

    var refreshMatch = live(
      matchForm,
      matchResults,
      "/fragments/match",
      function (qs) { return "/match?" + qs + location.hash; },
      "f-",
      save
    );

    var stored = storage && storage.getItem(STORE_KEY);
    if (stored !== null && stored !== undefined && stored !== "") {
      if (forget) forget.hidden = false;
      if (saved) saved.textContent = en ? "Filled in from this browser." : "已从本浏览器恢复上次填写的信息。";
      // Opened without the form in the address: fill it in from this browser and show its result.
      var own = new URLSearchParams(location.search);
      own.delete("lang");
      if (own.toString() === "") {
        restore(stored);
        refreshMatch(false);
      }
    }

    // Typing how long ago the last overdue was means "has been overdue".
    var months = document.getElementById("f-overdue_months");
    var monthsRadio = matchForm.querySelector("input[name=overdue][value=months]");
    if (months && monthsRadio) {
      months.addEventListener("input", function () {
        if (months.value.trim() !== "") monthsRadio.checked = true;
      });
    }

    if (forget) {
      forget.addEventListener("click", function () {
        if (storage) storage.removeItem(STORE_KEY);
        location.assign("/match");
      });
    }

    if (location.hash && location.hash.indexOf("#f-") === 0) reveal(location.hash.slice(1));
  }

  // ---------------------------------------------------------------------------------------------------
  // The product page's loan calculator

  var calcForm = document.getElementById("calc-form");
  var calcResults = document.getElementById("calc-results");
  if (calcForm && calcResults) {
    var path = location.pathname;
    live(
      calcForm,
      calcResults,
      calcForm.getAttribute("data-fragment"),
      function (qs) { return path + "?" + qs + "#calc"; },
      "c-",
      null
    );
  }
})();
