/* The admin page's glue (no inline scripts: the Content-Security-Policy forbids them).
 *
 * When the Xero section settles showing another connection (connected, organisation chosen,
 * disconnected, needs re-authorisation), announce `xero-connection-changed` on <body>: the setup
 * checklist, the drafts' defaults and the audit log load themselves again (their hx-trigger).
 * The event is sent after htmx has settled the Xero section, never in the middle of its swap.
 *
 * The CSP inline-style violation an earlier attempt saw ("a known htmx 4 overlap") was not the
 * overlap itself: htmx 4 settles an innerHTML/outerHTML swap by copying each old element's
 * `style` attribute onto the new element with the same id (#startCSSTransitions), and setting a
 * style attribute is exactly what `style-src 'self'` refuses. Our pages never write style
 * attributes, but others do: Playwright's screenshots (hiding the caret) leave `style=""` on every
 * input, and so do password managers and writing extensions. So the sections refreshed here swap
 * with `settle:0` (no settle step, nothing copied; they have no CSS transitions to run).
 */
(function () {
  "use strict";
  if (window.widgetAdmin) return;
  window.widgetAdmin = true;

  var lastSeen = null;

  function connectionKey(section) {
    var holder = section.querySelector("[data-xero-status]");
    if (!holder) return null;
    var organisation = section.querySelector(".xero-organisation");
    return holder.getAttribute("data-xero-status") + "|" + (organisation ? organisation.textContent.trim() : "");
  }

  function announce(name) {
    window.setTimeout(function () {
      document.body.dispatchEvent(new CustomEvent(name, { bubbles: true }));
    }, 0);
  }

  // The drafts' defaults are saved by their own blueprint: when its section says "saved",
  // the checklist's "Defaults for drafts" step is looked at again.
  document.addEventListener("htmx:after:settle", function (event) {
    var defaults = document.getElementById("draft-defaults");
    if (!defaults || !event.target || !defaults.contains(event.target)) return;
    if (defaults.querySelector(".saved")) announce("setup-changed");
  });

  // The mirror's progress line (its own fragment, polling itself): when the first sync moves on
  // (starts, finishes), the checklist's "First sync" step is looked at again.
  var lastSync = null;
  document.addEventListener("htmx:after:settle", function (event) {
    if (!event.target || event.target.id !== "mirror-sync") return;
    var line = document.getElementById("mirror-sync");
    var state = line ? line.getAttribute("data-mirror-state") : null;
    if (lastSync !== null && state !== lastSync) announce("setup-changed");
    lastSync = state;
  });

  document.addEventListener("htmx:after:settle", function (event) {
    var section = document.getElementById("xero-connection");
    if (!section || !event.target || !section.contains(event.target)) return;
    var key = connectionKey(section);
    if (key === null) return;
    if (lastSeen !== null && key !== lastSeen) announce("xero-connection-changed");
    lastSeen = key;
  });
})();
