// Staff console live updates over one Socket.IO connection: new escalations and tasks show up
// as notices, and the coordinator's queue gains and loses requests without a reload.
(function () {
  "use strict";
  if (typeof io !== "function") { return; }
  // WebSocket only: one connection is one TCP connection on one server process, so several
  // processes need no sticky routing (the server accepts no long-polling either).
  var socket = io("/staff", { transports: ["websocket"] });
  var box = document.getElementById("live-escalations") || document.getElementById("live");
  // The server closes the socket when the staff session ends (signed out elsewhere, a reset,
  // idle too long): reloading shows the sign-in page and why, instead of a console gone quiet.
  socket.on("disconnect", function (reason) {
    if (reason === "io server disconnect") { window.location.reload(); }
  });

  function show(text, href, urgent) {
    if (!box) { return; }
    var p = document.createElement("p");
    p.className = urgent ? "notice live urgent" : "notice live";
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    p.appendChild(a);
    box.insertBefore(p, box.firstChild);
  }

  socket.on("escalation", function (e) {
    show((box && box.dataset.newEscalation || "Nytt ärende:") + " " + e.label,
      "/personal/arenden/" + e.id, e.urgent);
  });
  socket.on("task", function (t) {
    show((box && box.dataset.newTask || "Ny uppgift:") + " " + t.text,
      window.location.pathname, false);
  });

  var queue = document.getElementById("queue");
  var empty = document.getElementById("queue-empty");
  socket.on("request", function (e) {
    if (!queue) { return; }
    var old = document.getElementById("request-" + e.id);
    if (e.event === "assigned") {
      if (old) { old.remove(); }
      if (empty && !queue.querySelector(".request")) { empty.hidden = false; }
      return;
    }
    fetch(queue.dataset.cardUrl + e.id, { credentials: "same-origin" })
      .then(function (r) { return r.status === 200 ? r.text() : ""; })
      .then(function (html) {
        if (!html || document.getElementById("request-" + e.id)) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var card = holder.firstElementChild;
        card.classList.add("arrived");
        queue.insertBefore(card, queue.firstChild);
        if (empty) { empty.hidden = true; }
      });
  });
}());
