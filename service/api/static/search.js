/* The staff search page: ranked passages from /api/search, with the query's words marked. */
(function () {
  "use strict";

  var form = document.getElementById("search-form");
  var queryInput = document.getElementById("q");
  var provinceSelect = document.getElementById("province");
  var fromInput = document.getElementById("from");
  var toInput = document.getElementById("to");
  var retrieverSelect = document.getElementById("retriever");
  var topKSelect = document.getElementById("top_k");
  var submit = document.getElementById("submit");
  var status = document.getElementById("status");
  var results = document.getElementById("results");
  var requestNumber = 0;

  var el = window.hoidapPages.el;
  var clear = window.hoidapPages.clear;

  function showStatus(kind, text) {
    window.hoidapPages.showStatus(status, kind, text);
  }


  // ---- accent-insensitive word matching ---------------------------------------------------

  // One folded character per character of `text` (Vietnamese letters are all in the BMP and
  // fold to one base letter), so offsets in the folded text are offsets in the original.
  function foldChar(c) {
    var base = c.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    if (base === "đ" || base === "Đ") { base = "d"; }
    base = base.toLowerCase();
    return base.length === 1 ? base : c.toLowerCase().charAt(0) || c;
  }

  function fold(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) { out += foldChar(text.charAt(i)); }
    return out;
  }

  var WORD_RE = /[\p{L}\p{N}]+/gu;

  // The query's words: a word typed with accents matches only itself (case aside); one typed
  // without accents matches every accented spelling ("cong" marks "công").
  function queryTerms(query) {
    var exact = {};
    var folded = {};
    var words = query.normalize("NFC").match(WORD_RE) || [];
    words.forEach(function (word) {
      var lower = word.toLowerCase();
      if (lower.length < 2 && !/\d/.test(lower)) { return; }
      if (fold(lower) === lower) {
        folded[lower] = true;
      } else {
        exact[lower] = true;
      }
    });
    return { exact: exact, folded: folded };
  }

  // [start, end) ranges of matching words, neighbours separated by spaces merged into one.
  function matchRanges(text, terms) {
    var ranges = [];
    var foldedText = fold(text);
    var match;
    WORD_RE.lastIndex = 0;
    while ((match = WORD_RE.exec(text)) !== null) {
      var start = match.index;
      var end = start + match[0].length;
      var lower = match[0].toLowerCase();
      var hit = terms.exact[lower] || terms.folded[foldedText.slice(start, end)];
      if (!hit) { continue; }
      var last = ranges[ranges.length - 1];
      if (last && /^[ \t]+$/.test(text.slice(last[1], start))) {
        last[1] = end;
      } else {
        ranges.push([start, end]);
      }
    }
    return ranges;
  }

  function highlighted(text, terms) {
    var fragment = document.createDocumentFragment();
    var at = 0;
    matchRanges(text, terms).forEach(function (range) {
      if (range[0] > at) { fragment.appendChild(document.createTextNode(text.slice(at, range[0]))); }
      fragment.appendChild(el("mark", null, text.slice(range[0], range[1])));
      at = range[1];
    });
    if (at < text.length) { fragment.appendChild(document.createTextNode(text.slice(at))); }
    return fragment;
  }

  // ---- the API ----------------------------------------------------------------------------

  function apiError(response) {
    return response.json().then(function (body) {
      return body && body.detail ? String(body.detail) : null;
    }, function () { return null; }).then(function (detail) {
      var text;
      if (response.status === 503) {
        text = "Hệ thống đang khởi động hoặc đang nạp dữ liệu. Vui lòng thử lại sau ít phút.";
      } else if (response.status === 422 || response.status === 400) {
        text = "Yêu cầu tìm kiếm chưa hợp lệ.";
      } else {
        text = "Đã có lỗi từ máy chủ (mã " + response.status + ").";
      }
      throw new Error(detail ? text + " Chi tiết: " + detail : text);
    });
  }

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) { return apiError(response); }
      return response.json();
    }, function () {
      throw new Error("Không kết nối được với máy chủ. Vui lòng thử lại.");
    });
  }

  function loadProvinces() {
    return getJson("/api/documents").then(function (data) {
      var seen = {};
      var provinces = [];
      (data.documents || []).forEach(function (doc) {
        if (doc.province && !seen[doc.province]) {
          seen[doc.province] = true;
          provinces.push(doc.province);
        }
      });
      provinces.sort(function (a, b) { return a.localeCompare(b, "vi"); });
      var selected = provinceSelect.value;
      provinces.forEach(function (province) {
        var option = el("option", null, province);
        option.value = province;
        provinceSelect.appendChild(option);
      });
      provinceSelect.value = selected;
      provinceSelect.setAttribute("data-loaded", "true");
    }).catch(function (error) {
      showStatus("error", "Không tải được danh sách tỉnh/thành. " + error.message);
    });
  }

  // ---- results ----------------------------------------------------------------------------

  function renderHit(hit, terms) {
    var item = el("li", "result card");
    item.setAttribute("data-doc-id", hit.doc_id);
    var pageUrl = "/documents/" + encodeURIComponent(hit.doc_id) + "#" + hit.start + "-" + hit.end;

    var title = el("h3");
    var titleLink = el("a", null, hit.title);
    titleLink.href = pageUrl;
    title.appendChild(titleLink);
    item.appendChild(title);

    var meta = el("div", "meta");
    meta.appendChild(el("span", "rank", "#" + hit.n));
    meta.appendChild(el("span", "province", hit.province || "Không rõ tỉnh"));
    meta.appendChild(el("span", "score", "điểm " + Number(hit.score).toFixed(4)));
    item.appendChild(meta);

    var passage = el("p", "passage");
    passage.appendChild(highlighted(hit.text, terms));
    item.appendChild(passage);

    var link = el("a", "passage-link", "Xem đoạn này trong bài viết →");
    link.href = pageUrl;
    item.appendChild(link);
    return item;
  }

  function params() {
    var p = new URLSearchParams();
    p.set("q", queryInput.value.trim());
    if (provinceSelect.value) { p.set("province", provinceSelect.value); }
    if (fromInput.value) { p.set("from", fromInput.value); }
    if (toInput.value) { p.set("to", toInput.value); }
    if (retrieverSelect.value !== "hybrid") { p.set("retriever", retrieverSelect.value); }
    if (topKSelect.value !== "10") { p.set("top_k", topKSelect.value); }
    return p;
  }

  function search() {
    var query = queryInput.value.trim();
    clear(results);
    if (!query) {
      showStatus("error", "Vui lòng nhập từ khóa cần tìm.");
      queryInput.focus();
      return;
    }
    if (fromInput.value && toInput.value && fromInput.value > toInput.value) {
      showStatus("error", "“Từ ngày” phải trước “Đến ngày”.");
      return;
    }
    var p = params();
    window.history.replaceState(null, "", "/search?" + p.toString());
    var request = ++requestNumber;
    submit.disabled = true;
    results.setAttribute("aria-busy", "true");
    showStatus(null, "Đang tìm…");
    getJson("/api/search?" + p.toString()).then(function (data) {
      if (request !== requestNumber) { return; }
      var hits = data.hits || [];
      if (!hits.length) {
        showStatus("empty", "Không tìm thấy đoạn văn nào phù hợp.");
        return;
      }
      var terms = queryTerms(query);
      hits.forEach(function (hit) { results.appendChild(renderHit(hit, terms)); });
      var ms = data.timings_ms && data.timings_ms.total;
      showStatus(null, hits.length + " kết quả" + (ms !== undefined ? " (" + Math.round(ms) + " ms)" : ""));
    }).catch(function (error) {
      if (request !== requestNumber) { return; }
      showStatus("error", error.message);
    }).then(function () {
      if (request === requestNumber) {
        submit.disabled = false;
        results.setAttribute("aria-busy", "false");
      }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    search();
  });

  // A link like /search?q=...&province=... runs its search.
  var initial = new URLSearchParams(window.location.search);
  queryInput.value = initial.get("q") || "";
  fromInput.value = initial.get("from") || "";
  toInput.value = initial.get("to") || "";
  if (initial.get("retriever")) { retrieverSelect.value = initial.get("retriever"); }
  if (initial.get("top_k")) { topKSelect.value = initial.get("top_k"); }
  loadProvinces().then(function () {
    if (initial.get("province")) { provinceSelect.value = initial.get("province"); }
    if (queryInput.value.trim()) { search(); }
  });
})();
