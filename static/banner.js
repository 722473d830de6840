// The cookieconsent banner. The server wraps this file in one IIFE with C (the site's config)
// and CSS (banner.css) in scope, then appends view.js (what the banner draws), api.js
// (window.cookieconsent) and, for a site with guarded forms, forms.js. The preferences dialog (dialog.js) comes later, if opened.
// Plain JavaScript, no dependencies.
var W = window, D = document, K = C.site, N = "cookieconsent", me = D.currentScript;
if (W.cookieconsent) return;
var Q = N + ":" + K;
// The API is where the script came from: the consent server, or a path of the site's own
// origin in same-origin mode (or the console's preview).
var S = me ? me.src.slice(0, me.src.lastIndexOf("/embed/")) : C.server;
var lang = pickLang();
var T = {};
var gpc = navigator.globalPrivacyControl === true;
var live = {};
// The receipt in the first-party cookie, if any; one under the name of before cookies were
// named per site moves to the site's name, if it is this site's.
var state = fromReceipt(jar(C.cookie)), old = !state && fromReceipt(jar(N));
var sheet, host, shadow, bar, ov, fab, back, prefs, asked, flushing, loading, wait = 2000;

function t(key) {
  return T[key] == null ? key : T[key];
}

// Texts come in the page's language on first need, then live in localStorage (by version).
function need(then) {
  if (T.title) return then();
  var key = Q + ":" + lang, v = C.texts[lang];
  try {
    var kept = JSON.parse(localStorage.getItem(key));
    if (kept && kept.v === v) {
      T = kept.t;
      return then();
    }
  } catch (e) {}
  loading = loading || fetch(S + "/embed/" + K + "/texts/" + lang + ".json?v=" + v,
    {credentials: "omit"}).then(function (r) {
    if (!r.ok) throw r;
    return r.json();
  }).then(function (j) {
    T = j;
    try {
      localStorage.setItem(key, JSON.stringify({v: v, t: j}));
    } catch (e) {}
  }, function () {
    // Nothing runs without a decision meanwhile; ask again in a moment.
    loading = 0;
    setTimeout(function () { need(then); }, 3000);
  });
  loading.then(function () { if (T.title) then(); });
}

// data-lang on the tag, then <html lang>, then the browser, then the site's default.
function pickLang() {
  var all = [me && me.getAttribute("data-lang"), D.documentElement.lang].concat(navigator.languages);
  for (var i = 0; i < all.length; i++) {
    var l = (all[i] || "").slice(0, 2).toLowerCase();
    if (C.languages.indexOf(l) >= 0) return l;
  }
  return C.default_language;
}

// --- The decision: a signed receipt in a first-party cookie, or one still waiting to be sent.

