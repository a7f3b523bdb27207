// Meeting screen: clock and time-out, privacy curtain, and stepping through the chronology.
// Progressive enhancement: without this file the page still shows, pages by links, and times out on the server.
(function () {
  "use strict";
  var meeting = document.querySelector("[data-meeting]");
  if (!meeting) {
    return;
  }
  var curtain = document.querySelector("[data-curtain]");
  var clock = meeting.querySelector("[data-clock]");
  var warning = meeting.querySelector("[data-warning]");
  var warnAt = parseInt(meeting.getAttribute("data-warn-seconds"), 10) * 1000;
  var deadline = Date.now() + parseInt(meeting.getAttribute("data-remaining-s"), 10) * 1000;
  var current = -1;

  // --- The clock, the five-minute warning and the blank screen at time-out -------------------------
  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function blankAndLeave() {
    // Never leave the record on screen: remove it from the page, then ask the server to close the meeting.
    var screen = document.getElementById("meeting-screen");
    if (screen) {
      screen.remove();
    }
    meeting.remove();
    window.location.replace(meeting.getAttribute("data-timed-out-url"));
  }

  function tick() {
    var left = deadline - Date.now();
    if (left <= 0) {
      window.clearInterval(timer);
      blankAndLeave();
      return;
    }
    var seconds = Math.floor(left / 1000);
    clock.textContent = Math.floor(seconds / 60) + ":" + two(seconds % 60);
    if (left <= warnAt && warning.hidden) {
      warning.hidden = false;
    }
  }
  var timer = window.setInterval(tick, 1000);
  tick();

  // --- Privacy curtain: one key or the button blanks the screen at once; a click lifts it ----------
  function dropCurtain() {
    curtain.hidden = false;
    curtain.querySelector("[data-curtain-lift]").focus();
  }

  function liftCurtain() {
    curtain.hidden = true;
    var opener = meeting.querySelector("[data-curtain-open]");
    if (opener) {
      opener.focus();
    }
  }
  meeting.querySelector("[data-curtain-open]").addEventListener("click", dropCurtain);
  curtain.addEventListener("click", liftCurtain);

  // --- Stepping through the chronology; the timeline's cursor follows ------------------------------
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#meeting-screen [data-step]"));
  }

  function show(index) {
    var all = rows();
    if (!all.length) {
      return;
    }
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) {
      row.classList.toggle("portal-meeting__row--current", i === current);
      row.setAttribute("aria-current", i === current ? "true" : "false");
    });
    var row = all[current];
    row.focus();
    row.scrollIntoView({block: "center"});
    var cursor = document.querySelector("#meeting-screen [data-cursor]");
    var x = row.getAttribute("data-x");
    if (cursor && x) {
      cursor.setAttribute("x1", x);
      cursor.setAttribute("x2", x);
      cursor.classList.add("portal-meeting__cursor--on");
    }
    document.querySelectorAll("#meeting-screen circle[data-record]").forEach(function (marker) {
      marker.classList.toggle("portal-meeting__marker--current",
        marker.getAttribute("data-record") === row.getAttribute("data-record"));
    });
  }

  function turnPage(selector) {
    var link = document.querySelector("#meeting-screen " + selector);
    if (link) {
      current = -1;
      link.click();
      return true;
    }
    return false;
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA|BUTTON|SUMMARY|A)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (!curtain.hidden) {
      return; // only a click (or Enter on its button) lifts the curtain, never a stray key
    }
    if (event.key === "b" || event.key === "B" || event.key === ".") {
      if (!typing(event.target) || event.target.tagName === "BUTTON" || event.target.tagName === "A") {
        event.preventDefault();
        dropCurtain();
      }
      return;
    }
    var inRow = event.target && event.target.hasAttribute && event.target.hasAttribute("data-step");
    if (typing(event.target) && !inRow) {
      return;
    }
    var count = rows().length;
    if (event.key === "ArrowDown" || event.key === "ArrowRight") {
      event.preventDefault();
      if (current >= count - 1 && current >= 0) {
        turnPage("[data-page-next]");
      } else {
        show(current + 1);
      }
    } else if (event.key === "ArrowUp" || event.key === "ArrowLeft") {
      event.preventDefault();
      if (current <= 0 && current !== -1) {
        turnPage("[data-page-previous]");
      } else {
        show(Math.max(current - 1, 0));
      }
    } else if (event.key === "PageDown") {
      event.preventDefault();
      if (!turnPage("[data-page-next]")) {
        show(count - 1);
      }
    } else if (event.key === "PageUp") {
      event.preventDefault();
      if (!turnPage("[data-page-previous]")) {
        show(0);
      }
    }
  });

  meeting.setAttribute("data-ready", "true"); // keys and buttons work from here on

  // After htmx brings a new page of the chronology, start at its first event.
  // A new page is activity: the server started the time box again and says how long is left.
  document.body.addEventListener("htmx:afterSettle", function () {
    var screen = document.getElementById("meeting-screen");
    if (screen) {
      deadline = Date.now() + parseInt(screen.getAttribute("data-remaining-s"), 10) * 1000;
      warning.hidden = true;
      tick();
      show(0);
    }
  });
})();
