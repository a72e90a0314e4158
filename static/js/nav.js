// The compact header on narrow screens: the main menu folds behind a "Menu"
// button. Without this script the menu stays open (it wraps).

{ // a block: classic scripts share one scope
  const header = document.querySelector(".site-header");
  const toggle = header && header.querySelector(".nav-toggle");

  if (toggle) {
    header.classList.add("js-nav");
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      header.classList.toggle("nav-open", open);
    });
  }
}
