// The admin page's "Connect to Xero" (widget/connection/flow.py says why it has these steps):
// 1. open a popup inside the click (popup blockers), POST start, send the popup to our begin page;
// 2. the begin page asks for the flow (postMessage, same origin only): we hand it the state and
//    Xero's URL, it binds its browser to the state and goes to Xero;
// 3. when the popup says the sign-in is back, or when it looks closed (Xero's pages may cut the
//    link between the windows, so no message may ever come), POST complete with our state: the
//    server connects only for this panel's admin, or shows the organisation picker here.
// The started fragment in the Xero section is the flow's only record (its data attributes), so
// Cancel, or any swap of the section, ends it. Loaded with every swap; sets itself up once.
(function () {
  "use strict";
  if (window.xeroConnect) return;

  const POPUP_NAME = "xero-connect";
  const FEATURES = "popup,width=620,height=760";
  const SECTION = "#xero-connection";
  const ORIGIN = window.location.origin;
  let popup = null;
  let watcher = null;

  function section() {
    return document.querySelector(SECTION);
  }

  function startedFlow() {
    return section() && section().querySelector("[data-xero-state]");
  }

  function swap(verb, url, values) {
    return htmx.ajax(verb, url, { target: SECTION, swap: "innerHTML", values: values });
  }

  function refresh() {
    const holder = section() && section().querySelector("[data-status-url]");
    if (holder) swap("GET", holder.dataset.statusUrl);
  }

  function stopWatching() {
    if (watcher) clearInterval(watcher);
    watcher = null;
  }

  function complete() {
    stopWatching();
    const flow = startedFlow();
    if (!flow || flow.dataset.completing) return;
    flow.dataset.completing = "1";
    swap("POST", flow.dataset.completeUrl, { state: flow.dataset.xeroState });
  }

  function watch(win) {
    popup = win;
    stopWatching();
    watcher = setInterval(function () {
      if (!startedFlow()) return stopWatching();
      if (!popup || popup.closed) complete();
    }, 500);
  }

  async function connect(button) {
    // Open the window inside the click, or popup blockers refuse it; point it at us afterwards.
    const opened = window.open("about:blank", POPUP_NAME, FEATURES);
    await swap("POST", button.dataset.startUrl);
    const flow = startedFlow();
    if (!flow) {
      if (opened) opened.close();
      return;
    }
    if (opened && !opened.closed) {
      opened.location.href = flow.dataset.beginUrl;
      opened.focus();
      watch(opened);
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
    if (event.origin !== ORIGIN || !event.data) return;
    const flow = startedFlow();
    if (!flow) return;
    if (event.data.type === "xero-connect-ready" && event.source) {
      const go = { type: "xero-connect-go", state: flow.dataset.xeroState };
      go.authorize = flow.dataset.xeroAuthorize;
      event.source.postMessage(go, ORIGIN);
      if (event.source !== popup) watch(event.source); // opened by the fallback link
    } else if (event.data.type === "xero-connect") {
      if (event.data.outcome === "received") complete();
      else {
        stopWatching();
        refresh(); // the popup says what went wrong; show the current status here
      }
    }
  });

  window.xeroConnect = { refresh: refresh, complete: complete };
})();
