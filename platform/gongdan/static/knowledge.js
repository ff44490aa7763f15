/* Knowledge base: suggestions while a ticket's symptom is typed, and the editor's preview.
 * The server escapes titles and snippets and adds only <mark>; everything else is built with
 * textContent, so nothing typed or stored can inject markup. */
(function () {
  "use strict";
  var DEBOUNCE_MS = 300;

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function suggestions(box) {
    var form = box.closest("form") || document.querySelector("form[data-gd-form], #ticket-create-form, #request-form");
    if (!form) { return; }
    var list = box.querySelector("#kb-suggestion-list");
    var mode = box.dataset.kbMode;
    var watched = function () {
      return Array.prototype.slice.call(form.querySelectorAll(
        'textarea[name="f.symptom"], textarea[name="f.description"], input[name="subject"], textarea[name="f.question"]'));
    };
    // Show the suggestions right under the symptom, where the user is typing.
    var symptom = form.querySelector('textarea[name="f.symptom"], textarea[name="f.description"]');
    var wrapper = symptom && symptom.closest(".gd-field");
    if (wrapper) { wrapper.insertAdjacentElement("afterend", box); }
    var last = null;
    var render = function (data) {
      list.textContent = "";
      data.articles.forEach(function (a) {
        var li = document.createElement("li");
        li.className = "list-group-item kb-suggestion";
        li.dataset.articleId = a.id;
        var title = document.createElement("div");
        title.className = "fw-semibold kb-title";
        title.innerHTML = a.title_html; // escaped by the server, <mark> only
        var snip = document.createElement("div");
        snip.className = "small text-body-secondary kb-snippet";
        snip.innerHTML = a.snippet_html; // escaped by the server, <mark> only
        var actions = document.createElement("div");
        actions.className = "d-flex gap-2 mt-1";
        var open = document.createElement("a");
        open.className = "btn btn-sm btn-outline-primary kb-open";
        open.href = a.url;
        open.target = "_blank";
        open.rel = "noopener";
        open.textContent = box.dataset.labelOpen;
        var solve = document.createElement("button");
        solve.type = "button";
        solve.className = "btn btn-sm btn-success kb-solve";
        solve.textContent = box.dataset.labelSolve;
        solve.addEventListener("click", function () { choose(a); });
        actions.appendChild(open);
        actions.appendChild(solve);
        li.appendChild(title);
        li.appendChild(snip);
        li.appendChild(actions);
        list.appendChild(li);
      });
      box.classList.toggle("d-none", data.articles.length === 0);
    };
    var choose = function (article) {
      if (mode === "agent") {
        var input = form.querySelector('input[name="solved_by_article"]');
        if (!input) {
          input = document.createElement("input");
          input.type = "hidden";
          input.name = "solved_by_article";
          form.appendChild(input);
        }
        input.value = article.id;
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
        return;
      }
      var post = document.createElement("form");
      post.method = "post";
      post.action = article.url + "/solved";
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrf_token";
      token.value = box.dataset.csrf;
      post.appendChild(token);
      document.body.appendChild(post);
      post.submit();
    };
    var lookup = function () {
      var text = watched().map(function (el) { return el.value; }).join(" ").trim();
      if (text === last) { return; }
      last = text;
      if (!text) { render({articles: []}); return; }
      fetch(box.dataset.kbSuggest + "?q=" + encodeURIComponent(text.slice(0, 200)), {
        headers: {Accept: "application/json"}, credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.json() : {articles: []}; })
        .then(function (data) { if (text === last) { render(data); } })
        .catch(function () { /* suggestions are a convenience: the form works without them */ });
    };
    form.addEventListener("input", debounce(lookup, DEBOUNCE_MS));
    lookup();
  }

  function preview(area) {
    var target = document.getElementById(area.dataset.kbPreviewTarget);
    var token = document.querySelector('input[name="csrf_token"]');
    var update = function () {
      var body = new FormData();
      body.append("body", area.value);
      if (token) { body.append("csrf_token", token.value); }
      fetch(area.dataset.kbPreview, {method: "POST", body: body, credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) { target.innerHTML = data.html; }) // rendered safely by the server
        .catch(function () { /* the preview is optional */ });
    };
    area.addEventListener("input", debounce(update, DEBOUNCE_MS));
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("kb-suggestions");
    if (box) { suggestions(box); }
    document.querySelectorAll("textarea[data-kb-preview]").forEach(preview);
  });
})();
