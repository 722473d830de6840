// The feedback-form guard. Appended by the server inside the banner's IIFE; banner.js calls
// guardForms(ctx) once it has set up. A form marked data-consent-form="<id>" cannot be sent
// without its personal-data box ticked; when ticked, the consent is recorded first and the
// signed receipt goes to the site's backend in the hidden field consent_receipt.
function guardForms(ctx) {
  var F = ctx.config.forms, seen = 0;
  if (!F) return;

  function mark(form) {
    if (form.ccGuard || F.ids.indexOf(form.getAttribute("data-consent-form")) < 0) return;
    var n = ++seen, box = form.querySelector("[data-consent-checkbox]"), url = F.url + ctx.lang;
    // Yandex Webvisor must never record what is typed into a consent form.
    form.querySelectorAll("input,textarea,select").forEach(function (el) {
      if (!/^(hidden|checkbox|radio|submit|button|reset|image)$/.test(el.type)) {
        el.classList.add("ym-disable-keys");
      }
    });
    if (!box) {
      var wrap = el("div", "cc-form-consent"), label = el("label");
      box = el("input");
      box.type = "checkbox";
      box.setAttribute("data-consent-checkbox", "");
      label.append(box, " " + ctx.t("form_agree"));
      wrap.append(label);
      // Just before the submit button (or the block that holds it), else at the end.
      var at = form.querySelector("[type=submit],button:not([type])");
      if (at && at.parentNode !== form) at = at.parentNode;
      at ? at.before(wrap) : form.append(wrap);
    } else if (!box.labels.length && !box.getAttribute("aria-label")) {
      box.setAttribute("aria-label", ctx.t("form_agree"));
    }
    if (!form.querySelector('a[href^="' + F.url + '"]')) {
      var link = el("a", "cc-form-document");
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = ctx.t("form_document");
      (box.closest("label") || box).after(" ", link);
    }
    // Never pre-ticked, whatever the markup or the browser's form restore says.
    box.checked = false;
    box.removeAttribute("checked");
    box.id = box.id || "cc-agree-" + n;
    box.setAttribute("aria-required", "true");
    var msg = el("p", "cc-form-error");
    msg.id = "cc-form-error-" + n;
    msg.setAttribute("role", "alert");
    msg.hidden = true;
    (box.closest(".cc-form-consent") || box.closest("label") || box).after(msg);
    box.setAttribute("aria-describedby", msg.id);
    form.ccGuard = {box: box, msg: msg, bad: []};
    box.addEventListener("change", function () {
      if (box.checked) say(form, "");
    });
  }

  function el(tag, cls) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    return e;
  }

  function say(form, text, field) {
    var g = form.ccGuard;
    g.msg.textContent = text;
    g.msg.hidden = !text;
    g.bad.forEach(function (e) { e.removeAttribute("aria-invalid"); });
    g.bad = text ? [field || g.box] : [];
    g.bad.forEach(function (e) {
      e.setAttribute("aria-invalid", "true");
      e.focus();
    });
  }

  function subject(form, kind) {
    var f = form.querySelector('[data-consent-subject="' + kind + '"]') ||
      form.querySelector(kind === "phone" ? "input[type=tel]" : "input[type=email]");
    return f && f.value.trim() ? f : null;
  }

  // Capture on the document: runs before the site's own submit handlers, which must not
  // see an unticked form or one whose consent is not recorded yet.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    // Sent before the texts arrived: guard it now all the same.
    if (!form.ccGuard && form.matches("form[data-consent-form]")) mark(form);
    var g = form.ccGuard;
    if (!g) return;
    if (g.ok) {
      g.ok = 0;
      return;
    }
    e.preventDefault();
    e.stopImmediatePropagation();
    if (g.busy) return;
    if (!g.box.checked) return say(form, ctx.t("form_required"));
    say(form, "");
    var who = {}, fields = {};
    ["phone", "email"].forEach(function (k) {
      var f = subject(form, k);
      if (f) {
        who[k] = f.value.trim();
        fields["subject." + k] = f;
      }
    });
    var submitter = e.submitter;
    g.busy = 1;
    ctx.send("/api/v1/form-consents", {site: ctx.config.site, form: form.getAttribute("data-consent-form"),
      document_version: F.version, language: ctx.lang, url: location.href, agreed: true, subject: who})
      .then(function (j) {
        g.busy = 0;
        if (!j || !j.receipt) {
          var bad = Object.keys((j && j.fields) || {}).filter(function (k) { return fields[k]; })[0];
          return say(form, ctx.t(bad ? "form_" + bad.slice(8) : "form_failed"), fields[bad]);
        }
        var hidden = form.querySelector("input[name=consent_receipt]");
        if (!hidden) {
          hidden = el("input");
          hidden.type = "hidden";
          hidden.name = "consent_receipt";
          form.append(hidden);
        }
        hidden.value = j.receipt;
        g.ok = 1;
        form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      }, function () {
        g.busy = 0;
        say(form, ctx.t("form_failed"));
      });
  }, true);

  function markAll() {
    document.querySelectorAll("form[data-consent-form]").forEach(mark);
  }

  // The script carries one language's texts; banner.js's need() fetches the page's language.
  (typeof need === "function" ? need : function (go) { go(); })(function () {
    markAll();
    new MutationObserver(markAll).observe(document.documentElement, {childList: true, subtree: true});
  });
}
