/* Generated forms in the browser: live visible_if / required_if, customer-filtered pickers,
 * table rows, geolocation capture.
 *
 * Works on every <form data-gd-form> (see templates/forms/_fields.html). A condition is the JSON
 * exported by gongdan.forms.conditions_js: {all:[...]}, {any:[...]}, {not:{...}} and leaves
 * {field, op, value} on the form's field keys. Hidden fields get their inputs disabled so the
 * browser does not submit them; the server re-checks every condition anyway.
 */
(function () {
  "use strict";

  var NUMBER_TYPES = { int: 1, decimal: 1, money: 1 };

  function wrapperOf(form, key) {
    return form.querySelector('[data-field-key="' + key + '"]');
  }

  function serverValues(form) {
    try {
      return JSON.parse(form.getAttribute("data-values") || "{}");
    } catch (e) {
      return {};
    }
  }

  /* The current value of field `key`: from its inputs when on the form, else the server's. */
  function fieldValue(form, key, fallback) {
    var wrap = wrapperOf(form, key);
    if (!wrap) return fallback[key] === undefined ? null : fallback[key];
    if (wrap.hidden) return null;
    var type = wrap.getAttribute("data-field-type");
    if (wrap.hasAttribute("data-readonly")) {
      return fallback[key] === undefined ? null : fallback[key];
    }
    if (type === "bool") {
      var box = wrap.querySelector('input[type="checkbox"]');
      return box ? box.checked : null;
    }
    if (type === "multiselect") {
      var sel = wrap.querySelector("select");
      var picked = [];
      if (sel) for (var i = 0; i < sel.options.length; i++) if (sel.options[i].selected) picked.push(sel.options[i].value);
      return picked.length ? picked : null;
    }
    if (type === "address" || type === "geo" || type === "table" || type === "attachments") {
      var inputs = wrap.querySelectorAll("input:not([type=hidden]):not([type=checkbox]), select, input[type=hidden][name$='.lat']");
      for (var j = 0; j < inputs.length; j++) if (inputs[j].value) return true;
      var kept = wrap.querySelectorAll("input[type=checkbox]:checked");
      return kept.length ? true : null;
    }
    var input = wrap.querySelector("#field-" + key) || wrap.querySelector("input, select, textarea");
    if (!input || input.value === "") return null;
    if (NUMBER_TYPES[type]) {
      var n = parseFloat(input.value);
      return isNaN(n) ? input.value : n;
    }
    return input.value;
  }

  function isEmpty(v) {
    return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
  }

  function same(a, b) {
    if (typeof a === "number" || typeof b === "number") return Number(a) === Number(b);
    return String(a) === String(b);
  }

  function compare(a, b) {
    if (typeof a === "number" || typeof b === "number") return Number(a) - Number(b);
    a = String(a); b = String(b);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function leaf(node, value) {
    var want = node.value;
    switch (node.op) {
      case "is_set": return !isEmpty(value);
      case "is_empty": return isEmpty(value);
    }
    if (isEmpty(value)) return node.op === "ne" || node.op === "not_in";
    switch (node.op) {
      case "eq": return same(value, want);
      case "ne": return !same(value, want);
      case "in": return (want || []).some(function (w) { return same(value, w); });
      case "not_in": return !(want || []).some(function (w) { return same(value, w); });
      case "lt": return compare(value, want) < 0;
      case "le": return compare(value, want) <= 0;
      case "gt": return compare(value, want) > 0;
      case "ge": return compare(value, want) >= 0;
      case "between": return compare(value, want[0]) >= 0 && compare(value, want[1]) <= 0;
      case "contains":
        if (Array.isArray(value)) return value.some(function (v) { return same(v, want); });
        return String(value).toLowerCase().indexOf(String(want).toLowerCase()) >= 0;
      case "starts_with": return String(value).toLowerCase().indexOf(String(want).toLowerCase()) === 0;
    }
    return true; /* unknown here: the server decides */
  }

  function evaluate(node, form, fallback) {
    if (node.all) return node.all.every(function (n) { return evaluate(n, form, fallback); });
    if (node.any) return node.any.some(function (n) { return evaluate(n, form, fallback); });
    if (node.not) return !evaluate(node.not, form, fallback);
    return leaf(node, fieldValue(form, node.field, fallback));
  }

  function parse(text) {
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  function setDisabled(wrap, disabled) {
    var controls = wrap.querySelectorAll("input, select, textarea, button");
    for (var i = 0; i < controls.length; i++) controls[i].disabled = disabled;
  }

  function refresh(form) {
    var fallback = serverValues(form);
    /* Twice: a field shown by the first pass may decide another one. */
    for (var pass = 0; pass < 2; pass++) {
      form.querySelectorAll("[data-visible-if]").forEach(function (wrap) {
        var cond = parse(wrap.getAttribute("data-visible-if"));
        if (!cond) return;
        var show = evaluate(cond, form, fallback);
        if (show === !wrap.hidden) return;
        wrap.hidden = !show;
        setDisabled(wrap, !show);
      });
    }
    form.querySelectorAll("[data-required-if]").forEach(function (wrap) {
      var cond = parse(wrap.getAttribute("data-required-if"));
      if (!cond) return;
      var required = !wrap.hidden && evaluate(cond, form, fallback);
      var marker = wrap.querySelector(".gd-required");
      if (marker) marker.hidden = !required;
      var input = wrap.querySelector("#field-" + wrap.getAttribute("data-field-key"));
      var type = wrap.getAttribute("data-field-type");
      if (input && ["text", "textarea", "email", "phone", "int", "decimal", "money", "date",
                    "datetime", "select", "user", "department", "customer", "contact", "asset"].indexOf(type) >= 0) {
        input.required = required;
      }
    });
  }

  /* Pickers filtered by the chosen customer (contact, asset, address). */
  function fillSelect(select, items, keepBlank) {
    var current = select.value;
    var blank = keepBlank ? select.options[0] : null;
    select.innerHTML = "";
    if (blank) select.appendChild(blank);
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.value;
      option.textContent = item.title;
      if (String(item.value) === current) option.selected = true;
      select.appendChild(option);
    });
  }

  function reloadDependents(form, customerId) {
    form.querySelectorAll('select[data-depends-on="customer"][data-source-url]').forEach(function (select) {
      var url = select.getAttribute("data-source-url") + "?customer=" + encodeURIComponent(customerId || "");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) { fillSelect(select, items, true); refresh(form); });
    });
  }

  function customerSelect(form) {
    var wrap = form.querySelector('[data-field-type="customer"]');
    return wrap ? wrap.querySelector("select") : form.querySelector("select[data-customer-select]");
  }

  function wireCustomer(form) {
    var select = customerSelect(form);
    if (select) select.addEventListener("change", function () { reloadDependents(form, select.value); });
    form.querySelectorAll("[data-customer-search]").forEach(function (search) {
      var timer = null;
      search.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var target = document.getElementById(search.getAttribute("data-customer-search"));
          var url = search.getAttribute("data-source-url");
          if (!target || !url) return;
          fetch(url + "?q=" + encodeURIComponent(search.value), { credentials: "same-origin", headers: { Accept: "application/json" } })
            .then(function (r) { return r.ok ? r.json() : []; })
            .then(function (items) {
              fillSelect(target, items, true);
              if (items.length === 1) { target.value = String(items[0].value); target.dispatchEvent(new Event("change", { bubbles: true })); }
            });
        }, 250);
      });
    });
  }

  function wireTables(form) {
    form.addEventListener("click", function (event) {
      var add = event.target.closest("[data-row-add]");
      if (add) {
        var wrap = add.closest(".gd-field");
        var template = wrap.querySelector("template[data-row-template]");
        var body = wrap.querySelector("table tbody");
        var next = parseInt(template.getAttribute("data-next-row") || "0", 10);
        template.setAttribute("data-next-row", String(next + 1));
        var html = template.innerHTML.split("__row__").join(String(next));
        var holder = document.createElement("tbody");
        holder.innerHTML = html;
        while (holder.firstElementChild) body.appendChild(holder.firstElementChild);
        refresh(form);
        return;
      }
      var remove = event.target.closest("[data-row-remove]");
      if (remove) {
        remove.closest("tr").remove();
        refresh(form);
      }
    });
  }

  function wireGeo(form) {
    form.querySelectorAll("[data-geo-capture]").forEach(function (button) {
      button.addEventListener("click", function () {
        var id = button.getAttribute("data-geo-capture");
        if (!navigator.geolocation) return;
        navigator.geolocation.getCurrentPosition(function (pos) {
          var set = function (part, v) { var el = document.getElementById(id + "-" + part); if (el) el.value = v; };
          set("lat", pos.coords.latitude);
          set("lng", pos.coords.longitude);
          set("accuracy", Math.round(pos.coords.accuracy));
          set("at", new Date(pos.timestamp).toISOString());
          var text = document.getElementById(id + "-text");
          if (text) text.textContent = pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
          refresh(form);
        });
      });
    });
  }

  function init(form) {
    form.addEventListener("input", function () { refresh(form); });
    form.addEventListener("change", function () { refresh(form); });
    wireCustomer(form);
    wireTables(form);
    wireGeo(form);
    refresh(form);
  }

  /* Exposed for tests and other scripts (the signature pad calls refresh after drawing). */
  window.GongdanForms = { evaluate: evaluate, refresh: refresh, init: init };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-gd-form]").forEach(init);
  });
})();
