// The family card's key (templates/annotations/partials/quote_family.html): "c" carries the
// verdict of the same words in another article onto the selected quote. review.js owns every
// other key; this only presses the card's own button, so without JavaScript the button works
// the same.
(() => {
  "use strict";

  function isTyping(target) {
    return Boolean(target && target.closest && target.closest("input, textarea, select, [contenteditable]"));
  }

  document.addEventListener("keydown", (event) => {
    if (event.key !== "c" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target) || document.querySelector("dialog[open]")) return;
    const button = document.querySelector("[data-quote-row].is-current [data-carry-verdict]");
    if (!button) return;
    event.preventDefault();
    button.click();
  });
})();
