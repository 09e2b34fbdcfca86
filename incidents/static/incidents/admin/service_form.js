// Picking a template reloads the form pre-filled with its wording.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.querySelector(".template-pick select");
  if (select) select.addEventListener("change", (event) => event.target.form.submit());
});
