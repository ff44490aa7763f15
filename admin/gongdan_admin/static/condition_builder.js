/* The Conditions tab of the definition editor: a rule builder over the YAML being edited.
 *
 * The server reads the editor's text and answers the variables, operators and condition places
 * (POST data-vocabulary-url); Apply sends the built condition back (POST data-apply-url) and
 * puts the YAML it answers into the editor. The builder's model is a tree of
 *   {type: "group", mode: "all"|"any", negate, children: [...]}
 *   {type: "leaf", negate, field, op, value}
 * read from and written to the condition language's {all|any|not|field/op/value} nodes.
 */
(function () {
  "use strict";

  var root = document.getElementById("condition-builder");
  if (!root) return;
  var labels = JSON.parse(document.getElementById("condition-builder-labels").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var state = { vocabulary: null, place: null, tree: null };

  // ------------------------------------------------------------------------------ helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else if (name === "className") node.className = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function option(value, text, selected) {
    var item = el("option", { value: value, text: text });
    if (selected) item.selected = true;
    return item;
  }

  function editorText() {
    var cm = window.gongdanEditor && window.gongdanEditor.codemirror;
    return cm ? cm.getValue() : $("yaml").value;
  }

  function csrfToken() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  function post(url, payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(payload),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) throw new Error(body.error || labels.failed);
        return body;
      });
    });
  }

  function showError(message) {
    $("condition-error").hidden = !message;
    $("condition-error").textContent = message || "";
  }

  function variables() {
    return state.vocabulary.scopes[state.place.scope] || [];
  }

  function variable(name) {
    return variables().find(function (v) { return v.name === name; }) || null;
  }

  function variableLabel(v) {
    return v.label ? v.label + " (" + v.name + ")" : v.name;
  }

  function shapeOf(op) {
    var found = state.vocabulary.operators.find(function (o) { return o.op === op; });
    return found || { op: op, value: "single", references: false };
  }

  function isReference(value) {
    return typeof value === "string" && value.charAt(0) === "$" && value.charAt(1) !== "$";
  }

  // -------------------------------------------------------------- condition <-> builder tree
  function toTree(node, negate) {
    if (node && node.not !== undefined) return toTree(node.not, !negate);
    if (node && (node.all || node.any)) {
      var mode = node.all ? "all" : "any";
      return { type: "group", mode: mode, negate: !!negate,
               children: node[mode].map(function (child) { return toTree(child, false); }) };
    }
    return { type: "leaf", negate: !!negate, field: node.field, op: node.op, value: node.value };
  }

  function fromTree(item) {
    var node;
    if (item.type === "group") {
      var children = item.children.map(fromTree).filter(function (c) { return c !== null; });
      if (!children.length) return null;
      node = {};
      node[item.mode] = children;
    } else {
      if (!item.field || !item.op) return null;
      node = { field: item.field, op: item.op };
      if (shapeOf(item.op).value !== "none" && item.value !== undefined) node.value = item.value;
    }
    return item.negate ? { not: node } : node;
  }

  function rootCondition() {
    var tree = state.tree;
    // One rule alone needs no group around it: {field, op, value} reads best.
    if (!tree.negate && tree.children.length === 1) return fromTree(tree.children[0]);
    return fromTree(tree);
  }

  // ---------------------------------------------------------------------------- widgets
  function coerce(v, text) {
    if (!v) return text;
    if (v.kind === "number") {
      var number = Number(text);
      return text !== "" && !isNaN(number) ? number : text;
    }
    if (v.kind === "bool") return text === "true" ? true : text === "false" ? false : text;
    return text;
  }

  function optionText(v, value) {
    var title = v.option_labels && v.option_labels[value];
    return title && title !== value ? title + " (" + value + ")" : value;
  }

  function singleInput(v, value, onChange) {
    var input;
    var kind = v ? v.kind : "text";
    if (v && v.options && (kind === "choice" || kind === "choices")) {
      input = el("select", { className: "form-control form-control-sm gd-cb-value" });
      input.appendChild(option("", "…", value === undefined || value === ""));
      v.options.forEach(function (o) { input.appendChild(option(o, optionText(v, o), o === value)); });
      if (value !== undefined && value !== "" && v.options.indexOf(value) < 0) {
        input.appendChild(option(String(value), String(value) + " ?", true));
      }
    } else if (kind === "bool") {
      input = el("select", { className: "form-control form-control-sm gd-cb-value" });
      input.appendChild(option("", "…", value === undefined));
      input.appendChild(option("true", labels.yes, value === true));
      input.appendChild(option("false", labels.no, value === false));
    } else {
      var type = { number: "number", date: "date", datetime: "datetime-local" }[kind] || "text";
      input = el("input", { type: type, className: "form-control form-control-sm gd-cb-value" });
      if (type === "number") input.step = "any";
      input.value = value === undefined || value === null ? "" : String(value);
    }
    input.addEventListener("change", function () { onChange(coerce(v, input.value)); });
    return input;
  }

  function referenceInput(value, onChange) {
    var input = el("select", { className: "form-control form-control-sm gd-cb-ref" });
    variables().forEach(function (v) {
      input.appendChild(option("$" + v.name, variableLabel(v), "$" + v.name === value));
    });
    if (!isReference(value)) onChange(input.value);
    input.addEventListener("change", function () { onChange(input.value); });
    return input;
  }

  function durationInput(value, onChange) {
    var match = /^P(?:T(\d+)([MH])|(\d+)D)$/.exec(value || "");
    var wrap = el("span", { className: "form-inline d-inline-flex" });
    var amount = el("input", { type: "number", min: "1", className: "form-control form-control-sm gd-cb-amount" });
    var unit = el("select", { className: "form-control form-control-sm ml-1 gd-cb-unit" });
    [["M", labels.minutes], ["H", labels.hours], ["D", labels.days]].forEach(function (u) {
      var chosen = match ? (match[3] ? u[0] === "D" : u[0] === match[2]) : u[0] === "D";
      unit.appendChild(option(u[0], u[1], chosen));
    });
    amount.value = match ? (match[1] || match[3]) : "";
    function update() {
      if (!amount.value) return;
      onChange(unit.value === "D" ? "P" + amount.value + "D" : "PT" + amount.value + unit.value);
    }
    amount.addEventListener("change", update);
    unit.addEventListener("change", update);
    wrap.appendChild(amount);
    wrap.appendChild(unit);
    return wrap;
  }

  function listInput(v, value, onChange) {
    var values = Array.isArray(value) ? value : [];
    if (v && v.options && v.kind === "choice") {
      var select = el("select", { multiple: "multiple", size: String(Math.min(6, v.options.length)),
                                  className: "form-control form-control-sm gd-cb-value" });
      v.options.forEach(function (o) {
        select.appendChild(option(o, optionText(v, o), values.indexOf(o) >= 0));
      });
      select.addEventListener("change", function () {
        onChange(Array.prototype.filter.call(select.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; }));
      });
      return select;
    }
    var input = el("input", { type: "text", placeholder: labels.commaList,
                              className: "form-control form-control-sm gd-cb-value" });
    input.value = values.join(", ");
    input.addEventListener("change", function () {
      onChange(input.value.split(",").map(function (t) { return t.trim(); })
        .filter(function (t) { return t !== ""; }).map(function (t) { return coerce(v, t); }));
    });
    return input;
  }

  function valueWidget(item, v) {
    var shape = shapeOf(item.op);
    var set = function (value) { item.value = value; };
    var wrap = el("span", { className: "gd-cb-values form-inline d-inline-flex" });
    if (shape.value === "none") { delete item.value; return wrap; }
    if (shape.value === "duration") { wrap.appendChild(durationInput(item.value, set)); return wrap; }
    if (shape.value === "pattern") {
      var pattern = singleInput(null, item.value, set);
      pattern.placeholder = labels.pattern;
      wrap.appendChild(pattern);
      return wrap;
    }
    if (shape.value === "list") { wrap.appendChild(listInput(v, item.value, set)); return wrap; }
    if (shape.value === "pair") {
      var pair = Array.isArray(item.value) ? item.value.slice(0, 2) : [undefined, undefined];
      item.value = pair;
      wrap.appendChild(singleInput(v, pair[0], function (x) { pair[0] = x; }));
      wrap.appendChild(el("span", { className: "mx-1", text: labels.and }));
      wrap.appendChild(singleInput(v, pair[1], function (x) { pair[1] = x; }));
      return wrap;
    }
    // One value: a literal, or another field ($reference) where the operator allows it.
    var mode = el("select", { className: "form-control form-control-sm mr-1 gd-cb-mode" });
    mode.appendChild(option("value", labels.value, !isReference(item.value)));
    mode.appendChild(option("ref", labels.otherField, isReference(item.value)));
    var slot = el("span");
    function fill() {
      slot.innerHTML = "";
      slot.appendChild(mode.value === "ref" ? referenceInput(item.value, set) : singleInput(v, item.value, set));
    }
    mode.addEventListener("change", function () { item.value = undefined; fill(); });
    if (shape.references) wrap.appendChild(mode);
    wrap.appendChild(slot);
    fill();
    return wrap;
  }

  // ---------------------------------------------------------------------------- rendering
  function negateBox(item) {
    var box = el("input", { type: "checkbox", className: "form-check-input gd-cb-not" });
    box.checked = !!item.negate;
    box.addEventListener("change", function () { item.negate = box.checked; });
    return el("label", { className: "form-check form-check-inline mb-0 mr-2" }, [
      box, el("span", { className: "form-check-label", text: labels.not })]);
  }

  function removeButton(onRemove) {
    var button = el("button", { type: "button", className: "btn btn-sm btn-link text-danger gd-cb-remove",
                                text: labels.remove });
    button.addEventListener("click", onRemove);
    return button;
  }

  function fieldSelect(item) {
    var select = el("select", { className: "form-control form-control-sm mr-1 gd-cb-field" });
    select.appendChild(option("", labels.chooseField, !item.field));
    var groups = {};
    variables().forEach(function (v) {
      if (!groups[v.group]) {
        groups[v.group] = el("optgroup", { label: labels.groups[v.group] || v.group });
        select.appendChild(groups[v.group]);
      }
      groups[v.group].appendChild(option(v.name, variableLabel(v), v.name === item.field));
    });
    if (item.field && !variable(item.field)) {
      var unknown = option(item.field, item.field + " — " + labels.unknownField, true);
      unknown.className = "text-danger";
      select.appendChild(unknown);
      select.classList.add("is-invalid");
    }
    return select;
  }

  function renderLeaf(item, onRemove) {
    var row = el("div", { className: "gd-cb-leaf form-inline mb-1" });
    var v = variable(item.field);
    var fields = fieldSelect(item);
    var ops = el("select", { className: "form-control form-control-sm mr-1 gd-cb-op" });
    var allowed = v ? v.operators : state.vocabulary.operators.map(function (o) { return o.op; });
    if (item.op && allowed.indexOf(item.op) < 0) allowed = allowed.concat([item.op]);
    if (!item.op || allowed.indexOf(item.op) < 0) item.op = allowed[0];
    allowed.forEach(function (op) { ops.appendChild(option(op, labels.operators[op] || op, op === item.op)); });
    row.appendChild(negateBox(item));
    row.appendChild(fields);
    row.appendChild(ops);
    row.appendChild(valueWidget(item, v));
    if (item.field && !v) {
      row.appendChild(el("span", { className: "badge badge-danger ml-1 gd-cb-unknown", text: labels.unknownField }));
    }
    row.appendChild(removeButton(onRemove));
    fields.addEventListener("change", function () {
      item.field = fields.value;
      item.op = undefined;
      item.value = undefined;
      row.replaceWith(renderLeaf(item, onRemove));
    });
    ops.addEventListener("change", function () {
      var before = shapeOf(item.op).value;
      item.op = ops.value;
      if (shapeOf(item.op).value !== before) item.value = undefined;
      row.replaceWith(renderLeaf(item, onRemove));
    });
    return row;
  }

  function renderGroup(group, onRemove) {
    var box = el("div", { className: "gd-cb-group border rounded p-2 mb-1" });
    var head = el("div", { className: "form-inline mb-1" });
    var mode = el("select", { className: "form-control form-control-sm mr-2 gd-cb-mode-group" });
    mode.appendChild(option("all", labels.all, group.mode === "all"));
    mode.appendChild(option("any", labels.any, group.mode === "any"));
    mode.addEventListener("change", function () { group.mode = mode.value; });
    head.appendChild(negateBox(group));
    head.appendChild(mode);
    var addRule = el("button", { type: "button", className: "btn btn-sm btn-outline-secondary mr-1 gd-cb-add-rule", text: labels.addRule });
    var addGroup = el("button", { type: "button", className: "btn btn-sm btn-outline-secondary mr-1 gd-cb-add-group", text: labels.addGroup });
    head.appendChild(addRule);
    head.appendChild(addGroup);
    if (onRemove) head.appendChild(removeButton(onRemove));
    var list = el("div", { className: "gd-cb-children pl-3" });
    function redraw() {
      list.innerHTML = "";
      group.children.forEach(function (child, index) {
        var drop = function () { group.children.splice(index, 1); redraw(); };
        list.appendChild(child.type === "group" ? renderGroup(child, drop) : renderLeaf(child, drop));
      });
      if (!onRemove && !group.children.length) {
        list.appendChild(el("p", { className: "text-muted small mb-0", text: labels.emptyRemoves }));
      }
    }
    addRule.addEventListener("click", function () {
      group.children.push({ type: "leaf", negate: false, field: "", op: undefined });
      redraw();
    });
    addGroup.addEventListener("click", function () {
      group.children.push({ type: "group", mode: "any", negate: false,
                            children: [{ type: "leaf", negate: false, field: "" }] });
      redraw();
    });
    box.appendChild(head);
    box.appendChild(list);
    redraw();
    return box;
  }

  function placeTitle(place) {
    var owner = labels.ownerKinds[place.owner_kind] || place.owner_kind;
    return owner + " " + place.owner + " · " + (labels.members[place.member] || place.member);
  }

  function summary(node) {
    if (!node) return "";
    if (node.not !== undefined) return labels.not + " (" + summary(node.not) + ")";
    if (node.all || node.any) {
      var mode = node.all ? "all" : "any";
      return (mode === "all" ? "ALL" : "ANY") + " [" + node[mode].map(summary).join("; ") + "]";
    }
    if (node.fn) return "fn " + node.fn;
    var text = node.field + " " + (labels.operators[node.op] || node.op);
    if (node.value !== undefined) text += " " + JSON.stringify(node.value);
    return text;
  }

  function choose(place) {
    state.place = place;
    $("condition-editor").hidden = false;
    $("condition-title").textContent = placeTitle(place);
    $("condition-path").textContent = place.path;
    $("condition-status").textContent = "";
    var readOnly = !!place.unrepresentable;
    $("condition-readonly").hidden = !readOnly;
    $("condition-raw").hidden = !readOnly;
    $("condition-raw").textContent = readOnly ? JSON.stringify(place.condition, null, 2) : "";
    $("condition-apply").disabled = readOnly;
    $("condition-remove").disabled = !place.present;
    var tree = $("condition-tree");
    tree.innerHTML = "";
    if (readOnly) return;
    var start = place.present ? toTree(place.condition, false) : null;
    state.tree = start && start.type === "group"
      ? start : { type: "group", mode: "all", negate: false, children: start ? [start] : [] };
    tree.appendChild(renderGroup(state.tree, null));
  }

  function renderPlaces() {
    var body = document.querySelector("#condition-places tbody");
    var select = $("condition-place");
    body.innerHTML = "";
    select.innerHTML = "";
    var places = state.vocabulary.places;
    places.forEach(function (place, index) {
      if (!place.present) {
        select.appendChild(option(place.path, placeTitle(place) + " — " + place.path));
        return;
      }
      var edit = el("button", { type: "button", className: "btn btn-sm btn-outline-primary gd-cb-edit",
                                "data-path": place.path, text: labels.edit });
      edit.addEventListener("click", function () { choose(state.vocabulary.places[index]); });
      var text = summary(place.condition) + (place.unrepresentable ? " · " + labels.readOnly : "");
      body.appendChild(el("tr", { "data-path": place.path }, [
        el("td", { text: placeTitle(place) }), el("td", {}, [el("code", { text: place.path })]),
        el("td", { className: "small", text: text }), el("td", {}, [edit])]));
    });
    if (!places.length) showError(labels.noPlaces);
    $("condition-add").disabled = !select.options.length;
  }

  function load(keepPath) {
    return post(root.getAttribute("data-vocabulary-url"), { kind: root.getAttribute("data-kind"), yaml: editorText() })
      .then(function (body) {
        showError("");
        state.vocabulary = body;
        renderPlaces();
        var again = keepPath && body.places.find(function (p) { return p.path === keepPath; });
        if (again) choose(again);
        else $("condition-editor").hidden = true;
        root.setAttribute("data-loaded", "true");
      })
      .catch(function (error) { showError(error.message); });
  }

  function write(condition) {
    var path = state.place.path;
    return post(root.getAttribute("data-apply-url"), {
      kind: root.getAttribute("data-kind"), yaml: editorText(), path: state.place.parts,
      condition: condition,
    }).then(function (body) {
      var cm = window.gongdanEditor && window.gongdanEditor.codemirror;
      if (cm) cm.setValue(body.yaml); else $("yaml").value = body.yaml;
      return load(condition === null ? null : path).then(function () {
        $("condition-status").textContent = condition === null ? labels.removed : labels.applied;
      });
    }).catch(function (error) { showError(error.message); });
  }

  $("condition-add").addEventListener("click", function () {
    var path = $("condition-place").value;
    var place = state.vocabulary.places.find(function (p) { return p.path === path; });
    if (place) choose(place);
  });
  $("condition-apply").addEventListener("click", function () { write(rootCondition()); });
  $("condition-remove").addEventListener("click", function () { write(null); });
  document.addEventListener("gongdan:editor-view", function (event) {
    if (event.detail.view === "conditions") load(state.place ? state.place.path : null);
  });
})();
