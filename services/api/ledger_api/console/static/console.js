// The console's own script: small, no framework. Pages work without it; it only adds
// conveniences.
"use strict";

// A development sign-in link (/console/sign-in#token=…) fills in the token and signs in:
// the token travels in the fragment, which the browser never sends to the server or logs.
function signInFromFragment() {
  const form = document.querySelector("form[data-sign-in]");
  const found = /^#token=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (!form || !found) return;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  form.querySelector("input[name=token]").value = found[1];
  form.submit();
}

// Controls marked data-autosubmit submit their form when changed (the as-of slider),
// those of a part of the page swapped in later (htmx) too: one listener for the document.
function autoSubmit() {
  document.addEventListener("change", (event) => {
    const control = event.target;
    if (control.matches?.("[data-autosubmit]") && control.form) control.form.requestSubmit();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  signInFromFragment();
  autoSubmit();
});
