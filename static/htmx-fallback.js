/* htmx from our own static files when the CDN's copy did not run.
 *
 * templates/_htmx.html loads the pinned CDN file (with Subresource Integrity) and then this
 * script, both deferred: deferred scripts run in document order, so by the time this one runs
 * the CDN's has either run (window.htmx exists: nothing to do) or failed (blocked by a proxy,
 * no network, or refused by its integrity check). Then the same file, vendored under static/
 * and checked against the same hash, is added from our own origin: the Content-Security-Policy
 * allows 'self' and stays free of inline script. htmx 4 initialises itself when it loads after
 * DOMContentLoaded too.
 */
(function () {
  "use strict";

  if (window.htmx) return;
  var loader = document.currentScript;
  if (!loader) return;
  var local = document.createElement("script");
  local.src = loader.getAttribute("data-htmx-src");
  local.integrity = loader.getAttribute("data-htmx-integrity");
  document.head.appendChild(local);
})();
