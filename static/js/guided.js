// Guided voting in place: a vote is posted with fetch and the next claim's
// card replaces this one, with no page load. Without this script the form
// is a plain post that comes back to the next claim.

{ // a block: classic scripts share one scope
  const section = () => document.querySelector("[data-guided-vote]");

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const card = section();
    if (!card || !card.contains(form) || !form.matches(".vote-form")) return;
    event.preventDefault();
    const body = new FormData(form);
    if (event.submitter && event.submitter.name) body.set(event.submitter.name, event.submitter.value);
    card.classList.add("is-loading");
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    try {
      // The plain post answers with a redirect to the next claim: fetch
      // follows it and we take its card.
      const response = await fetch(form.action, { method: "POST", body, credentials: "same-origin" });
      if (!response.ok || !response.url.includes("/vote/")) throw new Error(response.statusText);
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const next = doc.querySelector("[data-guided-vote]");
      if (!next) throw new Error("no card");
      card.replaceWith(document.importNode(next, true));
      const heading = section().querySelector(".claim-text, p");
      if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
      document.dispatchEvent(new CustomEvent("counterpoint:voted"));
    } catch {
      form.submit(); // the plain post shows the reason
    }
  });
}
