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

function onPhase(data) {
  const banner = document.querySelector("[data-phase-banner]");
  if (!banner) return;
  if (data.phase !== banner.dataset.phase) {
    banner.querySelector("[data-phase-label]").textContent = data.label;
    banner.querySelector("[data-phase-hint]").textContent = data.hint || "";
    banner.querySelector("[data-phase-reload]").hidden = false;
    banner.dataset.phase = data.phase;
  }
  const next = banner.querySelector("[data-phase-next]");
  next.hidden = !data.next_at;
  if (data.next_at) {
    next.querySelector("[data-next-label]").textContent = data.next_label;
    next.querySelector("time").setAttribute("datetime", data.next_at);
    countdown();
  }
}

// The phase banner as the page fetched afresh shows it.
function phaseOf(doc) {
  const banner = doc.querySelector("[data-phase-banner]");
  if (!banner) return null;
  const next = banner.querySelector("[data-phase-next]");
  const due = !next.hidden && next.querySelector("time").getAttribute("datetime");
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
if (document.querySelector("time[data-countdown]") || anchor) {
  countdown();
  setInterval(countdown, 1000);
}
