/* The definition editor: CodeMirror for the YAML, json-editor for the form, one document.
 *
 * The YAML text is what the server reads (the form view is turned back into YAML by the
 * server before a button posts it), so both views always submit the same thing. Problems the
 * server found are marked at their line (gutter, line colour, message below the line) and,
 * in the form view, under the field their JSON path names.
 */
(function () {
  "use strict";

  var form = document.getElementById("editor-form");
  if (!form) return;
  var data = JSON.parse(document.getElementById("editor-data").textContent);
  var problems = JSON.parse(document.getElementById("editor-problems").textContent);
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var actionInput = document.getElementById("editor-action");
  var status = document.getElementById("form-status");
  var view = "yaml";
  var structured = null;
  var formStart = null;  // the form's value when it was built: unchanged → keep the YAML as typed

  var cm = CodeMirror.fromTextArea(document.getElementById("yaml"), {
    mode: "yaml",
    lineNumbers: true,
    indentUnit: 2,
    tabSize: 2,
    gutters: ["gd-problem-gutter", "CodeMirror-linenumbers"],
    extraKeys: {
      Tab: function (editor) { editor.replaceSelection("  "); },
    },
  });
  window.gongdanEditor = { codemirror: cm };

  // ------------------------------------------------------------------------ YAML markers
  var marks = [];

  function clearMarks() {
    marks.forEach(function (mark) { mark(); });
    marks = [];
    cm.clearGutter("gd-problem-gutter");
  }

  function markLine(problem) {
    var line = problem.line - 1;
    if (line < 0 || line >= cm.lineCount()) return;
    var text = problem.message + (problem.hint ? " (" + problem.hint + ")" : "");
    var marker = document.createElement("span");
    marker.className = "gd-problem-marker";
    marker.textContent = "\u25CF";
    marker.title = text;
    cm.setGutterMarker(line, "gd-problem-gutter", marker);
    var handle = cm.addLineClass(line, "background", "gd-problem-line");
    var note = document.createElement("div");
    note.className = "gd-problem-note";
    note.setAttribute("data-line", String(problem.line));
    note.textContent = problem.json_path_label + " " + text;
    var widget = cm.addLineWidget(line, note, { coverGutter: false });
    marks.push(function () {
      cm.removeLineClass(handle, "background", "gd-problem-line");
      widget.clear();
    });
  }

  function showProblemsInYaml() {
    clearMarks();
    var first = null;
    problems.forEach(function (problem) {
      if (problem.here && problem.line > 0) {
        problem.json_path_label = problem.path;
        markLine(problem);
        if (first === null) first = problem.line - 1;
      }
    });
    if (first !== null) cm.scrollIntoView({ line: first, ch: 0 }, 150);
  }

  // ---------------------------------------------------------------- form (json-editor)
  function editorPath(jsonPath) {
    // $.spec.fields[2].type → root.spec.fields.2.type
    return "root" + jsonPath.slice(1).replace(/\[(\d+)\]/g, ".$1");
  }

  function showProblemsInForm() {
    if (!structured) return;
    document.querySelectorAll(".gd-field-problem").forEach(function (box) { box.remove(); });
    problems.forEach(function (problem) {
      if (!problem.here) return;
      var path = editorPath(problem.path);
      // The nearest editor that exists: a missing property is reported on its parent.
      while (path.indexOf(".") > 0 && !structured.getEditor(path)) {
        path = path.slice(0, path.lastIndexOf("."));
      }
      var field = structured.getEditor(path);
      if (!field) return;
      var box = document.createElement("div");
      box.className = "gd-field-problem alert alert-danger py-1 px-2 my-1 small";
      box.setAttribute("data-path", problem.path);
      box.textContent = problem.message + (problem.hint ? " (" + problem.hint + ")" : "");
      (field.control || field.container).appendChild(box);
    });
  }

  function buildForm(documentValue) {
    if (structured) structured.destroy();
    structured = new JSONEditor(document.getElementById("structured-editor"), {
      schema: data.schema,
      startval: documentValue,
      theme: "bootstrap4",
      iconlib: null,
      display_required_only: true,
      remove_empty_properties: true,
      disable_edit_json: true,
      disable_properties: false,
      prompt_before_delete: false,
      show_errors: "interaction",
      no_additional_properties: false,
    });
    window.gongdanEditor.form = structured;
    structured.on("ready", function () {
      formStart = JSON.stringify(structured.getValue());
      showProblemsInForm();
    });
  }

  function post(payload) {
    return fetch(data.convertUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(payload),
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    });
  }

  function documentFromYaml() {
    return post({ yaml: cm.getValue() }).then(function (result) {
      if (!result.ok) {
        problems = result.body.problems.map(function (p) { p.here = true; return p; });
        showProblemsInYaml();
        throw new Error(data.labels.notYaml);
      }
      return result.body.document;
    });
  }

  function yamlFromDocument(value) {
    return post({ document: value, like: cm.getValue() }).then(function (result) {
      if (!result.ok) throw new Error(data.labels.notConverted);
      if (result.body.yaml !== cm.getValue()) {
        cm.setValue(result.body.yaml);
        clearMarks();  // the lines moved: the server's positions no longer apply
      }
    });
  }

  function yamlToForm() {
    return documentFromYaml().then(buildForm);
  }

  function formToYaml() {
    if (!structured) return Promise.resolve();
    var value = structured.getValue();
    // Untouched: keep the text as typed (its layout and comments), not the form's rewrite.
    if (JSON.stringify(value) === formStart) return Promise.resolve();
    return yamlFromDocument(value);
  }

  // Extra panels (see panels.py) register here: enter(document) when shown, and leave()
  // giving the edited document (or null when nothing changed) when another view is chosen.
  var panels = window.gongdanPanels || {};

  function leave(current) {
    if (current === "form") return formToYaml();
    var panel = panels[current];
    if (!panel || !panel.leave) return Promise.resolve();
    var edited = panel.leave();
    return edited ? yamlFromDocument(edited) : Promise.resolve();
  }

  function enter(next) {
    if (next === "form") return yamlToForm();
    var panel = panels[next];
    if (!panel || !panel.enter) return Promise.resolve();
    return documentFromYaml().then(function (value) { panel.enter(value, api); });
  }

  // --------------------------------------------------------------------------- switching
  function show(next) {
    document.querySelectorAll("#editor-tabs .nav-link").forEach(function (tab) {
      tab.classList.toggle("active", tab.getAttribute("data-view") === next);
    });
    document.querySelectorAll(".gd-panel").forEach(function (panel) {
      panel.hidden = panel.getAttribute("data-view") !== next;
    });
    view = next;
    if (next === "yaml") cm.refresh();
    document.dispatchEvent(new CustomEvent("gongdan:editor-view", { detail: { view: next } }));
  }

  function switchTo(next) {
    if (next === view) return Promise.resolve();
    status.textContent = "";
    return leave(view).then(function () {
      return enter(next);
    }).then(function () { show(next); }).catch(function (error) {
      show("yaml");
      status.textContent = error.message;
    });
  }

  document.querySelectorAll("#editor-tabs .nav-link").forEach(function (tab) {
    tab.addEventListener("click", function (event) {
      event.preventDefault();
      switchTo(tab.getAttribute("data-view"));
    });
  });

  document.querySelectorAll(".gd-goto").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var row = link.closest("tr");
      var line = parseInt(row.getAttribute("data-line"), 10) - 1;
      switchTo("yaml").then(function () {
        cm.focus();
        cm.setCursor({ line: line, ch: 0 });
        cm.scrollIntoView({ line: line, ch: 0 }, 120);
      });
    });
  });

  // A button posts the YAML; from another view it is brought up to date first.
  form.addEventListener("submit", function (event) {
    if (view === "yaml") { cm.save(); return; }
    event.preventDefault();
    var button = event.submitter;
    // form.submit() sends no button: the hidden input carries the action instead.
    actionInput.name = "action";
    actionInput.value = button && button.name === "action" ? button.value : "validate";
    leave(view).then(function () {
      cm.save();
      form.submit();
    }).catch(function (error) { status.textContent = error.message; });
  });

  var api = { post: post, csrf: csrf, problems: function () { return problems; } };
  window.gongdanEditor.switchTo = switchTo;
  showProblemsInYaml();
})();
