// The feedback-form guard, sent only to a site with guarded forms (C.forms). Appended by the
// server inside the banner's IIFE, so it shares the banner's config C, language, texts t(),
// h() and post(); banner.js calls guardForms() once it has set up (and has already given the
// forms' fields the Webvisor class ym-disable-keys). A
// form marked data-consent-form="<id>" cannot be sent without its personal-data box ticked;
// when ticked, the consent is recorded first and the signed receipt goes to the site's backend
// in the hidden field consent_receipt.
function guardForms() {
  var F = C.forms, n = 0, A = "data-consent-form";

  function mark(form) {
    if (form.cc || F.ids.indexOf(form.getAttribute(A)) < 0) return;
    var box = form.querySelector("[data-consent-checkbox]"), at,
      msg = h("p", {class: "cc-form-error", id: "cc-form-error-" + ++n, role: "alert", hidden: true});
    if (!box) {
      box = h("input", {type: "checkbox", "data-consent-checkbox": true});
      at = h("label", {class: "cc-form-consent"}, [box, " " + t("form_agree")]);
      // Just before the submit button (or the block that holds it), else at the end.
      var b = form.querySelector("[type=submit],button:not([type])");
      if (b && b.parentNode != form) b = b.parentNode;
      b ? b.before(at) : form.append(at);
    } else if (!box.labels.length && !box.ariaLabel) {
      box.ariaLabel = t("form_agree");
    }
    at = box.closest("label") || box;
    if (!form.querySelector('a[href^="' + F.url + '"]')) {
      at.after(" ", h("a", {class: "cc-form-document", href: F.url + lang, target: "_blank"},
        [t("form_document")]));
    }
    at.after(msg);
    // Never pre-ticked, whatever the markup or the browser's form restore says.
    box.checked = false;
    box.ariaRequired = "true";
    box.setAttribute("aria-describedby", msg.id);
    box.addEventListener("change", function () {
      if (box.checked) say(form, "");
    });
    form.cc = {box: box, msg: msg, bad: box};
  }

  // Show (or clear) the message; the field at fault is marked and focused.
  function say(form, text, field) {
    var g = form.cc;
    g.msg.textContent = text;
    g.msg.hidden = !text;
    g.bad.ariaInvalid = null;
    if (text) {
      g.bad = field || g.box;
      g.bad.ariaInvalid = "true";
      g.bad.focus();
    }
  }

  // Capture on the document: runs before the site's own submit handlers, which must not
  // see an unticked form or one whose consent is not recorded yet.
  D.addEventListener("submit", function (e) {
    var form = e.target, g, who = {}, at = {};
    // A form added after start-up is guarded on its first submit all the same.
    mark(form);
    g = form.cc;
    if (!g) return;
    // g.s: 1 while the consent is being recorded, 2 once the form may go on.
    if (g.s > 1) return g.s = 0;
    e.preventDefault();
    e.stopImmediatePropagation();
    if (g.s) return;
    if (!g.box.checked) return say(form, t("form_required"));
    say(form, "");
    ["phone", "email"].forEach(function (k) {
      var f = form.querySelector("[data-consent-subject=" + k + "]");
      if (f && f.value.trim()) at["subject." + k] = f, who[k] = f.value.trim();
    });
    g.s = 1;
    post("/api/v1/form-consents", {site: K, form: form.getAttribute(A),
      document_version: F.version, language: lang, url: location.href, agreed: true, subject: who})
      .then(function (r) {
        var j = r.j;
        g.s = 0;
        if (!j.receipt) {
          var k = Object.keys(j.fields || {}).filter(function (k) { return at[k]; })[0];
          return say(form, t(k ? "form_check" : "form_failed"), at[k]);
        }
        var field = form.querySelector("[name=consent_receipt]") || form.appendChild(h("input"));
        field.type = "hidden";
        field.name = "consent_receipt";
        field.value = j.receipt;
        // The page (or its thank-you page) can offer the visitor "your consent: view or
        // withdraw": the link opens the preference page for this form consent.
        form.dispatchEvent(new CustomEvent("cookieconsent:form-consent", {bubbles: true,
          detail: {receipt: j.receipt, link: S + "/preferences/" + K + "#receipt=" + j.receipt}}));
        g.s = 2;
        form.requestSubmit(e.submitter);
      }, function () {
        g.s = 0;
        say(form, t("form_failed"));
      });
  }, true);

  // The script carries one language's texts; banner.js's need() fetches the page's language.
  need(function () {
    D.querySelectorAll("form[" + A + "]").forEach(mark);
  });
}
