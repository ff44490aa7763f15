/* Workflow diagrams: render Mermaid source into an element (the vendored mermaid.min.js). */
(function () {
  "use strict";
  // strict: no HTML in labels, no click handlers; labels are already entity-escaped server-side.
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral",
                       flowchart: { htmlLabels: false, useMaxWidth: false } });
  var count = 0;

  function draw(target, source) {
    if (!target || !source) return Promise.resolve();
    count += 1;
    return mermaid.render("gd-diagram-" + count, source).then(function (result) {
      target.innerHTML = result.svg;  // mermaid's own sanitised SVG (securityLevel strict)
      target.setAttribute("data-rendered", "true");
    });
  }

  function editorText() {
    if (window.gongdanEditor && window.gongdanEditor.codemirror) {
      return window.gongdanEditor.codemirror.getValue();
    }
    var wrapper = document.querySelector(".CodeMirror");
    if (wrapper && wrapper.CodeMirror) return wrapper.CodeMirror.getValue();
    var area = document.getElementById("yaml");
    return area ? area.value : "";
  }

  function csrfToken() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  function drawEditorText(target, errorBox) {
    return fetch(target.getAttribute("data-source-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ yaml: editorText() }),
    }).then(function (response) {
      return response.json().then(function (body) {
        errorBox.hidden = response.ok;
        if (!response.ok) { errorBox.textContent = body.error || response.statusText; return; }
        return draw(target, body.source);
      });
    });
  }

  window.gongdanDiagram = { draw: draw, drawEditorText: drawEditorText };
})();
