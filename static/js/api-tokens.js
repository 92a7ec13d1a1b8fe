// API tokens page: land on the error summary, or on the new token so it can be copied at once.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  var created = document.getElementById("new-token");
  if (summary) {
    summary.focus();
  } else if (created) {
    created.focus();
    created.select();
  }
})();
