// Swagger UI for the REST API, from vendored files; the schema URL comes from the page, not inline script.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    // "Try it out" runs with the signed-in session, so Django's CSRF check needs its token on writes.
    requestInterceptor: function (request) {
      request.headers["X-CSRFToken"] = csrfToken();
      return request;
    },
  });
})();
