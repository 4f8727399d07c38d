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

  // A word is a run of letters (Vietnamese ones with their diacritics, in NFC or with
  // combining marks) and digits; anything else ends it.
  var WORD_RE = /[\p{L}\p{M}\p{N}]+/gu;
  var SPACES_RE = /^[ \t\u00a0]+$/;

  function words(text) {
    var out = [];
    var match;
    WORD_RE.lastIndex = 0;
    while ((match = WORD_RE.exec(text)) !== null) {
      out.push({ start: match.index, end: match.index + match[0].length,
                 lower: match[0].normalize("NFC").toLowerCase() });
    }
    return out;
  }

  // The query's syllables. A syllable typed with accents matches only itself (case aside);
  // one typed without accents matches every accented spelling ("cong" marks "công").
  // `joined`: the next syllable follows in the same phrase (only spaces between them);
  // `alone`: the syllable may be marked on its own: a number ("2024", "5G"), or a word that
  // stands by itself in the query (all of it, or between punctuation: "Bình Phước, 5G").
  function queryTerms(query) {
    var text = query.normalize("NFC");
    var terms = words(text);
    terms.forEach(function (term, i) {
      term.folded = fold(term.lower);
      term.accented = term.folded !== term.lower;
      var next = terms[i + 1];
      var previous = terms[i - 1];
      term.joined = !!next && SPACES_RE.test(text.slice(term.end, next.start));
      var joinedBefore = !!previous && previous.joined;
      term.alone = /\d/.test(term.lower) ||
        (!term.joined && !joinedBefore && term.lower.length >= 2);
    });
    return terms;
  }

  function sameWord(word, term) {
    return term.accented ? word.lower === term.lower : word.folded === term.lower;
  }

  // [start, end) ranges to mark: at each word of `text`, the longest run of words that is a
  // phrase of the query (two or more of its syllables in a row), or a word that may stand
  // alone; a single syllable of a longer query word is never marked ("dịch" of "dịch vụ" in
  // "giao dịch", "vụ" in "phục vụ"). Neighbouring ranges with only spaces between merge.
  function matchRanges(text, terms) {
    var ranges = [];
    if (!terms.length) { return ranges; }
    var list = words(text);
    list.forEach(function (word, i) {
      word.folded = fold(word.lower);
      var next = list[i + 1];
      word.joined = !!next && SPACES_RE.test(text.slice(word.end, next.start));
    });
    var i = 0;
    while (i < list.length) {
      var best = 0;
      var single = false;
      for (var j = 0; j < terms.length; j++) {
        var length = 0;
        while (i + length < list.length && j + length < terms.length &&
               sameWord(list[i + length], terms[j + length])) {
          length++;
          if (!list[i + length - 1].joined || !terms[j + length - 1].joined) { break; }
        }
        if (length > best) { best = length; }
        if (length >= 1 && terms[j].alone) { single = true; }
      }
      if (best >= 2 || (best === 1 && single)) {
        var start = list[i].start;
        var end = list[i + best - 1].end;
        var last = ranges[ranges.length - 1];
        if (last && SPACES_RE.test(text.slice(last[1], start))) {
          last[1] = end;
        } else {
          ranges.push([start, end]);
        }
        i += best;
      } else {
        i++;
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

  // For the browser tests: what the page would mark in `text` for `query`.
  window.hoidapSearch = {
    matchRanges: function (text, query) { return matchRanges(text, queryTerms(query)); },
  };

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

  // ---- the date fields: typed and shown dd/mm/yyyy, sent as ISO -------------------------

  var formatDate = window.hoidapPages.formatDate;
  var parseDate = window.hoidapPages.parseDate;
  var DATE_LABELS = { from: "Từ ngày", to: "Đến ngày" };

  function fieldError(input, message) {
    var box = document.getElementById(input.id + "-error");
    box.textContent = message || "";
    box.hidden = !message;
    if (message) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  }

  // The field's date as ISO ("" when empty), or null after showing why it is not one. A valid
  // date is rewritten as dd/mm/yyyy ("1/2/2024" -> "01/02/2024").
  function dateValue(input) {
    var iso = parseDate(input.value);
    if (iso === null) {
      fieldError(input, "“" + DATE_LABELS[input.id] + "” chưa đúng: hãy nhập một ngày có thật " +
        "theo dạng ngày/tháng/năm (dd/mm/yyyy), ví dụ 27/01/2024.");
      return null;
    }
    fieldError(input, null);
    if (iso) { input.value = formatDate(iso); }
    return iso;
  }

  [fromInput, toInput].forEach(function (input) {
    input.addEventListener("change", function () { dateValue(input); });
    input.addEventListener("input", function () {
      if (input.getAttribute("aria-invalid") === "true" && parseDate(input.value) !== null) {
        fieldError(input, null);
      }
    });
  });

  function params(dates) {
    var p = new URLSearchParams();
    p.set("q", queryInput.value.trim());
    if (provinceSelect.value) { p.set("province", provinceSelect.value); }
    if (dates.from) { p.set("from", dates.from); }
    if (dates.to) { p.set("to", dates.to); }
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
    var dates = { from: dateValue(fromInput), to: dateValue(toInput) };
    if (dates.from === null || dates.to === null) {
      showStatus("error", "Ngày chưa đúng dạng dd/mm/yyyy (xem ghi chú dưới ô ngày).");
      (dates.from === null ? fromInput : toInput).focus();
      return;
    }
    if (dates.from && dates.to && dates.from > dates.to) {
      showStatus("error", "“Từ ngày” phải trước hoặc trùng “Đến ngày”.");
      fromInput.focus();
      return;
    }
    var p = params(dates);
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
  fromInput.value = formatDate(initial.get("from") || "");
  toInput.value = formatDate(initial.get("to") || "");
  if (initial.get("retriever")) { retrieverSelect.value = initial.get("retriever"); }
  if (initial.get("top_k")) { topKSelect.value = initial.get("top_k"); }
  loadProvinces().then(function () {
    if (initial.get("province")) { provinceSelect.value = initial.get("province"); }
    if (queryInput.value.trim()) { search(); }
  });
})();
