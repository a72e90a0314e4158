// Fills the "Annotate a passage" form from a text selection: the quote and
// its start, counted in characters of the text itself (the citation and
// annotation markers, marked data-not-text, are not part of it). Without this
// module the form works the same with the quote typed in.

const form = document.querySelector("[data-annotate-form]");
const container = form && document.querySelector(form.dataset.annotateText);

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
  return { quote, start: textOf(before.cloneContents()).length };
}

function fill() {
  const passage = selectedPassage();
  if (!passage) return;
  form.querySelector("[data-annotate=quote]").value = passage.quote;
  form.querySelector("[data-annotate=start]").value = String(passage.start);
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

if (form && container) {
  for (const type of ["mouseup", "keyup", "touchend"]) {
    container.addEventListener(type, fill);
  }
  // A typed quote has no known position: the server finds it by its words.
  form
    .querySelector("[data-annotate=quote]")
    .addEventListener("input", () => {
      form.querySelector("[data-annotate=start]").value = "";
    });
}
