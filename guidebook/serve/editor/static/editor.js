/* guidebook edit: the form of one catalogue file. Collects the form as data, checks it on every change,
   shows each problem next to its field, previews the handout, saves, and handles a file changed on disk. */
(function () {
  "use strict";
  // The page holds no access token: the browser sends the editor's cookie with every request. Every
  // answer is read as JSON; anything else (a proxy's page, a stopped editor) becomes a message, never a hang.
  function api(url, payload) {
    return fetch(url, {
      method: payload === undefined ? "GET" : "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: payload === undefined ? undefined : JSON.stringify(payload)
    }).then(function (r) {
      return r.text().then(function (t) {
        var j;
        try { j = JSON.parse(t); } catch (e) { j = null; }
        if (!j || typeof j !== "object") j = { ok: false, message: "编辑器的答复无法识别（HTTP " + r.status + "）" };
        j.status = r.status;
        return j;
      });
    }, function () {
      return { ok: false, status: 0, message: "无法连接编辑器：它可能已停止运行，请在终端中重新启动 guidebook edit" };
    });
  }

  function children(el, selector) {
    return Array.prototype.filter.call(el.children, function (c) { return c.matches(selector); });
  }

  // -- the form as data ------------------------------------------------------------------------
  function readValue(input) {
    var v = input.value.trim();
    if (v === "") return null;
    if (input.dataset.type === "integer") { var n = Number(v); return isNaN(n) ? v : n; }
    return v;
  }
  function collect(el) {
    if (el.dataset.kind === "array") {
      var out = [];
      children(el.querySelector(":scope > ol.rows"), "li.row").forEach(function (row) {
        var body = row.querySelector(":scope > .row-body");
        var inner = children(body, ".fld, fieldset")[0];
        var v = inner.matches(".fld") ? readValue(inner.querySelector("[data-kind=value]")) : collect(inner);
        if (v !== null && !(typeof v === "object" && Object.keys(v).length === 0)) out.push(v);
      });
      return out.length ? out : null;
    }
    var obj = {};
    children(el, ".fld, fieldset").forEach(function (c) {
      var key = c.dataset.key, v;
      if (c.hidden) return;  // an alternative that is not chosen (materials as items, groups or none)
      if (c.matches(".fld")) v = readValue(c.querySelector("[data-kind=value]"));
      else v = collect(c);
      if (v !== null && !(typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0)) obj[key] = v;
    });
    return Object.keys(obj).length ? obj : null;
  }

  // -- paths after rows are added, removed or moved ------------------------------------------------
  function renumber(el, path) {
    if (el.dataset.kind === "array") {
      el.dataset.path = path;
      setErr(el, path);
      children(el.querySelector(":scope > ol.rows"), "li.row").forEach(function (row, i) {
        var p = path + "[" + i + "]";
        row.dataset.path = p;
        var inner = children(row.querySelector(":scope > .row-body"), ".fld, fieldset")[0];
        if (inner.matches(".fld")) renumberField(inner, p); else renumber(inner, p);
      });
      return;
    }
    if (path) setErr(el, path);
    var choice = el.querySelector(":scope > .choice");
    if (choice) choice.querySelectorAll("input[type=radio]").forEach(function (r) { r.name = "choice-" + (path || "root"); });
    children(el, ".fld, fieldset").forEach(function (c) {
      var p = path ? path + "." + c.dataset.key : c.dataset.key;
      if (c.matches(".fld")) renumberField(c, p); else renumber(c, p);
    });
  }
  function setErr(el, path) {
    var e = el.querySelector(":scope > p.err");
    if (e) e.dataset.errorFor = path;
  }
  function renumberField(fld, path) {
    var input = fld.querySelector("[data-kind=value]"), label = fld.querySelector("label");
    var id = "f-" + path.replace(/\./g, "-").replace(/\[/g, "_").replace(/\]/g, "");
    input.name = path; input.id = id; if (label) label.htmlFor = id;
    fld.querySelector("p.err").dataset.errorFor = path;
  }

  // -- checking, errors, preview ----------------------------------------------------------------
  function showProblems(form, problems) {
    form.querySelectorAll("p.err").forEach(function (p) { p.textContent = ""; });
    form.querySelectorAll(".invalid").forEach(function (x) { x.classList.remove("invalid"); x.removeAttribute("aria-invalid"); });
    var general = [];
    (problems || []).forEach(function (p) {
      var target = p.path ? form.querySelector('p.err[data-error-for="' + CSS.escape(p.path) + '"]') : null;
      if (!target && p.path) {  // an error about a whole list or object: show it at the closest field
        var shorter = p.path;
        while (!target && shorter.indexOf(".") > 0) {
          shorter = shorter.replace(/(\.[^.]*|\[\d+\])$/, "");
          target = form.querySelector('p.err[data-error-for="' + CSS.escape(shorter) + '"]');
        }
      }
      var text = (p.severity === "warning" ? "提醒：" : "") + p.message;
      if (target) {
        target.textContent = target.textContent ? target.textContent + "；" + text : text;
        var input = target.parentElement.querySelector("[data-kind=value]");
        if (input && p.severity !== "warning") { input.classList.add("invalid"); input.setAttribute("aria-invalid", "true"); }
      } else general.push(text);
    });
    var status = document.getElementById("status");
    var errors = (problems || []).filter(function (p) { return p.severity !== "warning"; }).length;
    var notes = (problems || []).length - errors;
    status.textContent = errors ? "有 " + errors + " 处需要修改，修改前不能保存。" + (general.length ? general.join("；") : "")
                                : (general.length ? general.join("；") : "检查通过" + (notes ? "，有 " + notes + " 处提醒（见标出的字段）。" : "。"));
    status.className = errors ? "bad" : notes ? "warn" : "good";
  }

  function preview(form, data) {
    var frame = document.getElementById("preview-frame");
    if (!frame) return;
    var fit = document.getElementById("fit");
    api("/api/preview/" + form.dataset.key, { data: data }).then(function (r) {
      if (!r.ok) { fit.textContent = "无法预览：" + (r.message || ""); fit.className = "bad"; return; }
      frame.srcdoc = r.html;
      fit.textContent = r.fits ? "一页能放下" + (r.level < 0 ? "（有余地，已用大字：正文 " + r.body_pt + " 磅）"
                                           : r.level ? "（已用第 " + r.level + " 级紧凑排版）" : "")
                               : (r.reason || "超出一页约 " + r.overflow_mm + " 毫米，请精简文字");
      fit.className = r.fits ? "good" : "bad";
    });
  }

  // One of several shapes (materials as items, groups or none): only the chosen one is shown and saved.
  function applyChoice(radio) {
    var owner = radio.closest(".choice").parentElement;
    children(owner, "[data-choice]").forEach(function (part) { part.hidden = part.dataset.choice !== radio.value; });
    var shown = children(owner, '[data-choice="' + radio.value + '"]')[0];
    var add = shown && shown.querySelector(":scope > button.add");
    if (add && !shown.querySelector(":scope > ol.rows > li")) add.focus();
  }

  function setupDoc(form) {
    var timer = null, seq = 0;
    renumber(form.querySelector(".obj.root"), "");
    function changed() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var data = collect(form.querySelector(".obj.root")) || {}, mine = ++seq;
        api("/api/check/" + form.dataset.key, { data: data }).then(function (r) {
          if (mine === seq) showProblems(form, r.problems || [{ path: "", message: r.message }]);
        });
        preview(form, data);
      }, 350);
    }
    form.addEventListener("input", function (ev) {
      if (ev.target.matches(".choice input[type=radio]")) applyChoice(ev.target);
      dirty = true;
      changed();
    });
    form.addEventListener("click", function (ev) {
      var b = ev.target.closest("button");
      if (!b || b.type === "submit") return;
      var arr = b.closest("fieldset.arr"), row = b.closest("li.row");
      if (b.classList.contains("add")) {
        var tpl = arr.querySelector(":scope > template");
        var list = arr.querySelector(":scope > ol.rows");
        list.appendChild(tpl.content.firstElementChild.cloneNode(true));
        renumber(form.querySelector(".obj.root"), "");
        var first = list.lastElementChild.querySelector("input, textarea, select");
        if (first) first.focus();
      } else if (b.classList.contains("remove") && row) {
        row.remove();
      } else if (b.classList.contains("up") && row && row.previousElementSibling) {
        row.parentElement.insertBefore(row, row.previousElementSibling);
      } else if (b.classList.contains("down") && row && row.nextElementSibling) {
        row.parentElement.insertBefore(row.nextElementSibling, row);
      } else return;
      renumber(form.querySelector(".obj.root"), "");
      dirty = true;
      changed();
    });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); save(form, false); });
    document.getElementById("keep-mine").addEventListener("click", function () { save(form, true); });
    document.getElementById("take-disk").addEventListener("click", function () { dirty = false; location.reload(); });
    var del = document.getElementById("delete-item");
    if (del) del.addEventListener("click", function () {
      var n = del.dataset.number;
      api("/api/references/" + n).then(function (r) {
        var refs = (r.references || []);
        var msg = "确定删除事项 " + n + " 吗？" + (refs.length ? "\n以下清单引用了本事项，删除时会一并去掉引用：\n" + refs.join("\n") : "");
        if (!window.confirm(msg)) return;
        api("/api/delete/" + n, {}).then(function (d) {
          if (d.ok) { dirty = false; location.href = "/"; }
          else document.getElementById("status").textContent = d.message;
        });
      });
    });
    var ren = document.querySelector("form.renumber");
    if (ren) ren.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var to = ren.querySelector("input").value;
      api("/api/renumber/" + ren.dataset.number, { number: Number(to) }).then(function (r) {
        if (r.ok) { dirty = false; location.href = "/doc/" + r.key; }
        else document.getElementById("status").textContent = "未改序号：" + r.message;
      });
    });
    changed();
  }

  // What the page holds that is not saved yet: leaving it asks first (the browser's own question).
  var dirty = false;
  window.addEventListener("beforeunload", function (ev) {
    if (dirty) { ev.preventDefault(); ev.returnValue = ""; }
  });

  function showConflict(form, r) {
    var conflict = document.getElementById("conflict");
    document.getElementById("disk-version").textContent = r.disk === null ? "（磁盘上已没有这个文件）" : r.disk;
    document.getElementById("my-version").textContent = r.mine;
    if (r.note) document.getElementById("conflict-note").textContent = r.note + "。请选择：";
    form.dataset.hash = r.disk_hash;
    conflict.hidden = false;
    conflict.scrollIntoView();
  }

  function afterSave(form, r, status) {
    var conflict = document.getElementById("conflict");
    if (r.ok) {
      form.dataset.hash = r.hash;
      conflict.hidden = true;
      dirty = false;
      status.textContent = r.message;
      status.className = r.warnings && r.warnings.length ? "warn" : "good";
      return true;
    }
    if (r.conflict) {
      showConflict(form, r);
      status.textContent = "未保存：文件在磁盘上已被修改，请在下方选择。";
    } else {
      status.textContent = "未保存：" + (r.message || "");
    }
    status.className = "bad";
    return false;
  }

  function save(form, force) {
    var data = collect(form.querySelector(".obj.root")) || {};
    var status = document.getElementById("save-status");
    status.textContent = "正在保存…";
    api("/api/save/" + form.dataset.key, { data: data, hash: form.dataset.hash, force: force }).then(function (r) {
      if (afterSave(form, r, status)) { showProblems(form, r.warnings); refreshChanges(form); }
      else if (!r.conflict) showProblems(form, r.problems || []);
    });
  }

  // "与 2026 年版相比：N 处修改" as it stands after the save.
  function refreshChanges(form) {
    var since = document.getElementById("since");
    if (!since) return;
    api("/api/changes/" + form.dataset.key).then(function (r) {
      if (!r.ok || !r.html) return;
      var open = since.open;
      since.outerHTML = r.html;
      document.getElementById("since").open = open;
    });
  }

  function setupRepair(form) {
    var text = document.getElementById("text"), status = document.getElementById("save-status");
    text.addEventListener("input", function () { dirty = true; });
    function send(force) {
      status.textContent = "正在保存…";
      api("/api/save-text/" + form.dataset.key, { text: text.value, hash: form.dataset.hash, force: force })
        .then(function (r) {
          if (!afterSave(form, r, status)) {
            if (r.problems && r.problems.length) {
              status.textContent += "：" + r.problems.map(function (p) {
                return (p.line ? "第 " + p.line + " 行：" : "") + p.message; }).join("；");
            }
            return;
          }
          status.textContent = "已保存，正在打开表单…";
          location.reload();
        });
    }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); send(false); });
    document.getElementById("keep-mine").addEventListener("click", function () { send(true); });
    document.getElementById("take-disk").addEventListener("click", function () { dirty = false; location.reload(); });
  }

  function setupIndex() {
    var filter = document.getElementById("filter");
    if (filter) filter.addEventListener("input", function () {
      var q = filter.value.replace(/\s+/g, "").toLowerCase();
      document.querySelectorAll("#items li").forEach(function (li) {
        li.hidden = q && li.dataset.search.replace(/\s+/g, "").toLowerCase().indexOf(q) < 0;
      });
    });
    var add = document.querySelector("form.add-item");
    if (add) add.addEventListener("submit", function (ev) {
      ev.preventDefault();
      api("/api/items", { category: add.querySelector("select").value }).then(function (r) {
        if (r.ok) location.href = "/doc/" + r.key;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("doc"), repair = document.getElementById("repair");
    if (form) setupDoc(form); else if (repair) setupRepair(repair); else setupIndex();
  });
})();
