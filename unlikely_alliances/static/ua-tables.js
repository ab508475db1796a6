// Sortable, searchable tables (class "ua-sortable"): header buttons sort, a search field filters rows.
// Plain script, no globals: everything lives inside this function.
(() => {
  function enhance(table) {
    const body = table.tBodies[0];
    const headers = [...table.tHead.rows[0].cells];
    headers.forEach((cell, column) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "ua-sort";
      button.textContent = cell.textContent;
      cell.textContent = "";
      cell.appendChild(button);
      button.addEventListener("click", () => {
        const ascending = cell.getAttribute("aria-sort") !== "ascending";
        headers.forEach((h) => h.removeAttribute("aria-sort"));
        cell.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const rows = [...body.rows];
        const key = (row) => row.cells[column].textContent.trim();
        rows.sort((a, b) => {
          const [x, y] = [key(a), key(b)];
          const [nx, ny] = [parseFloat(x), parseFloat(y)];
          const order = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
          return ascending ? order : -order;
        });
        rows.forEach((row) => body.appendChild(row));
      });
    });
    const label = document.createElement("label");
    label.className = "ua-search";
    label.textContent = "Search this table: ";
    const input = document.createElement("input");
    input.type = "search";
    label.appendChild(input);
    table.parentElement.insertBefore(label, table);
    input.addEventListener("input", () => {
      const needle = input.value.toLowerCase();
      for (const row of body.rows) {
        row.hidden = needle !== "" && !row.textContent.toLowerCase().includes(needle);
      }
    });
  }
  const start = () => document.querySelectorAll("table.ua-sortable").forEach(enhance);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
