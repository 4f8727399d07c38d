/* The demo page: example questions, this server's snippet, the list of articles. */
(function () {
  "use strict";
  // The example questions open the widget and ask it.
  var buttons = document.querySelectorAll("button.example");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function (event) {
      var question = event.currentTarget.getAttribute("data-question");
      if (window.hoidapWidget) {
        window.hoidapWidget.ask(question);
      }
    });
  }

  // The snippet shows this server's own address.
  var snippet = document.getElementById("snippet");
  snippet.textContent = snippet.textContent.split("https://may-chu-hoidap")
    .join(window.location.origin);

  // The articles the service answers from.
  var box = document.getElementById("documents");
  function show(node) {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    box.appendChild(node);
  }
  fetch("/api/documents").then(function (response) {
    if (!response.ok) { throw new Error(String(response.status)); }
    return response.json();
  }).then(function (data) {
    var list = document.createElement("ul");
    list.className = "doc-list";
    (data.documents || []).forEach(function (doc) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "/documents/" + encodeURIComponent(doc.doc_id);
      link.textContent = doc.title;
      item.appendChild(link);
      if (doc.province) {
        item.appendChild(document.createTextNode(" — " + doc.province));
      }
      list.appendChild(item);
    });
    show(list);
  }).catch(function () {
    var p = document.createElement("p");
    p.className = "muted";
    p.textContent = "Chưa tải được danh sách bài viết (hệ thống có thể đang khởi động).";
    show(p);
  });
})();
