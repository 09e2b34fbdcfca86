/*
 * The reader's own time zone, beside UTC and PT.
 *
 * Pages are the same for everyone (they are cached), so the site writes every stamp in UTC
 * and PT only; a reader may choose one more zone in the footer. The choice is kept in this
 * browser (localStorage) and applied here to every <time datetime="..."> stamp of the page:
 * "20:59 UTC | 13:59 PT" reads "20:59 UTC | 13:59 PT | 22:59 CEST", with the date in front
 * when it is another day there than in the page's reference zone (Pacific).
 *
 * The texts of the control come translated from the page: data-label, data-off, data-mine
 * on this script's tag; data-reference-zone names the zone whose dates the stamps carry.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || typeof Intl === "undefined") return;
  var KEY = "statuspage.timezone";
  var AUTO = "auto"; // the zone this browser is in, wherever that is today
  var lang = document.documentElement.lang || "en";
  var reference = script.getAttribute("data-reference-zone") || "America/Los_Angeles";
  // Common zones, west to east (UTC and Pacific time are always shown).
  var ZONES = [
    "Pacific/Honolulu", "America/Anchorage", "America/Denver", "America/Chicago",
    "America/Mexico_City", "America/New_York", "America/Toronto", "America/Halifax",
    "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "Europe/London", "Europe/Dublin",
    "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome",
    "Europe/Amsterdam", "Europe/Warsaw", "Europe/Athens", "Europe/Istanbul",
    "Africa/Johannesburg", "Africa/Lagos", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore",
    "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland"
  ];
  // A stamp as the site writes it: "20:59 UTC | 13:59 PT".
  var STAMP = /\d{1,2}:\d{2} [^\s|]+(?: \| \d{1,2}:\d{2} [^\s|]+)*/;

  function stored() {
    try { return window.localStorage.getItem(KEY) || ""; } catch (error) { return ""; }
  }

  function store(value) {
    try {
      if (value) window.localStorage.setItem(KEY, value);
      else window.localStorage.removeItem(KEY);
    } catch (error) { /* private browsing: the choice lasts for this page only */ }
  }

  function here() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { return ""; }
  }

  function known(zone) {
    try { new Intl.DateTimeFormat("en", { timeZone: zone }); return true; } catch (error) { return false; }
  }

  function zoneOf(choice) {
    var zone = choice === AUTO ? here() : choice;
    return zone && known(zone) ? zone : "";
  }

  function part(date, locale, options, type) {
    var parts = new Intl.DateTimeFormat(locale, options).formatToParts(date);
    for (var i = 0; i < parts.length; i++) if (parts[i].type === type) return parts[i].value;
    return "";
  }

  // "CEST" rather than "GMT+2" where a language has the abbreviation.
  function abbreviation(date, zone) {
    var fallback = "";
    var locales = [lang, "en-GB", "en-US"];
    for (var i = 0; i < locales.length; i++) {
      var name;
      try { name = part(date, locales[i], { timeZone: zone, timeZoneName: "short" }, "timeZoneName"); }
      catch (error) { continue; }
      if (name && !/^(GMT|UTC)[+\-\u2212]/.test(name)) return name;
      fallback = fallback || name;
    }
    return fallback || zone;
  }

  function calendarDay(date, zone) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit",
                                              day: "2-digit" }).format(date);
  }

  function stampIn(date, zone) {
    var clock = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit",
                                                   minute: "2-digit", hourCycle: "h23" }).format(date);
    var text = clock + " " + abbreviation(date, zone);
    if (calendarDay(date, zone) !== calendarDay(date, reference)) {
      var day;
      try { day = new Intl.DateTimeFormat(lang, { timeZone: zone, month: "long", day: "numeric" }).format(date); }
      catch (error) { day = calendarDay(date, zone); }
      text = day + " - " + text;
    }
    return text;
  }

  function clear(root) {
    root.querySelectorAll(".reader-stamp").forEach(function (added) {
      var parent = added.parentNode;
      parent.removeChild(added);
      parent.normalize();
    });
  }

  // Adds the zone right after the first stamp of each <time> (the one of its datetime).
  function apply(zone) {
    clear(document);
    if (!zone) return;
    document.querySelectorAll("time[datetime]").forEach(function (time) {
      var value = time.getAttribute("datetime");
      if (value.indexOf("T") < 0) return; // a day, not an instant
      var date = new Date(value);
      if (isNaN(date.getTime())) return;
      var walker = document.createTreeWalker(time, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        var found = STAMP.exec(node.nodeValue);
        if (!found) continue;
        var rest = node.splitText(found.index + found[0].length);
        var added = document.createElement("span");
        added.className = "reader-stamp";
        added.textContent = " | " + stampIn(date, zone);
        rest.parentNode.insertBefore(added, rest);
        return;
      }
    });
  }

  function label(zone) {
    return zone.replace(/_/g, " ");
  }

  function option(value, text) {
    var item = document.createElement("option");
    item.value = value;
    item.textContent = text;
    return item;
  }

  function control(choice) {
    var footer = document.querySelector("footer");
    if (!footer) return null;
    var box = document.createElement("p");
    box.className = "reader-zone";
    var caption = document.createElement("label");
    caption.htmlFor = "reader-zone";
    caption.textContent = script.getAttribute("data-label") || "Also show times in";
    var select = document.createElement("select");
    select.id = "reader-zone";
    select.appendChild(option("", script.getAttribute("data-off") || "—"));
    var mine = here();
    if (mine && known(mine)) {
      select.appendChild(option(AUTO, (script.getAttribute("data-mine") || "My time zone") +
                                      " (" + label(mine) + ")"));
    }
    var zones = ZONES.filter(known);
    if (choice && choice !== AUTO && zones.indexOf(choice) < 0 && known(choice)) zones.push(choice);
    zones.forEach(function (zone) { select.appendChild(option(zone, label(zone))); });
    select.value = choice;
    if (select.value !== choice) select.value = "";
    box.appendChild(caption);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(select);
    var first = footer.querySelector("p");
    footer.insertBefore(box, first ? first.nextSibling : footer.firstChild);
    return select;
  }

  if (!document.querySelector('time[datetime*="T"]')) return; // nothing to show it on
  var choice = stored();
  var select = control(choice);
  apply(zoneOf(choice));
  if (select) {
    select.addEventListener("change", function () {
      choice = select.value;
      store(choice);
      apply(zoneOf(choice));
    });
  }
  // The status page replaced some of its content with news (refresh.js).
  document.addEventListener("statuspage:refreshed", function () { apply(zoneOf(choice)); });
})();
