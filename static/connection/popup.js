// The consent popup's last page: tell the admin panel that opened it (same origin only), then close.
(function () {
  "use strict";
  const result = document.getElementById("xero-connect-result");
  if (!result) return;
  const outcome = result.dataset.outcome;

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-window]")) window.close();
  });

  if (outcome === "choose" || !window.opener) return;
  try {
    window.opener.postMessage({ type: "xero-connect", outcome: outcome }, result.dataset.origin);
  } catch (error) {
    return; // the opener navigated away; this page still says what happened
  }
  if (outcome === "connected") window.close();
})();
