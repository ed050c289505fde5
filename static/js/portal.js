/* Portal behaviour that only improves on the server-rendered pages: everything works without it. */
(function () {
  "use strict";

  // A second click on a slow upload would send the form twice; the server refuses the
  // second anyway, but the person should see that the first is on its way.
  function guardDoubleSubmit(form) {
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) {
        event.preventDefault();
        return;
      }
      sent = true;
      var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
      // Disabled only after this turn, so the clicked button still counts as the submitter.
      window.setTimeout(function () {
        buttons.forEach(function (button) {
          button.disabled = true;
          if (button.dataset.busyText) {
            button.textContent = button.dataset.busyText;
          }
        });
      }, 0);
    });
  }

  // The sentence under the priority choices follows the selected level.
  function followPriority(container) {
    var target = document.getElementById(container.dataset.expectationTarget);
    if (!target) {
      return;
    }
    function update() {
      var checked = container.querySelector("input[type=radio]:checked");
      if (checked && checked.dataset.response) {
        target.textContent = checked.dataset.response;
      }
    }
    container.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(guardDoubleSubmit);
    // On a wide screen the filters fit beside the list; on a phone they stay folded.
    if (window.matchMedia("(min-width: 48rem)").matches) {
      document.querySelectorAll("details[data-open-when-wide]").forEach(function (details) {
        details.open = true;
      });
    }
    document.querySelectorAll("[data-expectation-target]").forEach(followPriority);
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  });
})();
