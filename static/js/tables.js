// A table wider than its box scrolls inside it; keyboard users reach the scroll with Tab (WCAG 2.1.1),
// and screen readers hear the table's caption as the region's name.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.hasAttribute("tabindex") && !box.hasAttribute("data-scroll-region")) { return; }  // set in the page
      if (box.scrollWidth > box.clientWidth) {
        var caption = box.querySelector("caption");
        box.setAttribute("data-scroll-region", "");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table, scrolls sideways");
      } else if (box.hasAttribute("data-scroll-region")) {
        box.removeAttribute("data-scroll-region");
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
  document.body.addEventListener("htmx:afterSwap", mark);
})();
