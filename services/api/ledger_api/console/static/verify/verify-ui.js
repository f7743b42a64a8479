/* The verify buttons of the console: every `button[data-verify-bundle]` fetches an
 * incident's bundle (same origin, with the session's credentials) and checks it with
 * LedgerVerify (verify.js, loaded first) against the verifier key the reader pinned.
 *
 *   <button type="button" data-verify-bundle="INC-1">Verify</button>
 *   <output data-verify-result></output>
 *
 * `data-verify-bundle` is the incident id (the bundle is /v1/incidents/{id}/bundle?
 * format=json) or, starting with "/", the bundle's own URL. The outcome goes to the
 * nearest `output[data-verify-result]` (the first inside the closest ancestor that holds
 * one), as text only, and its `data-verify-ok` says "true" or "false" once it is known.
 *
 * The pinned key is kept in this browser (localStorage) and shown with its key id; the
 * panel that asks for it and changes it goes into `[data-verify-key]` if the page has
 * one, else after the first button's output. Pin the key from a source other than this
 * server (`ledger keys create` prints it): a key the page offered would prove nothing.
 *
 * Everything it says is English unless the page carries its words in the reader's
 * language: `<script type="application/json" id="verify-words">` mapping each English
 * sentence (SAYS below, LedgerVerify.SAYS) to its translation.
 */
"use strict";

(() => {
  const STORE = "incident-ledger.verify.pinned-key";
  const pinned = () => localStorage.getItem(STORE);
  let panel = null, pending = null;
  const SAYS = {
    verified: "Verified: incident {incident} against the pinned key {key} at tree size {size}.",
    record_fails: "Not verified: the record at position {position}{event}{hash} fails: {reason}",
    event: ", event {id}",
    record_hash: ", record hash {hash}",
    not_verified: "Not verified: {reason}",
    pin_first: "Pin the ledger's verifier key first: the form for it is open.",
    verifying: "Verifying…",
    not_fetched: "The bundle could not be fetched: HTTP {status}{detail}",
    detail: " ({detail})",
    pinned: "Pinned verifier key: {key} (key id {id}).",
    none_pinned: "No verifier key is pinned in this browser yet.",
    change: "Change the pinned key",
    pin_one: "Pin a verifier key",
    key_label: "Verifier key (name+keyid+base64, as “ledger keys create” printed it)",
    pin: "Pin this key",
    and: "; ",
  };
  const words = (() => {
    const block = document.getElementById("verify-words");
    try { return block ? JSON.parse(block.textContent) : {}; } catch { return {}; }
  })();
  /** A sentence of the panel's (SAYS) or of the verifier's, in the page's words. */
  const say = (code, args = {}) => LedgerVerify.spell({ code, args }, words, SAYS);
  const told = (said) => said.map((m) => LedgerVerify.spell(m, words)).join(say("and"));

  function element(tag, attributes = {}, text = "") {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.textContent = text;
    return node;
  }

  function bundleUrl(value) {
    return value.startsWith("/") ? value
      : `/v1/incidents/${encodeURIComponent(value)}/bundle?format=json`;
  }

  function outputFor(button) {
    for (let node = button.parentElement; node; node = node.parentElement) {
      const found = node.querySelector("output[data-verify-result]");
      if (found) return found;
    }
    return null;
  }

  function show(output, ok, headline, lines = []) {
    output.replaceChildren(element("strong", {}, headline));
    if (lines.length) {
      const list = element("ul");
      list.append(...lines.map((line) => element("li", {}, line)));
      output.append(list);
    }
    if (ok === null) delete output.dataset.verifyOk; // under way, or waiting for a key
    else output.dataset.verifyOk = String(ok);
  }

  function report(output, result) {
    const key = `${result.key_name}+${result.key_id}`;
    const failure = result.first_failure;
    const checked = result.checks.map((m) => LedgerVerify.spell(m, words));
    if (result.ok) {
      show(output, true,
        say("verified", { incident: result.incident_id, key, size: result.tree_size }), checked);
    } else if (failure.position !== null && failure.position !== undefined) {
      const event = failure.event_id ? say("event", { id: failure.event_id }) : "";
      const hash = failure.record_hash ? say("record_hash", { hash: failure.record_hash }) : "";
      show(output, false, say("record_fails",
        { position: failure.position, event, hash, reason: told(failure.said) }), checked);
    } else {
      show(output, false, say("not_verified", { reason: told(failure.said) }), checked);
    }
  }

  async function run(button) {
    const output = outputFor(button);
    if (!output) return;
    if (!pinned()) {
      pending = button;
      show(output, null, say("pin_first"));
      openForm();
      return;
    }
    if (button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true"); // not disabled: the button keeps the focus
    show(output, null, say("verifying"));
    try {
      const response = await fetch(bundleUrl(button.dataset.verifyBundle), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        const detail = problem.detail ? say("detail", { detail: problem.detail }) : "";
        show(output, false, say("not_fetched", { status: response.status, detail }));
        return;
      }
      report(output, await LedgerVerify.verifyBundle(await response.text(), pinned()));
    } catch (error) {
      show(output, false, say("not_verified", { reason: error.message }));
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  function openForm() {
    panel.form.hidden = false;
    panel.input.focus();
  }

  async function pin(event) {
    event.preventDefault();
    const text = panel.input.value.trim();
    try {
      const key = await LedgerVerify.parseKey(text);
      localStorage.setItem(STORE, text);
      panel.form.hidden = true;
      panel.input.value = "";
      panel.error.textContent = "";
      describe(`${key.name}+${key.id}`);
      if (pending) run(pending);
      pending = null;
    } catch (error) {
      panel.error.textContent = error.failure ? told(error.failure.said) : error.message;
      panel.input.focus();
    }
  }

  async function describe(known) {
    let shown = known;
    if (!shown && pinned()) {
      shown = await LedgerVerify.parseKey(pinned()).then((k) => `${k.name}+${k.id}`, () => null);
    }
    panel.status.textContent = shown
      ? say("pinned", { key: shown, id: shown.split("+")[1] }) : say("none_pinned");
    panel.change.textContent = say(shown ? "change" : "pin_one");
  }

  function buildPanel(place) {
    const status = element("p", { "data-verify-key-status": "" });
    const change = element("button", { type: "button" }, say("change"));
    const form = element("form", { "data-verify-key-form": "" });
    const input = element("input", {
      name: "key", required: "", autocomplete: "off", spellcheck: "false", size: "60",
    });
    const label = element("label", {}, `${say("key_label")} `);
    label.append(input);
    const error = element("p", { role: "alert" });
    form.append(label, element("button", { type: "submit" }, say("pin")), error);
    form.hidden = true;
    form.addEventListener("submit", pin);
    change.addEventListener("click", openForm);
    const box = element("div", { "data-verify-key-panel": "" });
    box.append(status, change, form);
    place(box);
    panel = { status, change, form, input, error };
    describe();
  }

  function bind() {
    const buttons = document.querySelectorAll("button[data-verify-bundle]");
    if (!buttons.length) return;
    const slot = document.querySelector("[data-verify-key]");
    const after = outputFor(buttons[0]) || buttons[0];
    buildPanel(slot ? (box) => slot.append(box) : (box) => after.after(box));
    buttons.forEach((button) => button.addEventListener("click", () => run(button)));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", bind);
  else bind();
})();
