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

  window.hoidapPages = { el: el, clear: clear, showStatus: showStatus };
})();
