/* DOM helpers shared by the search and article pages. Text is always set as text. */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function showStatus(box, kind, text) {
    clear(box);
    if (!text) { return; }
    var message = el("p", kind ? "message " + kind : "muted", text);
    if (kind === "error") { message.setAttribute("role", "alert"); }
    box.appendChild(message);
  }

  // Dates are shown and typed as dd/mm/yyyy (ngày/tháng/năm) whatever the browser's locale;
  // the API speaks ISO yyyy-mm-dd.
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function validDate(year, month, day) {
    if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1) { return false; }
    var probe = new Date(Date.UTC(year, month - 1, day));
    return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 &&
      probe.getUTCDate() === day;
  }

  // "2024-01-27" (or a longer ISO timestamp) -> "27/01/2024"; anything else as it is.
  function formatDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/.exec(String(iso || ""));
    return m ? m[3] + "/" + m[2] + "/" + m[1] : String(iso || "");
  }

  // "27/1/2024" (also 27-1-2024, 27.1.2024, or ISO 2024-01-27) -> "2024-01-27"; "" for an
  // empty field; null when it is not a real date.
  function parseDate(text) {
    var value = String(text || "").trim();
    if (!value) { return ""; }
    var day;
    var month;
    var year;
    var m = /^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$/.exec(value);
    if (m) {
      day = Number(m[1]); month = Number(m[2]); year = Number(m[3]);
    } else if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value))) {
      year = Number(m[1]); month = Number(m[2]); day = Number(m[3]);
    } else {
      return null;
    }
    return validDate(year, month, day) ? year + "-" + pad(month) + "-" + pad(day) : null;
  }

  window.hoidapPages = {
    el: el, clear: clear, showStatus: showStatus, formatDate: formatDate, parseDate: parseDate,
  };
})();
