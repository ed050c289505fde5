/* Name the search icons of Django's two-box select (filter_horizontal) for screen readers. */
(function () {
  "use strict";

  // SelectFilter2.js puts aria-label on a bare span, where ARIA does not allow it, so the
  // label of the filter's search box reads as nothing. As an image the icon gives the
  // label its name. Deferred, this runs after SelectFilter2.js and before it builds the
  // boxes, on load and for each inline added later.
  if (!window.SelectFilter) {
    return;
  }
  var init = window.SelectFilter.init;
  window.SelectFilter.init = function () {
    init.apply(this, arguments);
    document.querySelectorAll(".search-label-icon[aria-label]").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  };
})();
