/* The board calls its viewer (issue 12): between two polls of the board, a new incident, a new decision
   waiting for the viewer or a new or grown red alert on a card (a person 失联 in the roll call) plays a
   short sound (served locally), marks the tab title and — once the viewer
   has allowed it with a click — raises a desktop notification (Notification API). The counts in the top
   bar follow each poll. A static file: no inline script, so a strict Content-Security-Policy holds. */
(function () {
  "use strict";
  var baseTitle = document.title;
  var previous = null;
  var fresh = false;

  function words(value) { return (value || "").split(" ").filter(Boolean); }

  /* The cards' red alert badges (incidents/partials/_alerts.html): "incident:kind" → count and label. */
  function dangerAlerts(board) {
    var found = {};
    board.querySelectorAll("article[data-incident] .alert-danger[data-alert]").forEach(function (badge) {
      var card = badge.closest("article[data-incident]");
      found[card.getAttribute("data-incident") + ":" + badge.getAttribute("data-alert")] = {
        incident: card.getAttribute("data-incident"),
        count: parseInt(badge.getAttribute("data-count") || "0", 10),
        label: badge.textContent.trim()
      };
    });
    return found;
  }

  function grown(now, before) {
    return Object.keys(now).filter(function (key) {
      return !before[key] || now[key].count > before[key].count;
    }).map(function (key) { return "#" + now[key].incident + " " + now[key].label; });
  }

  function read() {
    var el = document.getElementById("board-signal");
    if (!el) { return null; }
    return {
      alerts: dangerAlerts(el.parentNode),
      incidents: words(el.getAttribute("data-incidents")),
      waiting: words(el.getAttribute("data-waiting")),
      waitingCount: parseInt(el.getAttribute("data-waiting-count") || "0", 10),
      unreadCount: parseInt(el.getAttribute("data-unread-count") || "0", 10),
      sound: el.getAttribute("data-sound"),
      textNew: el.getAttribute("data-text-new"),
      textWaiting: el.getAttribute("data-text-waiting")
    };
  }

  function added(now, before) { return now.filter(function (key) { return before.indexOf(key) < 0; }); }

  function setBadge(selector, count) {
    document.querySelectorAll(selector).forEach(function (link) {
      var badge = link.querySelector(".unread-badge");
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "unread-badge";
        link.appendChild(document.createTextNode(" "));
        link.appendChild(badge);
      }
      badge.textContent = String(count);
      badge.hidden = count === 0;
    });
  }

  function showTitle(signal) {
    var count = signal ? signal.waitingCount : 0;
    document.title = (fresh ? "🔔 " : "") + (count ? "(" + count + ") " : "") + baseTitle;
  }

  function call(signal, message) {
    fresh = true;
    showTitle(signal);
    window.deskAlerts.last = message;
    try {
      var audio = new Audio(signal.sound);
      var playing = audio.play();
      if (playing && playing.catch) { playing.catch(function () {}); }
    } catch (e) { /* no audio device: the title and the notification still tell */ }
    if ("Notification" in window && Notification.permission === "granted") {
      try { new Notification(message, { body: baseTitle, tag: "emergency-desk" }); } catch (e) { /* ignore */ }
    }
  }

  function update() {
    var signal = read();
    if (!signal) { return; }
    setBadge("#nav-waiting", signal.waitingCount);
    setBadge("#nav-unread", signal.unreadCount);
    if (previous) {
      var newIncidents = added(signal.incidents, previous.incidents);
      var newWaiting = added(signal.waiting, previous.waiting);
      var newAlerts = grown(signal.alerts, previous.alerts);
      if (newAlerts.length) {
        call(signal, newAlerts.join(", "));
      } else if (newWaiting.length) {
        call(signal, signal.textWaiting);
      } else if (newIncidents.length) {
        call(signal, signal.textNew + " #" + newIncidents.join(", #"));
      }
    }
    previous = signal;
    showTitle(signal);
  }

  function settle() {
    if (fresh) { fresh = false; showTitle(previous); }
  }

  function switchLabel(button) {
    if (!("Notification" in window)) { button.hidden = true; return; }
    var state = Notification.permission;
    button.textContent = button.getAttribute("data-label-" + state) || button.textContent;
    button.disabled = state !== "default";
  }

  window.deskAlerts = { last: "", update: update };
  document.addEventListener("DOMContentLoaded", function () {
    update();
    var button = document.getElementById("alerts-switch");
    if (button) {
      switchLabel(button);
      button.addEventListener("click", function () {
        if (!("Notification" in window)) { return; }
        Notification.requestPermission().then(function () { switchLabel(button); });
      });
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "board") { update(); }
  });
  document.addEventListener("keydown", settle);
  document.addEventListener("click", settle);
})();
