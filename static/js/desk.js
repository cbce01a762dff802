/* Emergency Desk page behaviour: live countdowns, the print button, and a form page rendered again with
   errors brings its first invalid field into view and focuses it. A static file (no inline
   script, no on* attributes) so a strict Content-Security-Policy can forbid both. */
(function () {
  "use strict";
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function format(ms, dayUnit) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400); s %= 86400;
    var h = Math.floor(s / 3600); s %= 3600;
    var m = Math.floor(s / 60); s %= 60;
    return (d ? d + dayUnit + " " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) { return; }
      var left = due - now;
      var out = el.querySelector(".count") || el;
      out.textContent = (left >= 0 ? el.getAttribute("data-left") : el.getAttribute("data-over")) + " " +
        format(left, el.getAttribute("data-day") || "d");
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 15 * 60 * 1000);
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 1000);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
  // A form page answered with errors (core.pages.form_page → 400, fields marked by the shared
  // partials/_form_fields.html): the first field in error, wherever it is on the page, is scrolled into view
  // and focused, so the user sees what to correct — not only the general message at the top.
  function focusFirstError() {
    var field = document.querySelector(".field.has-error, [aria-invalid='true']");
    var target = null;
    if (field) {
      target = field.matches("input, select, textarea") ? field :
        field.querySelector("input:not([type=hidden]), select, textarea");
    }
    var box = field || document.querySelector("form .errorlist");
    if (!box) { return; }
    var details = box.closest("details");
    if (details && !details.open) { details.open = true; }
    box.scrollIntoView({ block: "center" });
    if (target && typeof target.focus === "function") { target.focus({ preventScroll: true }); }
  }
  document.addEventListener("DOMContentLoaded", focusFirstError);
})();
