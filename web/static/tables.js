// On a phone a wide table is read as cards, one per row (app.css, max-width 767px): each cell is
// labelled with its column's header here, so a card reads "状态 使用中" rather than a bare value.
// Run for the first page and for every piece htmx swaps in (hx-boost swaps whole bodies).
(function () {
  function headerRow(table) {
    const row = table.querySelector("tr");
    return row && row.querySelector("th") && !row.querySelector("td") ? row : null;
  }
  function names(row) {
    const out = [];
    for (const cell of row.children) {
      for (let i = 0; i < (cell.colSpan || 1); i++) out.push(cell.textContent.trim());
    }
    return out;
  }
  function label(root) {
    const scope = root.querySelectorAll ? root : document;
    const tables = scope.matches && scope.matches(".table-wrap table")
      ? [scope] : scope.querySelectorAll(".table-wrap table");
    for (const table of tables) {
      const head = headerRow(table);
      if (!head) continue;
      const columns = names(head);
      head.classList.add("head");
      table.classList.add("cards");
      for (const row of table.querySelectorAll("tr")) {
        if (row === head) continue;
        let at = 0;
        for (const cell of row.children) {
          if (columns[at] && (cell.colSpan || 1) === 1) cell.dataset.label = columns[at];
          at += cell.colSpan || 1;
        }
      }
    }
  }
  if (window.htmx) htmx.onLoad(label); else document.addEventListener("DOMContentLoaded", () => label(document));
})();
