/* Tables of rows (templates/office/_formset.html): 添加一行 / 删除 in the page and the running
   totals, the same arithmetic as office/formsets.py. Without this file the blank rows and the
   删除 checkboxes still work. */
(function () {
  "use strict";
  var money = new Intl.NumberFormat("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2});

  function number(value) {
    var n = parseFloat(String(value || "").replace(/,/g, ""));
    return isNaN(n) ? null : n;
  }

  function liveRows(set) {
    return Array.prototype.filter.call(set.querySelectorAll("[data-rows] > [data-row]"),
      function (row) { return !row.hidden; });
  }

  function fieldOf(row, name) {
    return row.querySelector("[data-field='" + name + "'] input, [data-field='" + name + "'] select, [data-field='" + name + "'] textarea");
  }

  function update(set) {
    var fields = (set.dataset.totalFields || "").split(",").filter(Boolean);
    if (!fields.length) { return; }
    var total = 0, byGroup = {}, order = [];
    liveRows(set).forEach(function (row) {
      var product = 1;
      fields.forEach(function (name) {
        var el = fieldOf(row, name), n = el ? number(el.value) : null;
        product = n === null ? 0 : product * n;
      });
      total += product;
      var shareField = set.dataset.shareField, group = shareField && fieldOf(row, shareField);
      if (group && group.value && product) {
        var label = group.options[group.selectedIndex].text;
        if (!(label in byGroup)) { byGroup[label] = 0; order.push(label); }
        byGroup[label] += product;
      }
    });
    var plus = set.dataset.totalPlus && set.form && set.form.elements[set.dataset.totalPlus];
    if (plus) { total += number(plus.value) || 0; }
    var out = set.querySelector("[data-total]");
    if (out) { out.textContent = money.format(total); }
    var shares = set.querySelector("[data-shares]");
    if (shares) {
      shares.textContent = total > 0 && order.length ? shares.dataset.format.replace("%(shares)s", order.map(function (label) {
        return label + " " + (Math.round(byGroup[label] * 10000 / total) / 100).toFixed(2) + "%";
      }).join("；")) : "";
    }
  }

  function setUp(set) {
    var prefix = set.dataset.formset;
    var totalForms = set.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var maxForms = set.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
    var template = set.querySelector("template[data-empty-row]");
    var body = set.querySelector("[data-rows]");

    function wire(row) {
      var box = row.querySelector("input[type=checkbox][name$='-DELETE']");
      var button = row.querySelector("[data-remove-row]");
      if (!box || !button) { return; }
      box.closest("label").hidden = true;
      button.hidden = false;
      button.addEventListener("click", function () {
        box.checked = true;
        row.hidden = true;
        update(set);
      });
    }

    Array.prototype.forEach.call(body.querySelectorAll("[data-row]"), wire);
    var add = set.querySelector("[data-add-row]");
    add.hidden = false;
    add.addEventListener("click", function () {
      var index = parseInt(totalForms.value, 10);
      if (maxForms && index >= parseInt(maxForms.value, 10)) { return; }
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("tbody");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      body.appendChild(row);
      totalForms.value = String(index + 1);
      wire(row);
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
      update(set);
    });
    set.addEventListener("input", function () { update(set); });
    set.addEventListener("change", function () { update(set); });
    if (set.dataset.totalPlus && set.form) {
      var plus = set.form.elements[set.dataset.totalPlus];
      if (plus) { plus.addEventListener("input", function () { update(set); }); }
    }
    update(set);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("fieldset[data-formset]"), setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
