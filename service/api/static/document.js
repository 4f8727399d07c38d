/* The article page /documents/{doc_id}#start-end: the full text, that range highlighted. */
(function () {
  "use strict";

  var statusBox = document.getElementById("status");
  var article = document.getElementById("article");
  var titleNode = document.getElementById("title");
  var metaNode = document.getElementById("meta");
  var textNode = document.getElementById("text");
  var documentText = null;

  var el = window.hoidapPages.el;
  var clear = window.hoidapPages.clear;

  function showStatus(kind, text) {
    window.hoidapPages.showStatus(statusBox, kind, text);
  }

  function docId() {
    var match = window.location.pathname.match(/\/documents\/([^/]+)\/?$/);
    if (!match) { return null; }
    try {
      return decodeURIComponent(match[1]);
    } catch (e) {
      return null;
    }
  }

  // "#827-1178" -> [827, 1178]; anything else -> null.
  function hashRange() {
    var match = window.location.hash.match(/^#(\d+)-(\d+)$/);
    if (!match) { return null; }
    var start = Number(match[1]);
    var end = Number(match[2]);
    return end > start ? [start, end] : null;
  }

  function safeUrl(url) {
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function renderMeta(doc) {
    clear(metaNode);
    var parts = [];
    if (doc.province) { parts.push(["Tỉnh/thành", doc.province]); }
    if (doc.published) { parts.push(["Ngày đăng", window.hoidapPages.formatDate(doc.published)]); }
    if (doc.author) { parts.push(["Tác giả", doc.author]); }
    if (doc.dateline) { parts.push(["Nơi viết", doc.dateline]); }
    parts.forEach(function (part) {
      metaNode.appendChild(el("span", null, part[0] + ": " + part[1]));
    });
    var url = doc.url && safeUrl(doc.url);
    if (url) {
      var span = el("span");
      var link = el("a", null, "Bài gốc ↗");
      link.href = url;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      span.appendChild(link);
      metaNode.appendChild(span);
    }
  }

  // One paragraph per line; the parts of a line inside [start, end) go in a <mark>.
  function renderText(text, range) {
    clear(textNode);
    var offset = 0;
    var lines = text.split("\n");
    var firstMark = null;
    lines.forEach(function (line) {
      var lineStart = offset;
      var lineEnd = offset + line.length;
      offset = lineEnd + 1;
      if (!line.trim()) { return; }
      var p = el("p");
      var from = range ? Math.max(range[0], lineStart) : lineEnd;
      var to = range ? Math.min(range[1], lineEnd) : lineEnd;
      if (!range || from >= to) {
        p.appendChild(document.createTextNode(line));
      } else {
        var before = line.slice(0, from - lineStart);
        var inside = line.slice(from - lineStart, to - lineStart);
        var after = line.slice(to - lineStart);
        if (before) { p.appendChild(document.createTextNode(before)); }
        var mark = el("mark", null, inside);
        p.appendChild(mark);
        if (after) { p.appendChild(document.createTextNode(after)); }
        if (!firstMark) { firstMark = mark; }
      }
      textNode.appendChild(p);
    });
    return firstMark;
  }

  function highlight() {
    if (documentText === null) { return; }
    var range = hashRange();
    if (range && range[0] >= documentText.length) { range = null; }
    var mark = renderText(documentText, range);
    if (mark) {
      mark.setAttribute("tabindex", "-1");
      mark.scrollIntoView({ block: "center" });
    }
  }

  function load() {
    var id = docId();
    if (!id) {
      showStatus("error", "Không tìm thấy bài viết.");
      return;
    }
    fetch("/api/documents/" + encodeURIComponent(id), {
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (response.status === 404) {
        document.title = "Không tìm thấy bài viết — hoidap";
        showStatus("error", "Không tìm thấy bài viết “" + id + "”.");
        statusBox.setAttribute("data-not-found", "true");
        var back = el("p");
        var link = el("a", null, "← Tra cứu các bài viết");
        link.href = "/search";
        back.appendChild(link);
        statusBox.appendChild(back);
        return null;
      }
      if (!response.ok) {
        return response.json().then(function (body) {
          return body && body.detail ? String(body.detail) : "";
        }, function () { return ""; }).then(function (detail) {
          var text = response.status === 503
            ? "Hệ thống đang khởi động hoặc đang nạp dữ liệu. Vui lòng thử lại sau ít phút."
            : "Không tải được bài viết (mã " + response.status + ").";
          showStatus("error", detail ? text + " Chi tiết: " + detail : text);
          return null;
        });
      }
      return response.json();
    }, function () {
      showStatus("error", "Không kết nối được với máy chủ. Vui lòng thử lại.");
      return null;
    }).then(function (doc) {
      if (!doc) { return; }
      showStatus(null, null);
      document.title = doc.title + " — hoidap";
      titleNode.textContent = doc.title;
      renderMeta(doc);
      documentText = typeof doc.text === "string" ? doc.text : "";
      article.hidden = false;
      highlight();
    });
  }

  window.addEventListener("hashchange", highlight);
  load();
})();
