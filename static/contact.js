/* The contact panel's one bit of glue (no inline scripts: the Content-Security-Policy forbids them).
 *
 * Linking, unlinking, creating and refreshing swap out the element that had focus. Keyboard and
 * screen-reader users would be left nowhere, so when focus is lost after an htmx swap it moves to
 * the panel body's heading (marked data-focus-after-swap), which announces the new state.
 * Escape closes the open actions menu.
 */
(function () {
  "use strict";

  document.addEventListener("htmx:after:swap", function () {
    if (!document.hasFocus()) return; /* figures arriving must not pull focus from the CRM page */
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    var heading = document.querySelector("#contact-body [data-focus-after-swap]");
    if (!heading) return;
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  });

  /* The actions menu floats over the figures: Escape closes it and gives focus back to its
   * "Actions" toggle, as people expect of a menu (a bare <details> ignores Escape). */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("details.actions-menu[open]");
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });
})();
