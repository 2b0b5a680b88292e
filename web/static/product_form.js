// The bank's product form: condition rows are added, removed and changed in place, and each row's sentence
// (what the SME will read) follows as it is typed, from POST /api/v1/eligibility/describe. Without this
// script the form does the same through its buttons (添加条件, 删除, 预览), which post it and show it again
// with everything kept.
(function () {
  "use strict";
  var form = document.getElementById("product-form");
  if (!form || !window.fetch || !document.querySelector("template")) return;
  var list = document.getElementById("rule-list");
  var en = document.documentElement.lang === "en";
  var csrf = document.querySelector("meta[name=csrf]");
  var summary = document.getElementById("form-errors");
  if (summary) summary.focus();

  function templateHtml(selector) {
    var t = document.querySelector(selector);
    return t ? t.innerHTML : "";
  }

  function inputsHtml(kind, index) {
    var t = document.querySelector('template.rule-inputs-template[data-kind="' + kind + '"]');
    return t ? t.innerHTML.split("__i__").join(String(index)) : "";
  }

  /** Numbers the rows 1, 2, … as shown (their input names keep their own index). */
  function renumber() {
    list.querySelectorAll(".rule-row").forEach(function (row, i) {
      row.querySelectorAll(".rule-number").forEach(function (n) { n.textContent = String(i + 1); });
    });
  }

  function nextIndex() {
    var max = -1;
    list.querySelectorAll(".rule-row").forEach(function (row) { max = Math.max(max, Number(row.dataset.index)); });
    return max + 1;
  }

  /** The row's inputs as the describe endpoint takes them. */
  function rowBody(row) {
    var i = row.dataset.index;
    var value = function (name) { var el = row.querySelector('[name="rule-' + i + "-" + name + '"]'); return el ? el.value : ""; };
    var items = [];
    row.querySelectorAll('input[name="rule-' + i + '-item"]:checked').forEach(function (b) { items.push(b.value); });
    return { kind: value("kind"), value: value("value"), min: value("min"), max: value("max"), items: items };
  }

  function show(row, sentence, error) {
    var s = row.querySelector(".rule-sentence");
    var e = row.querySelector(".field-error");
    s.querySelector("q").textContent = sentence || "";
    s.hidden = !sentence;
    e.textContent = error || "";
    e.hidden = !error;
    row.classList.toggle("invalid", !!error);
  }

  /** Asks the server for the row's sentence (the domain's words), or what is wrong with the row. */
  function describe(row) {
    var body = rowBody(row);
    if (!body.kind) { show(row, "", ""); return; }
    var seq = (row._seq || 0) + 1;
    row._seq = seq;
    fetch("/api/v1/eligibility/describe", {
      method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf ? csrf.content : "" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (json) { return { ok: r.ok, json: json }; });
    }).then(function (reply) {
      if (row._seq !== seq) return;
      if (reply.ok) { show(row, en ? reply.json.sentence_en : reply.json.sentence, ""); return; }
      var first = (reply.json.errors && reply.json.errors[0]) || reply.json;
      show(row, "", en ? first.message_en : first.message);
    }).catch(function () { /* the 预览 button still works */ });
  }

  var timers = new WeakMap();
  // A condition typed in Chinese through an input method is described once committed, never half-composed.
  var ime = window.FinmartIme ? window.FinmartIme.watch(list, function (event) {
    var row = event.target.closest && event.target.closest(".rule-row");
    if (row) later(row);
  }) : { composing: function () { return false; } };
  function later(row, event) {
    clearTimeout(timers.get(row));
    if (ime.composing(event)) return;
    timers.set(row, setTimeout(function () { if (!ime.composing()) describe(row); }, 300));
  }

  function setKind(row, kind) {
    var box = row.querySelector(".rule-inputs");
    var holder = document.createElement("div");
    holder.innerHTML = kind ? inputsHtml(kind, row.dataset.index) : "";
    var inputs = holder.firstElementChild;
    if (inputs) box.replaceWith(inputs);
    else box.innerHTML = "";
    describe(row);
  }

  document.getElementById("rule-add").addEventListener("click", function (event) {
    event.preventDefault();
    var index = nextIndex();
    var holder = document.createElement("ol");
    holder.innerHTML = templateHtml("#rule-row-template").split("__i__").join(String(index)).split("__n__").join("");
    var row = holder.querySelector(".rule-row");
    var kind = document.getElementById("f-rule_new_kind").value;
    list.appendChild(row);
    row.querySelector(".rule-kind").value = kind;
    setKind(row, kind);
    renumber();
    var first = row.querySelector(".rule-inputs input:not([type=hidden]), .rule-inputs select, .rule-inputs textarea") || row.querySelector(".rule-kind");
    first.focus();
  });

  document.getElementById("rule-preview").addEventListener("click", function (event) {
    event.preventDefault();
    list.querySelectorAll(".rule-row").forEach(describe);
  });

  list.addEventListener("click", function (event) {
    var button = event.target.closest(".rule-remove");
    if (!button) return;
    event.preventDefault();
    var row = button.closest(".rule-row");
    var next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumber();
    (next ? next.querySelector(".rule-kind") : document.getElementById("f-rule_new_kind")).focus();
  });

  list.addEventListener("change", function (event) {
    var row = event.target.closest(".rule-row");
    if (!row) return;
    if (event.target.matches(".rule-kind")) setKind(row, event.target.value);
    else later(row);
  });

  list.addEventListener("input", function (event) {
    var row = event.target.closest(".rule-row");
    if (row && !event.target.matches(".rule-kind")) later(row, event);
  });
})();
