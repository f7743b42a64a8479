// The deadline board: every unmet deadline counts down, and turns due soon and then
// missed as the clock passes (the ledger's rules: due soon from the lead time before the
// due time, missed strictly after it); the rows are read again whenever the server says
// the ledger's read models moved (server-sent events), without reloading the page.
"use strict";

const TURNING = new Set(["pending", "due_soon"]);

function left(seconds) {
  const sign = seconds < 0 ? "−" : "";
  let rest = Math.floor(Math.abs(seconds));
  const days = Math.floor(rest / 86400);
  rest -= days * 86400;
  const clock = [Math.floor(rest / 3600), Math.floor((rest % 3600) / 60), rest % 60]
    .map((n) => String(n).padStart(2, "0")).join(":");
  return sign + (days ? `${days} d ` : "") + clock;
}

function stateAt(row, now) {
  const due = Date.parse(row.dataset.due);
  if (due < now) return "missed";
  if (due - Number(row.dataset.lead) * 1000 <= now) return "due_soon";
  return "pending";
}

function tick(board) {
  const now = Date.now();
  for (const row of board.querySelectorAll("tr[data-due]")) {
    const was = row.dataset.state;
    if (!TURNING.has(was) && was !== "missed") continue;
    row.querySelector(".countdown").textContent = left((Date.parse(row.dataset.due) - now) / 1000);
    if (!TURNING.has(was)) continue;
    const state = stateAt(row, now);
    if (state === was) continue;
    row.dataset.state = state;
    row.className = state;
    const badge = row.querySelector(".badge");
    badge.className = `badge ${state.replace("_", "-")}`;
    badge.textContent = board.dataset[`word${state[0].toUpperCase()}${state.slice(1)}`] || state;
  }
}

async function reread(board, status) {
  const query = window.location.search;
  const answer = await fetch(status.dataset.rows + query, { credentials: "same-origin" });
  if (!answer.ok) return;
  // A keyboard user's place is kept: the link focused before is focused again.
  const focused = board.contains(document.activeElement)
    ? document.activeElement.getAttribute("href") : null;
  board.innerHTML = await answer.text();
  const again = focused && board.querySelector(`a[href="${CSS.escape(focused)}"]`);
  if (again) again.focus();
  tick(board);
  status.textContent = `${status.dataset.updated} (${new Date().toLocaleTimeString()})`;
}

function follow(board, status) {
  const events = new EventSource(status.dataset.live);
  events.addEventListener("moved", () => reread(board, status));
  events.addEventListener("ready", () => board.dataset.seen === undefined
    ? (board.dataset.seen = "1") : reread(board, status));  // caught up after a reconnection
  events.onerror = () => { status.textContent = status.dataset.offline; };
}

document.addEventListener("DOMContentLoaded", () => {
  const board = document.getElementById("board-rows");
  const status = document.getElementById("board-status");
  if (!board || !status) return;
  tick(board);
  window.setInterval(() => tick(board), 1000);
  follow(board, status);
});
