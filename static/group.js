/* The company and deal panels' one bit of glue (no inline scripts: the Content-Security-Policy
 * forbids them).
 *
 * Linking, unlinking and picking swap out the element that had focus. After an htmx swap, focus
 * goes back to the element with the same id when the new content has one (the "Add to deal"
 * button that became "Remove from deal", so a rep can pick several documents in a row), else to
 * the panel body's heading marked data-focus-after-swap, which announces the new state.
 */
(function () {
  "use strict";

  var focusedId = null;

  /* hx-disable disables the pressed button while its request runs, which takes focus from it:
   * remember it as the request starts, and keep that when focus is on the body at swap time. */
  document.addEventListener("htmx:config:request", function () {
    var active = document.activeElement;
    focusedId = active && active.id ? active.id : null;
  });

  document.addEventListener("htmx:before:swap", function () {
    var active = document.activeElement;
    if (active && active !== document.body) focusedId = active.id || null;
  });

  document.addEventListener("htmx:after:swap", function () {
    if (!document.hasFocus()) return; /* figures arriving must not pull focus from the CRM page */
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    var again = focusedId ? document.getElementById(focusedId) : null;
    var target = again || document.querySelector(".group-body [data-focus-after-swap]");
    if (!target) return;
    if (!again) target.setAttribute("tabindex", "-1");
    target.focus();
  });
})();
