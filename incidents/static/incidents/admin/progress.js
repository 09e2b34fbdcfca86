// Live progress of a send, without reloading the page.
//
// Any element with data-progress-url (the admin's JSON progress view of one notification)
// is kept up to date: each descendant with data-progress-field="NAME" shows that value of
// the answer (state_label, recipients, delivered, failed, remaining, cancelled, summary), a
// <progress data-progress-bar> shows delivered + failed out of the recipients, and the
// element's data-progress-state follows the send's state. Polling stops once the send is
// finished, pauses while the tab is hidden, and stops on an answer that is not JSON (a
// logged-out session). data-progress-interval sets the delay in milliseconds (default 2000).
(() => {
  "use strict";

  function show(element, data) {
    element.dataset.progressState = data.state;
    element.querySelectorAll("[data-progress-field]").forEach((field) => {
      const value = data[field.dataset.progressField];
      if (value !== undefined && field.textContent !== String(value)) {
        field.textContent = String(value);
      }
    });
    element.querySelectorAll("progress[data-progress-bar]").forEach((bar) => {
      bar.max = Math.max(data.recipients, 1);
      bar.value = data.delivered + data.failed;
    });
  }

  function watch(element) {
    const url = element.dataset.progressUrl;
    const delay = Number(element.dataset.progressInterval) || 2000;
    let timer = null;
    let done = element.dataset.progressFinished === "true";

    async function poll() {
      timer = null;
      if (document.hidden) return; // resumed by visibilitychange
      let data;
      try {
        const response = await fetch(url, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          cache: "no-store",
        });
        const type = response.headers.get("Content-Type") || "";
        if (!response.ok || !type.includes("application/json")) {
          element.dataset.progressError = String(response.status);
          done = true;
          return;
        }
        data = await response.json();
      } catch {
        schedule(delay * 3); // the network is back soon, or the next try says more
        return;
      }
      delete element.dataset.progressError;
      show(element, data);
      done = Boolean(data.finished);
      if (!done) schedule(delay);
    }

    function schedule(after) {
      if (timer === null) timer = window.setTimeout(poll, after);
    }

    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && !done) schedule(0);
    });
    if (!done) schedule(0);
  }

  function start() {
    document.querySelectorAll("[data-progress-url]").forEach(watch);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
