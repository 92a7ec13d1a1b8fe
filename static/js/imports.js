// Import pages: move focus to the error summary so screen reader and keyboard users land on the problems.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
})();
