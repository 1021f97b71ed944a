// The admin page's "Connect to Xero": open the consent in a top-level popup (Xero's login cannot
// be framed), then refresh the Xero section when the popup reports back (postMessage) or closes.
// Loaded with every swap of the section, so it sets itself up only once.
(function () {
  "use strict";
  if (window.xeroConnect) return;

  const POPUP_NAME = "xero-connect";
  const FEATURES = "popup,width=620,height=760";
  const SECTION = "#xero-connection";
  let popup = null;
  let watcher = null;

  function section() {
    return document.querySelector(SECTION);
  }

  function statusUrl() {
    const holder = section() && section().querySelector("[data-status-url]");
    return holder ? holder.dataset.statusUrl : null;
  }

  function refresh(connected) {
    const url = statusUrl();
    if (!url) return;
    htmx.ajax("GET", url + (connected ? "?connected=1" : ""), { target: SECTION, swap: "innerHTML" });
  }

  function stopWatching() {
    if (watcher) clearInterval(watcher);
    watcher = null;
  }

  function watchPopup() {
    stopWatching();
    // If the popup is closed without finishing (or cannot report back), show the current status.
    watcher = setInterval(function () {
      if (!popup || popup.closed) {
        stopWatching();
        refresh(false);
      }
    }, 800);
  }

  async function connect(button) {
    // Open the window inside the click, or popup blockers refuse it; point it at Xero afterwards.
    popup = window.open("about:blank", POPUP_NAME, FEATURES);
    await htmx.ajax("POST", button.dataset.startUrl, { target: SECTION, swap: "innerHTML" });
    const started = section() && section().querySelector("[data-xero-authorize]");
    if (!started) {
      if (popup) popup.close();
      return;
    }
    if (popup && !popup.closed) {
      popup.location.href = started.dataset.xeroAuthorize;
      popup.focus();
      watchPopup();
    }
    // Otherwise the fragment's "Open Xero's sign-in" link (a click of its own) does the job.
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-xero-connect]");
    if (!button) return;
    event.preventDefault();
    connect(button);
  });

  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin) return;
    if (!event.data || event.data.type !== "xero-connect") return;
    stopWatching();
    refresh(event.data.outcome === "connected");
  });

  window.xeroConnect = { refresh: refresh };
})();
