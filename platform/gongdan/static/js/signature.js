/*
 * Signature pad: draws on the <canvas> of every [data-signature-pad] that the signature field
 * macro renders (templates/forms/_fields.html):
 *
 *   div[data-signature-pad][data-input="<hidden input id>"]
 *     img.gd-signature-image            (a signature already stored, optional)
 *     canvas[data-signature-canvas]     (the drawing surface)
 *     button[data-signature-clear]
 *     input[type=hidden]#<id>           (receives a PNG data URL: data:image/png;base64,...)
 *
 * Pointer events where available (one code path for pen, touch and mouse), touch and mouse
 * events otherwise. The hidden input holds the drawing only after a stroke was drawn; "Clear"
 * wipes the canvas and puts back what the input held before (the stored signature, if any), so
 * submitting an untouched pad changes nothing. The server re-checks that the data is a PNG.
 */
(function () {
  "use strict";

  function enhance(pad) {
    if (pad.getAttribute("data-signature-ready") === "1") { return; }
    pad.setAttribute("data-signature-ready", "1");
    var canvas = pad.querySelector("canvas[data-signature-canvas]");
    var input = document.getElementById(pad.getAttribute("data-input"));
    var clear = pad.querySelector("[data-signature-clear]");
    if (!canvas || !input || !canvas.getContext) { return; }
    var original = input.value;
    var context = canvas.getContext("2d");
    var drawing = false;
    var inked = false;
    var last = null;

    canvas.style.touchAction = "none";  // the page must not scroll while the customer signs
    pad.classList.add("signature-pad");

    function reset() {
      context.fillStyle = "#ffffff";  // opaque white: the PNG reads well in any viewer
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.lineWidth = Math.max(2, canvas.width / 200);
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#111111";
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      var source = event.touches && event.touches.length ? event.touches[0] : event;
      return {
        x: (source.clientX - rect.left) * (canvas.width / rect.width),
        y: (source.clientY - rect.top) * (canvas.height / rect.height)
      };
    }

    function start(event) {
      if (event.button !== undefined && event.button > 0) { return; }
      event.preventDefault();
      drawing = true;
      last = point(event);
      context.beginPath();
      context.arc(last.x, last.y, context.lineWidth / 2, 0, Math.PI * 2);
      context.fillStyle = context.strokeStyle;
      context.fill();
      if (event.pointerId !== undefined && canvas.setPointerCapture) {
        canvas.setPointerCapture(event.pointerId);
      }
    }

    function move(event) {
      if (!drawing) { return; }
      event.preventDefault();
      var next = point(event);
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(next.x, next.y);
      context.stroke();
      last = next;
      inked = true;
    }

    function end(event) {
      if (!drawing) { return; }
      if (event) { event.preventDefault(); }
      drawing = false;
      inked = true;
      input.value = canvas.toDataURL("image/png");
      pad.classList.add("has-ink");
      var stored = pad.querySelector(".gd-signature-image");
      if (stored) { stored.hidden = true; }
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    if (window.PointerEvent) {
      canvas.addEventListener("pointerdown", start);
      canvas.addEventListener("pointermove", move);
      canvas.addEventListener("pointerup", end);
      canvas.addEventListener("pointercancel", end);
    } else {
      canvas.addEventListener("touchstart", start, { passive: false });
      canvas.addEventListener("touchmove", move, { passive: false });
      canvas.addEventListener("touchend", end, { passive: false });
      canvas.addEventListener("mousedown", start);
      canvas.addEventListener("mousemove", move);
      window.addEventListener("mouseup", function () { if (drawing) { end(); } });
    }

    if (clear) {
      clear.addEventListener("click", function (event) {
        event.preventDefault();
        reset();
        inked = false;
        input.value = original;
        pad.classList.remove("has-ink");
        var stored = pad.querySelector(".gd-signature-image");
        if (stored) { stored.hidden = false; }
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }

    reset();
    pad.signaturePad = { isEmpty: function () { return !inked; }, clear: reset };
  }

  function init() {
    var pads = document.querySelectorAll("[data-signature-pad]");
    for (var i = 0; i < pads.length; i++) { enhance(pads[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
