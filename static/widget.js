/* The widget's page glue (no inline scripts: the Content-Security-Policy forbids them).
 *
 * 1. The launch token is single-use and short-lived, but it should not linger: drop it from the
 *    address bar and this history entry at once (Referrer-Policy: no-referrer keeps it out of
 *    Referer headers as well).
 * 2. Every htmx request to our own origin carries the panel session in the X-Widget-Session
 *    header. htmx 4 names the event `htmx:config:request` and puts the headers on
 *    `event.detail.ctx.request.headers` (htmx 1/2 used `htmx:configRequest` / `detail.headers`).
 *    No cookies are involved, so third-party cookie blocking does not matter, and a cross-site
 *    form cannot send this header, so state-changing requests are CSRF-safe.
 * 3. Requests in progress are marked aria-busy on their target (below).
 */
(function () {
  "use strict";

  var SESSION_HEADER = "X-Widget-Session";

  function forgetLaunchToken() {
    var url = new URL(window.location.href);
    if (!url.searchParams.has("token")) return;
    url.searchParams.delete("token");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }

  function sessionToken() {
    var meta = document.querySelector('meta[name="widget-session"]');
    return meta ? meta.getAttribute("content") : null;
  }

  function isOwnOrigin(action) {
    try {
      return new URL(action, document.baseURI).origin === window.location.origin;
    } catch (error) {
      return false;
    }
  }

  forgetLaunchToken();

  /* 3. While a request runs, what it will replace is marked aria-busy (htmx 4 itself adds the
   *    htmx-request class that shows the indicators, and hx-disable disables what would repeat
   *    the request); nothing else in the panel is blocked. */
  function busyTarget(event) {
    var ctx = event.detail && event.detail.ctx;
    var target = ctx && ctx.target;
    return target && target.setAttribute ? target : null;
  }

  document.addEventListener("htmx:before:request", function (event) {
    var target = busyTarget(event);
    if (target) target.setAttribute("aria-busy", "true");
  });

  document.addEventListener("htmx:finally:request", function (event) {
    var target = busyTarget(event);
    if (target) target.removeAttribute("aria-busy");
  });

  document.addEventListener("htmx:config:request", function (event) {
    var request = event.detail && event.detail.ctx && event.detail.ctx.request;
    var token = sessionToken();
    if (request && token && isOwnOrigin(request.action)) {
      request.headers[SESSION_HEADER] = token;
    }
  });
})();