// The receipt's payload (i: consent id, r: revision, g: granted, t: time, u: the consent it
// replaced) and the receipt itself, if it is a cookie decision of this site.
function fromReceipt(token) {
  try {
    // atob() takes base64 without its padding.
    var p = JSON.parse(atob(token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/")));
    p.receipt = token;
    if (p.k === "c" && p.s === K) return p;
  } catch (e) {}
  return null;
}

function jar(name) {
  return (D.cookie.match("(?:^|; )" + name + "=([^;]+)") || [])[1];
}

// A cookie the server set (same-origin mode) is kept as it is: one written here would replace
// it with one Safari deletes after 7 days. No token: the cookie is deleted.
function store(token, name) {
  var d = C.domain.replace(/^\./, ""), h = location.hostname;
  name = name || C.cookie;
  if (jar(name) !== token) D.cookie = name + "=" + token + "; Path=/; Max-Age=" +
    (token ? C.days * 86400 : 0) + "; SameSite=Lax" +
    // The site's domain, if this page is on it or on one of its subdomains.
    (d && ("." + h).slice(-d.length - 1) === "." + d ? "; Domain=" + d : "") +
    (location.protocol === "https:" ? "; Secure" : "");
  if (token) state = fromReceipt(token);
}
if (old) store(old.receipt), store("", N);

function queue(items) {
  try {
    if (!items) return JSON.parse(localStorage.getItem(Q)) || [];
    items.length ? localStorage.setItem(Q, JSON.stringify(items)) : localStorage.removeItem(Q);
  } catch (e) {
    return [];
  }
}

// The decision in force here: the newest unsent one, else the receipt.
function decision() {
  var q = queue();
  return q[q.length - 1] || state;
}

function current(d) {
  return d && d.r === C.revision && (d.t + C.days * 86400) * 1000 > Date.now();
}

// --- Talking to the consent server: CORS simple requests that survive leaving the page.

function post(path, body) {
  return fetch(S + path, {method: "POST", body: JSON.stringify(body), keepalive: true,
    credentials: "omit"}).then(function (r) {
    return r.json().catch(function () { return {}; }).then(function (j) {
      return {s: r.status, j: j, a: r.headers.get("Retry-After")};
    });
  });
}

// Send what waits, oldest first; keep it on a network or server error, or when refused for
// now (429), and retry when the server says, else later and later.
function flush() {
  if (flushing) return flushing;
  var q = queue(), item = q[0];
  if (!item) return Promise.resolve();
  if (item.c && state && !item.b.previous_receipt) item.b.previous_receipt = state.receipt;
  flushing = post(item.p, item.b).then(function (r) {
    if (r.s >= 500 || r.s === 429) throw r;
    q = queue();
    q.shift();
    queue(q);
    flushing = 0;
    wait = 2000;
    if (r.s < 300 && r.j.receipt) store(r.j.receipt);
    if (r.s === 409 && r.j.current_revision != null) {
      C.revision = r.j.current_revision;
      showBanner(1);
    }
    return flush();
  }).catch(function (r) {
    flushing = 0;
    wait = Math.min(wait * 2, 60000);
    setTimeout(flush, r.a > 0 ? r.a * 1000 : wait);
  });
  return flushing;
}

function enqueue(path, body, granted, change) {
  var q = queue();
  q.push({p: path, b: body, g: granted, r: body.revision == null ? state.r : body.revision,
    t: Math.floor(Date.now() / 1000), c: change});
  queue(q);
  return flush();
}

function pageUrl() {
  return /^https?:$/.test(location.protocol) ? location.origin + location.pathname : undefined;
}

function decide(granted, action, method) {
  if (gpc && C.gpc_refuses && action === "accept_all") {
    granted = granted.filter(function (c) { return c !== "analytics"; });
    action = "custom";
  }
  // The console's preview records nothing. flush() names the receipt this one replaces.
  // choices names what is granted; a category left out is refused.
  var done = C.preview || enqueue("/api/v1/consents", {site: K, revision: C.revision, choices:
    Object.fromEntries(granted.map(function (c) { return [c, true]; })),
    language: lang, texts: C.texts[lang], method: method, action: action, url: pageUrl(),
    gpc: gpc}, granted, !!decision());
  apply(granted, done);
  closePrefs();
  return done;
}

// Grants the site's categories named in cats (one name or a list), refuses the others.
function accept(cats, method) {
  var all = C.categories.filter(function (c) { return c !== "essential"; }),
    g = all.filter(function (c) { return [].concat(cats).indexOf(c) >= 0; });
  return decide(g, g.length == all.length ? "accept_all" : g.length ? "custom" : "reject_all", method);
}

function withdraw() {
  var done = enqueue("/api/v1/consents/" + state.i + "/withdraw",
    {receipt: state.receipt, method: "preferences", url: pageUrl()}, []);
  apply([], done);
  closePrefs();
}

// --- Applying a decision to the page.

function gtag() {
  (W.dataLayer = W.dataLayer || []).push(arguments);
}

// Google Consent Mode v2: the default (d) with the signals of each granted category (m)
// granted; the default also says how long Google's tags wait for an update (w).
function consentMode(verb, extra) {
  var g = C.gcm, s = Object.assign({}, g.d, extra);
  for (var c in g.m) if (live[c]) Object.assign(s, g.m[c]);
  gtag("consent", verb, s);
}

function apply(granted, sent) {
  var was = live, reload = 0;
  live = {essential: 1};
  granted.forEach(function (c) { live[c] = 1; });
  if (C.gcm) consentMode("update");
  for (var c in was) if (!live[c] && was[c] > 1) reload = 1;
  clean();
  activate();
  metrika();
  hideBanner();
  floating();
  D.dispatchEvent(new CustomEvent("cookieconsent:change", {detail: {granted: granted.slice()}}));
  // A started tag cannot be unloaded: reload once the withdrawal is recorded (or queued).
  if (reload) Promise.race([sent, new Promise(function (ok) { setTimeout(ok, 4000); })])
    .then(function () { location.reload(); });
}

function matches(patterns, name) {
  return patterns.some(function (p) {
    return p.slice(-1) === "*" ? name.indexOf(p.slice(0, -1)) === 0 : p === name;
  });
}

// Delete the cookies and storage keys of every service the visitor has not allowed.
function clean() {
  C.services.forEach(function (s) {
    if (live[s.category]) return;
    D.cookie.split("; ").forEach(function (pair) {
      var name = pair.split("=")[0], parts = location.hostname.split(".");
      if (!name || !matches(s.cookies, name)) return;
      D.cookie = name + "=; Path=/; Max-Age=0";
      for (var i = 0; i < parts.length - 1; i++) {
        D.cookie = name + "=; Path=/; Max-Age=0; Domain=" + parts.slice(i).join(".");
      }
    });
    try {
      for (var i = localStorage.length; i--;) {
        var key = localStorage.key(i);
        if (matches(s.storage, key)) localStorage.removeItem(key);
      }
    } catch (e) {}
  });
}

// Gated scripts and frames in root (the document, or an element the page added), root first.
function activate(root) {
  var sel = 'script[type="text/plain"][data-category],iframe[data-category][data-src]';
  root = root || D;
  [root].concat(Array.from(root.querySelectorAll(sel))).forEach(function (el) {
    if (!el.matches || !el.matches(sel)) return;
    var cat = el.getAttribute("data-category"), src = el.getAttribute("data-src");
    // el.cc: a frame's placeholder, or the script started in a gated one's place: a gated
    // script moved or put back by the page's code runs once.
    if (el.localName == "script") {
      if (el.cc || !live[cat]) return;
      live[cat] = 2;
      var run = D.createElement("script"), type = el.getAttribute("data-type");
      Array.from(el.attributes).forEach(function (a) {
        if (!/^(type|data-category|data-src|data-type|nonce)$/.test(a.name)) run.setAttribute(a.name, a.value);
      });
      run.nonce = el.nonce;
      if (type) run.type = type;
      if (src) {
        run.async = false;
        run.src = src;
      } else {
        run.text = el.text;
      }
      return el.replaceWith(el.cc = run);
    }
    if (el.cc) el.cc.remove();
    if (!live[cat]) return placeholder(el, cat);
    live[cat] = 2;
    el.style.display = "";
    if (el.getAttribute("src") !== src) el.src = src;
  });
}

// Single-page apps and builders add gated elements at any time: one observer, called once per
// batch of changes, looks only inside the elements added (and drops a removed frame's box).
function watch() {
  new MutationObserver(function (list) {
    list.forEach(function (m) {
      m.addedNodes.forEach(function (n) { if (n.querySelector) activate(n); });
      m.removedNodes.forEach(function (n) { if (n.localName == "iframe" && n.cc) n.cc.remove(); });
    });
  }).observe(D, {childList: 1, subtree: 1});
}

// A box of the iframe's own size that says what is missing and offers consent for it.
function placeholder(frame, cat) {
  var box = h("div"), root = box.attachShadow({mode: "open"});
  frame.cc = box;
  // inline-block with hidden overflow sits on the baseline exactly as the iframe did.
  box.style.display = "inline-block";
  box.style.overflow = "hidden";
  box.style.verticalAlign = getComputedStyle(frame).verticalAlign;
  box.style.width = (frame.offsetWidth || frame.width || 300) + "px";
  box.style.height = (frame.offsetHeight || frame.height || 150) + "px";
  box.style.maxWidth = "100%";
  root.adoptedStyleSheets = [styles()];
  need(function () { root.append(h("div", {class: "ph", lang: lang}, [
    h("p", {}, [t("blocked").replace("%(category)s", t(cat))]),
    button("allow", function () {
      var d = decision();
      accept((current(d) ? d.g : []).concat(cat), "banner");
    })
  ])); });
  frame.style.display = "none";
  frame.before(box);
}

// Yandex.Metrika's official tag, loaded only now; a page that loads it itself keeps its own.
function metrika() {
  var m = C.metrika;
  if (!m) return;
  // Withdrawn: a running counter stops sending at once, before the reload.
  W["disableYaCounter" + m.id] = !live.analytics;
  if (!live.analytics || W.ym) return;
  live.analytics = 2;
  // Webvisor only under its own category's consent; withdrawing it reloads the page too.
  if (m.options.webvisor = !!live[m.wv]) live[m.wv] = 2;
  W.ym = function () { (W.ym.a = W.ym.a || []).push(arguments); };
  W.ym.l = Date.now();
  // A script made by createElement is async already.
  var s = D.createElement("script");
  s.src = "https://mc.yandex.ru/metrika/tag.js";
  D.head.append(s);
  W.ym(m.id, "init", m.options);
}

// --- Start: the receipt a preference page sent back, then the stored decision, else ask.

function start() {
  var d = decision();
  // No policy in force: a consent now would not be informed, so nothing is asked or sent.
  if (!C.revision) console.warn("cookieconsent: " + K + " has no cookie policy in force yet");
  else {
    current(d) ? (apply(d.g), C.next && notice()) : (activate(), showBanner(d && d.r < C.revision));
    watch();
  }
  flush();
  W.addEventListener("online", flush);
  // Webvisor never records what is typed into a field that carries ym-disable-keys.
  D.querySelectorAll("input,textarea,select")
    .forEach(function (el) { el.classList.add("ym-disable-keys"); });
  if (typeof guardForms === "function") guardForms();
}

if (C.gcm) {
  consentMode("default", C.gcm.w);
  if (C.gcm.s) gtag("set", C.gcm.s);
}
W.cookieconsent = api();
D.addEventListener("click", function (e) {
  var el = e.target.closest && e.target.closest("[data-consent-open]");
  if (el) {
    e.preventDefault();
    openPrefs();
  }
});

// A receipt the preference page sent back counts only if this tab started the round trip (its
// nonce came back with it), and only for this browser's own consent or the one that replaced
// it (u; none if the browser had no decision): else any link could switch consent on.
var sentBack = location.hash.match(/[#&]cookieconsent=([^&]+)(&state=\d+)?/),
  returned = sentBack && fromReceipt(sentBack[1]), own = state && state.i;
if (sentBack) history.replaceState(null, "", location.href.split("#")[0]);
if (returned && sentBack[2] === "&state=" + trip() && (returned.i === own || returned.u == own)) {
  post("/api/v1/receipts/verify", {receipt: returned.receipt}).then(function (r) {
    if (r.j.valid) {
      delete sessionStorage[Q];  // once
      queue([]);
      store(returned.receipt);
    }
  }).catch(function () {}).then(start);
} else {
  start();
}
