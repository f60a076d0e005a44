/* The expert's scoring page: per-bidder totals run as scores are typed (the server recomputes
   them on every render and again on submission; this only saves the expert the arithmetic).
   Listens on the document, so it works whether the page came by a full load or by Turbo. */
(function () {
  "use strict";
  if (window.sansheScoring) { return; }
  window.sansheScoring = true;

  // A score as whole hundredths, or null when it is not a number with at most two decimals.
  function hundredths(value) {
    var text = String(value == null ? "" : value).trim();
    if (!/^\d+(\.\d{1,2})?$/.test(text) && !/^\d+\.$/.test(text)) { return null; }
    return Math.round(parseFloat(text) * 100);
  }

  function shown(hundredthsValue) { return (hundredthsValue / 100).toFixed(2); }

  function update(form) {
    var inputs = form.querySelectorAll("input.score-input");
    var totals = {};
    var complete = {};
    Array.prototype.forEach.call(inputs, function (input) {
      var bid = input.getAttribute("data-bid");
      var value = hundredths(input.value);
      var max = hundredths(input.getAttribute("max"));
      var ok = value !== null && (max === null || value <= max);
      if (!(bid in totals)) { totals[bid] = 0; complete[bid] = true; }
      if (ok) {
        totals[bid] += value;
        input.removeAttribute("aria-invalid");
      } else {
        complete[bid] = false;
        if (input.value !== "") { input.setAttribute("aria-invalid", "true"); }
      }
      var cell = form.querySelector('[data-cell="' + bid + "-" + input.getAttribute("data-criterion") + '"]');
      if (cell) { cell.textContent = ok ? shown(value) : "—"; }
    });
    Array.prototype.forEach.call(form.querySelectorAll("output[data-total-for]"), function (output) {
      var bid = output.getAttribute("data-total-for");
      var price = hundredths(output.getAttribute("data-price-score")) || 0;
      output.textContent = shown((totals[bid] || 0) + price);
      output.classList.toggle("incomplete", complete[bid] === false);
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-incomplete-for]"), function (note) {
      note.hidden = complete[note.getAttribute("data-incomplete-for")] !== false;
    });
  }

  // The correction page (87号令 64): the sheet's total after the corrected score.
  function updateCorrection(input) {
    var output = document.querySelector("output[data-correct-total]");
    if (!output) { return; }
    var rest = hundredths(input.getAttribute("data-sheet-rest"));
    var value = hundredths(input.value);
    output.textContent = rest === null || value === null ? "—" : shown(rest + value);
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest ? event.target.closest("form.score-form") : null;
    if (form) { update(form); }
    if (event.target.hasAttribute && event.target.hasAttribute("data-sheet-rest")) {
      updateCorrection(event.target);
    }
  });

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form.score-form"), update);
    Array.prototype.forEach.call(document.querySelectorAll("input[data-sheet-rest]"), updateCorrection);
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("turbo:load", init);
  if (document.readyState !== "loading") { init(); }
}());
