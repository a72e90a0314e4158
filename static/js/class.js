// The class dashboard: on every live event, fetch the live part again (at
// most one request at a time, a burst of events coalesced into one).

const main = document.querySelector("main[data-class-live]");
const region = document.querySelector("[data-live-region]");
let timer = null;
let busy = false;
let again = false;

async function refresh() {
  if (busy) { again = true; return; }
  busy = true;
  try {
    const response = await fetch(main.dataset.classLive, { credentials: "same-origin" });
    if (response.ok) region.innerHTML = await response.text();
  } finally {
    busy = false;
    if (again) { again = false; schedule(); }
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 250);
}

if (main && region) {
  for (const note of document.querySelectorAll(".no-js-only")) note.hidden = true;
  document.addEventListener("counterpoint:event", schedule);
}
