/*
 * The status page keeps itself current while an incident is open.
 *
 * The page marks what may change with data-live="<name>" and, while an incident is open, says
 * how often to look with data-refresh-seconds. Every so often, while the tab is visible, this
 * asks for the page again (the site drops its cached copies at every change, so a plain
 * request gets the news) and replaces each changed region in place: the scroll position
 * stays, and so does the focus (on the same element in the new content, or on its region
 * when that element is gone). Forms are outside the regions: nothing typed is lost.
 * Once no incident is open the last news is shown and the page stops asking. Without
 * JavaScript a reload shows the same.
 */
(function () {
  "use strict";
  var timer = null;
  var busy = false;
  var asked = Date.now(); // when the page shown was asked for
  // What the site sent for each region (the reader's own time zone is added to it later).
  var served = new WeakMap();

  function interval() {
    var marker = document.querySelector("[data-refresh-seconds]");
    if (!marker) return null;
    var seconds = parseFloat(marker.getAttribute("data-refresh-seconds"));
    return seconds > 0 ? seconds * 1000 : 60000;
  }

  function schedule() {
    clearTimeout(timer);
    timer = null;
    var wait = interval();
    if (wait === null || document.hidden) return;
    timer = setTimeout(refresh, Math.max(0, asked + wait - Date.now()));
  }

  // Where `node` is under `root`: the index of each element on the way down.
  function pathOf(root, node) {
    var path = [];
    while (node && node !== root) {
      var parent = node.parentElement;
      if (!parent) return null;
      path.unshift(Array.prototype.indexOf.call(parent.children, node));
      node = parent;
    }
    return node === root ? path : null;
  }

  function follow(root, path) {
    var node = root;
    for (var i = 0; node && i < path.length; i++) node = node.children[path[i]];
    return node || null;
  }

  // How to find the focused element again in new content: by its id, a link by where it
  // goes, anything else by where it is.
  function finder(region, focused) {
    if (focused.id) {
      return function (root) { return root.querySelector("#" + CSS.escape(focused.id)); };
    }
    var href = focused.getAttribute("href");
    if (focused.tagName === "A" && href) {
      return function (root) { return root.querySelector('a[href="' + CSS.escape(href) + '"]'); };
    }
    var path = pathOf(region, focused);
    return function (root) {
      var found = path && follow(root, path);
      return found && found.tagName === focused.tagName ? found : null;
    };
  }

  // The region's own attributes as the site sent them (a tabindex is ours, see below).
  function attributes(element) {
    return Array.prototype.filter.call(element.attributes, function (attribute) {
      return attribute.name !== "tabindex";
    });
  }

  function sameAttributes(a, b) {
    var mine = attributes(a);
    var theirs = attributes(b);
    if (mine.length !== theirs.length) return false;
    return mine.every(function (attribute) {
      return b.getAttribute(attribute.name) === attribute.value;
    });
  }

  function replace(region, fresh) {
    if (served.get(region) === fresh.innerHTML && sameAttributes(region, fresh)) return;
    var focused = document.activeElement;
    var find = null;
    if (focused && focused !== document.body && region.contains(focused)) {
      find = finder(region, focused);
    }
    attributes(region).forEach(function (attribute) {
      if (!fresh.hasAttribute(attribute.name)) region.removeAttribute(attribute.name);
    });
    attributes(fresh).forEach(function (attribute) {
      region.setAttribute(attribute.name, attribute.value);
    });
    region.innerHTML = fresh.innerHTML;
    served.set(region, fresh.innerHTML);
    if (find) {
      // What had the focus may be gone (a resolved incident's card): then the region has it.
      var again = find(region);
      if (!again) {
        region.setAttribute("tabindex", "-1");
        again = region;
      }
      again.focus({ preventScroll: true });
    }
  }

  function apply(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var x = window.scrollX;
    var y = window.scrollY;
    document.querySelectorAll("[data-live]").forEach(function (region) {
      var name = region.getAttribute("data-live");
      var next = fresh.querySelector('[data-live="' + name.replace(/"/g, "") + '"]');
      if (next) replace(region, next);
    });
    window.scrollTo(x, y);
    document.dispatchEvent(new CustomEvent("statuspage:refreshed"));
  }

  function refresh() {
    timer = null;
    if (busy) return;
    if (document.hidden) return; // resumed when the tab is shown again
    busy = true;
    asked = Date.now();
    // "no-cache": the browser asks the site again (a 304 when nothing changed).
    fetch(window.location.href, { cache: "no-cache", credentials: "same-origin",
                                  headers: { Accept: "text/html" } })
      .then(function (answer) {
        if (!answer.ok) throw new Error("status " + answer.status);
        return answer.text();
      })
      .then(apply)
      .catch(function () { /* keep what is shown; look again next time */ })
      .then(function () {
        busy = false;
        schedule();
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else if (!busy) {
      schedule(); // at once when the time to look passed while the tab was hidden
    }
  });

  document.querySelectorAll("[data-live]").forEach(function (region) {
    served.set(region, region.innerHTML);
  });
  schedule();
})();
