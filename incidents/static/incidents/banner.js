/*
 * Status banner for other sites. Include it where the product's pages can show it:
 *   <script src="https://status.example.com/static/incidents/banner.js"
 *           data-components="COMPONENT_OR_GROUP_ID,..." async></script>
 * It reads the public API (/api/v2/summary.json) of the site it was loaded from and shows a
 * dismissible banner only while an open incident or maintenance touches those components.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var base = new URL(script.src).origin;
  var wanted = (script.getAttribute("data-components") || "").split(",")
    .map(function (s) { return s.trim(); }).filter(Boolean);
  var TEXT = {
    en: { incident: "Incident", maintenance: "Maintenance", more: "View status", close: "Dismiss" },
    it: { incident: "Incidente", maintenance: "Manutenzione", more: "Vedi lo stato", close: "Chiudi" },
    de: { incident: "Störung", maintenance: "Wartung", more: "Status ansehen", close: "Schließen" },
    es: { incident: "Incidente", maintenance: "Mantenimiento", more: "Ver estado", close: "Cerrar" },
    fr: { incident: "Incident", maintenance: "Maintenance", more: "Voir l’état", close: "Fermer" },
    ja: { incident: "障害", maintenance: "メンテナンス", more: "ステータスを見る", close: "閉じる" },
    "pt-br": { incident: "Incidente", maintenance: "Manutenção", more: "Ver status", close: "Fechar" }
  };
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || "en").toLowerCase();
  var words = TEXT[lang] || TEXT[lang.split("-")[0]] || TEXT.en;

  function touches(item, groups) {
    if (!wanted.length) return true;
    return (item.components || []).some(function (c) {
      return wanted.indexOf(c.id) >= 0 || (c.group_id && wanted.indexOf(c.group_id) >= 0) ||
        (groups[c.id] && wanted.indexOf(groups[c.id]) >= 0);
    });
  }

  // Staff choose the corner and colours (management API `status_embed_config`); with no
  // corner chosen the banner is a bar across the top of the page.
  var config = { position: null,
    incident_background_color: "#b4470b", incident_text_color: "#ffffff",
    maintenance_background_color: "#1f57c3", maintenance_text_color: "#ffffff" };
  var CORNERS = { "top-left": "top:16px;left:16px", "top-right": "top:16px;right:16px",
    "bottom-left": "bottom:16px;left:16px", "bottom-right": "bottom:16px;right:16px" };
  var HEX = /^#[0-9a-fA-F]{6}$/;

  function show(item, kind) {
    var key = "status-banner:" + item.id + ":" + item.updated_at;
    try { if (sessionStorage.getItem(key)) return; } catch (e) { /* storage may be off */ }
    var host = document.createElement("div");
    host.setAttribute("data-status-banner", item.id);
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var background = config[kind + "_background_color"], text = config[kind + "_text_color"];
    var corner = CORNERS[config.position];
    var place = corner ? ":host{position:fixed;" + corner + ";z-index:2147483000;width:min(22rem,calc(100vw - 32px))}" +
      "div{border-radius:8px;box-shadow:0 4px 14px rgb(0 0 0/.25)}" : "";
    root.innerHTML =
      "<style>" + place + "div{font:14px/1.4 system-ui,sans-serif;color:" + text + ";background:" + background +
      ";padding:10px 44px 10px 16px;position:relative}a{color:" + text + ";font-weight:600;margin-left:8px}" +
      "button{position:absolute;right:8px;top:6px;background:none;border:0;color:" + text + ";font-size:20px;" +
      "cursor:pointer;padding:2px 8px}button:focus-visible,a:focus-visible{outline:2px solid " + text + "}</style>" +
      "<div role=\"status\"><strong></strong> <span></span><a target=\"_top\"></a>" +
      "<button type=\"button\">×</button></div>";
    root.querySelector("strong").textContent = words[kind] + ":";
    root.querySelector("span").textContent = item.name;
    var link = root.querySelector("a");
    link.textContent = words.more;
    link.href = item.shortlink || base + "/";
    var close = root.querySelector("button");
    close.setAttribute("aria-label", words.close);
    close.addEventListener("click", function () {
      try { sessionStorage.setItem(key, "1"); } catch (e) { /* ignore */ }
      host.remove();
    });
    document.body.insertBefore(host, document.body.firstChild);
  }

  function json(path) {
    return fetch(base + path, { credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .catch(function () { return null; });
  }

  Promise.all([json("/api/v2/summary.json"), json("/api/v2/embed.json")])
    .then(function (answers) {
      var data = answers[0], settings = answers[1] || {};
      if (!data) return;
      Object.keys(config).forEach(function (key) {
        var value = settings[key];
        if (key === "position" ? CORNERS[value] : HEX.test(value || "")) config[key] = value;
      });
      var groups = {};
      (data.components || []).forEach(function (c) { if (c.group_id) groups[c.id] = c.group_id; });
      (data.incidents || []).forEach(function (i) { if (touches(i, groups)) show(i, "incident"); });
      (data.scheduled_maintenances || []).forEach(function (m) {
        if (m.status === "in_progress" && touches(m, groups)) show(m, "maintenance");
      });
    })
    .catch(function () { /* the banner is a courtesy: never break the host page */ });
})();
