/* Undo after Unlink (contact and company panels), offered for a few seconds: when they are over
 * the Undo button goes (the server refuses it a little later anyway) and the notice says so.
 * If focus was on the button, it moves to the notice's text, so keyboard users are not lost.
 * No inline scripts: the Content-Security-Policy forbids them.
 */
(function () {
  "use strict";

  function expire(notice) {
    var form = notice.querySelector(".undo-form");
    if (!form) return;
    var hadFocus = form.contains(document.activeElement);
    form.remove();
    var text = notice.querySelector(".notice-undo-text");
    if (!text) return;
    text.appendChild(document.createTextNode(" To link it again, use the suggestions."));
    if (hadFocus) {
      text.setAttribute("tabindex", "-1");
      text.focus();
    }
  }

  function arm(root) {
    var notices = root.querySelectorAll("[data-undo-seconds]:not([data-undo-armed])");
    Array.prototype.forEach.call(notices, function (notice) {
      notice.setAttribute("data-undo-armed", "true");
      var seconds = parseFloat(notice.getAttribute("data-undo-seconds")) || 10;
      window.setTimeout(function () { expire(notice); }, seconds * 1000);
    });
  }

  function start() {
    arm(document);
    new MutationObserver(function () { arm(document); })
      .observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
