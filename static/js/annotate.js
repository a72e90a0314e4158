// Annotating by selection, as on Hypothesis: selecting words of the text
// opens a small adder at the selection (Highlight, Comment, Evidence for,
// Evidence against); its choice fills the "Annotate a passage" form with the
// quote and its start, counted in characters of the plain text (markers and
// other decorations, marked data-not-text, are not part of it), and opens the
// form beside the text. The adder is reached from the keyboard too: with the
// text focused and words selected, Tab moves to it, Escape closes it.
// Highlights and the side panel's annotations are linked both ways.
// Without this module the form works the same with the quote typed in.

const form = document.querySelector("[data-annotate-form]");
const container = form && document.querySelector(form.dataset.annotateText);
const panel = form && form.closest("[data-annotate-panel]");

function textOf(fragment) {
  fragment.querySelectorAll("[data-not-text]").forEach((el) => el.remove());
  return fragment.textContent;
}

function selectedPassage() {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) {
    return null;
  }
  const range = selection.getRangeAt(0);
  if (!container.contains(range.commonAncestorContainer)) return null;
  const before = document.createRange();
  before.setStart(container, 0);
  before.setEnd(range.startContainer, range.startOffset);
  const quote = textOf(range.cloneContents());
  if (!quote.trim()) return null;
  return { quote, start: textOf(before.cloneContents()).length, range };
}

function field(name) {
  return form.querySelector(`[data-annotate=${name}]`);
}

function fill(passage) {
  field("quote").value = passage.quote;
  field("start").value = String(passage.start);
  const details = form.closest("details");
  if (details) details.open = true;
  const status = form.querySelector("[data-annotate-status]");
  if (status) {
    const shown = passage.quote.length > 80
      ? `${passage.quote.slice(0, 80)}…`
      : passage.quote;
    status.textContent = `Selected: “${shown}”. Add a comment, tags or a claim below.`;
  }
}

// --- The adder ---------------------------------------------------------------

const ACTIONS = [
  ["highlight", "Highlight"],
  ["comment", "Comment"],
  ["supports", "Evidence for"],
  ["opposes", "Evidence against"],
];

function buildAdder() {
  const adder = document.createElement("div");
  adder.className = "adder";
  adder.setAttribute("role", "toolbar");
  adder.setAttribute("aria-label", "Annotate the selected words");
  adder.hidden = true;
  for (const [action, label] of ACTIONS) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.adder = action;
    button.textContent = label;
    adder.append(button);
  }
  // Pressing a button must not drop the selection it acts on.
  adder.addEventListener("mousedown", (event) => event.preventDefault());
  adder.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      hideAdder();
      container.focus();
    }
  });
  container.after(adder);
  return adder;
}

let adder = null;
let pending = null;

function showAdder(passage) {
  pending = passage;
  const rects = passage.range.getClientRects();
  const last = rects[rects.length - 1] || passage.range.getBoundingClientRect();
  adder.hidden = false;
  adder.style.left = "0px"; // its natural width, before it is placed
  const width = adder.offsetWidth;
  const left = Math.max(
    4,
    Math.min(last.right + window.scrollX - width / 2, document.documentElement.clientWidth + window.scrollX - width - 4),
  );
  adder.style.left = `${left}px`;
  adder.style.top = `${last.bottom + window.scrollY + 6}px`;
}

function hideAdder() {
  if (adder) adder.hidden = true;
}

function openForm() {
  if (panel) panel.classList.remove("is-idle");
}

function act(action) {
  if (!pending) return;
  fill(pending);
  hideAdder();
  openForm();
  const relation = form.querySelector(
    `input[name=relation][value="${action === "supports" || action === "opposes" ? action : ""}"]`,
  );
  if (relation) relation.checked = true;
  if (action === "highlight") {
    form.requestSubmit();
    return;
  }
  const target = action === "comment"
    ? form.querySelector("textarea[name=body]")
    : form.querySelector("input[name=evidence_claim]");
  target.scrollIntoView({ block: "nearest" });
  target.focus();
}

function onSelection() {
  const passage = selectedPassage();
  if (passage) {
    fill(passage);
    if (adder) showAdder(passage);
  } else if (adder && !adder.contains(document.activeElement)) {
    hideAdder();
  }
}

if (form && container) {
  // On a source page and on a claim's wording alike (there the form opens
  // in its fold below the claim).
  {
    adder = buildAdder();
    adder.addEventListener("click", (event) => {
      const button = event.target.closest("[data-adder]");
      if (button) act(button.dataset.adder);
    });
    container.addEventListener("keydown", (event) => {
      if (event.key === "Tab" && !event.shiftKey && !adder.hidden) {
        event.preventDefault();
        adder.querySelector("button").focus();
      } else if (event.key === "Escape") {
        hideAdder();
      }
    });
  }
  let timer = null;
  document.addEventListener("selectionchange", () => {
    clearTimeout(timer);
    timer = setTimeout(onSelection, 60);
  });
  for (const type of ["mouseup", "keyup", "touchend"]) {
    container.addEventListener(type, onSelection);
  }
  // A typed quote has no known position: the server finds it by its words.
  field("quote").addEventListener("input", () => {
    field("start").value = "";
  });
  const open = document.querySelector("[data-annotate-open]");
  if (open) {
    open.addEventListener("click", () => {
      openForm();
      field("quote").focus();
    });
  }
  // The form waits, folded, for a selection; one that came back with errors
  // (or with what was typed) stays open.
  if (panel && !form.querySelector(".errorlist, [role=alert]") && !field("quote").value) {
    panel.classList.add("is-idle");
  }
}

// --- Highlights and the side panel, linked both ways ---------------------------

function flash(element) {
  element.classList.add("is-active");
  setTimeout(() => element.classList.remove("is-active"), 1600);
}

document.addEventListener("click", (event) => {
  const mark = event.target.closest("mark[data-annotations]");
  if (!mark || !window.getSelection().isCollapsed) return;
  const first = mark.dataset.annotations.split(" ")[0];
  const item = document.getElementById(`annotation-${first}`);
  if (item) {
    item.scrollIntoView({ block: "nearest", behavior: "smooth" });
    flash(item);
  }
});

for (const item of document.querySelectorAll(".annotations-panel li.annotation")) {
  const id = item.id.replace("annotation-", "");
  const marks = () => document.querySelectorAll(`mark[data-annotations~="${id}"]`);
  item.addEventListener("mouseenter", () => marks().forEach((m) => m.classList.add("is-active")));
  item.addEventListener("mouseleave", () => marks().forEach((m) => m.classList.remove("is-active")));
}
