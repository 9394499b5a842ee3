// Invite a third person without leaving the call: the room's invite form posts in the
// background and shows the answer, so the worker's page (and the call) stays as it is.
// Without JavaScript the form posts normally and the page comes back with the answer.
(function () {
  "use strict";
  var form = document.querySelector("form.invite");
  var result = document.querySelector(".invite-result");
  if (!form || !result || !window.fetch) return;

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        result.textContent = answer.message;
        if (answer.ok) form.reset();
      })
      .catch(function () { result.textContent = form.dataset.failed; })
      .finally(function () { button.disabled = false; });
  });
})();
