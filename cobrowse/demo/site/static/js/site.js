/* Demo-Ministerium: page script, as a real site would ship it.
   It must NEVER run inside a co-browsing mirror: if it does, it leaves the marker
   attribute data-demo-script-ran="1" on <html>, which the tests look for. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.setAttribute("data-demo-script-ran", "1");
  root.classList.add("js");

  function toggleDisclosure(button) {
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    var open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", open ? "false" : "true");
    if (panel) {
      if (open) {
        panel.setAttribute("hidden", "");
      } else {
        panel.removeAttribute("hidden");
      }
    }
  }

  // Accordion triggers.
  document.querySelectorAll(".accordion__trigger").forEach(function (button) {
    button.addEventListener("click", function () {
      toggleDisclosure(button);
    });
  });

  // Burger menu: the CSS shows the list when aria-expanded="true".
  var menuButton = document.querySelector(".menu-toggle");
  if (menuButton) {
    menuButton.addEventListener("click", function () {
      var open = menuButton.getAttribute("aria-expanded") === "true";
      menuButton.setAttribute("aria-expanded", open ? "false" : "true");
      var menu = document.getElementById(menuButton.getAttribute("aria-controls"));
      if (menu) {
        menu.classList.toggle("is-open", !open);
      }
    });
  }

  // Tabs.
  document.querySelectorAll(".tabs [role='tab']").forEach(function (tab) {
    tab.addEventListener("click", function () {
      var list = tab.closest("[role='tablist']");
      list.querySelectorAll("[role='tab']").forEach(function (other) {
        var selected = other === tab;
        other.setAttribute("aria-selected", selected ? "true" : "false");
        var panel = document.getElementById(other.getAttribute("aria-controls"));
        if (panel) {
          panel.hidden = !selected;
        }
      });
    });
  });

  // Older markup without ARIA (service/standorte.html): classes only.
  var placesButton = document.querySelector(".standorte-toggle");
  var places = document.getElementById("standorte-liste");
  if (placesButton && places) {
    placesButton.addEventListener("click", function () {
      places.classList.toggle("is-open");
    });
  }
  document.querySelectorAll(".zeiten-kopf").forEach(function (head) {
    head.addEventListener("click", function () {
      var opening = !head.nextElementSibling.classList.contains("open");
      document.querySelectorAll(".zeiten-kopf").forEach(function (other) {
        other.classList.remove("aktiv");
        other.nextElementSibling.classList.remove("open");
      });
      head.classList.toggle("aktiv", opening);
      head.nextElementSibling.classList.toggle("open", opening);
    });
  });

  // Lazy images (and the blur-up hero): data-srcset -> srcset, data-src -> src.
  document.querySelectorAll("img[data-src]").forEach(function (img) {
    if (img.hasAttribute("data-srcset")) {
      img.srcset = img.getAttribute("data-srcset");
      img.removeAttribute("data-srcset");
    }
    img.src = img.getAttribute("data-src");
    img.removeAttribute("data-src");
  });

  // Cookie banner: remember the choice and hide the banner.
  var banner = document.getElementById("cookie-banner");
  if (banner) {
    if (document.cookie.indexOf("demo_consent=") !== -1) {
      banner.classList.add("is-hidden");
    }
    banner.querySelectorAll("[data-consent]").forEach(function (button) {
      button.addEventListener("click", function () {
        document.cookie = "demo_consent=" + button.getAttribute("data-consent") + "; path=/; max-age=31536000; SameSite=Lax";
        banner.classList.add("is-hidden");
      });
    });
  }
})();
