// Every admin page (the admin's base template loads it); the console's form in particular.
//
// - Tab leaves a Markdown editor, as it leaves any field: markdownx would insert a tab
//   character instead, trapping keyboard users in the message (Ctrl+] and Ctrl+[ still
//   indent and unindent).
// - A post leaves once: a second press of "Publish" while the first is on its way would
//   post the same update twice.
(() => {
  "use strict";

  // Capturing on the document runs before markdownx's own listener on the editor.
  document.addEventListener(
    "keydown",
    (event) => {
      if (event.key === "Tab" && event.target.matches && event.target.matches(".markdownx-editor")) {
        event.stopPropagation();
      }
    },
    true,
  );

  function start() {
    // Back on the page from the browser's history: the form can be used again.
    window.addEventListener("pageshow", () => {
      document.querySelectorAll("form.console-form button[type=submit]").forEach((button) => {
        if (button.dataset.label) button.textContent = button.dataset.label;
        button.disabled = false;
      });
    });
    document.querySelectorAll("form.console-form").forEach((form) => {
      form.addEventListener("submit", () => {
        const button = form.querySelector("button[type=submit]");
        if (!button) return;
        // Disabled once the submission has started, so the form still carries its data.
        window.setTimeout(() => {
          button.dataset.label = button.textContent;
          button.disabled = true;
          button.textContent = "Publishing…";
        }, 0);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
