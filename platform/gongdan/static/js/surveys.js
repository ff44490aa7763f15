/* Survey forms: show and hide questions as their visible_if says, while the person answers.
   The server evaluates the same conditions again on submit and drops hidden answers. */
(function () {
  "use strict";
  function valueOf(form, wrap) {
    var key = wrap.getAttribute("data-question");
    var type = wrap.getAttribute("data-type");
    var inputs = form.querySelectorAll('[name="' + key + '"]');
    if (type === "multichoice") {
      return Array.prototype.filter.call(inputs, function (i) { return i.checked; }).map(function (i) { return i.value; });
    }
    var value = null;
    inputs.forEach(function (i) {
      if (i.type === "radio" || i.type === "checkbox") { if (i.checked) value = i.value; }
      else if (i.value.trim() !== "") value = i.value.trim();
    });
    if (value === null) return null;
    if (type === "rating" || type === "nps") return Number(value);
    if (type === "yes_no") return value === "yes";
    return value;
  }
  function empty(v) { return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0); }
  function leaf(node, values) {
    var v = values[node.field], want = node.value;
    switch (node.op) {
      case "is_set": return !empty(v);
      case "is_empty": return empty(v);
    }
    if (empty(v)) return node.op === "ne" || node.op === "not_in";
    switch (node.op) {
      case "eq": return v === want;
      case "ne": return v !== want;
      case "in": return (want || []).indexOf(v) >= 0;
      case "not_in": return (want || []).indexOf(v) < 0;
      case "lt": return v < want;
      case "le": return v <= want;
      case "gt": return v > want;
      case "ge": return v >= want;
      case "between": return v >= want[0] && v <= want[1];
      case "contains": return Array.isArray(v) ? v.indexOf(want) >= 0 : String(v).indexOf(want) >= 0;
      case "starts_with": return String(v).indexOf(want) === 0;
    }
    return true;
  }
  function evaluate(node, values) {
    if (node.all) return node.all.every(function (n) { return evaluate(n, values); });
    if (node.any) return node.any.some(function (n) { return evaluate(n, values); });
    if (node.not) return !evaluate(node.not, values);
    return leaf(node, values);
  }
  function refresh(form) {
    var wraps = form.querySelectorAll("[data-question]");
    for (var round = 0; round <= wraps.length; round++) {
      var values = {}, changed = false;
      wraps.forEach(function (w) { if (!w.hidden) values[w.getAttribute("data-question")] = valueOf(form, w); });
      wraps.forEach(function (w) {
        var text = w.getAttribute("data-visible-if");
        if (!text) return;
        var show = evaluate(JSON.parse(text), values);
        if (w.hidden === show) { w.hidden = !show; changed = true; }
        w.querySelectorAll("input, textarea").forEach(function (i) { i.disabled = !show; });
      });
      if (!changed) break;
    }
  }
  document.querySelectorAll("#survey-form, #survey-record-form").forEach(function (form) {
    form.addEventListener("change", function () { refresh(form); });
    form.addEventListener("input", function () { refresh(form); });
    refresh(form);
  });
})();
