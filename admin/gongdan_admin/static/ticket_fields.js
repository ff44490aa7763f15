/* The TicketType helper panel: spec.fields as rows, and the generated form as a live preview.
 *
 * Registers itself as the editor's "fields" panel (see definition_editor.js): enter() gets
 * the document read from the YAML, leave() hands the edited document back. Only key, type,
 * options, title and required are edited here; a field's other settings ride along untouched.
 */
(function () {
  "use strict";

  var root = document.getElementById("ticket-fields");
  if (!root) return;
  var rows = document.getElementById("field-rows");
  var template = document.getElementById("field-row");
  var preview = document.getElementById("field-preview");
  var documentValue = null;
  var startValue = null;
  var editor = null;
  var timer = null;
  var dragged = null;

  function fields() {
    var spec = documentValue.spec = documentValue.spec || {};
    spec.fields = spec.fields || [];
    return spec.fields;
  }

  function read(field, prop) {
    var parts = prop.split(".");
    var value = field;
    for (var i = 0; i < parts.length && value != null; i++) value = value[parts[i]];
    return value;
  }

  function write(field, prop, value) {
    if (prop.indexOf("title.") === 0) {
      var language = prop.slice(6);
      field.title = field.title || {};
      if (value) field.title[language] = value; else delete field.title[language];
      if (!Object.keys(field.title).length) delete field.title;
    } else if (prop === "required") {
      if (value) field.required = true; else delete field.required;
    } else if (value) {
      field[prop] = value;
    } else {
      delete field[prop];
    }
  }

  function rowFor(field, index) {
    var row = template.content.firstElementChild.cloneNode(true);
    row.setAttribute("data-index", String(index));
    row.setAttribute("data-field", field.key || "");
    row.querySelectorAll("[data-prop]").forEach(function (input) {
      var prop = input.getAttribute("data-prop");
      var value = read(field, prop);
      if (input.type === "checkbox") input.checked = value === true;
      else {
        if (input.tagName === "SELECT" && value && !input.querySelector("option[value='" + value + "']")) {
          input.add(new Option(value, value));  // a value this list does not know: keep it
        }
        input.value = value == null ? "" : String(value);
      }
      input.addEventListener("change", function () {
        write(fields()[index], prop, input.type === "checkbox" ? input.checked : input.value.trim());
        if (prop === "key") row.setAttribute("data-field", input.value.trim());
        refreshOptions(row, fields()[index]);
        schedulePreview();
      });
    });
    refreshOptions(row, field);
    row.querySelector("[data-remove]").addEventListener("click", function () {
      fields().splice(index, 1);
      draw();
    });
    row.addEventListener("dragstart", function () { dragged = index; row.classList.add("gd-dragging"); });
    row.addEventListener("dragend", function () { row.classList.remove("gd-dragging"); });
    row.addEventListener("dragover", function (event) { event.preventDefault(); });
    row.addEventListener("drop", function (event) {
      event.preventDefault();
      if (dragged === null || dragged === index) return;
      var list = fields();
      var moved = list.splice(dragged, 1)[0];
      list.splice(index, 0, moved);
      dragged = null;
      draw();
    });
    return row;
  }

  function refreshOptions(row, field) {
    var select = row.querySelector("[data-prop=options]");
    var usesOptions = field.type === "select" || field.type === "multiselect";
    select.disabled = !usesOptions;
    if (!usesOptions && field.options) { delete field.options; select.value = ""; }
  }

  function draw() {
    rows.innerHTML = "";
    fields().forEach(function (field, index) { rows.appendChild(rowFor(field, index)); });
    schedulePreview();
  }

  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(showPreview, 250);
  }

  function showPreview() {
    fetch(root.getAttribute("data-preview-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": editor.csrf },
      body: JSON.stringify({ document: documentValue }),
    }).then(function (response) { return response.text(); }).then(function (html) {
      preview.srcdoc = html;
    });
  }

  document.getElementById("add-field").addEventListener("click", function () {
    var taken = fields().map(function (f) { return f.key; });
    var number = fields().length + 1;
    while (taken.indexOf("new_field_" + number) >= 0) number++;
    fields().push({ key: "new_field_" + number, type: "text" });
    draw();
  });

  window.gongdanPanels = window.gongdanPanels || {};
  window.gongdanPanels.fields = {
    enter: function (value, api) {
      editor = api;
      documentValue = value;
      startValue = JSON.stringify(value);
      draw();
    },
    leave: function () {
      if (!documentValue || JSON.stringify(documentValue) === startValue) return null;
      return documentValue;
    },
  };
})();
