// Duplicate hint: while someone writes a claim, the debate's claims most like
// the draft are listed ("say it there instead?"). Without this script the
// server shows them once, on submit.

const WAIT_MS = 400; // after the last keystroke
const MIN_LENGTH = 12; // shorter drafts match everything

function claimLink(template, id) {
  return template.replace(/\/0\/$/, `/${id}/`);
}

function render(box, host, field, rows) {
  box.replaceChildren();
  const seen = field.form && field.form.querySelector("[data-similar-seen]");
  if (!rows.length) {
    box.hidden = true;
    if (seen) seen.value = "False";
    return;
  }
  const intro = document.createElement("p");
  intro.textContent = "Similar claims are already in the debate. Say it there instead?";
  const list = document.createElement("ul");
  for (const row of rows) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = claimLink(host.dataset.similarClaimUrl, row.id);
    link.textContent = row.text;
    const score = document.createElement("span");
    score.className = "meta";
    score.textContent = ` (${Math.round(row.score * 100)} % alike)`;
    item.append(link, score);
    list.append(item);
  }
  box.append(intro, list);
  box.hidden = false;
  // The writer has seen them: the server need not ask again on submit.
  if (seen) seen.value = "True";
}

function watch(host) {
  const field = host.querySelector("textarea");
  const box = document.getElementById(host.dataset.similarBox);
  if (!field || !box) return;
  const minScore = Number(host.dataset.similarMin || 0);
  const exclude = host.dataset.similarExclude;
  let timer = null;
  let controller = null;
  let last = "";
  field.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = field.value.trim();
      if (text === last) return;
      last = text;
      if (controller) controller.abort();
      if (text.length < MIN_LENGTH) {
        render(box, host, field, []);
        return;
      }
      controller = new AbortController();
      try {
        const url = `${host.dataset.similarUrl}?text=${encodeURIComponent(text.slice(0, 2000))}`;
        const response = await fetch(url, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          signal: controller.signal,
        });
        if (!response.ok) return;
        const rows = await response.json();
        render(box, host, field, rows.filter((r) => r.score >= minScore && String(r.id) !== exclude));
      } catch (error) {
        if (error.name !== "AbortError") render(box, host, field, []);
      }
    }, WAIT_MS);
  });
}

for (const host of document.querySelectorAll("[data-similar-url]")) watch(host);
