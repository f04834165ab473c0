/* Vern cookie banner. Served by Vern at /consent.js; no dependencies, no
 * third-party loads. Embed with one tag on every page:
 *   <script src="https://VERN/consent.js" defer></script>
 * Mark tags that need consent with their category, for example
 *   <script type="text/plain" data-category="statistics" src="..."></script>
 * They run only once the visitor has accepted that category. Any element
 * with data-vern-settings opens the settings again; the script also adds a
 * small "Cookie settings" button. Nothing but the choice itself (cookie
 * "vern_consent", strictly necessary) is stored, and only after a choice.
 * The JSON below the first line is filled in by Vern from the policy. */
(function () {
  "use strict";
  var CONFIG = /*VERN_CONFIG*/null;
  if (!CONFIG || window.VernConsent) return;
  var d = document, w = window, nav = navigator;
  var COOKIE = "vern_consent";
  var script = d.currentScript;
  var base = script && script.src ? script.src.replace(/\/consent\.js(\?.*)?$/, "") : "";

  var T = {
    nb: { title: "Informasjonskapsler", intro: "Vi bruker informasjonskapsler som er nødvendige for at nettsiden skal fungere. Med ditt samtykke bruker vi også informasjonskapsler til formålene under. Du kan når som helst endre valget ditt.",
      accept: "Godta alle", reject: "Avvis alle", settings: "Tilpass", save: "Lagre valg", close: "Lukk",
      always: "Alltid på", gpc: "Nettleseren din ber om at vi ikke deler data (Global Privacy Control). Remarketing er derfor av.",
      link: "Innstillinger for informasjonskapsler", policy: "Personvernerklæring" },
    en: { title: "Cookies", intro: "We use cookies that are necessary for the website to work. With your consent we also use cookies for the purposes below. You can change your choice at any time.",
      accept: "Accept all", reject: "Reject all", settings: "Customise", save: "Save choices", close: "Close",
      always: "Always on", gpc: "Your browser asks us not to share data (Global Privacy Control). Remarketing is therefore off.",
      link: "Cookie settings", policy: "Privacy notice" }
  };
  var lang = (d.documentElement.lang || "").toLowerCase().slice(0, 2);
  if (CONFIG.languages.indexOf(lang) < 0) lang = CONFIG.default_language;
  var t = T[lang] || T.en;
  var gpc = nav.globalPrivacyControl === true;

  // Consent Mode v2: everything denied before any Google tag runs.
  w.dataLayer = w.dataLayer || [];
  function gtag() { w.dataLayer.push(arguments); }
  var modes = {};
  CONFIG.categories.forEach(function (c) { (c.consent_mode || []).forEach(function (m) { modes[m] = "denied"; }); });
  ["ad_storage", "ad_user_data", "ad_personalization", "analytics_storage"].forEach(function (m) { modes[m] = "denied"; });
  var defaults = {}; for (var k in modes) defaults[k] = "denied";
  defaults.wait_for_update = 500;
  gtag("consent", "default", defaults);

  function readCookie() {
    var m = d.cookie.match(/(?:^|;\s*)vern_consent=([^;]*)/);
    if (!m) return null;
    try {
      var v = JSON.parse(decodeURIComponent(m[1]));
      if (v && v.h === CONFIG.cookie_hash.slice(0, 16) && typeof v.v === "string" && v.g instanceof Array) return v;
    } catch (e) { /* a broken cookie asks again */ }
    return null;
  }
  function writeCookie(v) {
    var secure = location.protocol === "https:" ? "; Secure" : "";
    d.cookie = COOKIE + "=" + encodeURIComponent(JSON.stringify(v)) + "; Max-Age=15552000; Path=/; SameSite=Lax" + secure;
  }
  function randomID() {
    var b = new Uint8Array(16); (w.crypto || w.msCrypto).getRandomValues(b);
    var s = ""; for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function optional() { return CONFIG.categories.filter(function (c) { return !c.always_on; }); }
  function allowed(c, g) { return c.always_on || (g.indexOf(c.key) >= 0 && !(gpc && c.marketing)); }

  var activated = {};
  function apply(g) {
    var upd = {}, any = false;
    CONFIG.categories.forEach(function (c) {
      (c.consent_mode || []).forEach(function (m) { upd[m] = allowed(c, g) ? "granted" : "denied"; any = true; });
    });
    if (any) gtag("consent", "update", upd);
    CONFIG.categories.forEach(function (c) { if (allowed(c, g)) activate(c.key); });
  }
  // activate runs the tags of a category: a script of type text/plain with
  // data-category is replaced by a runnable copy; other elements get their
  // data-src as src.
  function activate(key) {
    if (activated[key]) return;
    activated[key] = true;
    var els = d.querySelectorAll('[data-category="' + key + '"]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.tagName === "SCRIPT" && el.type === "text/plain") {
        var s = d.createElement("script");
        for (var j = 0; j < el.attributes.length; j++) {
          var a = el.attributes[j];
          if (a.name !== "type") s.setAttribute(a.name, a.value);
        }
        if (el.getAttribute("data-type")) s.type = el.getAttribute("data-type");
        s.text = el.text;
        el.parentNode.replaceChild(s, el);
      } else if (el.getAttribute("data-src")) {
        el.src = el.getAttribute("data-src");
      }
    }
  }

  function record(g, v) {
    var body = JSON.stringify({ visitor_id: v, nonce: randomID(), cookie_hash: CONFIG.cookie_hash, granted: g,
      gpc: gpc, language: lang, page_url: location.origin + location.pathname });
    var done = function (ok) { d.dispatchEvent(new CustomEvent("vern:recorded", { detail: { ok: ok } })); };
    try {
      fetch(base + "/v1/public/cookie-consents", { method: "POST", mode: "cors", credentials: "omit", keepalive: true,
        headers: { "Content-Type": "application/json" }, body: body })
        .then(function (r) { done(r.ok); }, function () { done(false); });
    } catch (e) { done(false); }
  }

  var state = readCookie();
  function choose(g) {
    g = g.filter(function (k) { return !(gpc && optional().some(function (c) { return c.key === k && c.marketing; })); });
    var v = (state && state.v) || randomID();
    state = { v: v, h: CONFIG.cookie_hash.slice(0, 16), g: g };
    writeCookie(state);
    // A withdrawn category's tags may already run: Consent Mode is told,
    // and a reload makes sure nothing of it keeps running.
    var withdrawn = Object.keys(activated).some(function (k) { return g.indexOf(k) < 0 && optional().some(function (c) { return c.key === k; }); });
    apply(g);
    record(g, v);
    hide();
    if (withdrawn) setTimeout(function () { location.reload(); }, 300);
  }

  // The dialog.
  var root, dialog, lastFocus;
  function el(tag, attrs, text) {
    var e = d.createElement(tag);
    for (var a in attrs) e.setAttribute(a, attrs[a]);
    if (text) e.textContent = text;
    return e;
  }
  var CSS = "#vern-cb{position:fixed;z-index:2147483647;left:0;right:0;bottom:0;display:flex;justify-content:center;padding:1rem;font:16px/1.45 system-ui,sans-serif}" +
    "#vern-cb .vd{background:#fff;color:#1a1a1a;max-width:40rem;width:100%;border:2px solid #1a1a1a;border-radius:.5rem;padding:1.2rem;box-shadow:0 4px 24px rgba(0,0,0,.25);max-height:85vh;overflow:auto}" +
    "#vern-cb h2{font-size:1.2rem;margin:0 0 .5rem}#vern-cb p{margin:0 0 .8rem}#vern-cb a{color:#0b4f8a}" +
    "#vern-cb .vb{display:flex;flex-wrap:wrap;gap:.6rem;margin-top:.8rem}" +
    "#vern-cb button{flex:1 1 10rem;font:inherit;font-weight:600;padding:.6rem 1rem;border-radius:.3rem;border:2px solid #0b4f8a;background:#0b4f8a;color:#fff;cursor:pointer}" +
    "#vern-cb button.vs{background:#fff;color:#0b4f8a}" +
    "#vern-cb button:focus-visible,#vern-cb input:focus-visible,#vern-cs:focus-visible{outline:3px solid #f0a500;outline-offset:2px}" +
    "#vern-cb fieldset{border:1px solid #767676;border-radius:.3rem;margin:.6rem 0;padding:.4rem .8rem}#vern-cb label{font-weight:600}" +
    "#vern-cb .vc{margin:.4rem 0}#vern-cb .vc p{margin:.1rem 0 0 1.7rem;font-size:.92rem}#vern-cb input{width:1.1rem;height:1.1rem;margin-right:.5rem;vertical-align:-.15rem}" +
    "#vern-cs{position:fixed;z-index:2147483646;left:.5rem;bottom:.5rem;font:14px system-ui,sans-serif;padding:.35rem .7rem;border:1px solid #1a1a1a;border-radius:.3rem;background:#fff;color:#1a1a1a;cursor:pointer}";

  function show(detailed) {
    hide();
    lastFocus = d.activeElement;
    root = el("div", { id: "vern-cb" });
    dialog = el("div", { "class": "vd", role: "dialog", "aria-modal": "false", "aria-labelledby": "vern-cb-t", "aria-describedby": "vern-cb-i", lang: lang });
    dialog.appendChild(el("h2", { id: "vern-cb-t" }, t.title));
    var intro = el("p", { id: "vern-cb-i" }, t.intro + " ");
    var pl = el("a", { href: base + "/privacy/centre?lang=" + lang }, t.policy);
    intro.appendChild(pl);
    dialog.appendChild(intro);
    if (gpc) dialog.appendChild(el("p", { "class": "vgpc" }, t.gpc));
    var current = state ? state.g : [];
    var boxes = [];
    if (detailed) {
      var fs = el("fieldset", {});
      CONFIG.categories.forEach(function (c) {
        var row = el("div", { "class": "vc" });
        var id = "vern-c-" + c.key;
        var attrs = { type: "checkbox", id: id, name: c.key, "aria-describedby": id + "-d" };
        var blocked = gpc && c.marketing;
        if (c.always_on) { attrs.checked = ""; attrs.disabled = ""; }
        else if (blocked) { attrs.disabled = ""; }
        else if (current.indexOf(c.key) >= 0) { attrs.checked = ""; }
        var box = el("input", attrs);
        if (!c.always_on && !blocked) boxes.push(box);
        var label = el("label", { "for": id }, (c.title[lang] || c.key) + (c.always_on ? " (" + t.always + ")" : ""));
        row.appendChild(box); row.appendChild(label);
        row.appendChild(el("p", { id: id + "-d" }, c.text[lang] || ""));
        fs.appendChild(row);
      });
      dialog.appendChild(fs);
    }
    var bar = el("div", { "class": "vb" });
    // Reject is exactly as prominent as accept: same size, same style.
    var rej = el("button", { type: "button", "data-vern": "reject" }, t.reject);
    var acc = el("button", { type: "button", "data-vern": "accept" }, t.accept);
    rej.onclick = function () { choose([]); };
    acc.onclick = function () { choose(optional().map(function (c) { return c.key; })); };
    bar.appendChild(rej); bar.appendChild(acc);
    if (detailed) {
      var save = el("button", { type: "button", "class": "vs", "data-vern": "save" }, t.save);
      save.onclick = function () { choose(boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.name; })); };
      bar.appendChild(save);
    } else {
      var more = el("button", { type: "button", "class": "vs", "data-vern": "settings" }, t.settings);
      more.onclick = function () { show(true); };
      bar.appendChild(more);
    }
    dialog.appendChild(bar);
    root.appendChild(dialog);
    dialog.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && state) { hide(); }
      if (e.key !== "Tab") return;
      var f = dialog.querySelectorAll("button,a,input:not([disabled])");
      var first = f[0], last = f[f.length - 1];
      if (e.shiftKey && d.activeElement === first) { last.focus(); e.preventDefault(); }
      else if (!e.shiftKey && d.activeElement === last) { first.focus(); e.preventDefault(); }
    });
    d.body.appendChild(root);
    (detailed ? (boxes[0] || rej) : rej).focus({ preventScroll: true });
  }
  function hide() {
    if (root && root.parentNode) root.parentNode.removeChild(root);
    root = null;
    if (lastFocus && lastFocus.focus && lastFocus !== d.body) lastFocus.focus({ preventScroll: true });
  }

  function settingsButton() {
    if (d.getElementById("vern-cs")) return;
    var b = el("button", { id: "vern-cs", type: "button", "data-vern": "open-settings" }, t.link);
    b.onclick = function () { show(true); };
    d.body.appendChild(b);
  }

  function start() {
    var st = el("style", {}); st.textContent = CSS; d.head.appendChild(st);
    d.addEventListener("click", function (e) {
      var x = e.target && e.target.closest && e.target.closest("[data-vern-settings]");
      if (x) { e.preventDefault(); show(true); }
    });
    settingsButton();
    if (state) apply(state.g); else show(false);
  }

  w.VernConsent = {
    open: function () { show(true); },
    granted: function (key) { return !!state && CONFIG.categories.some(function (c) { return c.key === key && allowed(c, state.g); }); },
    visitorId: function () { return state ? state.v : null; },
    gpc: gpc,
    policyVersion: CONFIG.policy_version
  };
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", start); else start();
})();
