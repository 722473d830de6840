/* The visitor's own page. The receipt arrives in the URL fragment (never sent to any
   server), names the decision to show, and proves the visitor's right to change or withdraw
   it. After a change the visitor goes back to the page they came from, the new receipt in
   that page's fragment, but only when its origin is one of the site's own. The banner's
   nonce (state) goes back with it: the banner takes a receipt only from a round trip it
   started itself. */
(() => {
  "use strict";

  const root = document.getElementById("preferences");
  if (!root) return;
  const texts = JSON.parse(document.getElementById("preferences-texts").textContent);
  // The site's categories that a visitor may refuse, in the banner's order.
  const optional = texts.categories.map(([key]) => key).filter((key) => key !== "essential");
  const site = root.dataset.site;
  const origins = JSON.parse(root.dataset.origins || "[]");
  const language = root.dataset.language;
  const consentsUrl = root.dataset.consentsUrl;
  let revision = Number(root.dataset.revision);

  const $ = (id) => document.getElementById(id);
  const form = $("choices");
  const decision = $("decision");
  const message = $("message");
  const back = $("back");
  const backLink = $("back-link");

  const fragment = new URLSearchParams(location.hash.slice(1));
  const returnUrl = allowedReturn(fragment.get("return"));
  const nonce = /^\d+$/.test(fragment.get("state")) ? fragment.get("state") : null;
  let receipt = fragment.get("receipt");
  let current = null; // what the receipt proves: {consentId, kind, event}
  let busy = false;

  // The banner may name the page language in the fragment; the server reads it from ?lang=.
  const wanted = fragment.get("lang");
  if (["kk", "ru", "en"].includes(wanted) && wanted !== language &&
      !new URLSearchParams(location.search).has("lang")) {
    location.replace(`${location.pathname}?lang=${wanted}${location.hash}`);
    return;
  }

  /** The return address, if it belongs to one of the site's origins; else null. */
  function allowedReturn(value) {
    if (!value) return null;
    try {
      const url = new URL(value);
      return /^https?:$/.test(url.protocol) && origins.includes(url.origin) ? url : null;
    } catch (error) {
      return null;
    }
  }

  /** The consent id a receipt claims (its signature is checked by the server). */
  function consentIdOf(token) {
    try {
      const part = token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/");
      const payload = JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
      return /^[0-9a-f]{32}$/.test(payload.i) ? payload.i : null;
    } catch (error) {
      return null;
    }
  }

  async function post(url, body) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
      let data = null;
      try {
        data = await response.json();
      } catch (error) {
        data = null;
      }
      return { status: response.status, data };
    } catch (error) {
      return { status: 0, data: null };
    }
  }

  /** A date in the site's time zone and the page language: CLDR month names, the
   * translators' order, the zone named (visitors read local time, not the server's UTC). */
  function formatTime(iso, withTime = true) {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-GB", {
        timeZone: texts.timeZone, year: "numeric", month: "numeric", day: "numeric",
        hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      }).formatToParts(new Date(iso)).map((part) => [part.type, part.value]),
    );
    const text = texts.dateFormat
      .replace("{day}", String(Number(parts.day)))
      .replace("{month}", texts.months[Number(parts.month) - 1])
      .replace("{year}", parts.year);
    if (!withTime) return text;
    return `${text}, ${parts.hour}:${parts.minute} (${texts.timeZone})`;
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function say(text, isError = false) {
    message.textContent = text;
    message.classList.toggle("error", isError);
    if (text) message.focus();
  }

  /** Language links keep the fragment, so the receipt survives a change of language. */
  function keepFragment() {
    for (const link of document.querySelectorAll("a.js-keep-fragment")) {
      link.href = link.href.split("#")[0] + location.hash;
    }
  }

  /** The address `url` with the new receipt, and the banner's nonce, in its fragment. */
  function sentBack(url, newReceipt) {
    const target = new URL(url);
    const hash = new URLSearchParams();
    if (newReceipt) {
      hash.set("cookieconsent", newReceipt);
      if (nonce) hash.set("state", nonce);
    }
    target.hash = hash.toString();
    return target.href;
  }

  function showBack(newReceipt) {
    const target = returnUrl ? returnUrl.href : origins[0];
    if (!target) return;
    backLink.href = sentBack(target, newReceipt);
    back.hidden = false;
  }

  /** What the decision amounts to, in words of its own: a refusal is no "consent given". */
  function state(event) {
    if (["withdrawn", "expired"].includes(event.type) || current.kind === "form") {
      return event.type === "withdrawn" || event.type === "expired" ? event.type : "given";
    }
    const granted = optional.filter((key) => event.choices[key]).length;
    if (!granted) return "refused";
    return granted === optional.length ? "given" : "partly";
  }

  function render(note) {
    decision.replaceChildren();
    decision.removeAttribute("aria-busy");
    $("withdrawal").hidden = !current || ["withdrawn", "expired"].includes(current.event.type);
    $("proof").hidden = !current;
    if (!current) {
      decision.append(element("p", note));
      return;
    }
    const event = current.event;
    const list = element("dl", undefined, "facts");
    const row = (label, value) => {
      list.append(element("dt", label));
      const cell = element("dd");
      cell.append(value);
      list.append(cell);
    };
    row(texts.status, texts.states[state(event)]);
    row(texts.date, formatTime(event.time));
    if (event.policy) {
      row(texts.version, texts.versionOf.replace("{number}", event.policy.version)
        .replace("{date}", formatTime(event.policy.effective_at, false)));
    }
    if (current.kind === "cookie") {
      const granted = element("ul", undefined, "granted");
      for (const [key, name] of texts.categories) {
        const on = Boolean(event.choices[key]);
        const item = element("li", `${name}: ${on ? texts.allowed : texts.refused}`);
        item.dataset.category = key;
        item.dataset.granted = String(on);
        granted.append(item);
      }
      row(texts.choices, granted);
    }
    row(texts.consentId, element("code", current.consentId));
    decision.append(list);
    if (current.kind === "form") {
      decision.append(element("p", texts.form, "notice"));
    } else if (event.type !== "withdrawn" && event.revision < revision) {
      decision.append(element("p", texts.outdated, "notice"));
    }
    if (current.kind === "cookie" && event.type !== "withdrawn") {
      for (const key of optional) {
        const box = form.elements.namedItem(key);
        if (box) box.checked = Boolean(event.choices[key]);
      }
    }
  }

  async function load() {
    current = null;
    if (!receipt) return render(texts.none);
    const consentId = consentIdOf(receipt);
    if (!consentId) return render(texts.invalid);
    const { status, data } = await post(`${consentsUrl}/${consentId}/proof`, { receipt });
    if (status === 200 && data && data.site.key === site && data.events.length) {
      current = { consentId: data.consent_id, kind: data.kind, event: data.events.at(-1) };
      return render();
    }
    return render(status === 0 || status >= 500 ? texts.loadFailed : texts.invalid);
  }

  function setBusy(value) {
    busy = value;
    for (const button of document.querySelectorAll("#preferences button")) {
      button.disabled = value;
    }
  }

  /** After a change: remember the new receipt, then go back to the site or say so here. */
  async function finish(newReceipt, text) {
    receipt = newReceipt;
    fragment.set("receipt", newReceipt);
    history.replaceState(null, "", `#${fragment}`);
    keepFragment();
    if (returnUrl) {
      say(texts.returning);
      location.assign(sentBack(returnUrl.href, newReceipt));
      return;
    }
    await load();
    showBack(newReceipt);
    say(text);
  }

  async function decide(action) {
    if (busy) return;
    const boxes = optional.map((key) => form.elements.namedItem(key));
    if (action !== "custom") {
      for (const box of boxes) if (box) box.checked = action === "accept_all";
    }
    const choices = {};
    for (const key of optional) {
      const box = form.elements.namedItem(key);
      choices[key] = Boolean(box && box.checked);
    }
    const body = {
      site,
      revision,
      choices,
      language,
      method: "preference_page",
      action,
      url: location.origin + location.pathname,
      gpc: navigator.globalPrivacyControl === true,
    };
    // The receipt proves the earlier consent is this visitor's; the server links the two.
    if (current && current.kind === "cookie") body.previous_receipt = receipt;
    setBusy(true);
    const { status, data } = await post(consentsUrl, body);
    setBusy(false);
    if (status === 201 && data) return finish(data.receipt, texts.saved);
    if (status === 409 && data && Number.isInteger(data.current_revision)) {
      revision = data.current_revision;
      return say(texts.policyChanged, true);
    }
    return say(texts.failed, true);
  }

  async function withdraw() {
    if (busy || !current) return;
    setBusy(true);
    const { status, data } = await post(`${consentsUrl}/${current.consentId}/withdraw`, {
      receipt,
      method: "preference_page",
      url: location.origin + location.pathname,
    });
    setBusy(false);
    if (status === 201 && data) return finish(data.receipt, texts.withdrawn);
    if (status === 409) {
      await load();
      return say(texts.withdrawn);
    }
    return say(texts.failed, true);
  }

  async function download() {
    if (busy || !current) return;
    const { status, data } = await post(`${consentsUrl}/${current.consentId}/proof`, {
      receipt,
      ledger: true,
    });
    if (status !== 200 || !data) return say(texts.downloadFailed, true);
    const blob = new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: "application/json" });
    const link = element("a");
    link.href = URL.createObjectURL(blob);
    link.download = `consent-${data.consent_id}.json`;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    decide("custom");
  });
  for (const button of form.querySelectorAll("button[type=button][data-action]")) {
    button.addEventListener("click", () => decide(button.dataset.action));
  }
  $("withdraw").addEventListener("click", withdraw);
  $("download").addEventListener("click", download);

  keepFragment();
  showBack(null);
  // The buttons come disabled from the server (without this script they could do nothing)
  // and stay so until the decision is known, so that a change names the one it replaces.
  load().finally(() => setBusy(false));
})();
