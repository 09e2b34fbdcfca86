// A send is started once: after the first click on one of the review's buttons (send,
// approve, discard), every button of the page is disabled and further submits are ignored.
// The server also treats a repeated confirmation as a no-op.
document.addEventListener("DOMContentLoaded", () => {
  const forms = document.querySelectorAll("form.send-once");
  const buttons = () => document.querySelectorAll("form.send-once [type=submit]");
  let submitted = false;
  forms.forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (submitted) {
        event.preventDefault();
        return;
      }
      submitted = true;
      // Disabled after the browser has read the form, so that this submit still goes out.
      setTimeout(() => buttons().forEach((button) => { button.disabled = true; }), 0);
    });
  });
  // Coming back with the browser's Back button shows the page as it was left: usable again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      submitted = false;
      buttons().forEach((button) => { button.disabled = false; });
    }
  });
});
