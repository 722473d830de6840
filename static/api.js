// window.cookieconsent: what a site's own code may ask and do (static/cookieconsent.d.ts says
// it in types, docs/single-page.md in words). Appended by the server inside the banner's IIFE;
// banner.js installs it before its start code, so a listener never waits for it.
function api() {
  function on(type, fn, once) {
    D.addEventListener(N + ":" + type, fn, once);
  }
  // Without a cookie policy in force nothing is asked, so nothing is recorded either.
  function record(cats) {
    return C.revision ? accept(cats, "api") : Promise.reject(Error("no cookie policy in force"));
  }
  return {
    open: openPrefs,
    granted: function (c) { return !!live[c]; },
    // The decision in force: its categories, policy revision and consent id (null until the
    // server has recorded it); null if the visitor has not decided (or must decide again).
    decision: function () {
      var d = decision();
      return current(d) ? {categories: d.g.slice(), revision: d.r, id: d.i || null} : null;
    },
    on: on,
    off: function (type, fn) { D.removeEventListener(N + ":" + type, fn); },
    whenGranted: function (c) {
      return new Promise(function check(ok) {
        live[c] ? ok() : on("change", function () { check(ok); }, {once: 1});
      });
    },
    // Recorded as the banner's buttons record (receipt, Consent Mode, Metrika), method "api".
    accept: record,
    rejectAll: function () { return record([]); }
  };
}
