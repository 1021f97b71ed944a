// The consent popup's last page: tell the admin page that opened it (same origin only) that the
// sign-in is back, then close; that page completes the connection with its own panel session.
// Xero's pages may have cut the link to the opener (Cross-Origin-Opener-Policy): then this page
// stays and says where to go, and the admin page notices by itself.
(function () {
  "use strict";
  const result = document.getElementById("xero-connect-result");
  if (!result) return;
  const outcome = result.dataset.outcome;
  const ORIGIN = window.location.origin; // the widget's origin as the browser sees it

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-window]")) window.close();
  });

  function openerIsOurs() {
    try {
      return Boolean(window.opener) && window.opener.location.origin === ORIGIN;
    } catch (error) {
      return false; // another site opened this window: it is told nothing
    }
  }

  if (!openerIsOurs()) return;
  window.opener.postMessage({ type: "xero-connect", outcome: outcome }, ORIGIN);
  if (outcome === "received") window.close();
})();
