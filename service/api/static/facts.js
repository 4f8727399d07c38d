/* The facts page /facts?subject=...: a subject's ranking facts as a table of index x year
   (each value linked to the passage stating it) and an SVG chart of its ranks over the
   years, drawn here (no library, no CDN). The table is the chart's text equivalent. */
(function () {
  "use strict";

  var el = window.hoidapPages.el;
  var clear = window.hoidapPages.clear;
  var SVG = "http://www.w3.org/2000/svg";
  var form = document.getElementById("facts-form");
  var select = document.getElementById("subject");
  var statusBox = document.getElementById("status");
  var result = document.getElementById("result");
  var table = document.getElementById("facts-table");
  var chart = document.getElementById("chart");
  // Line colours (with a dash each, so that the lines differ without colour too).
  var STYLES = [["#0b5cad", ""], ["#b3261e", "6 4"], ["#1b7f3b", "2 3"], ["#7a4cc2", "10 3 2 3"],
                ["#a15c00", "1 5"], ["#0f7c85", "8 6"], ["#5a6472", "4 2"], ["#c2185b", "12 4"],
                ["#37474f", "3 3 9 3"]];
  var INDEX_ORDER = ["DTI", "DTI/chính quyền số", "DTI/kinh tế số", "DTI/xã hội số", "PCI",
                     "PAPI", "PAR INDEX", "SIPAS", "ICT Index"];

  function showStatus(kind, text) {
    window.hoidapPages.showStatus(statusBox, kind, text);
  }

  function svg(tag, attributes) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, String(attributes[name]));
    });
    return node;
  }

  function passageUrl(fact) {
    return "/documents/" + encodeURIComponent(fact.doc_id) + "#" + fact.start + "-" + fact.end;
  }

  function number(value) {
    // 0.6077 -> "0,6077", as Vietnamese articles write it.
    return String(Math.round(value * 10000) / 10000).replace(".", ",");
  }

  function shown(fact) {
    if (fact.measure === "rank") {
      if (fact.value === null) { return "đứng cuối"; }
      return "hạng " + fact.value + (fact.out_of ? "/" + fact.out_of : "");
    }
    var unit = fact.unit === "%" ? "%" : " điểm";
    return (fact.value === null ? "?" : number(fact.value)) + unit;
  }

  function indexRank(name) {
    var at = INDEX_ORDER.indexOf(name);
    return at < 0 ? INDEX_ORDER.length : at;
  }

  // facts -> {indices: [...], years: [...], cells: {index: {year: [facts]}}}; ranks and
  // scores only (changes and top-N memberships are said with them in the passage).
  function grid(facts) {
    var cells = {};
    var years = {};
    facts.forEach(function (fact) {
      if ((fact.measure !== "rank" && fact.measure !== "score") || fact.year === null) {
        return;
      }
      cells[fact.index] = cells[fact.index] || {};
      (cells[fact.index][fact.year] = cells[fact.index][fact.year] || []).push(fact);
      years[fact.year] = true;
    });
    var indices = Object.keys(cells).sort(function (a, b) {
      return indexRank(a) - indexRank(b) || (a < b ? -1 : 1);
    });
    var yearList = Object.keys(years).map(Number).sort(function (a, b) { return a - b; });
    return { indices: indices, years: yearList, cells: cells };
  }

  function renderTable(subject, data) {
    var head = table.tHead;
    var body = table.tBodies[0];
    clear(head);
    clear(body);
    document.getElementById("table-caption").textContent =
      "Thứ hạng và điểm số của " + subject + " theo chỉ số (hàng) và năm (cột)";
    var row = el("tr");
    row.appendChild(el("th", null, "Chỉ số")).setAttribute("scope", "col");
    data.years.forEach(function (year) {
      row.appendChild(el("th", null, String(year))).setAttribute("scope", "col");
    });
    head.appendChild(row);
    data.indices.forEach(function (index) {
      var tr = el("tr");
      var th = el("th", null, index);
      th.setAttribute("scope", "row");
      tr.appendChild(th);
      data.years.forEach(function (year) {
        var td = el("td");
        var facts = (data.cells[index] || {})[year] || [];
        var ranks = facts.filter(function (f) { return f.measure === "rank"; });
        var scores = facts.filter(function (f) { return f.measure === "score"; });
        // Each article's value once; two articles that disagree are both shown.
        var seen = {};
        ranks.concat(scores).forEach(function (fact) {
          var key = fact.measure + ":" + fact.value + ":" + fact.doc_id;
          if (seen[key]) { return; }
          seen[key] = true;
          var link = el("a", null, shown(fact));
          link.href = passageUrl(fact);
          link.title = fact.title + (fact.published ? " (" +
            window.hoidapPages.formatDate(fact.published) + ")" : "") + ": " + fact.sentence;
          td.appendChild(el("div")).appendChild(link);
        });
        if (!td.firstChild) { td.appendChild(el("span", "muted", "—")); }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function renderChart(subject, data) {
    clear(chart);
    var lines = data.indices.map(function (index) {
      var points = [];
      data.years.forEach(function (year) {
        var ranked = ((data.cells[index] || {})[year] || []).filter(function (f) {
          return f.measure === "rank" && f.value !== null;
        });
        if (ranked.length) { points.push({ year: year, fact: ranked[0] }); }
      });
      return { index: index, points: points };
    }).filter(function (line) { return line.points.length; });
    if (!lines.length) {
      chart.appendChild(el("p", "muted", "Các bài viết không nêu thứ hạng nào của " + subject +
        " để vẽ."));
      return;
    }
    var width = 720, height = 320, left = 80, right = 150, top = 20, bottom = 40;
    var worst = 1;
    lines.forEach(function (line) {
      line.points.forEach(function (p) { worst = Math.max(worst, p.fact.value); });
    });
    var first = data.years[0], last = data.years[data.years.length - 1];
    function x(year) {
      return last === first ? left + (width - left - right) / 2
        : left + (year - first) * (width - left - right) / (last - first);
    }
    function y(rank) {
      return worst === 1 ? top + (height - top - bottom) / 2
        : top + (rank - 1) * (height - top - bottom) / (worst - 1);
    }
    var described = lines.map(function (line) {
      return line.index + ": " + line.points.map(function (p) {
        return p.year + " hạng " + p.fact.value;
      }).join(", ");
    }).join("; ");
    var root = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img",
                            "aria-labelledby": "chart-svg-title chart-svg-desc",
                            class: "rank-chart" });
    var title = svg("title", { id: "chart-svg-title" });
    title.textContent = "Thứ hạng của " + subject + " qua các năm";
    var desc = svg("desc", { id: "chart-svg-desc" });
    desc.textContent = described;
    root.appendChild(title);
    root.appendChild(desc);
    // Axes: years along the bottom, ranks down the left (1 at the top).
    root.appendChild(svg("line", { x1: left, y1: height - bottom + 10, x2: width - right,
                                   y2: height - bottom + 10, class: "axis" }));
    data.years.forEach(function (year) {
      var label = svg("text", { x: x(year), y: height - bottom + 28, "text-anchor": "middle",
                                class: "tick" });
      label.textContent = String(year);
      root.appendChild(label);
    });
    var ticks = worst === 1 ? [1] : [1, Math.ceil(worst / 2), worst];
    ticks.forEach(function (rank) {
      var label = svg("text", { x: left - 12, y: y(rank) + 4, "text-anchor": "end",
                                class: "tick" });
      label.textContent = "hạng " + rank;
      root.appendChild(label);
      root.appendChild(svg("line", { x1: left - 6, y1: y(rank), x2: width - right, y2: y(rank),
                                     class: "grid" }));
    });
    var used = [];
    lines.forEach(function (line, n) {
      var style = STYLES[n % STYLES.length];
      var group = svg("g", { class: "series" });
      if (line.points.length > 1) {
        group.appendChild(svg("polyline", {
          points: line.points.map(function (p) { return x(p.year) + "," + y(p.fact.value); })
            .join(" "),
          fill: "none", stroke: style[0], "stroke-width": 2.5,
          "stroke-dasharray": style[1] || "none"
        }));
      }
      line.points.forEach(function (p) {
        // A link per point: focusable, announced with its value, opens its passage.
        var link = svg("a", { href: passageUrl(p.fact), class: "point",
                              "aria-label": line.index + " năm " + p.year + ": hạng " +
                                p.fact.value + (p.fact.out_of ? "/" + p.fact.out_of : "") });
        var dot = svg("circle", { cx: x(p.year), cy: y(p.fact.value), r: 6, fill: style[0] });
        var tip = svg("title");
        tip.textContent = line.index + " " + p.year + ": " + shown(p.fact);
        dot.appendChild(tip);
        link.appendChild(dot);
        group.appendChild(link);
      });
      var end = line.points[line.points.length - 1];
      // Names at the lines' ends, moved down where two would overlap.
      var at = y(end.fact.value) + 4;
      while (used.some(function (taken) { return Math.abs(taken - at) < 14; })) { at += 14; }
      used.push(at);
      var name = svg("text", { x: width - right + 12, y: at, fill: style[0],
                               class: "series-label" });
      name.textContent = line.index;
      group.appendChild(name);
      root.appendChild(group);
    });
    chart.appendChild(root);
  }

  function load(subject) {
    result.hidden = true;
    if (!subject) {
      showStatus("empty", "Chọn một tỉnh/thành hoặc đơn vị.");
      return;
    }
    showStatus(null, "Đang tải…");
    var query = new URLSearchParams({ subject: subject, limit: "1000" });
    fetch("/api/facts?" + query.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (body) {
        var data = grid(body.facts);
        if (!data.indices.length) {
          showStatus("empty", "Các bài viết không nêu thứ hạng hay điểm số nào của " +
            subject + ".");
          return;
        }
        showStatus(null, "");
        document.getElementById("result-title").textContent = subject;
        renderTable(subject, data);
        renderChart(subject, data);
        result.hidden = false;
      })
      .catch(function (error) {
        showStatus("error", "Không tải được dữ kiện (" + error.message + "). Hãy thử lại.");
      });
  }

  function wanted() {
    return new URLSearchParams(window.location.search).get("subject") || "";
  }

  fetch("/api/facts/subjects", { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (body) {
      clear(select);
      var asked = wanted();
      var known = false;
      select.appendChild(el("option", null, "— chọn —")).value = "";
      body.subjects.forEach(function (row) {
        var option = el("option", null, row.subject + " (" + row.facts + ")");
        option.value = row.subject;
        if (row.subject === asked) { option.selected = true; known = true; }
        select.appendChild(option);
      });
      if (asked && !known) {
        showStatus("empty", "Các bài viết không nêu dữ kiện xếp hạng nào của “" + asked +
          "”.");
        return;
      }
      load(asked);
    })
    .catch(function (error) {
      showStatus("error", "Không tải được danh sách (" + error.message + "). Hãy thử lại.");
    });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var subject = select.value;
    var url = subject ? "/facts?subject=" + encodeURIComponent(subject) : "/facts";
    window.history.pushState(null, "", url);
    load(subject);
  });
  window.addEventListener("popstate", function () {
    select.value = wanted();
    load(wanted());
  });
}());
