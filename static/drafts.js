/* Draft quote / invoice / bill forms: live line and document totals, add and remove lines, an item
 * filling its line, Cancel/Close. No inline scripts or eval: the Content-Security-Policy forbids them.
 *
 * Totals follow widget/drafts/totals.py exactly, in integer arithmetic (BigInt) so no float ever
 * rounds a cent differently from Xero:
 *   line amount = quantity × unit price, rounded to cents half away from zero;
 *   tax per line from the rate: exclusive amount × r / 100, inclusive amount × r / (100 + r),
 *   none for no tax; rounded per line, then summed; inclusive subtotal = total − tax.
 * Numbers are read like the server reads them (digits, optional sign and point, at most 4 decimals);
 * a line whose numbers do not read shows "—" and counts as nothing until it does.
 */
(function () {
  "use strict";

  var NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
  var MAX_DECIMALS = 4;
  var TEN = BigInt(10);
  var ZERO = BigInt(0);
  var ONE = BigInt(1);
  var TWO = BigInt(2);
  var HUNDRED = BigInt(100);

  /* "12.5" -> {units: 125n, scale: 1}; null when it is not a number we accept. */
  function parseDecimal(text, maxDecimals) {
    text = (text || "").trim();
    if (!NUMBER.test(text)) return null;
    var negative = text.charAt(0) === "-";
    text = text.replace(/^[+-]/, "");
    var parts = text.split(".");
    var fraction = parts[1] || "";
    if (maxDecimals !== undefined && fraction.length > maxDecimals) return null;
    if ((parts[0] || "").replace(/^0+/, "").length > 12) return null;
    var units = BigInt((parts[0] || "0") + fraction);
    return { units: negative ? -units : units, scale: fraction.length };
  }

  function pow10(n) {
    var result = ONE;
    for (var i = 0; i < n; i++) result *= TEN;
    return result;
  }

  /* numerator / denominator rounded to an integer, halves away from zero (Decimal ROUND_HALF_UP). */
  function divideRounded(numerator, denominator) {
    var negative = (numerator < ZERO) !== (denominator < ZERO);
    var n = numerator < ZERO ? -numerator : numerator;
    var d = denominator < ZERO ? -denominator : denominator;
    var quotient = (TWO * n + d) / (TWO * d);
    return negative ? -quotient : quotient;
  }

  /* A line's amount and tax in cents (BigInt). */
  function lineCents(quantity, price, rate, amountTypes) {
    var amount = divideRounded(quantity.units * price.units * HUNDRED, pow10(quantity.scale + price.scale));
    var tax = ZERO;
    if (rate && rate.units !== ZERO) {
      var rateScale = pow10(rate.scale);
      if (amountTypes === "exclusive") {
        tax = divideRounded(amount * rate.units, HUNDRED * rateScale);
      } else if (amountTypes === "inclusive") {
        tax = divideRounded(amount * rate.units, HUNDRED * rateScale + rate.units);
      }
    }
    return { amount: amount, tax: tax };
  }

  function centsText(cents) {
    var negative = cents < ZERO;
    var digits = (negative ? -cents : cents).toString();
    while (digits.length < 3) digits = "0" + digits;
    return (negative ? "-" : "") + digits.slice(0, -2) + "." + digits.slice(-2);
  }

  function formatMoney(cents, currency, lang, base) {
    var value = Number(centsText(cents));
    try {
      return new Intl.NumberFormat(lang || undefined, {
        style: "currency",
        currency: currency,
        currencyDisplay: currency === base ? "symbol" : "code"
      }).format(value);
    } catch (error) {
      return centsText(cents);
    }
  }

  function show(output, cents, form) {
    if (!output) return;
    if (cents === null) {
      output.textContent = "\u2014";
      output.setAttribute("data-amount", "");
      return;
    }
    var currency = form.querySelector("[data-currency]").value;
    output.textContent = formatMoney(cents, currency, form.getAttribute("data-lang"),
      form.getAttribute("data-base-currency"));
    output.setAttribute("data-amount", centsText(cents));
  }

  function selectedRate(line) {
    var select = line.querySelector("[data-tax-rate]");
    var option = select && select.options[select.selectedIndex];
    return parseDecimal(option ? option.getAttribute("data-rate") : "0") || parseDecimal("0");
  }

  function recompute(form) {
    var amountTypes = (form.querySelector("[data-amount-types]").value || "").toLowerCase();
    var amounts = ZERO;
    var taxes = ZERO;
    form.querySelectorAll("[data-lines] [data-line]").forEach(function (line) {
      var quantity = parseDecimal(line.querySelector('[name="quantity"]').value, MAX_DECIMALS);
      var price = parseDecimal(line.querySelector('[name="unit_amount"]').value, MAX_DECIMALS);
      if (!quantity || !price) {
        show(line.querySelector("[data-line-amount]"), null, form);
        show(line.querySelector("[data-line-tax]"), null, form);
        return;
      }
      var cents = lineCents(quantity, price, selectedRate(line), amountTypes);
      amounts += cents.amount;
      taxes += cents.tax;
      show(line.querySelector("[data-line-amount]"), cents.amount, form);
      show(line.querySelector("[data-line-tax]"), cents.tax, form);
    });
    var inclusive = amountTypes === "inclusive";
    show(form.querySelector("[data-draft-sub-total]"), inclusive ? amounts - taxes : amounts, form);
    show(form.querySelector("[data-draft-total-tax]"), taxes, form);
    show(form.querySelector("[data-draft-total]"), inclusive ? amounts : amounts + taxes, form);
  }

  function renumber(form) {
    form.querySelectorAll("[data-lines] [data-line]").forEach(function (line, index) {
      line.querySelectorAll("[data-line-number]").forEach(function (number) {
        number.textContent = String(index + 1);
      });
    });
  }

  function selectValue(select, value) {
    if (!select || !value) return;
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) {
        select.selectedIndex = i;
        return;
      }
    }
  }

  /* Choosing an item fills its description, price, account and tax rate, as Xero's own form does. */
  function fillFromItem(line, select) {
    var option = select.options[select.selectedIndex];
    if (!option || !option.value) return;
    var description = line.querySelector('[name="description"]');
    if (option.getAttribute("data-description")) description.value = option.getAttribute("data-description");
    var price = option.getAttribute("data-price");
    if (price) line.querySelector('[name="unit_amount"]').value = price;
    selectValue(line.querySelector("[data-account-select]"), option.getAttribute("data-account"));
    selectValue(line.querySelector("[data-tax-rate]"), option.getAttribute("data-tax"));
  }

  /* Choosing an account takes its default tax rate, when that rate may be used here. */
  function fillFromAccount(line, select) {
    var option = select.options[select.selectedIndex];
    if (option) selectValue(line.querySelector("[data-tax-rate]"), option.getAttribute("data-tax"));
  }

  /* "2026-11-30" written as the panel writes days (widget/formatting.py `format_day`: CLDR's
   * medium pattern, e.g. "d MMM y" -> "30 Nov 2026"); the form carries the pattern and months. */
  function dayText(form, iso) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    var style;
    try {
      style = JSON.parse(form.getAttribute("data-day-style") || "null");
    } catch (error) {
      style = null;
    }
    if (!match || !style) return "";
    var year = match[1], month = Number(match[2]), day = Number(match[3]);
    return style.pattern.replace(/'([^']*)'|d+|M+|L+|y+/g, function (token, quoted) {
      if (quoted !== undefined) return quoted;
      var letter = token.charAt(0);
      if (letter === "d") return token.length > 1 && day < 10 ? "0" + day : String(day);
      if (letter === "y") return token.length === 2 ? year.slice(2) : year;
      if (token.length >= 4) return style.wide[month - 1];
      if (token.length === 3) return style.abbreviated[month - 1];
      return token.length === 2 && month < 10 ? "0" + month : String(month);
    });
  }

  function showDays(form) {
    form.querySelectorAll('input[type="date"]').forEach(function (input) {
      var text = input.closest("div") && input.closest("div").querySelector("[data-day-text]");
      if (text) text.textContent = dayText(form, input.value);
    });
  }

  /* A line with no account is kept as a draft; the note says Xero needs one before approval. */
  function flagAccounts(form) {
    form.querySelectorAll("[data-lines] [data-line]").forEach(function (line) {
      var select = line.querySelector("[data-account-select]");
      var note = line.querySelector("[data-account-needed]");
      if (select && note) note.hidden = Boolean(select.value);
    });
  }

  function addLine(form) {
    var template = form.querySelector("template[data-line-template]");
    var lines = form.querySelector("[data-lines]");
    var copy = template.content.firstElementChild.cloneNode(true);
    lines.appendChild(copy);
    renumber(form);
    flagAccounts(form);
    recompute(form);
    var first = copy.querySelector("select, textarea, input");
    if (first) first.focus();
  }

  function removeLine(form, line) {
    var lines = form.querySelectorAll("[data-lines] [data-line]");
    if (lines.length <= 1) {
      addLine(form); /* never leave the form without a line to type into */
    }
    line.remove();
    renumber(form);
    recompute(form);
    var add = form.querySelector("[data-add-line]");
    if (add) add.focus();
  }

  function closeDraft(button) {
    var container = button.closest("#contact-draft, [data-draft-box]");
    if (container) container.innerHTML = "";
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("[data-draft-form]");
    if (form) recompute(form);
    if (form && event.target.type === "date") showDays(form);
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target.closest && target.closest("[data-draft-form]");
    if (!form) return;
    var line = target.closest("[data-line]");
    if (line && target.hasAttribute("data-item")) fillFromItem(line, target);
    if (line && target.hasAttribute("data-account-select")) fillFromAccount(line, target);
    flagAccounts(form);
    if (target.type === "date") showDays(form);
    recompute(form);
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("button");
    if (!target) return;
    var menu = target.closest("details.actions-menu");
    if (menu && (target.getAttribute("hx-get") || "").indexOf("/drafts/") === 0) {
      menu.open = false; /* the form opens below: the menu must not cover the figures */
    }
    var form = target.closest("[data-draft-form]");
    if (form && target.hasAttribute("data-add-line")) {
      addLine(form);
    } else if (form && target.hasAttribute("data-remove-line")) {
      removeLine(form, target.closest("[data-line]"));
    } else if (target.hasAttribute("data-close-draft")) {
      closeDraft(target);
    }
  });

  /* After a form or result arrives: current totals, and focus where the rep should look next
   * (the first field with a message, else the general message, else the heading). */
  function settle(root) {
    (root || document).querySelectorAll("[data-draft-form]").forEach(function (form) {
      recompute(form);
      showDays(form);
      flagAccounts(form);
    });
  }

  document.addEventListener("htmx:after:swap", function () {
    var container = document.querySelector("#contact-draft, [data-draft-box]");
    var first = container && container.firstElementChild;
    if (!first) return;
    settle(container);
    if (first.hasAttribute("data-draft-seen")) return; /* not new: some other part was swapped */
    first.setAttribute("data-draft-seen", "");
    var focus = null;
    ['[aria-invalid="true"]', "[data-general-errors]", "[data-focus-after-draft]"].some(function (selector) {
      focus = container.querySelector(selector);
      return focus !== null;
    });
    if (!focus) return;
    if (!focus.matches("input, select, textarea")) focus.setAttribute("tabindex", "-1");
    /* the form (or the field to correct) scrolled into view, whatever was on screen before */
    if (focus.hasAttribute("data-focus-after-draft")) {
      first.scrollIntoView({ block: "start" });
    } else {
      focus.scrollIntoView({ block: "center" });
    }
    focus.focus({ preventScroll: true });
  });

  document.addEventListener("DOMContentLoaded", function () {
    settle(document);
  });

  /* For tests and other scripts: the exact arithmetic, e.g. draftTotals.line("2", "9.99", "15", "exclusive"). */
  window.draftTotals = {
    line: function (quantity, price, rate, amountTypes) {
      var cents = lineCents(parseDecimal(quantity, MAX_DECIMALS), parseDecimal(price, MAX_DECIMALS),
        parseDecimal(rate), amountTypes.toLowerCase());
      return { amount: centsText(cents.amount), tax: centsText(cents.tax) };
    }
  };
})();
