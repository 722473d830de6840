// The preferences dialog, a script of its own: the banner (view.js) fetches it the first time a
// visitor opens it, since most never do. It runs outside the banner's IIFE, so the banner hands
// it what it needs on each open; it returns the dialog, which the banner shows, traps the focus
// in and closes. Its texts (T) came with it: the categories' descriptions and the services.
cookieconsent._dialog = function (C, T, state, granted, h, t, button, choices, policyLink, gpcNote,
  decide, withdraw, closePrefs, trip, current, lang) {
  "use strict";
  function category(cat) {
    var id = "cc-c-" + cat, locked = cat === "essential";
    var services = T.services.filter(function (s) { return s.category === cat; });
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
        return h("li", {}, [h("strong", {}, [s.name]), s.provider && " (" + s.provider + ")",
          s.cookies.length ? h("div", {class: "m"}, [T.cookies[s.cookies.length] + ": " +
            s.cookies.join(", ")]) : null]);
      })) : h("p", {class: "m"}, [t("no_services")])
    ]);
  }

  var dlg = h("div", {class: "dlg", role: "dialog", "aria-modal": "true", "aria-labelledby": "cc-pt",
    part: "preferences"}, [
    h("button", {type: "button", class: "x", "aria-label": t("close"), on: function () { closePrefs(); }},
      ["\u00d7"]),
    h("h2", {id: "cc-pt"}, [t("settings")]),
    h("p", {}, [t("prefs_intro")]),
    gpcNote()
  ].concat(C.categories.map(category), [
    policyLink(),
    state && h("p", {class: "m"}, [h("a", {href: C.server + "/preferences/" + C.site + "?lang=" + lang + "#receipt=" +
      state.receipt + "&state=" + trip() + "&return=" + encodeURIComponent(location.href.split("#")[0])},
      [t("my_record")])]),
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
  return dlg;
};
