/* Crowdfix header menus: the user menu and the phone menu are <details>, so they
 * open and close without JavaScript. This file only adds what a menu is expected
 * to do besides: Escape closes it (focus back on its button), a click or focus
 * outside closes it, and opening one closes the other. */
(function () {
  "use strict";

  var menus = Array.prototype.slice.call(document.querySelectorAll("details.menu"));
  if (!menus.length) { return; }

  function closeAll(except) {
    menus.forEach(function (menu) {
      if (menu !== except && menu.open) { menu.open = false; }
    });
  }

  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (menu.open) { closeAll(menu); }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = menus.filter(function (menu) { return menu.open; })[0];
    if (!open) { return; }
    open.open = false;
    open.querySelector("summary").focus();
  });

  function outside(event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) { menu.open = false; }
    });
  }
  document.addEventListener("click", outside);
  document.addEventListener("focusin", outside);
})();
