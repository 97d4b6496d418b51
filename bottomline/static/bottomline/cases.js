// The queues page: select the cases whose public notice has ended, or none (no inline scripts under the CSP).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-select]");
  if (!button) return;
  const boxes = document.querySelectorAll("#case-table input[name=case_ids]");
  for (const box of boxes) {
    box.checked = button.dataset.select === "notice-ended" && box.dataset.noticeEnded === "1";
  }
});
