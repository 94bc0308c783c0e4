/* Demo-Ministerium: the appointment page is built entirely by this script.
   Like site.js it must NEVER run inside a co-browsing mirror (it sets the
   marker attribute data-demo-script-ran="1" on <html>). */
(function () {
  "use strict";
  document.documentElement.setAttribute("data-demo-script-ran", "1");

  var hints = document.querySelector(".hinweise-toggle");
  if (hints) {
    hints.addEventListener("click", function () {
      document.getElementById("termin-hinweise").classList.toggle("is-open");
    });
  }

  var app = document.getElementById("termine-app");
  if (!app) return;

  function item(slot) {
    var li = document.createElement("li");
    li.className = "termin";
    li.textContent = slot.tag + ", " + slot.zeit + " Uhr – " + slot.ort;
    return li;
  }

  function build(data) {
    var heading = document.createElement("h2");
    heading.textContent = "Freie Termine";
    app.appendChild(heading);
    var first = document.createElement("ul");
    first.className = "termine-liste";
    data.termine.slice(0, 3).forEach(function (slot) { first.appendChild(item(slot)); });
    app.appendChild(first);
    // The widget: its behaviour and even its markup exist only here.
    var more = document.createElement("button");
    more.type = "button";
    more.className = "mehr-termine";
    more.textContent = "Weitere Termine anzeigen";
    var rest = document.createElement("ul");
    rest.className = "termine-liste termine-weitere";
    rest.id = "weitere-termine";
    data.termine.slice(3).forEach(function (slot) { rest.appendChild(item(slot)); });
    more.addEventListener("click", function () {
      var open = rest.classList.toggle("is-open");
      more.textContent = open ? "Weniger Termine anzeigen" : "Weitere Termine anzeigen";
    });
    app.appendChild(more);
    app.appendChild(rest);
  }

  var request = new XMLHttpRequest();
  request.open("GET", app.getAttribute("data-quelle"));
  request.responseType = "json";
  request.onload = function () {
    if (request.status === 200 && request.response) build(request.response);
  };
  request.send();
})();
