// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.body.classList.add("js-enabled");
  if ("noModule" in HTMLScriptElement.prototype) {
    document.body.classList.add("govuk-frontend-supported");
  }

  // htmx sends the CSRF token as a header on every state-changing request.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRFToken"] = meta.getAttribute("content");
    }
  });

  // Print buttons (no inline handlers under a strict CSP).
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print]");
    if (target) {
      event.preventDefault();
      window.print();
    }
  });

  // After htmx replaces part of the page, move focus to what changed (WCAG 2.4.3): the error summary if
  // there is one, otherwise the updated region's heading. Without this, focus falls back to <body>.
  document.addEventListener("htmx:afterSettle", function (event) {
    var region = event.detail.target;
    if (region && !region.isConnected && region.id) {
      region = document.getElementById(region.id);
    }
    if (!region || !region.isConnected) {
      return;
    }
    var goal = region.querySelector(".govuk-error-summary") || region.querySelector("h1, h2, h3");
    if (!goal && (/^H[1-3]$/.test(region.tagName) || region.hasAttribute("data-focus-on-arrival"))) {
      goal = region;
    }
    if (!goal) {
      return;
    }
    if (!goal.hasAttribute("tabindex")) {
      goal.setAttribute("tabindex", "-1");
    }
    goal.focus({ preventScroll: false });
  });

  // Timeline markers: say what the focused marker is, in words, beside the drawing.
  document.addEventListener("focusin", function (event) {
    var marker = event.target.closest && event.target.closest(".portal-timeline__marker");
    if (!marker) {
      return;
    }
    var figure = marker.closest(".portal-timeline");
    var readout = figure && figure.querySelector("[data-timeline-readout]");
    if (readout) {
      readout.textContent = marker.getAttribute("aria-label");
    }
  });
})();
