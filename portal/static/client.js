// Progressive help for client pages; every task works without this file.
(function () {
  "use strict";
  // "Läs upp": read the page's main text aloud in the page's language.
  var button = document.querySelector(".readaloud");
  var speech = window.speechSynthesis;
  if (button && speech && window.SpeechSynthesisUtterance) {
    var label = button.querySelector("span");
    var start = label.textContent;
    var reset = function () { label.textContent = start; button.setAttribute("aria-pressed", "false"); };
    button.hidden = false;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      if (speech.speaking) { speech.cancel(); reset(); return; }
      var main = document.getElementById("main");
      var parts = "h1, h2, p, li, label, button:not(.readaloud), a.button";
      // A part inside another part (a line's text inside its list item) is read with it, once.
      var text = Array.prototype.filter.call(main.querySelectorAll(parts), function (el) {
        var outer = el.parentElement && el.parentElement.closest(parts);
        return !(outer && main.contains(outer));
      }).map(function (el) { return el.innerText.trim(); }).filter(Boolean).join(". ");
      var words = new SpeechSynthesisUtterance(text);
      words.lang = document.documentElement.lang || "sv";
      words.rate = 0.9;
      words.onend = reset;
      words.onerror = reset;
      label.textContent = button.getAttribute("data-stop");
      button.setAttribute("aria-pressed", "true");
      speech.speak(words);
    });
  }
  // A second tap on a button that is already sending does nothing (the server also counts once).
  Array.prototype.forEach.call(document.querySelectorAll("form.once"), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
    });
  });
})();
