// One websocket per debate page (any page of a debate carries
// data-live-debate): passes each event on as a "counterpoint:event" DOM
// event, keeps the person marked online (a ping every 30 s), and keeps the
// phase banner and its countdown up to date. Pages work without it.
// Events sent while the socket was down are lost: when it reconnects, the
// page is fetched again and passed on as a "counterpoint:resync" DOM event
// (the phase banner and debate.js's tallies catch up from it).

const anchor = document.querySelector("[data-live-debate]");

const ticked = new Set();

function csrfToken() {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// At zero, ask the server to open the due phase (idempotent; beat does the
// same, and the embedded default has no beat).
function tick(url, at) {
  if (!url || ticked.has(at)) return;
  ticked.add(at);
  fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() } });
}

function countdown() {
  for (const time of document.querySelectorAll("time[data-countdown]")) {
    const at = Date.parse(time.getAttribute("datetime"));
    if (Number.isNaN(at)) continue;
    const left = Math.max(0, Math.round((at - Date.now()) / 1000));
    if (left === 0) tick(time.closest("[data-phase-tick]")?.dataset.phaseTick, at);
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    time.textContent = left >= 3600
      ? `${Math.floor(minutes / 60)} h ${minutes % 60} min`
      : `${minutes}:${seconds}`;
  }
}

// Times are stored in UTC and shown in the browser's time zone: "14:05",
// or "9 Dec, 14:05" when not today.
function localTimes(root = document) {
  for (const time of root.querySelectorAll("time[data-local-time]")) {
    const at = new Date(time.getAttribute("datetime"));
    if (Number.isNaN(at.getTime())) continue;
    const clock = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    time.textContent = at.toDateString() === new Date().toDateString()
      ? clock
      : `${at.toLocaleDateString([], { day: "numeric", month: "short" })}, ${clock}`;
  }
}

function onPhase(data) {
  const banner = document.querySelector("[data-phase-banner]");
  if (!banner) return;
  if (data.phase !== banner.dataset.phase) {
    banner.querySelector("[data-phase-label]").textContent = data.label;
    banner.querySelector("[data-phase-hint]").textContent = data.hint || "";
    banner.dataset.phase = data.phase;
    swap();
  }
  const next = banner.querySelector("[data-phase-next]");
  next.hidden = !data.next_at;
  if (data.next_at) {
    next.querySelector("[data-next-label]").textContent = data.next_label;
    for (const time of next.querySelectorAll("time")) time.setAttribute("datetime", data.next_at);
    localTimes(next);
    countdown();
  }
}

// A new phase allows other things: fetch the page again and put its main
// part in place (forms, buttons, the banner), keeping what the person has
// typed and where the focus was. If that fails, ask for a reload.
async function swap() {
  const main = document.querySelector("main");
  let doc;
  try {
    const response = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error(response.statusText);
    doc = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch {
    const note = document.querySelector("[data-phase-reload]");
    if (note) note.hidden = false;
    return;
  }
  const fresh = doc.querySelector("main");
  if (!main || !fresh) return;
  const typed = new Map();
  for (const field of main.querySelectorAll("textarea, input[type=text], input[type=search], input:not([type])")) {
    if (field.id && field.value) typed.set(field.id, field.value);
  }
  const focused = document.activeElement && main.contains(document.activeElement) ? document.activeElement.id : "";
  main.replaceChildren(...Array.from(fresh.childNodes, (node) => document.importNode(node, true)));
  for (const [id, value] of typed) {
    const field = document.getElementById(id);
    if (field && "value" in field) field.value = value;
  }
  if (focused && document.getElementById(focused)) document.getElementById(focused).focus({ preventScroll: true });
  localTimes();
  countdown();
  document.dispatchEvent(new CustomEvent("counterpoint:swapped"));
}

// The phase banner as the page fetched afresh shows it.
function phaseOf(doc) {
  const banner = doc.querySelector("[data-phase-banner]");
  if (!banner) return null;
  const next = banner.querySelector("[data-phase-next]");
  const due = !next.hidden && next.querySelector("time[data-countdown]").getAttribute("datetime");
  return {
    phase: banner.dataset.phase,
    label: banner.querySelector("[data-phase-label]").textContent,
    next_at: due || null,
    next_label: due ? next.querySelector("[data-next-label]").textContent : "",
  };
}

async function resync() {
  let doc;
  try {
    const response = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return;
    doc = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch {
    return; // offline again: the next reconnect tries again
  }
  const phase = phaseOf(doc);
  if (phase) onPhase(phase);
  document.dispatchEvent(new CustomEvent("counterpoint:resync", { detail: { doc } }));
}

// Whether events may have been missed: the socket closed (or never opened).
let missed = false;

function connect(delay = 1000) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/debates/${anchor.dataset.liveDebate}/`);
  let ping = null;
  let settled = null;
  socket.addEventListener("message", (message) => {
    const data = JSON.parse(message.data);
    if (data.event === "phase.changed") onPhase(data);
    document.dispatchEvent(new CustomEvent("counterpoint:event", { detail: data }));
  });
  socket.addEventListener("open", () => {
    delay = 1000;
    ping = setInterval(() => socket.send(JSON.stringify({ type: "ping" })), 30000);
    document.dispatchEvent(new CustomEvent("counterpoint:event", { detail: { event: "socket.open" } }));
    // Catch up once the socket is back (so no later event is missed) and
    // stays: one the server closes at once (4503: live updates away) does not.
    if (missed) settled = setTimeout(() => { missed = false; resync(); }, 500);
  });
  socket.addEventListener("close", () => {
    missed = true;
    clearTimeout(settled);
    clearInterval(ping);
    setTimeout(() => connect(Math.min(delay * 2, 30000)), delay);
  });
}

if (anchor && "WebSocket" in window) connect();
localTimes();
document.addEventListener("counterpoint:localize", (event) => localTimes(event.detail || document));
if (document.querySelector("time[data-countdown]") || anchor) {
  countdown();
  setInterval(countdown, 1000);
}
