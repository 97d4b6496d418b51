// Behaviour that must not live in inline scripts (the content security policy forbids them).
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.dataset.autosubmit !== undefined) {
    target.form.submit();
  }
});
document.body.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("[name=csrfmiddlewaretoken]");
  if (token) event.detail.headers["X-CSRFToken"] = token.value;
});

// Tables become cards on phones (site.css): each cell gets its column's heading as data-label.
function cardTables(root) {
  root.querySelectorAll("main table").forEach((table) => {
    if (table.classList.contains("bl-nocards")) return;
    const heads = Array.from(table.querySelectorAll(":scope > thead > tr:last-child > th")).map((th) =>
      th.textContent.trim(),
    );
    if (heads.length === 0) return;
    table.classList.add("bl-cards");
    table.querySelectorAll(":scope > tbody > tr").forEach((row) => {
      let column = 0;
      for (const cell of row.children) {
        const label = heads[column];
        if (label && !cell.hasAttribute("data-label") && cell.colSpan === 1) cell.dataset.label = label;
        column += cell.colSpan || 1;
      }
    });
  });
}
cardTables(document);
document.body.addEventListener("htmx:afterSettle", (event) => cardTables(event.target.closest("main") || document));

// Photos from the camera are downsized in the browser before upload: an input with data-compress="1600" keeps
// PDFs as they are and redraws each image at most 1600 px on its long side as a JPEG.
const pendingCompressions = new WeakMap();

async function compressImage(file, longest) {
  if (!file.type.startsWith("image/") || file.type === "image/gif" || file.type === "image/svg+xml") return file;
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, longest / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.type === "image/jpeg" && file.size <= 1024 * 1024) return file;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff"; // a transparent PNG turns white, not black, as a JPEG
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.82));
  if (!blob || blob.size >= file.size) return file;
  const name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
  return new File([blob], name, { type: "image/jpeg", lastModified: Date.now() });
}

// An input with data-preview="ID" shows the picture it will send in the <img id="ID"> (the portal's photo: a
// person who does not read much sees that the photo is there).
function showPreview(input, file) {
  const preview = input.dataset.preview && document.getElementById(input.dataset.preview);
  if (!preview) return;
  if (file && file.type.startsWith("image/")) {
    // A data: address, which the content security policy allows for images (a blob: one it does not).
    const reader = new FileReader();
    reader.onload = () => {
      preview.src = reader.result;
      preview.hidden = false;
    };
    reader.readAsDataURL(file);
  } else {
    preview.removeAttribute("src");
    preview.hidden = true;
  }
}

document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || input.dataset.compress === undefined) return;
  if (!input.files || input.files.length === 0) return;
  const longest = Number(input.dataset.compress) || 1600;
  const work = Promise.all(Array.from(input.files).map((file) => compressImage(file, longest).catch(() => file)))
    .then((files) => {
      const transfer = new DataTransfer();
      files.forEach((file) => transfer.items.add(file));
      input.files = transfer.files;
      input.dataset.compressed = files.map((file) => file.size).join(",");
      showPreview(input, files[0]);
    })
    .finally(() => {
      if (input.form && pendingCompressions.get(input.form) === work) pendingCompressions.delete(input.form);
    });
  if (input.form) pendingCompressions.set(input.form, work);
});

// A form submitted while its photo is still being compressed waits for it, then submits.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const work = pendingCompressions.get(form);
  if (!work) return;
  event.preventDefault();
  const submitter = event.submitter;
  work.then(() => form.requestSubmit(submitter || undefined));
});
