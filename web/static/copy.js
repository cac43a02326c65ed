// Copy buttons: a button with data-copy="ID" copies the value of the
// input ID. Without JavaScript the button stays hidden and the input,
// read-only, can be selected and copied by hand.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const input = document.getElementById(button.dataset.copy);
  if (!input || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(input.value);
    button.setAttribute("aria-pressed", "true");
  });
}
