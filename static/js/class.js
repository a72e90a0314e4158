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
    if (response.ok) {
      region.innerHTML = await response.text();
      document.dispatchEvent(new CustomEvent("counterpoint:localize", { detail: region }));
    }
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

// The schedule in the browser's time zone: saved times (UTC in data-utc)
// shown back in local time, and the zone sent with the form.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
for (const field of document.querySelectorAll("input[name=time_zone]")) field.value = zone;
for (const name of document.querySelectorAll("[data-tz-name]")) name.textContent = `your time zone (${zone})`;
const pad = (n) => String(n).padStart(2, "0");
for (const input of document.querySelectorAll("input[data-utc]")) {
  const at = new Date(input.dataset.utc);
  if (Number.isNaN(at.getTime())) continue;
  input.value = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}
