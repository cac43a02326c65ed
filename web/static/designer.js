// The badge designer's preview follows the form as it is edited; without
// script, the form's Preview button does the same with a GET.
(() => {
  const form = document.getElementById("designer");
  const img = document.getElementById("preview");
  if (!form || !img) return;
  let timer;
  const update = () => {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) {
      if (k !== "name" && k !== "tags" && k !== "format") q.append(k, v);
    }
    img.src = form.dataset.preview + "?" + q.toString();
    const err = document.getElementById("design-error");
    if (err) err.hidden = true;
  };
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 250); });
  form.addEventListener("change", update);
})();
