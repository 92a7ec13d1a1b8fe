// Monthly data entry: flags impossible values as the user types, in the server's own words.
// The server remains the authority; this only saves a round trip. Loaded as a file: the CSP forbids inline JS.
(function () {
  "use strict";

  var WHOLE_NUMBER = "Enter a whole number, 0 or more.";

  function field(fieldset, suffix) {
    return fieldset.querySelector('[name$="-' + suffix + '"]');
  }

  function parse(input) {
    if (!input || input.disabled || input.value.trim() === "") return { value: null };
    var text = input.value.trim();
    return /^[0-9]+$/.test(text) ? { value: parseInt(text, 10) } : { error: WHOLE_NUMBER };
  }

  // One live message per input, kept apart from the server's message so neither hides the other.
  function show(input, message) {
    if (!input) return;
    var server = document.getElementById(input.id + "_error");
    // The page already shows this exact message from the server: saying it twice helps nobody.
    if (message && server && server.textContent.indexOf(message) !== -1) message = "";
    var id = input.id + "_check";
    var box = document.getElementById(id);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (t) {
      return t && t !== id;
    });
    if (message) {
      if (!box) {
        box = document.createElement("p");
        box.id = id;
        box.className = "field-error mb-1";
        input.parentNode.insertBefore(box, input);
      }
      box.textContent = message;
      described.push(id);
      input.setAttribute("aria-invalid", "true");
    } else {
      if (box) box.remove();
      if (!document.getElementById(input.id + "_error")) input.removeAttribute("aria-invalid");
    }
    if (described.length) input.setAttribute("aria-describedby", described.join(" "));
    else input.removeAttribute("aria-describedby");
  }

  function check(fieldset) {
    var kind = fieldset.dataset.measureKind;
    var numInput = field(fieldset, "numerator");
    var denInput = field(fieldset, "denominator");
    var num = parse(numInput);
    var den = parse(denInput);
    var numMessage = num.error || "";
    show(denInput, den.error || "");
    if (!numMessage && num.value !== null && den.value !== null) {
      if (kind === "proportion" && num.value > den.value) {
        numMessage = "The numerator (" + num.value + ") cannot be larger than the denominator (" + den.value + ").";
      } else if (kind === "mean") {
        var scale = parseInt(fieldset.dataset.scaleMax, 10);
        if (num.value > scale * den.value) {
          numMessage = "The sum of scores (" + num.value + ") cannot exceed " + scale +
            " × the number of scores (" + den.value + ").";
        }
      }
    }
    show(numInput, numMessage);
  }

  // "Not applicable" means no values: the number inputs are disabled (and so not sent) while it is ticked.
  function applyNotApplicable(fieldset) {
    var box = field(fieldset, "not_applicable");
    if (!box || box.disabled) return;
    [field(fieldset, "numerator"), field(fieldset, "denominator")].forEach(function (input) {
      if (input) input.disabled = box.checked;
    });
    check(fieldset);
  }

  document.querySelectorAll("[data-entry-form] fieldset[data-measure-kind]").forEach(function (fieldset) {
    fieldset.addEventListener("input", function () { check(fieldset); });
    var box = field(fieldset, "not_applicable");
    if (box) box.addEventListener("change", function () { applyNotApplicable(fieldset); });
    applyNotApplicable(fieldset);
  });

  // GOV.UK error summary: move focus to it so screen reader and keyboard users land on the problems.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
})();
