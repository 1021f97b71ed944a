/* The admin page's glue (no inline scripts: the Content-Security-Policy forbids them).
 *
 * When the Xero section settles showing another connection (connected, organisation chosen,
 * disconnected, needs re-authorisation), announce `xero-connection-changed` on <body>: the setup
 * checklist, the drafts' defaults and the audit log load themselves again (their hx-trigger).
 * The event is sent after htmx has finished settling the Xero section, never in the middle of
 * its swap: two swaps overlapping in htmx 4 is what made a CSP inline-style violation appear when
 * the sections listened to a response header instead (htmx copies `style` attributes across a
 * swap's settle, which a strict style-src refuses).
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

  document.addEventListener("htmx:after:settle", function (event) {
    var section = document.getElementById("xero-connection");
    if (!section || !event.target || !section.contains(event.target)) return;
    var key = connectionKey(section);
    if (key === null) return;
    if (lastSeen !== null && key !== lastSeen) {
      window.setTimeout(function () {
        document.body.dispatchEvent(new CustomEvent("xero-connection-changed", { bubbles: true }));
      }, 0);
    }
    lastSeen = key;
  });
})();
