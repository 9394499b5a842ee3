// Staff console: show new escalations and tasks the moment they arrive (no reload needed).
(function () {
  "use strict";
  if (typeof io !== "function") { return; }
  var box = document.getElementById("live-escalations") || document.getElementById("live");
  if (!box) { return; }
  var socket = io("/staff", { transports: ["websocket", "polling"] });

  function show(text, href, urgent) {
    var p = document.createElement("p");
    p.className = urgent ? "notice live urgent" : "notice live";
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    p.appendChild(a);
    box.insertBefore(p, box.firstChild);
  }

  socket.on("escalation", function (e) {
    var text = box.dataset.newEscalation || "Nytt ärende:";
    show(text + " " + e.label, "/personal/arenden/" + e.id, e.urgent);
  });
  socket.on("task", function (t) {
    var text = box.dataset.newTask || "Ny uppgift:";
    show(text + " " + t.text, window.location.pathname, false);
  });
}());
