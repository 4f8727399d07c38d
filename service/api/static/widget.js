/*
 * hoidap chat widget: one script tag puts a chat bubble on any page.
 *
 *   <script src="https://host/widget.js" data-api-base="https://host"
 *           data-title="Hỏi đáp chuyển đổi số" data-open="false"></script>
 *
 * data-api-base: where the API lives (default: the origin this script was loaded from);
 * data-title: the panel's title; data-open="true": start with the panel open.
 * The page can drive it with window.hoidapWidget.open(), .close(), .ask(question) and
 * .newConversation().
 *
 * The host element stays in the page's flow at the end of <body>, as tall as the corner the
 * bubble takes (100px), so the end of any page can scroll clear of the bubble: on a phone the
 * bubble never hides the last lines or the last link.
 *
 * Everything lives in a Shadow DOM root so the host page's CSS does not reach it. Every piece
 * of text from the API or the user is put on the page as text nodes, never as HTML.
 */
(function () {
  "use strict";

  if (window.hoidapWidget) {
    return; // the script was included twice
  }

  var MAX_HISTORY_TURNS = 20;
  var MAX_TURN_CHARS = 4000;
  var MAX_QUESTION_CHARS = 2000;
  var DEFAULT_TITLE = "Hỏi đáp chuyển đổi số";

  function findScript() {
    if (document.currentScript) {
      return document.currentScript;
    }
    var scripts = document.querySelectorAll("script[src]");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/widget\.js(?:[?#]|$)/.test(scripts[i].src)) {
        return scripts[i];
      }
    }
    return null;
  }

  var script = findScript();

  function attr(name) {
    var value = script ? script.getAttribute(name) : null;
    return value && value.trim() ? value.trim() : null;
  }

  function apiBaseUrl() {
    var configured = attr("data-api-base");
    var base = configured;
    if (!base && script && script.src) {
      base = new URL(script.src, window.location.href).origin;
    }
    if (!base) {
      base = window.location.origin;
    }
    try {
      base = new URL(base, window.location.href).href;
    } catch (e) {
      base = window.location.origin;
    }
    return base.replace(/\/+$/, "");
  }

  var API_BASE = apiBaseUrl();
  var TITLE = attr("data-title") || DEFAULT_TITLE;
  var START_OPEN = attr("data-open") === "true";

  var CSS = [
    // Host-page rules that reach the host element itself lose to these (!important in a
    // shadow tree wins); nothing else of the page's CSS gets in.
    ":host { all: initial !important; display: block !important; height: 100px !important; }",
    ".hoidap-root, .hoidap-root * { box-sizing: border-box; }",
    ".hoidap-root { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif;",
    "  font-size: 15px; line-height: 1.45; color: #1d2430; }",
    ".hoidap-root button, .hoidap-root textarea { font: inherit; color: inherit; }",
    ".hoidap-root :focus { outline: none; }",
    ".hoidap-root :focus-visible { outline: 3px solid #f5a700; outline-offset: 2px; }",
    ".hoidap-bubble { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;",
    "  width: 60px; height: 60px; border-radius: 50%; border: none; cursor: pointer;",
    "  background: #0b5cad; color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.3);",
    "  display: flex; align-items: center; justify-content: center; padding: 0; }",
    ".hoidap-bubble:hover { background: #094a8c; }",
    ".hoidap-bubble svg { width: 30px; height: 30px; fill: currentColor; }",
    ".hoidap-panel { position: fixed; right: 20px; bottom: 92px; z-index: 2147483001;",
    "  width: 400px; max-width: calc(100vw - 40px); height: 600px; max-height: calc(100vh - 112px);",
    "  background: #fff; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.3);",
    "  display: flex; flex-direction: column; overflow: hidden; }",
    ".hoidap-panel[hidden], .hoidap-source[hidden], .hoidap-bubble[hidden] { display: none; }",
    ".hoidap-header { display: flex; align-items: center; gap: 8px; padding: 10px 10px 10px 16px;",
    "  background: #0b5cad; color: #fff; flex: none; }",
    ".hoidap-header h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 600;",
    "  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }",
    ".hoidap-icon-button { border: none; background: transparent; color: inherit; cursor: pointer;",
    "  border-radius: 6px; padding: 4px 10px; font-size: 14px; }",
    ".hoidap-icon-button:hover { background: rgba(255,255,255,.18); }",
    ".hoidap-header .hoidap-icon-button:focus-visible { outline-color: #ffd460; }",
    ".hoidap-new { display: inline-flex; align-items: center; gap: 3px; white-space: nowrap; }",
    ".hoidap-new-plus { font-size: 18px; line-height: 1; font-weight: 600; }",
    ".hoidap-body { position: relative; flex: 1; min-height: 0; display: flex;",
    "  flex-direction: column; }",
    ".hoidap-messages { flex: 1; overflow-y: auto; padding: 12px; background: #f4f6f9;",
    "  display: flex; flex-direction: column; gap: 10px; }",
    ".hoidap-empty { color: #5a6472; font-size: 14px; margin: auto 0; text-align: center; }",
    ".hoidap-msg { max-width: 92%; padding: 8px 12px; border-radius: 10px; white-space: pre-wrap;",
    "  overflow-wrap: anywhere; }",
    ".hoidap-msg-user { align-self: flex-end; background: #0b5cad; color: #fff;",
    "  border-bottom-right-radius: 2px; }",
    ".hoidap-msg-assistant { align-self: flex-start; background: #fff; border: 1px solid #dde3ea;",
    "  border-bottom-left-radius: 2px; }",
    ".hoidap-msg-abstained { background: #fff8e6; border-color: #f0d48a; }",
    ".hoidap-msg-error { align-self: stretch; max-width: none; background: #fdecec;",
    "  border: 1px solid #f1b0b0; color: #8a1c1c; }",
    ".hoidap-label { display: block; font-size: 12px; font-weight: 600; color: #8a6100;",
    "  margin-bottom: 2px; }",
    ".hoidap-pending { color: #5a6472; font-style: italic; }",
    ".hoidap-answer { margin: 0; }",
    ".hoidap-cite { display: inline; border: none; background: #e3eefa; color: #0b5cad;",
    "  border-radius: 4px; padding: 0 3px; margin: 0 1px; font-size: 12px; font-weight: 600;",
    "  cursor: pointer; vertical-align: super; line-height: 1; }",
    ".hoidap-cite:hover { background: #c9def5; }",
    ".hoidap-sources { margin-top: 8px; padding-top: 6px; border-top: 1px solid #e6eaef;",
    "  white-space: normal; }",
    ".hoidap-sources h3 { margin: 0 0 4px; font-size: 12px; font-weight: 600; color: #5a6472;",
    "  text-transform: uppercase; letter-spacing: .03em; }",
    ".hoidap-sources ol { margin: 0; padding: 0; list-style: none; }",
    ".hoidap-sources li { margin: 2px 0; }",
    ".hoidap-source-link { border: none; background: none; padding: 2px 0; cursor: pointer;",
    "  text-align: left; color: #0b5cad; font-size: 13px; }",
    ".hoidap-source-link:hover .hoidap-source-title { text-decoration: underline; }",
    ".hoidap-source-province { color: #5a6472; }",
    ".hoidap-more { margin-top: 4px; font-size: 13px; }",
    ".hoidap-more summary { cursor: pointer; color: #5a6472; }",
    ".hoidap-resolved { display: block; margin: 0 0 4px; font-size: 12px; color: #5a6472;",
    "  white-space: normal; }",
    ".hoidap-feedback { margin-top: 8px; padding-top: 6px; border-top: 1px solid #e6eaef;",
    "  white-space: normal; font-size: 13px; color: #5a6472; display: flex; flex-wrap: wrap;",
    "  align-items: center; gap: 6px; }",
    ".hoidap-vote { display: inline-flex; align-items: center; gap: 4px; border: 1px solid #b8c2cf;",
    "  background: #fff; color: #1d2430; border-radius: 6px; padding: 2px 8px; cursor: pointer;",
    "  font-size: 13px; line-height: 1.4; }",
    ".hoidap-vote svg { width: 16px; height: 16px; fill: currentColor; }",
    ".hoidap-vote:hover { background: #e3eefa; }",
    ".hoidap-vote[aria-pressed='true'] { background: #0b5cad; border-color: #0b5cad; color: #fff; }",
    ".hoidap-comment { flex-basis: 100%; display: flex; flex-direction: column; gap: 4px; }",
    ".hoidap-comment[hidden] { display: none; }",
    ".hoidap-comment label { font-size: 13px; color: #3a4452; }",
    ".hoidap-comment textarea { resize: vertical; min-height: 52px; border: 1px solid #b8c2cf;",
    "  border-radius: 6px; padding: 6px 8px; font-size: 14px; }",
    ".hoidap-comment-send { align-self: flex-start; border: none; border-radius: 6px;",
    "  background: #0b5cad; color: #fff; padding: 4px 12px; cursor: pointer; font-size: 13px; }",
    ".hoidap-comment-send[aria-disabled='true'] { background: #9aa6b4; cursor: default; }",
    ".hoidap-feedback-question { flex-basis: 100%; }",
    ".hoidap-feedback-status { flex-basis: 100%; margin: 0; }",
    ".hoidap-feedback-error { color: #8a1c1c; }",
    ".hoidap-form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #dde3ea;",
    "  background: #fff; flex: none; }",
    ".hoidap-input { flex: 1; resize: none; border: 1px solid #b8c2cf; border-radius: 8px;",
    "  padding: 8px 10px; min-height: 40px; max-height: 120px; }",
    ".hoidap-input:focus-visible { outline-offset: 0; border-color: #0b5cad; }",
    ".hoidap-send { border: none; border-radius: 8px; background: #0b5cad; color: #fff;",
    "  padding: 0 16px; cursor: pointer; font-weight: 600; }",
    ".hoidap-send:disabled { background: #9aa6b4; cursor: not-allowed; }",
    ".hoidap-source { position: absolute; inset: 0; background: #fff; display: flex;",
    "  flex-direction: column; z-index: 2; }",
    ".hoidap-source-head { display: flex; align-items: flex-start; gap: 8px; padding: 10px 10px 8px 16px;",
    "  border-bottom: 1px solid #dde3ea; flex: none; }",
    ".hoidap-source-head h3 { flex: 1; margin: 0; font-size: 15px; }",
    ".hoidap-source-head .hoidap-icon-button { color: #0b5cad; }",
    ".hoidap-source-head .hoidap-icon-button:hover { background: #e3eefa; }",
    ".hoidap-source-meta { padding: 6px 16px; font-size: 13px; color: #5a6472; flex: none; }",
    ".hoidap-source-body { position: relative; flex: 1; overflow-y: auto; padding: 8px 16px 16px;",
    "  overflow-wrap: anywhere; font-size: 14px; }",
    ".hoidap-source-body p { margin: 0 0 .8em; }",
    ".hoidap-source-body mark { background: #ffe58a; color: inherit; padding: 1px 0; }",
    ".hoidap-source-foot { padding: 8px 16px; border-top: 1px solid #dde3ea; flex: none;",
    "  font-size: 14px; }",
    ".hoidap-source-foot a { color: #0b5cad; }",
    ".hoidap-sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden;",
    "  clip: rect(0 0 0 0); white-space: nowrap; margin: -1px; padding: 0; border: 0; }",
    // Wide screens: the source opens beside the chat, so the answer stays in view.
    "@media (min-width: 900px) and (min-height: 521px) {",
    "  .hoidap-source { position: fixed; inset: auto; right: 432px; bottom: 92px;",
    "    width: min(480px, calc(100vw - 452px)); height: 600px; max-height: calc(100vh - 112px);",
    "    border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.3); overflow: hidden; }",
    "}",
    "@media (max-width: 480px), (max-height: 520px) {",
    "  .hoidap-panel { inset: 0; width: 100%; max-width: none; height: 100%; max-height: none;",
    "    border-radius: 0; }",
    "  .hoidap-open .hoidap-bubble { display: none; }",
    "}",
    "@media (prefers-reduced-motion: no-preference) {",
    "  .hoidap-bubble { transition: background .15s; }",
    "}",
  ].join("\n");

  // ---- small DOM helpers (text only, never HTML) -------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  // An inline SVG icon of one path, hidden from screen readers (its button has a label).
  function svgIcon(pathData, transform) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    if (transform) {
      path.setAttribute("transform", transform);
    }
    svg.appendChild(path);
    return svg;
  }

  function chatIcon() {
    return svgIcon("M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 " +
      "2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 " +
      "0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z");
  }

  function documentPageUrl(citation) {
    return API_BASE + "/documents/" + encodeURIComponent(citation.doc_id) + "#" +
      citation.start + "-" + citation.end;
  }

  // "2024-01-27" -> "27/01/2024" (dates read ngày/tháng/năm); anything else as it is.
  function formatDate(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/.exec(String(value || ""));
    return m ? m[3] + "/" + m[2] + "/" + m[1] : String(value || "");
  }

  function sourceLabel(citation) {
    return citation.province ? citation.title + " (" + citation.province + ")" : citation.title;
  }

  // ---- API ----------------------------------------------------------------------------------

  function errorMessage(status, detail) {
    var suffix = detail ? " (" + detail + ")" : "";
    if (status === 503) {
      return "Hệ thống đang khởi động hoặc đang nạp dữ liệu. Vui lòng thử lại sau ít phút." + suffix;
    }
    if (status === 422 || status === 400) {
      return "Câu hỏi chưa hợp lệ" + suffix + ".";
    }
    if (status === 404) {
      return "Không tìm thấy" + suffix + ".";
    }
    if (status === 429) {
      return "Có quá nhiều yêu cầu. Vui lòng thử lại sau." + suffix;
    }
    if (status === 504) {
      return "Hệ thống đang quá tải nên chưa trả lời kịp. Vui lòng thử lại sau ít phút." + suffix;
    }
    return "Đã có lỗi từ máy chủ (mã " + status + ")" + suffix + ". Vui lòng thử lại.";
  }

  function ApiError(message) {
    this.message = message;
  }

  function readError(response) {
    return response.text().then(function (body) {
      var detail = null;
      try {
        var data = JSON.parse(body);
        if (data && typeof data.detail === "string") {
          detail = data.detail;
        } else if (data && data.detail) {
          detail = JSON.stringify(data.detail);
        }
      } catch (e) {
        detail = null;
      }
      throw new ApiError(errorMessage(response.status, detail));
    }, function () {
      throw new ApiError(errorMessage(response.status, null));
    });
  }

  function networkError(error) {
    if (error instanceof ApiError) {
      throw error;
    }
    throw new ApiError("Không kết nối được với máy chủ hỏi đáp. Vui lòng kiểm tra mạng và thử lại.");
  }

  // Parses a text/event-stream body; calls onEvent(name, data) for each event.
  function readEventStream(response, onEvent) {
    var buffer = "";

    function flush(final) {
      var parts = buffer.split(/\r\n\r\n|\n\n|\r\r/);
      buffer = final ? "" : parts.pop();
      for (var i = 0; i < parts.length; i++) {
        var block = parts[i];
        if (!block.trim()) {
          continue;
        }
        var name = "message";
        var data = [];
        var lines = block.split(/\r\n|\n|\r/);
        for (var j = 0; j < lines.length; j++) {
          var line = lines[j];
          if (line.charAt(0) === ":") {
            continue;
          }
          var colon = line.indexOf(":");
          var field = colon < 0 ? line : line.slice(0, colon);
          var value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "event") {
            name = value;
          } else if (field === "data") {
            data.push(value);
          }
        }
        var parsed;
        try {
          parsed = JSON.parse(data.join("\n"));
        } catch (e) {
          continue; // not JSON: not ours
        }
        onEvent(name, parsed);
      }
    }

    if (!response.body || !response.body.getReader || typeof TextDecoder === "undefined") {
      return response.text().then(function (text) {
        buffer = text;
        flush(true);
      });
    }
    var reader = response.body.getReader();
    var decoder = new TextDecoder("utf-8");
    function pump() {
      return reader.read().then(function (result) {
        if (result.done) {
          buffer += decoder.decode();
          flush(true);
          return;
        }
        buffer += decoder.decode(result.value, { stream: true });
        flush(false);
        return pump();
      });
    }
    return pump();
  }

  var documentCache = {};

  function fetchDocument(docId) {
    if (!documentCache[docId]) {
      documentCache[docId] = fetch(API_BASE + "/api/documents/" + encodeURIComponent(docId), {
        headers: { Accept: "application/json" },
      }).then(function (response) {
        if (!response.ok) {
          if (response.status === 404) {
            throw new ApiError("Không tìm thấy bài viết.");
          }
          return readError(response);
        }
        return response.json();
      }, networkError).catch(function (error) {
        delete documentCache[docId];
        throw error;
      });
    }
    return documentCache[docId];
  }

  // ---- building the widget ------------------------------------------------------------------

  // A custom element, so that the page's div/section rules do not match the host.
  var host = document.createElement("hoidap-widget");
  host.setAttribute("data-hoidap-widget", "");
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  // A constructed style sheet, where the browser has them: a page whose Content-Security-
  // Policy forbids inline <style> (hoidap's own pages do) still shows the widget styled.
  if (host.attachShadow && "adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" &&
      "replaceSync" in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else {
    var style = el("style");
    style.textContent = host.attachShadow ? CSS : CSS.replace(/:host \{[^}]*\}/, "");
    root.appendChild(style);
  }

  var container = el("div", "hoidap-root");
  container.setAttribute("lang", "vi");
  root.appendChild(container);

  var bubble = el("button", "hoidap-bubble");
  bubble.type = "button";
  bubble.setAttribute("aria-label", "Mở hộp hỏi đáp: " + TITLE);
  bubble.setAttribute("aria-expanded", "false");
  bubble.setAttribute("aria-controls", "hoidap-panel");
  bubble.appendChild(chatIcon());

  var panel = el("section", "hoidap-panel");
  panel.id = "hoidap-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", TITLE);

  var header = el("div", "hoidap-header");
  var heading = el("h2", null, TITLE);
  var closeButton = el("button", "hoidap-icon-button hoidap-close", "✕");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", "Đóng hộp hỏi đáp");
  closeButton.title = "Đóng (Esc)";
  // Forgets the conversation: the shown messages and the history sent with the next question.
  var newButton = el("button", "hoidap-icon-button hoidap-new");
  newButton.type = "button";
  newButton.setAttribute("aria-label", "Trò chuyện mới");
  newButton.appendChild(el("span", "hoidap-new-plus", "+"));
  newButton.appendChild(el("span", null, "Mới"));
  newButton.title = "Bắt đầu cuộc trò chuyện mới (xóa các câu hỏi trước)";
  header.appendChild(heading);
  header.appendChild(newButton);
  header.appendChild(closeButton);

  var messages = el("div", "hoidap-messages");
  messages.setAttribute("role", "log");
  messages.setAttribute("aria-live", "polite");
  messages.setAttribute("aria-relevant", "additions text");
  messages.setAttribute("aria-label", "Cuộc hội thoại");
  var empty = el("p", "hoidap-empty",
    "Xin chào! Hãy đặt câu hỏi về chuyển đổi số của các tỉnh; câu trả lời dẫn nguồn từ các bài viết.");
  messages.appendChild(empty);

  // Says what happened where nothing else on screen does (a new conversation).
  var announcer = el("div", "hoidap-sr-only hoidap-announcer");
  announcer.setAttribute("role", "status");
  announcer.setAttribute("aria-live", "polite");

  var form = el("form", "hoidap-form");
  form.setAttribute("novalidate", "");
  var inputLabel = el("label", "hoidap-sr-only", "Câu hỏi của bạn");
  inputLabel.setAttribute("for", "hoidap-input");
  var input = el("textarea", "hoidap-input");
  input.id = "hoidap-input";
  input.rows = 1;
  input.maxLength = MAX_QUESTION_CHARS;
  input.placeholder = "Đặt câu hỏi…";
  input.setAttribute("aria-describedby", "hoidap-hint");
  var hint = el("span", "hoidap-sr-only", "Nhấn Enter để gửi, Shift+Enter để xuống dòng, Esc để đóng.");
  hint.id = "hoidap-hint";
  var send = el("button", "hoidap-send", "Gửi");
  send.type = "submit";
  form.appendChild(inputLabel);
  form.appendChild(input);
  form.appendChild(hint);
  form.appendChild(send);

  // The source viewer: a dialog over the conversation (beside the panel on wide screens).
  var source = el("div", "hoidap-source");
  source.hidden = true;
  source.setAttribute("role", "dialog");
  source.setAttribute("aria-label", "Nguồn");
  var sourceHead = el("div", "hoidap-source-head");
  var sourceTitle = el("h3");
  sourceTitle.id = "hoidap-source-title";
  sourceTitle.tabIndex = -1;
  var sourceClose = el("button", "hoidap-icon-button hoidap-source-close", "Đóng nguồn");
  sourceClose.type = "button";
  sourceClose.title = "Đóng nguồn, quay lại cuộc hội thoại (Esc)";
  sourceHead.appendChild(sourceTitle);
  sourceHead.appendChild(sourceClose);
  var sourceMeta = el("div", "hoidap-source-meta");
  var sourceBody = el("div", "hoidap-source-body");
  sourceBody.tabIndex = 0;
  sourceBody.setAttribute("aria-label", "Nội dung bài viết");
  var sourceFoot = el("div", "hoidap-source-foot");
  var sourceLink = el("a", null, "Mở toàn bài trong trang mới ↗");
  sourceLink.target = "_blank";
  sourceLink.rel = "noopener";
  sourceFoot.appendChild(sourceLink);
  source.appendChild(sourceHead);
  source.appendChild(sourceMeta);
  source.appendChild(sourceBody);
  source.appendChild(sourceFoot);

  // Messages, form and the source viewer over them; the header stays visible.
  var body = el("div", "hoidap-body");
  body.appendChild(messages);
  body.appendChild(form);
  body.appendChild(source);
  body.appendChild(announcer);
  panel.appendChild(header);
  panel.appendChild(body);
  container.appendChild(panel);
  container.appendChild(bubble);

  // ---- state --------------------------------------------------------------------------------

  var turns = []; // [{role, content}] of the answered turns, sent as `history`
  var conversation = 0; // bumped by "Trò chuyện mới": answers still coming for an older one are dropped
  var inFlight = null; // the AbortController of the question being answered
  var feedbackCount = 0;
  var busy = false;
  var queue = Promise.resolve();
  var sourceReturnFocus = null;
  var sourceRequest = 0;

  function scrollToBottom() {
    messages.scrollTop = messages.scrollHeight;
  }

  function isOpen() {
    return !panel.hidden;
  }

  function open() {
    if (!isOpen()) {
      panel.hidden = false;
      container.classList.add("hoidap-open");
      bubble.setAttribute("aria-expanded", "true");
      bubble.setAttribute("aria-label", "Đóng hộp hỏi đáp: " + TITLE);
      scrollToBottom();
    }
    if (source.hidden) {
      input.focus();
    } else {
      sourceClose.focus();
    }
  }

  function close() {
    if (!isOpen()) {
      return;
    }
    closeSource(false);
    panel.hidden = true;
    container.classList.remove("hoidap-open");
    bubble.setAttribute("aria-expanded", "false");
    bubble.setAttribute("aria-label", "Mở hộp hỏi đáp: " + TITLE);
    bubble.focus();
  }

  function setBusy(value) {
    busy = value;
    send.disabled = value;
    send.textContent = value ? "Đang gửi" : "Gửi";
    messages.setAttribute("aria-busy", value ? "true" : "false");
  }

  function removeEmpty() {
    if (empty.parentNode) {
      empty.parentNode.removeChild(empty);
    }
  }

  function addMessage(kind, text) {
    removeEmpty();
    var node = el("div", "hoidap-msg hoidap-msg-" + kind);
    if (text !== undefined) {
      node.textContent = text;
    }
    messages.appendChild(node);
    scrollToBottom();
    return node;
  }

  // The answer text with its [n] markers as buttons; markers without a citation stay text.
  function renderAnswer(target, text, citations, final) {
    while (target.firstChild) {
      target.removeChild(target.firstChild);
    }
    var parts = String(text).split(/\[(\d+)\]/);
    for (var i = 0; i < parts.length; i++) {
      if (i % 2 === 0) {
        if (parts[i]) {
          target.appendChild(document.createTextNode(parts[i]));
        }
        continue;
      }
      var n = Number(parts[i]);
      var citation = citationFor(citations, n);
      if (final && !citation) {
        target.appendChild(document.createTextNode("[" + parts[i] + "]"));
        continue;
      }
      var button = el("button", "hoidap-cite", "[" + n + "]");
      button.type = "button";
      button.setAttribute("data-n", String(n));
      button.setAttribute("aria-label", citation ? "Nguồn " + n + ": " + sourceLabel(citation)
        : "Nguồn " + n);
      target.appendChild(button);
    }
  }

  function citationFor(citations, n) {
    for (var i = 0; i < citations.length; i++) {
      if (Number(citations[i].n) === n) {
        return citations[i];
      }
    }
    return null;
  }

  function citedNumbers(text) {
    var seen = {};
    var order = [];
    var re = /\[(\d+)\]/g;
    var match;
    while ((match = re.exec(text)) !== null) {
      var n = Number(match[1]);
      if (!seen[n]) {
        seen[n] = true;
        order.push(n);
      }
    }
    return order;
  }

  function sourceItem(citation) {
    var item = el("li");
    var button = el("button", "hoidap-source-link");
    button.type = "button";
    button.setAttribute("data-n", String(citation.n));
    button.appendChild(el("span", "hoidap-source-n", "[" + citation.n + "] "));
    button.appendChild(el("span", "hoidap-source-title", citation.title));
    if (citation.province) {
      button.appendChild(el("span", "hoidap-source-province", " · " + citation.province));
    }
    item.appendChild(button);
    return item;
  }

  // "Nguồn": the passages the answer cites; the other retrieved passages fold away below, as
  // "Nguồn khác". A server that sends `sources` has split them already (`citations` are the
  // cited ones); an older one sends every passage as a citation, split here by the [n] in the
  // text.
  function renderSources(target, text, citations, sources) {
    var cited = citedNumbers(text);
    var primary = [];
    var others = [];
    if (sources) {
      primary = citations.slice();
      others = sources.slice();
    } else {
      for (var i = 0; i < citations.length; i++) {
        if (!cited.length || cited.indexOf(Number(citations[i].n)) >= 0) {
          primary.push(citations[i]);
        } else {
          others.push(citations[i]);
        }
      }
    }
    if (!primary.length && !others.length) {
      return;
    }
    function order(c) {
      var at = cited.indexOf(Number(c.n));
      return at < 0 ? cited.length + Number(c.n) : at;
    }
    primary.sort(function (a, b) { return order(a) - order(b); });
    others.sort(function (a, b) { return Number(a.n) - Number(b.n); });
    var box = el("div", "hoidap-sources");
    if (primary.length) {
      box.appendChild(el("h3", null, "Nguồn"));
      var list = el("ol");
      primary.forEach(function (c) { list.appendChild(sourceItem(c)); });
      box.appendChild(list);
    }
    if (others.length) {
      var more = el("details", "hoidap-more");
      more.appendChild(el("summary", null, "Nguồn khác (" + others.length + ")"));
      var otherList = el("ol");
      others.forEach(function (c) { otherList.appendChild(sourceItem(c)); });
      more.appendChild(otherList);
      box.appendChild(more);
    }
    target.appendChild(box);
  }

  // Letters and digits only, lower case: "what was typed" and "what was answered" differ
  // only when their words do.
  function comparable(text) {
    return String(text || "").normalize("NFC").toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}]+/gu, " ").trim();
  }

  // ---- feedback -----------------------------------------------------------------------------

  function feedbackError(status, detail) {
    if (status === 429) {
      return "Bạn đã gửi nhiều góp ý liên tiếp. Vui lòng thử lại sau ít phút.";
    }
    if (status === 404) {
      return "Máy chủ không còn giữ câu trả lời này (có thể vừa khởi động lại), nên chưa " +
        "ghi nhận được góp ý.";
    }
    if (status === 422 || status === 400) {
      return "Góp ý chưa hợp lệ" + (detail ? " (" + detail + ")" : "") + ".";
    }
    if (status === 503) {
      return "Hệ thống đang khởi động, chưa nhận góp ý được. Vui lòng thử lại sau ít phút.";
    }
    return "Chưa gửi được góp ý (mã " + status + "). Vui lòng thử lại.";
  }

  function postFeedback(body) {
    return fetch(API_BASE + "/api/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (response.ok) {
        return response.json().catch(function () { return {}; });
      }
      return response.text().then(function (text) {
        var detail = null;
        try {
          var data = JSON.parse(text);
          detail = data && data.detail ? (typeof data.detail === "string" ? data.detail
            : JSON.stringify(data.detail)) : null;
        } catch (e) {
          detail = null;
        }
        throw new ApiError(feedbackError(response.status, detail));
      }, function () {
        throw new ApiError(feedbackError(response.status, null));
      });
    }, function () {
      throw new ApiError("Không kết nối được với máy chủ nên chưa gửi được góp ý. " +
        "Vui lòng thử lại.");
    });
  }

  function thumbIcon(down) {
    return svgIcon("M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l.95-4.57.03-.32a1.5 1.5 0 " +
      "0 0-.44-1.06L13.17 1 6.59 7.59A1.99 1.99 0 0 0 6 9v10a2 2 0 0 0 2 2h9c.83 0 1.54-.5 " +
      "1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z", down ? "rotate(180 12 12)" : null);
  }

  // Thumbs up / down under an answer (a vote is sent at once), then an optional comment sent
  // with the same rating. The server keeps the last feedback on an answer, so a vote changed
  // after a comment sends the comment again. Results are said in a polite live region there.
  function renderFeedback(target, answerId) {
    var id = "hoidap-comment-" + (++feedbackCount);
    var box = el("div", "hoidap-feedback");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Đánh giá câu trả lời");
    box.appendChild(el("span", "hoidap-feedback-question", "Câu trả lời có hữu ích không?"));

    function voteButton(rating, text, label) {
      var button = el("button", "hoidap-vote hoidap-vote-" + rating);
      button.type = "button";
      button.setAttribute("data-rating", rating);
      button.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-label", label);
      button.appendChild(thumbIcon(rating === "down"));
      button.appendChild(el("span", null, text));
      return button;
    }
    var up = voteButton("up", "Hữu ích", "Hữu ích: câu trả lời này giúp được tôi");
    var down = voteButton("down", "Chưa hữu ích", "Chưa hữu ích: câu trả lời này chưa giúp được tôi");
    box.appendChild(up);
    box.appendChild(down);

    var comment = el("div", "hoidap-comment");
    comment.hidden = true;
    var label = el("label", null, "Góp ý thêm (không bắt buộc, tối đa 1000 ký tự)");
    label.setAttribute("for", id);
    var textarea = el("textarea");
    textarea.id = id;
    textarea.rows = 2;
    textarea.maxLength = 1000;
    var sendComment = el("button", "hoidap-comment-send", "Gửi góp ý");
    sendComment.type = "button";
    comment.appendChild(label);
    comment.appendChild(textarea);
    comment.appendChild(sendComment);
    box.appendChild(comment);

    // In the DOM from the start, so that what is put in it later is announced.
    var status = el("p", "hoidap-feedback-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    box.appendChild(status);

    var rating = null;
    var sentComment = null;
    var sending = false;

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("hoidap-feedback-error", !!isError);
    }

    function vote(value) {
      if (sending || rating === value) {
        return;
      }
      var previous = rating;
      sending = true;
      rating = value;
      up.setAttribute("aria-pressed", value === "up" ? "true" : "false");
      down.setAttribute("aria-pressed", value === "down" ? "true" : "false");
      say("Đang gửi đánh giá…", false);
      var body = { answer_id: answerId, rating: value };
      if (sentComment) {
        body.comment = sentComment;
      }
      postFeedback(body).then(function () {
        say(previous ? "Cảm ơn bạn, đã ghi nhận đánh giá mới."
          : "Cảm ơn bạn đã đánh giá! Bạn có thể góp ý thêm bên dưới.", false);
        comment.hidden = false;
      }, function (error) {
        rating = previous;
        up.setAttribute("aria-pressed", previous === "up" ? "true" : "false");
        down.setAttribute("aria-pressed", previous === "down" ? "true" : "false");
        say(error instanceof ApiError ? error.message : "Chưa gửi được góp ý.", true);
      }).then(function () {
        sending = false;
      });
    }

    function send() {
      if (sending || !rating || sendComment.getAttribute("aria-disabled") === "true") {
        return;
      }
      var text = textarea.value.trim().slice(0, 1000);
      if (!text) {
        say("Hãy viết góp ý vào ô trên rồi bấm “Gửi góp ý”.", true);
        textarea.focus();
        return;
      }
      sending = true;
      say("Đang gửi góp ý…", false);
      postFeedback({ answer_id: answerId, rating: rating, comment: text }).then(function () {
        say("Cảm ơn bạn đã góp ý!", false);
        sentComment = text;
        textarea.readOnly = true;
        sendComment.textContent = "Đã gửi";
        sendComment.setAttribute("aria-disabled", "true");
      }, function (error) {
        say(error instanceof ApiError ? error.message : "Chưa gửi được góp ý.", true);
      }).then(function () {
        sending = false;
      });
    }

    up.addEventListener("click", function () { vote("up"); });
    down.addEventListener("click", function () { vote("down"); });
    sendComment.addEventListener("click", send);
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        send();
      }
    });
    target.appendChild(box);
  }

  function recentHistory() {
    return turns.slice(-MAX_HISTORY_TURNS).map(function (turn) {
      return { role: turn.role, content: turn.content.slice(0, MAX_TURN_CHARS) };
    });
  }

  function streamAnswer(question, bubbleNode, history, signal) {
    var answerNode = el("p", "hoidap-answer");
    var pending = el("span", "hoidap-pending", "Đang trả lời…");
    bubbleNode.appendChild(pending);
    var text = "";
    var citations = [];
    var sources = null; // absent from older servers
    var done = null;

    return fetch(API_BASE + "/api/chat/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ message: question, history: history }),
      signal: signal,
    }).then(function (response) {
      if (!response.ok) {
        return readError(response);
      }
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") >= 0) {
        // A server without streaming: the plain JSON answer.
        return response.json().then(function (data) {
          text = data.answer || "";
          citations = data.citations || [];
          done = data;
        });
      }
      return readEventStream(response, function (name, data) {
        if (name === "answer" && data && typeof data.text === "string") {
          if (pending.parentNode) {
            bubbleNode.replaceChild(answerNode, pending);
          }
          text += data.text;
          renderAnswer(answerNode, text, citations, false);
          scrollToBottom();
        } else if (name === "citations" && Array.isArray(data)) {
          citations = data;
        } else if (name === "sources" && Array.isArray(data)) {
          sources = data;
        } else if (name === "done" && data) {
          done = data;
        } else if (name === "error") {
          throw new ApiError(errorMessage(500, data && data.detail));
        }
      });
    }, networkError).then(function () {
      if (!done) {
        throw new ApiError("Câu trả lời bị gián đoạn. Vui lòng thử lại.");
      }
      if (typeof done.answer === "string") {
        text = done.answer;
      }
      if (Array.isArray(done.citations)) {
        citations = done.citations;
      }
      if (Array.isArray(done.sources)) {
        sources = done.sources;
      }
      if (pending.parentNode) {
        bubbleNode.replaceChild(answerNode, pending);
      }
      // A follow-up ("Còn kinh tế số thì sao?") is answered as the question it stands for.
      var resolved = typeof done.resolved_question === "string" ? done.resolved_question.trim() : "";
      if (resolved && comparable(resolved) !== comparable(question)) {
        var line = el("span", "hoidap-resolved", "Trả lời cho: “" + resolved + "”");
        line.setAttribute("data-resolved-question", resolved);
        bubbleNode.insertBefore(line, answerNode);
      }
      if (done.abstained) {
        bubbleNode.classList.add("hoidap-msg-abstained");
        bubbleNode.setAttribute("data-abstained", "true");
        bubbleNode.insertBefore(el("span", "hoidap-label", "Chưa có câu trả lời"), answerNode);
      }
      bubbleNode.citations = citations.concat(sources || []);
      renderAnswer(answerNode, text, bubbleNode.citations, true);
      renderSources(bubbleNode, text, citations, sources);
      if (typeof done.answer_id === "string" && done.answer_id) {
        bubbleNode.setAttribute("data-answer-id", done.answer_id);
        renderFeedback(bubbleNode, done.answer_id);
      }
      bubbleNode.setAttribute("data-state", "done");
      return text;
    }).catch(function (error) {
      if (pending.parentNode) {
        bubbleNode.removeChild(pending);
      }
      if (text) {
        // Keep what arrived, but say that it is incomplete.
        bubbleNode.citations = citations.concat(sources || []);
        renderAnswer(answerNode, text, bubbleNode.citations, true);
        bubbleNode.setAttribute("data-state", "partial");
      } else if (bubbleNode.parentNode) {
        bubbleNode.parentNode.removeChild(bubbleNode);
      }
      throw error;
    });
  }

  function ask(question) {
    var q = String(question === undefined || question === null ? "" : question).trim();
    if (!q) {
      return Promise.resolve(null);
    }
    if (q.length > MAX_QUESTION_CHARS) {
      q = q.slice(0, MAX_QUESTION_CHARS);
    }
    var run = queue.then(function () {
      var mine = conversation;
      var controller = typeof AbortController === "function" ? new AbortController() : null;
      inFlight = controller;
      setBusy(true);
      addMessage("user", q);
      var answerBubble = addMessage("assistant");
      answerBubble.setAttribute("data-state", "streaming");
      return streamAnswer(q, answerBubble, recentHistory(), controller ? controller.signal
        : undefined).then(function (answer) {
        if (mine !== conversation) {
          return null; // a new conversation began meanwhile
        }
        turns.push({ role: "user", content: q });
        turns.push({ role: "assistant", content: answer });
        if (turns.length > MAX_HISTORY_TURNS) {
          turns = turns.slice(-MAX_HISTORY_TURNS);
        }
        return answer;
      }).catch(function (error) {
        if (mine !== conversation) {
          return null;
        }
        var message = error instanceof ApiError ? error.message
          : "Đã có lỗi không mong muốn. Vui lòng thử lại.";
        var node = addMessage("error", message);
        node.setAttribute("role", "alert");
        return null;
      }).then(function (answer) {
        if (inFlight === controller) {
          inFlight = null;
        }
        setBusy(false);
        scrollToBottom();
        return answer;
      });
    });
    queue = run.then(null, function () { return null; });
    return run;
  }

  // "Trò chuyện mới": the messages go, and the next question is sent with no history.
  function newConversation() {
    conversation++;
    turns = [];
    if (inFlight) {
      inFlight.abort();
      inFlight = null;
    }
    closeSource(false);
    clear(messages);
    messages.appendChild(empty);
    announcer.textContent = "";
    window.setTimeout(function () {
      announcer.textContent = "Đã bắt đầu cuộc trò chuyện mới.";
    }, 50);
    input.focus();
  }

  // ---- the source viewer --------------------------------------------------------------------

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  // Where the passage is in the article: the offsets, checked against the passage text.
  function passageRange(text, citation) {
    var start = Number(citation.start);
    var end = Number(citation.end);
    var passage = citation.text || "";
    if (start >= 0 && end > start && end <= text.length &&
        (!passage || text.slice(start, end) === passage)) {
      return [start, end];
    }
    var found = passage ? text.indexOf(passage) : -1;
    if (found >= 0) {
      return [found, found + passage.length];
    }
    if (start >= 0 && end > start && start < text.length) {
      return [start, Math.min(end, text.length)];
    }
    return null;
  }

  // One paragraph per line; the part of a line inside range = [start, end) goes in a <mark>
  // (before, mark, after: three text nodes). Returns the first mark.
  function renderArticle(target, text, range) {
    clear(target);
    var offset = 0;
    var firstMark = null;
    text.split("\n").forEach(function (line) {
      var lineStart = offset;
      var lineEnd = offset + line.length;
      offset = lineEnd + 1;
      if (!line.trim()) {
        return;
      }
      var p = el("p");
      var from = range ? Math.max(range[0], lineStart) : lineEnd;
      var to = range ? Math.min(range[1], lineEnd) : lineEnd;
      if (from >= to) {
        p.appendChild(document.createTextNode(line));
      } else {
        p.appendChild(document.createTextNode(line.slice(0, from - lineStart)));
        var mark = el("mark", null, line.slice(from - lineStart, to - lineStart));
        p.appendChild(mark);
        p.appendChild(document.createTextNode(line.slice(to - lineStart)));
        firstMark = firstMark || mark;
      }
      target.appendChild(p);
    });
    return firstMark;
  }

  function showSource(citation, returnFocus) {
    var request = ++sourceRequest;
    sourceReturnFocus = returnFocus || null;
    source.hidden = false;
    source.setAttribute("aria-label", "Nguồn [" + citation.n + "]: " + citation.title);
    sourceTitle.textContent = "[" + citation.n + "] " + citation.title;
    sourceMeta.textContent = citation.province ? "Tỉnh/thành: " + citation.province : "";
    sourceLink.href = documentPageUrl(citation);
    clear(sourceBody);
    sourceBody.appendChild(el("p", "hoidap-pending", "Đang tải bài viết…"));
    sourceClose.focus();

    fetchDocument(citation.doc_id).then(function (doc) {
      if (request !== sourceRequest || source.hidden) {
        return;
      }
      var text = typeof doc.text === "string" ? doc.text : "";
      var meta = [];
      if (doc.province) { meta.push("Tỉnh/thành: " + doc.province); }
      if (doc.published) { meta.push("Ngày đăng: " + formatDate(doc.published)); }
      if (doc.author) { meta.push("Tác giả: " + doc.author); }
      sourceMeta.textContent = meta.join(" · ");
      var mark = renderArticle(sourceBody, text, passageRange(text, citation));
      if (mark) {
        // Scroll only the viewer (scrollIntoView could scroll the host page as well); the
        // body is the marks' offsetParent.
        sourceBody.scrollTop = Math.max(0, mark.offsetTop - 16);
      }
    }).catch(function (error) {
      if (request !== sourceRequest) {
        return;
      }
      clear(sourceBody);
      // Show at least the cited passage.
      var message = error instanceof ApiError ? error.message : "Không tải được bài viết.";
      var note = el("p", "hoidap-msg hoidap-msg-error", message);
      note.setAttribute("role", "alert");
      sourceBody.appendChild(note);
      if (citation.text) {
        sourceBody.appendChild(el("mark", null, citation.text));
      }
    });
  }

  function closeSource(restoreFocus) {
    if (source.hidden) {
      return;
    }
    sourceRequest++;
    source.hidden = true;
    var target = sourceReturnFocus;
    sourceReturnFocus = null;
    if (restoreFocus !== false) {
      if (target && target.isConnected) {
        target.focus();
      } else {
        input.focus();
      }
    }
  }

  // ---- events -------------------------------------------------------------------------------

  bubble.addEventListener("click", function () {
    if (isOpen()) {
      close();
    } else {
      open();
    }
  });
  closeButton.addEventListener("click", close);
  newButton.addEventListener("click", newConversation);
  sourceClose.addEventListener("click", function () { closeSource(true); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    var question = input.value;
    if (!question.trim()) {
      input.focus();
      return;
    }
    input.value = "";
    input.focus(); // not on the send button, which is disabled while answering
    ask(question);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (!busy) {
        form.requestSubmit ? form.requestSubmit() : send.click();
      }
    }
  });

  messages.addEventListener("click", function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest("button[data-n]") : null;
    if (!button) {
      return;
    }
    var message = button.closest(".hoidap-msg");
    var citation = message && message.citations
      ? citationFor(message.citations, Number(button.getAttribute("data-n"))) : null;
    if (citation) {
      showSource(citation, button);
    }
  });

  container.addEventListener("keydown", function (event) {
    if ((event.key === "Escape" || event.key === "Esc") && isOpen()) {
      event.preventDefault();
      event.stopPropagation();
      if (!source.hidden) {
        closeSource(true);
      } else {
        close();
      }
    }
  });

  function mount() {
    document.body.appendChild(host);
    if (START_OPEN) {
      panel.hidden = false;
      container.classList.add("hoidap-open");
      bubble.setAttribute("aria-expanded", "true");
      bubble.setAttribute("aria-label", "Đóng hộp hỏi đáp: " + TITLE);
    }
  }

  // After the page is parsed, so that the host (and the room it keeps for the bubble) is at the
  // end of <body>, wherever the script tag is.
  if (document.body && document.readyState !== "loading") {
    mount();
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }

  window.hoidapWidget = {
    open: open,
    close: close,
    ask: function (question) {
      open();
      return ask(question);
    },
    isOpen: isOpen,
    newConversation: newConversation,
    apiBase: API_BASE,
  };
})();
