// Debate page enhancements: votes without reloading, live tallies over a websocket.
// Without this script every form still works as a plain post.

const main = document.querySelector("main[data-debate]");
const status = document.createElement("p");
status.className = "visually-hidden";
status.setAttribute("role", "status");
document.body.append(status);

function setTally(claimId, tally) {
  for (const box of document.querySelectorAll(`[data-tally-for="${claimId}"]`)) {
    for (const field of box.querySelectorAll("[data-field]")) {
      const value = tally[field.dataset.field];
      field.textContent = value === null || value === undefined ? "–" : value;
    }
    let x = 0;
    for (const kind of ["agree", "disagree", "pass"]) {
      const bar = box.querySelector(`[data-bar="${kind}"]`);
      const width = tally.voters ? (100 * tally[kind]) / tally.voters : 0;
      if (bar) {
        bar.setAttribute("x", x.toFixed(2));
        bar.setAttribute("width", width.toFixed(2));
      }
      x += width;
    }
  }
}

function setMine(form, result) {
  for (const button of form.querySelectorAll("button[name=stance][value]")) {
    if (button.value) button.setAttribute("aria-pressed", String(button.value === result.my_stance));
    else button.hidden = !result.my_stance;
  }
  const select = form.querySelector("select[name=value]");
  if (select) select.value = result.my_impact === null ? "" : String(result.my_impact);
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches("[data-live-vote]")) return;
  event.preventDefault();
  const body = new FormData(form);
  if (event.submitter && event.submitter.name) body.set(event.submitter.name, event.submitter.value);
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    const result = await response.json();
    if (!response.ok) throw new Error(result.error || response.statusText);
    setMine(form, result);
    if (main && main.dataset.perspective === "everyone") setTally(result.claim, result);
    status.textContent = "Your vote was saved.";
  } catch (error) {
    status.textContent = `Your vote was not saved: ${error.message}`;
    form.submit(); // fall back to the plain post, which shows the reason
  }
});

// live.js owns the websocket and passes every event on as a DOM event.
// Live tallies count everyone; a side or participant view stays as loaded.
// Events may arrive out of order: each tally is numbered, and a claim keeps
// the highest number it was shown (unnumbered ones, without PostgreSQL, apply).
const shown = new Map();

document.addEventListener("counterpoint:event", (event) => {
  const data = event.detail;
  if (data.event !== "tally.changed" || !main || main.dataset.perspective !== "everyone") return;
  if (typeof data.version === "number") {
    if (data.version <= (shown.get(data.claim_id) ?? -1)) return;
    shown.set(data.claim_id, data.version);
  }
  setTally(data.claim_id, data.tally);
});

// After a reconnect live.js fetched the page again: take its tallies (events
// sent while the socket was down were lost).
document.addEventListener("counterpoint:resync", (event) => {
  const fresh = event.detail.doc;
  for (const box of document.querySelectorAll("[data-tally-for]")) {
    const same = fresh.querySelector(`[data-tally-for="${box.dataset.tallyFor}"]`);
    if (same) box.replaceChildren(...document.importNode(same, true).childNodes);
  }
});
