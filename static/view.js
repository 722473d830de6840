// The banner and the floating button, drawn inside a shadow root, and the frame the
// preferences dialog (dialog.js) opens in. Appended by the server after banner.js inside the
// same IIFE, so it shares its names (C, t(), live, decide()...); banner.js's start code calls
// showBanner() and openPrefs() from here.

function h(tag, attrs, kids, ns) {
  var el = ns ? D.createElementNS(ns, tag) : D.createElement(tag);
  for (var k in attrs) {
    var v = attrs[k];
    if (k === "on") el.addEventListener("click", v);
    else if (v) el.setAttribute(k, v === true ? "" : v);
  }
  // Falsy kids are the ones a condition left out (0 too: a count that was not met).
  (kids || []).forEach(function (kid) { if (kid) el.append(kid); });
  return el;
}

function styles() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}

function mount() {
  if (host) return;
  host = h("div", {id: N, lang: lang});
  shadow = host.attachShadow({mode: "open"});
  shadow.adoptedStyleSheets = [styles()];
  // First in the body: the banner comes first in the tab order; fixed, so nothing moves.
  D.body.prepend(host);
}

// Its label is the text of the action's name: "accept-all" says t("accept_all").
function button(action, onClick, light) {
  return h("button", {type: "button", class: light ? "b l" : "b", "data-consent-action": action,
    part: "button " + action, on: onClick}, [t(action.replace("-", "_"))]);
}

function policyLink() {
  return T.policy_url && h("p", {class: "m"}, [h("a", {href: T.policy_url, target: "_blank",
    rel: "noopener"}, [t("policy") + ", " + t("policy_version")])]);
}

function gpcNote() {
  return gpc && C.gpc_refuses && h("p", {class: "m"}, [t("gpc")]);
}

function choices(method, extra) {
  return h("div", {class: "btns"}, [
    button("accept-all", function () { accept(C.categories, method); }),
    button("reject-all", function () { accept([], method); }),
    extra
  ]);
}

function showBanner(changed) {
  need(function () {
    mount();
    hideBanner();
    var note = changed && C.policy && C.policy.significant, more = button("customize", openPrefs, 1);
    bar = h("div", {class: "bar", role: "dialog", "aria-labelledby": "cc-t", "aria-describedby": "cc-d",
      part: "banner"}, [
      h("h2", {id: "cc-t"}, [t("title")]),
      note && h("p", {class: "chg"}, [t("changed") + " " + t("changes")]),
      h("p", {id: "cc-d"}, [t("intro")]),
      gpcNote(),
      policyLink(),
      choices("banner", more)
    ]);
    more.onpointerenter = more.onfocus = loadDialog;
    shadow.append(bar);
  });
}

// A scheduled policy version, told once to a visitor who has decided: no decision is asked.
function notice(seen) {
  try {
    if (localStorage[seen = Q + C.next.n]) return;
    localStorage[seen] = 1;
  } catch (e) {}
  need(function () {
    mount();
    shadow.append(bar = h("div", {class: "bar", role: "status"}, [h("p", {class: "chg"}, [t("upcoming")]),
      button("ok", hideBanner)]));
  });
}

function hideBanner() {
  if (bar) bar.remove();
  bar = null;
}

function floating() {
  if (C.floating) need(fab_);
}

function fab_() {
  if (fab) return;
  mount();
  var svg = "http://www.w3.org/2000/svg";
  var icon = h("svg", {viewBox: "0 0 24 24", width: 26, "aria-hidden": "true"}, [h("path", {
    fill: "currentColor", d: "M12 2a10 10 0 1 0 10 10 4 4 0 0 1-5-5 4 4 0 0 1-5-5zM8 9h2v2H8zm6 5h2v2h-2zm-5 3h2v2H9z"
  }, 0, svg)], svg);
  fab = h("button", {type: "button", class: "fab", "aria-label": t("settings"), title: t("settings"),
    part: "floating-button", on: openPrefs}, [icon]);
  shadow.append(fab);
}

// The preferences dialog is a script of its own (dialog.js), fetched with its texts the first
// time a visitor opens it or points at Customise: most never do. Both URLs are versioned, so
// later page views take them from the HTTP cache. The dialog's integrity hash is part of this
// script, so the pinned variant's Subresource Integrity covers the dialog as well.
function loadDialog() {
  return prefs = prefs || Promise.all([new Promise(function (ok, no) {
    var el = h("script", {src: S + "/embed/_dialog/" + C.dialog[0] + ".js", integrity: C.dialog[1],
      crossorigin: "anonymous", nonce: me && me.nonce});
    el.onload = ok;
    el.onerror = no;
    D.head.append(el);
  }), fetch(S + "/embed/" + K + "/dialog/" + lang + ".json?v=" + C.texts[lang], {credentials: "omit"})
    .then(function (r) {
      if (!r.ok) throw r;
      return r.json();
    })]).then(function (got) {
    Object.assign(T, got[1]);
    return W.cookieconsent._dialog;
  }, function () {
    prefs = 0;  // fetched again on the next open
  });
}

function openPrefs() {
  need(function () {
    mount();
    if (!ov) back = shadow.activeElement || D.activeElement;
    asked = 1;
    loadDialog().then(function (make) {
      // Not if the visitor decided meanwhile (closePrefs() withdraws the wish).
      if (!make || !asked) return;
      closePrefs(1);
      var d = decision(), dlg = make(C, T, state, current(d) ? d.g : [], h, t, button, choices,
        policyLink, gpcNote, decide, withdraw, closePrefs, trip, current, lang);
      ov = h("div", {class: "ov"}, [dlg]);
      ov.addEventListener("keydown", trap);
      ov.addEventListener("click", function (e) {
        if (e.target === ov) closePrefs();
      });
      shadow.append(ov);
      (dlg.querySelector("input:not(:disabled)") || dlg.querySelector("button")).focus();
    });
  });
}

// The nonce of this tab's round trip to the preference page (see the end of banner.js), kept
// in sessionStorage under the queue's name.
function trip() {
  try {
    return sessionStorage[Q] = sessionStorage[Q] || crypto.getRandomValues(new Uint32Array(4)).join("");
  } catch (e) {}
}

function closePrefs(quiet) {
  asked = 0;
  if (!ov) return;
  ov.remove();
  ov = null;
  if (quiet) return;
  var to = back && back.isConnected ? back : bar ? bar.querySelector("button") : fab;
  if (to) to.focus();
}

// Keep Tab inside the open dialog; Esc closes it.
function trap(e) {
  if (e.key === "Escape") {
    e.preventDefault();
    return closePrefs();
  }
  if (e.key !== "Tab") return;
  var all = ov.querySelectorAll("button,a[href],input:not(:disabled)");
  var first = all[0], last = all[all.length - 1], at = shadow.activeElement;
  if (e.shiftKey ? at === first : at === last) {
    e.preventDefault();
    (e.shiftKey ? last : first).focus();
  }
}
