// The banner and the preferences dialog, drawn inside a shadow root. Appended by the server
// after banner.js inside the same IIFE, so it shares its names (C, t(), live, decide()...);
// banner.js's start code calls showBanner() and openPrefs() from here.

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
    button("accept-all", function () {
      decide(C.categories.filter(function (c) { return c !== "essential"; }), "accept_all", method);
    }),
    button("reject-all", function () { decide([], "reject_all", method); }),
    extra
  ]);
}

function showBanner(changed) {
  need(function () {
    mount();
    hideBanner();
    var note = changed && C.policy && C.policy.significant;
    bar = h("div", {class: "bar", role: "dialog", "aria-labelledby": "cc-t", "aria-describedby": "cc-d",
      part: "banner"}, [
      h("h2", {id: "cc-t"}, [t("title")]),
      note && h("p", {class: "chg"}, [t("changed") + " " + t("changes")]),
      h("p", {id: "cc-d"}, [t("intro")]),
      gpcNote(),
      policyLink(),
      choices("banner", button("customize", openPrefs))
    ]);
    shadow.append(bar);
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

function category(cat, granted) {
  var id = "cc-c-" + cat, locked = cat === "essential";
  // C.services: [category, cookies, storage keys] each; its words are in the texts at the same
  // place: [name, provider], shown as "name (provider)" like the preference page does.
  var services = C.services.filter(function (s, i) { s.n = T.services[i]; return s[0] === cat; });
  return h("section", {class: "cat", "aria-labelledby": id}, [
    h("div", {class: "row"}, [
      h("h3", {id: id}, [t(cat)]),
      h("span", {class: "on"}, [
        locked && h("span", {class: "m"}, [t("always_on")]),
        h("input", {type: "checkbox", role: "switch", class: "sw", "data-category": cat,
          "aria-labelledby": id, "aria-describedby": id + "-d", checked: locked || granted.indexOf(cat) >= 0,
          disabled: locked})
      ])
    ]),
    h("p", {id: id + "-d"}, [t(cat + "_about")]),
    services.length ? h("ul", {}, services.map(function (s) {
      return h("li", {}, [h("strong", {}, [s.n[0]]), s.n[1] && " (" + s.n[1] + ")",
        s[1].length ? h("div", {class: "m"}, [T.cookies[s[1].length] + ": " +
          s[1].join(", ")]) : null]);
    })) : h("p", {class: "m"}, [t("no_services")])
  ]);
}

function openPrefs() {
  need(function () {
    mount();
    closePrefs(1);
    back = shadow.activeElement || D.activeElement;
    var d = decision(), granted = current(d) ? d.g : [];
    var dlg = h("div", {class: "dlg", role: "dialog", "aria-modal": "true", "aria-labelledby": "cc-pt",
      part: "preferences"}, [
      h("button", {type: "button", class: "x", "aria-label": t("close"), on: function () { closePrefs(); }},
        ["\u00d7"]),
      h("h2", {id: "cc-pt"}, [t("settings")]),
      h("p", {}, [t("prefs_intro")]),
      gpcNote()
    ].concat(C.categories.map(function (c) { return category(c, granted); }), [
      policyLink(),
      state && h("p", {class: "m"}, [h("a", {href: S + "/preferences/" + K + "#receipt=" + state.receipt +
        "&state=" + trip() + "&return=" + encodeURIComponent(location.href.split("#")[0])}, [t("my_record")])]),
      choices("preferences", button("save", function () {
        var on = [];
        dlg.querySelectorAll("input[data-category]:checked:not(:disabled)").forEach(function (box) {
          on.push(box.getAttribute("data-category"));
        });
        decide(on, "custom", "preferences");
      })),
      current(state) && state.g.length && h("div", {class: "btns"}, [
        button("withdraw", withdraw, 1)
      ])
    ]));
    ov = h("div", {class: "ov"}, [dlg]);
    ov.addEventListener("keydown", trap);
    ov.addEventListener("click", function (e) {
      if (e.target === ov) closePrefs();
    });
    shadow.append(ov);
    (dlg.querySelector("input:not(:disabled)") || dlg.querySelector("button")).focus();
  });
}

// The nonce of this tab's round trip to the preference page (see the end of the file), kept
// in sessionStorage under the queue's name.
function trip() {
  try {
    return sessionStorage[Q] = sessionStorage[Q] || crypto.getRandomValues(new Uint32Array(4)).join("");
  } catch (e) {}
}

function closePrefs(quiet) {
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
