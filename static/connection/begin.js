// The consent popup's first page. It goes on to Xero only with a state handed over by the admin
// page that opened it: the message must come from our own origin AND from our opener, so a page
// on another site that opens this window cannot tie a browser to its state. Binding sets a
// first-party cookie that the callback requires (see widget/connection/binding.py).
(function () {
  "use strict";
  const page = document.getElementById("xero-connect-begin");
  if (!page) return;
  const ORIGIN = window.location.origin;
  const WAIT_MS = 5000;
  let handled = false;

  function fail(message) {
    handled = true;
    page.querySelector("[data-begin-waiting]").hidden = true;
    const problem = page.querySelector("[data-begin-problem]");
    if (message) problem.textContent = message;
    problem.hidden = false;
  }

  function openerIsOurs() {
    try {
      return Boolean(window.opener) && window.opener.location.origin === ORIGIN;
    } catch (error) {
      return false; // another site's window: reading its location throws
    }
  }

  function isWebUrl(url) {
    try {
      return ["https:", "http:"].includes(new URL(url).protocol);
    } catch (error) {
      return false;
    }
  }

  async function bind(state, authorizeUrl) {
    const response = await fetch(page.dataset.bindUrl, {
      method: "POST",
      headers: { "X-Xero-Connect": "bind" },
      body: new URLSearchParams({ state: state }),
      credentials: "same-origin",
    });
    if (!response.ok) return fail(await response.text());
    window.location.replace(authorizeUrl);
  }

  window.addEventListener("message", function (event) {
    if (handled || event.origin !== ORIGIN || event.source !== window.opener) return;
    const data = event.data || {};
    if (data.type !== "xero-connect-go" || !data.state || !isWebUrl(data.authorize)) return;
    handled = true;
    bind(data.state, data.authorize).catch(function () {
      fail("Xero's sign-in could not be opened. Close this window and try again.");
    });
  });

  if (!openerIsOurs()) return fail();
  window.opener.postMessage({ type: "xero-connect-ready" }, ORIGIN);
  setTimeout(function () {
    if (!handled) fail();
  }, WAIT_MS);
})();
