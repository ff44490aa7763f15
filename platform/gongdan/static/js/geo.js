/*
 * Browser geolocation for the on-site check-in (engineer work page) and for every geo field.
 *
 * 1. button[data-geo-capture="<input id>"] (rendered by the geo field macro of
 *    templates/forms/_fields.html): a click reads the position and fills the hidden inputs
 *    #<id>-lat, #<id>-lng, #<id>-accuracy and #<id>-at, and shows it in #<id>-text.
 * 2. <form data-geo-checkin>: submitting it reads the position first when the form's geo
 *    inputs are still empty, then submits. Without a position the form is NOT sent.
 *
 * Messages (locating, denied, unavailable, timeout, unsupported, insecure) go to the nearest
 * [data-geo-status] element, or one inserted after the button. Their text is taken from the
 * data-msg-<name> attributes of the form (the server renders them translated), else from the
 * built-in Chinese or English text chosen by <html lang>.
 */
(function () {
  "use strict";

  var TEXTS = {
    zh: {
      locating: "正在获取您的位置…",
      denied: "无法获取位置：您拒绝了定位权限。请在浏览器设置中允许本网站使用位置信息，然后重试。",
      unavailable: "无法获取位置：定位服务不可用。请打开手机的定位服务后重试。",
      timeout: "获取位置超时。请移到开阔处后重试。",
      unsupported: "此浏览器不支持定位。",
      insecure: "定位需要安全连接（https）。",
      done: "已记录位置"
    },
    en: {
      locating: "Finding your location…",
      denied: "Location access was denied. Allow this site to use your location in the browser settings, then try again.",
      unavailable: "Your location is not available. Turn on location services and try again.",
      timeout: "Finding your location took too long. Move to an open place and try again.",
      unsupported: "This browser cannot tell your location.",
      insecure: "Location needs a secure (https) connection.",
      done: "Location recorded"
    }
  };

  function language() {
    return (document.documentElement.lang || "zh").toLowerCase().indexOf("en") === 0 ? "en" : "zh";
  }

  function text(scope, name) {
    var holder = scope && scope.closest ? scope.closest("[data-msg-" + name + "]") : null;
    return (holder && holder.getAttribute("data-msg-" + name)) || TEXTS[language()][name];
  }

  function statusElement(anchor) {
    var form = anchor.closest("form");
    var status = (form || document).querySelector("[data-geo-status]");
    if (!status) {
      status = document.createElement("div");
      status.setAttribute("data-geo-status", "");
      status.setAttribute("role", "status");
      status.className = "alert mt-2";
      anchor.parentNode.insertBefore(status, anchor.nextSibling);
    }
    return status;
  }

  function show(anchor, name, isError) {
    var status = statusElement(anchor);
    status.textContent = name ? text(anchor, name) : "";  // textContent: never parsed as HTML
    status.hidden = !name;
    status.classList.toggle("alert-danger", !!isError);
    status.classList.toggle("alert-info", !isError);
  }

  function byId(id) { return document.getElementById(id); }

  function secure() {
    return window.isSecureContext || location.hostname === "localhost" ||
      location.hostname === "127.0.0.1";
  }

  /* Read the position into #<id>-lat|lng|accuracy|at; call done(true|false). */
  function capture(id, anchor, done) {
    if (!secure()) { show(anchor, "insecure", true); done(false); return; }
    if (!("geolocation" in navigator)) { show(anchor, "unsupported", true); done(false); return; }
    show(anchor, "locating", false);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var c = position.coords;
        byId(id + "-lat").value = c.latitude.toFixed(6);
        byId(id + "-lng").value = c.longitude.toFixed(6);
        byId(id + "-accuracy").value = Math.round(c.accuracy || 0);
        if (byId(id + "-at")) { byId(id + "-at").value = new Date(position.timestamp).toISOString(); }
        var label = byId(id + "-text");
        if (label) {
          label.textContent = c.latitude.toFixed(5) + ", " + c.longitude.toFixed(5) +
            " (±" + Math.round(c.accuracy || 0) + " m)";
        }
        show(anchor, "", false);
        done(true);
      },
      function (error) {
        var name = "unavailable";
        if (error.code === error.PERMISSION_DENIED) { name = "denied"; }
        else if (error.code === error.TIMEOUT) { name = "timeout"; }
        show(anchor, name, true);
        done(false);
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
    );
  }

  function setBusy(form, busy) {
    var buttons = form.querySelectorAll("button, input[type=submit]");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = busy; }
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function enhanceButton(button) {
    // Inside a generated form, forms.js already reads the position on this click.
    if (window.GongdanForms && button.closest("form[data-gd-form]")) { return; }
    button.addEventListener("click", function () {
      button.disabled = true;
      capture(button.getAttribute("data-geo-capture"), button, function () {
        button.disabled = false;
      });
    });
  }

  function enhanceCheckIn(form) {
    form.addEventListener("submit", function (event) {
      var button = form.querySelector("[data-geo-capture]");
      if (!button) { return; }
      var id = button.getAttribute("data-geo-capture");
      if (byId(id + "-lat") && byId(id + "-lat").value) { return; }  // already located
      event.preventDefault();
      var submitter = event.submitter;
      setBusy(form, true);
      capture(id, button, function (ok) {
        setBusy(form, false);
        if (!ok) { return; }
        if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
      });
    });
  }

  function init() {
    var buttons = document.querySelectorAll("button[data-geo-capture]");
    for (var i = 0; i < buttons.length; i++) { enhanceButton(buttons[i]); }
    var forms = document.querySelectorAll("form[data-geo-checkin]");
    for (var j = 0; j < forms.length; j++) { enhanceCheckIn(forms[j]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
