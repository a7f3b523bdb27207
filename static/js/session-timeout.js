// The warning before the idle timeout (WCAG 2.2.1 Timing adjustable).
// The server decides: this script only asks how long is left, shows the dialog in time, and
// lets the user stay signed in (a CSRF-protected POST). When the time is up it leaves the page,
// so nothing about a child stays on screen. Without JavaScript the server still ends the session.
(function () {
  "use strict";
  var dialog = document.getElementById("session-timeout");
  if (!dialog || typeof dialog.showModal !== "function" || !window.fetch) {
    return;
  }
  var warningSeconds = parseInt(dialog.getAttribute("data-warning-seconds"), 10);
  var idleSeconds = parseInt(dialog.getAttribute("data-idle-seconds"), 10);
  var statusUrl = dialog.getAttribute("data-status-url");
  var signInUrl = dialog.getAttribute("data-sign-in-url");
  var form = dialog.querySelector("form[data-stay-signed-in]");
  var countdown = dialog.querySelector("[data-countdown]");
  var heading = dialog.querySelector("h2");
  var deadline = 0;
  var warnTimer = null;
  var tickTimer = null;
  var returnFocus = null;

  function inWords(seconds) {
    if (seconds >= 60) {
      var minutes = Math.round(seconds / 60);
      return minutes === 1 ? "1 minute" : minutes + " minutes";
    }
    return seconds === 1 ? "1 second" : seconds + " seconds";
  }

  function schedule(secondsLeft) {
    window.clearTimeout(warnTimer);
    deadline = Date.now() + secondsLeft * 1000;
    warnTimer = window.setTimeout(check, Math.max(0, secondsLeft - warningSeconds) * 1000);
  }

  function leave() {
    window.location.assign(signInUrl);
  }

  // Another tab may have kept the session in use: ask the server (asking does not count as use).
  function check() {
    window.fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status || !status.signed_in || status.idle_seconds_left <= 0) {
          leave();
        } else if (status.idle_seconds_left > warningSeconds + 1) {
          hide();
          schedule(status.idle_seconds_left);
        } else {
          deadline = Date.now() + status.idle_seconds_left * 1000;
          show();
        }
      })
      .catch(function () { show(); });
  }

  function show() {
    if (!dialog.open) {
      returnFocus = document.activeElement;
      dialog.showModal();
      heading.focus();
    }
    tick();
  }

  function hide() {
    window.clearTimeout(tickTimer);
    if (dialog.open) {
      dialog.close();
      if (returnFocus && typeof returnFocus.focus === "function") {
        returnFocus.focus();
      }
    }
  }

  function tick() {
    window.clearTimeout(tickTimer);
    var left = Math.round((deadline - Date.now()) / 1000);
    if (left <= 0) {
      check();
      return;
    }
    countdown.textContent = inWords(left);
    tickTimer = window.setTimeout(tick, 1000);
  }

  function staySignedIn() {
    var token = form.querySelector('input[name="csrf_token"]').value;
    window.fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token },
      body: new FormData(form)
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status && status.signed_in) {
          hide();
          schedule(status.idle_seconds_left);
        } else {
          leave();
        }
      })
      .catch(leave);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    staySignedIn();
  });
  // Escape means "I'm still here", as on other services' timeout warnings.
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    staySignedIn();
  });
  // Every htmx request (and the record stream) is use of the portal: the server counted it, so restart.
  document.addEventListener("htmx:afterRequest", function () {
    if (!dialog.open) {
      schedule(idleSeconds);
    }
  });
  schedule(idleSeconds);
})();
