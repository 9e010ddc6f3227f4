// Sluice dashboard: fed by the status stream (EventSource /admin/events), changes through the
// admin API (GET then PUT /admin/config with If-Match). No library, no build step, works offline.
// Every text from the server goes into the DOM through textContent, never as markup.
(function () {
  'use strict';

  var HISTORY_MS = 5 * 60 * 1000;
  var MAX_POINTS = 3000;
  var TOKEN_KEY = 'sluice.adminToken';
  var MAX_EVENTS = 100;

  var routes = new Map(); // name -> { el, history: [], last: status of the route }
  var lastStatusAt = 0;
  var laggedUntil = 0;
  var connected = false;
  var source = null;

  function $(id) { return document.getElementById(id); }
  function q(el, cls) { return el.querySelector('.' + cls); }
  function text(el, value) { el.textContent = value == null ? '' : String(value); }
  function fmt(n) { return typeof n === 'number' ? n.toLocaleString('en-US') : '–'; }

  // --- token: this tab only ---------------------------------------------------------------
  function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

  function showToken() {
    var has = token() !== '';
    text($('token-state'), has ? 'token set (this tab)' : 'no token: read only');
    document.querySelectorAll('.pause, .mif-apply, #editor-load, #editor-apply, #dl-load').forEach(function (b) {
      b.disabled = !has;
      b.title = has ? '' : 'enter the admin token first';
    });
  }

  $('token-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var t = $('token').value.trim();
    if (t) {
      sessionStorage.setItem(TOKEN_KEY, t);
    }
    $('token').value = '';
    showToken();
  });
  $('token-forget').addEventListener('click', function () {
    sessionStorage.removeItem(TOKEN_KEY);
    showToken();
  });

  // --- the status stream ------------------------------------------------------------------
  function setConn(state, cls) {
    var el = $('conn');
    text(el, state);
    el.className = 'badge ' + cls;
  }

  function connect() {
    source = new EventSource('/admin/events');
    source.onopen = function () { connected = true; setConn('connected', 'ok'); };
    source.onerror = function () {
      connected = false;
      setConn('disconnected: reconnecting', 'bad');
      if (source.readyState === EventSource.CLOSED) {
        // refused (503: draining, or too many subscribers): the browser does not retry by itself
        source = null;
        setTimeout(connect, 3000);
      }
    };
    source.addEventListener('status', function (e) { onStatus(JSON.parse(e.data)); });
    source.addEventListener('config', function (e) {
      var c = JSON.parse(e.data);
      text($('config-version'), c.version);
      logEvent('config', 'version ' + c.version + ' in force; routes ' + c.routes.join(', ')
        + (c.paused && c.paused.length ? '; paused ' + c.paused.join(', ') : ''));
    });
    source.addEventListener('route', function (e) {
      var r = JSON.parse(e.data);
      logEvent('route', r.route + (r.paused ? ' paused' : ' resumed') + ' (config ' + r.configVersion + ')');
    });
    source.addEventListener('failure', function (e) {
      var f = JSON.parse(e.data);
      logEvent('failure', f.kind + ' ' + f.route + (f.reason ? ': ' + f.reason : '')
        + (f.held != null ? ' (held ' + f.held + ')' : ''));
    });
    source.addEventListener('drain', function (e) {
      var d = JSON.parse(e.data);
      var el = $('drain');
      el.hidden = false;
      el.className = 'badge warn';
      text(el, 'drain ' + d.phase + ', ' + d.inFlight + ' in flight, ' + d.elapsedMs + ' of ' + d.timeoutMs + ' ms');
      logEvent('drain', d.phase + ': ' + d.inFlight + ' in flight');
    });
    source.addEventListener('lagged', function (e) {
      var l = JSON.parse(e.data);
      laggedUntil = Date.now() + 10000;
      var el = $('lagged');
      el.hidden = false;
      text(el, 'lagged: missed ' + l.missed + ' events');
      logEvent('lagged', 'missed ' + l.missed + ' events, resumed at ' + l.resumeAt);
    });
  }

  function logEvent(type, message) {
    var li = document.createElement('li');
    text(li, new Date().toLocaleTimeString() + '  ' + type + '  ' + message);
    var list = $('events');
    list.insertBefore(li, list.firstChild);
    while (list.childNodes.length > MAX_EVENTS) {
      list.removeChild(list.lastChild);
    }
  }

  function onStatus(s) {
    var now = Date.now();
    lastStatusAt = now;
    if (!connected) { connected = true; setConn('connected', 'ok'); }
    text($('config-version'), s.configVersion);
    text($('state'), s.draining ? 'draining' : (s.running ? 'running' : 'stopped'));
    text($('global-inflight'), fmt(s.inFlight) + ' / ' + fmt(s.maxInFlight));
    text($('updated'), new Date(s.at).toLocaleTimeString());
    if (!s.draining) { $('drain').hidden = true; }
    var seen = new Set();
    s.routes.forEach(function (r) {
      seen.add(r.name);
      var entry = routes.get(r.name);
      if (!entry) {
        entry = { el: makeRoute(r.name), history: [] };
        routes.set(r.name, entry);
        showToken();
        dlRoutes();
      }
      entry.last = r;
      entry.history.push({
        t: now, inFlight: r.inFlight, limit: r.limit,
        delivered: r.perSecond ? r.perSecond.delivered : null,
        retried: r.perSecond ? r.perSecond.retried : null,
        deadLettered: r.perSecond ? r.perSecond.deadLettered : null
      });
      while (entry.history.length > MAX_POINTS || (entry.history.length && entry.history[0].t < now - HISTORY_MS)) {
        entry.history.shift();
      }
      renderRoute(entry);
    });
    routes.forEach(function (entry, name) {
      if (!seen.has(name)) {
        entry.el.remove();
        routes.delete(name);
        dlRoutes();
      }
    });
    $('no-routes').hidden = routes.size > 0;
    if (routes.size === 0) { text($('no-routes'), 'No routes in the config in force.'); }
  }

  // a stream that says nothing, and the lagged mark's time out
  setInterval(function () {
    if (lastStatusAt && connected && Date.now() - lastStatusAt > 5000) {
      setConn('no status for ' + Math.round((Date.now() - lastStatusAt) / 1000) + ' s', 'warn');
    }
    if (laggedUntil && Date.now() > laggedUntil) {
      $('lagged').hidden = true;
      laggedUntil = 0;
    }
  }, 1000);

  // --- one route ---------------------------------------------------------------------------
  function makeRoute(name) {
    var el = $('route-template').content.firstElementChild.cloneNode(true);
    el.dataset.route = name;
    text(q(el, 'name'), name);
    q(el, 'pause').addEventListener('click', function () {
      var entry = routes.get(name);
      var paused = entry && entry.last && entry.last.paused;
      changeRoute(name, 'paused', !paused, q(el, 'pause-error'));
    });
    q(el, 'mif-apply').addEventListener('click', function () {
      var raw = q(el, 'mif-input').value.trim();
      // sent as typed (a number when it reads as one): the server says what is wrong with it
      var value = /^-?\d+$/.test(raw) ? Number(raw) : raw;
      changeRoute(name, 'max-in-flight', value, q(el, 'mif-error'));
    });
    q(el, 'mif-input').addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { q(el, 'mif-apply').click(); }
    });
    // inserted in name order
    var list = $('routes');
    var before = Array.prototype.find.call(list.children, function (c) { return c.dataset.route > name; });
    list.insertBefore(el, before || null);
    return el;
  }

  function renderRoute(entry) {
    var el = entry.el;
    var r = entry.last;
    var state = q(el, 'state');
    text(state, r.paused ? 'paused' : 'running');
    state.className = 'state badge ' + (r.paused ? 'warn' : 'ok');
    var pause = q(el, 'pause');
    text(pause, r.paused ? 'Resume' : 'Pause');
    text(q(el, 'inflight'), fmt(r.inFlight));
    text(q(el, 'limit'), fmt(r.limit));
    q(el, 'fill').style.width = (r.limit > 0 ? Math.min(100, 100 * r.inFlight / r.limit) : 0) + '%';
    ['delivered', 'retried', 'deadLettered', 'filtered', 'failed'].forEach(function (k) {
      text(q(el, k), fmt(r[k]));
    });
    ['delivered', 'retried', 'deadLettered', 'filtered'].forEach(function (k) {
      text(q(el, 'rate-' + k), r.perSecond ? r.perSecond[k] + '/s' : '');
    });
    text(q(el, 'latency'), r.latencyMs
      ? 'latency p50 ' + r.latencyMs.p50 + ' ms, p99 ' + r.latencyMs.p99 + ' ms (' + fmt(r.latencyMs.count) + ' in 30 s)'
      : 'latency: no deliveries in 30 s');
    var input = q(el, 'mif-input');
    input.placeholder = String(r.limit);
    renderLag(q(el, 'lag-table'), r.lag || {}, new Set(r.pausedPartitions || []));
    renderHolds(q(el, 'holds'), r.holds || []);
    drawLimit(q(el, 'chart-limit'), entry.history);
    drawRates(q(el, 'chart-rates'), entry.history);
  }

  // a paused route's records kept in Kafka on partitions other routes go on reading
  function renderHolds(div, holds) {
    text(div, holds.length === 0 ? '' : 'held in Kafka for the resume: ' + holds.map(function (h) {
      return h.partition + ' from offset ' + fmt(h.from)
        + (h.caughtUpTo > h.from ? ' (caught up to ' + fmt(h.caughtUpTo) + ')' : '');
    }).join('; '));
  }

  function renderLag(table, lag, paused) {
    var names = Object.keys(lag).sort(function (a, b) {
      var pa = a.lastIndexOf('-'), pb = b.lastIndexOf('-');
      var ta = a.slice(0, pa), tb = b.slice(0, pb);
      return ta === tb ? Number(a.slice(pa + 1)) - Number(b.slice(pb + 1)) : (ta < tb ? -1 : 1);
    });
    if (names.length === 0) {
      if (table.rows.length !== 1 || table.rows[0].cells.length !== 1) {
        table.replaceChildren();
        text(table.insertRow(-1).insertCell(-1), 'no partitions assigned');
      }
      return;
    }
    if (table.rows.length && table.rows[0].cells.length === 1) { table.replaceChildren(); }
    while (table.rows.length > names.length) { table.deleteRow(-1); }
    while (table.rows.length < names.length) {
      var row = table.insertRow(-1);
      row.insertCell(-1);
      row.insertCell(-1).className = 'n';
    }
    names.forEach(function (p, i) {
      var row = table.rows[i];
      row.className = paused.has(p) ? 'paused' : '';
      text(row.cells[0], p);
      text(row.cells[1], fmt(lag[p]));
    });
  }

  // --- charts (canvas, last 5 minutes) ------------------------------------------------------
  function prepare(canvas) {
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth || 300, h = canvas.clientHeight || 110;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    var ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    return { ctx: ctx, w: w, h: h };
  }

  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

  function draw(canvas, history, series, floorMax) {
    var c = prepare(canvas), ctx = c.ctx;
    var left = 34, right = 6, top = 6, bottom = 16;
    var now = Date.now(), from = now - HISTORY_MS;
    var max = floorMax;
    history.forEach(function (p) {
      series.forEach(function (s) { if (p[s.key] != null && p[s.key] > max) { max = p[s.key]; } });
    });
    max = niceMax(max);
    var x = function (t) { return left + (c.w - left - right) * (t - from) / HISTORY_MS; };
    var y = function (v) { return top + (c.h - top - bottom) * (1 - v / max); };
    ctx.strokeStyle = '#e3e6eb';
    ctx.fillStyle = '#6b7280';
    ctx.font = '10px system-ui, sans-serif';
    ctx.lineWidth = 1;
    [0, 0.5, 1].forEach(function (f) {
      var yy = Math.round(y(max * f)) + 0.5;
      ctx.beginPath(); ctx.moveTo(left, yy); ctx.lineTo(c.w - right, yy); ctx.stroke();
      ctx.fillText(short(max * f), 2, yy + 3);
    });
    ['-5m', '-4m', '-3m', '-2m', '-1m', 'now'].forEach(function (label, i) {
      ctx.fillText(label, x(from + i * 60000) - (i === 5 ? 18 : 8), c.h - 3);
    });
    series.forEach(function (s) {
      ctx.strokeStyle = css(s.color);
      ctx.lineWidth = s.width || 1.5;
      ctx.beginPath();
      var pen = false;
      history.forEach(function (p) {
        var v = p[s.key];
        if (v == null) { pen = false; return; }
        if (pen) { ctx.lineTo(x(p.t), y(v)); } else { ctx.moveTo(x(p.t), y(v)); pen = true; }
      });
      ctx.stroke();
    });
  }

  function niceMax(v) {
    if (v <= 0) { return 1; }
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var n = v / p;
    return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * p;
  }

  function short(v) {
    return v >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : v >= 1e3 ? (v / 1e3).toFixed(1) + 'k' : String(Math.round(v * 10) / 10);
  }

  function drawLimit(canvas, history) {
    draw(canvas, history, [
      { key: 'limit', color: '--limit', width: 1 },
      { key: 'inFlight', color: '--inflight' }
    ], 1);
  }

  function drawRates(canvas, history) {
    draw(canvas, history, [
      { key: 'delivered', color: '--delivered' },
      { key: 'retried', color: '--retried' },
      { key: 'deadLettered', color: '--dl' }
    ], 1);
  }

  // --- changes through the admin API -----------------------------------------------------------
  function auth() { return { 'Authorization': 'Bearer ' + token() }; }

  function readConfig() {
    return fetch('/admin/config', { headers: auth(), cache: 'no-store' }).then(function (res) {
      return res.text().then(function (body) {
        if (!res.ok) { throw new Error(refusal(res.status, body)); }
        return JSON.parse(body);
      });
    });
  }

  function putConfig(config, version) {
    var headers = auth();
    headers['Content-Type'] = 'application/json';
    headers['If-Match'] = '"' + version + '"';
    var body = typeof config === 'string' ? config : JSON.stringify(config);
    return fetch('/admin/config', { method: 'PUT', headers: headers, body: body }).then(function (res) {
      return res.text().then(function (text) {
        var json = null;
        try { json = JSON.parse(text); } catch (e) { json = null; }
        return { status: res.status, body: json, text: text };
      });
    });
  }

  function refusal(status, body) {
    if (status === 401) { return 'no admin token (401)'; }
    if (status === 403) { return 'the admin token was refused (403)'; }
    var message = body;
    try { message = JSON.parse(body).error || body; } catch (e) { /* not JSON: as it came */ }
    return status + ': ' + message;
  }

  /** GET the config, change one key of one route, PUT it with If-Match (again on 412, at most 3 times). */
  function changeRoute(name, key, value, fieldError) {
    var entry = routes.get(name);
    var el = entry.el;
    var general = q(el, 'route-error');
    var result = q(el, 'route-result');
    [q(el, 'pause-error'), q(el, 'mif-error'), general, result].forEach(function (e) { text(e, ''); });
    var attempt = function (left) {
      return readConfig().then(function (doc) {
        var index = doc.config.routes.findIndex(function (r) { return r.name === name; });
        if (index < 0) { throw new Error('route ' + name + ' is not in the config in force'); }
        doc.config.routes[index][key] = value;
        return putConfig(doc.config, doc.version).then(function (res) {
          if (res.status === 412 && left > 1) { return attempt(left - 1); }
          return { res: res, index: index, version: doc.version };
        });
      });
    };
    attempt(3).then(function (out) {
      var res = out.res;
      if (res.status === 200) {
        text(result, key + ' set: config version ' + (res.body && res.body.version));
        if (key === 'max-in-flight') { q(el, 'mif-input').value = ''; }
        return;
      }
      if (res.status === 400 && res.body && Array.isArray(res.body.problems)) {
        var prefix = 'routes[' + out.index + '].';
        res.body.problems.forEach(function (p) {
          var at = p.field === prefix + 'paused' ? q(el, 'pause-error')
            : p.field === prefix + 'max-in-flight' ? q(el, 'mif-error') : general;
          var shown = at === general ? p.field + ': ' + p.message : p.message;
          text(at, at.textContent ? at.textContent + '; ' + shown : shown);
        });
        text(result, 'refused: config version ' + out.version + ' stays in force');
        return;
      }
      text(fieldError, refusal(res.status, res.text));
    }).catch(function (e) {
      text(fieldError, e.message);
    });
  }

  // --- the config editor -----------------------------------------------------------------------
  var editorVersion = null;

  function loadEditor() {
    text($('editor-result'), '');
    $('editor-problems').replaceChildren();
    return readConfig().then(function (doc) {
      editorVersion = doc.version;
      $('editor').value = JSON.stringify(doc.config, null, 2);
      text($('editor-version'), 'loaded version ' + doc.version);
    }).catch(function (e) {
      problem(e.message);
    });
  }

  function problem(message) {
    var li = document.createElement('li');
    text(li, message);
    $('editor-problems').appendChild(li);
  }

  $('editor-load').addEventListener('click', loadEditor);
  $('editor-apply').addEventListener('click', function () {
    text($('editor-result'), '');
    $('editor-problems').replaceChildren();
    if (editorVersion == null) {
      problem('load the config first: Apply sends If-Match of the version loaded');
      return;
    }
    putConfig($('editor').value, editorVersion).then(function (res) {
      if (res.status === 200) {
        text($('editor-result'), 'applied: version ' + (res.body && res.body.version));
        return loadEditor().then(function () {
          text($('editor-result'), 'applied: version ' + editorVersion);
        });
      }
      if (res.status === 400 && res.body && Array.isArray(res.body.problems)) {
        res.body.problems.forEach(function (p) { problem(p.field + ': ' + p.message); });
        if (res.body.moreProblems) { problem('… and ' + res.body.moreProblems + ' more'); }
        text($('editor-result'), 'refused: version ' + editorVersion + ' stays in force');
        return;
      }
      if (res.status === 412) {
        problem('the config changed since it was loaded (412): Load it again and redo the change');
        return;
      }
      problem(refusal(res.status, res.text));
    }).catch(function (e) {
      problem(e.message);
    });
  });

  // --- dead letters and redrives -----------------------------------------------------------------
  var DL_POLL_MS = 1500;
  var dl = { query: null, next: null, items: [] }; // the listing shown: its filters, the next page's cursor

  /** The route select follows the routes the status stream knows; the choice stays while it exists. */
  function dlRoutes() {
    var select = $('dl-route');
    var chosen = select.value;
    var names = Array.from(routes.keys()).sort();
    select.replaceChildren();
    names.forEach(function (n) {
      var o = document.createElement('option');
      o.value = n;
      text(o, n);
      select.appendChild(o);
    });
    if (names.indexOf(chosen) >= 0) { select.value = chosen; }
  }

  /** A refusal as the panel shows it: a 400's problems field by field, else refusal(). */
  function refusedText(status, body) {
    if (status === 400) {
      try {
        var doc = JSON.parse(body);
        if (Array.isArray(doc.problems)) {
          return doc.problems.map(function (p) { return p.field + ': ' + p.message; }).join('; ');
        }
      } catch (e) { /* not JSON: refusal() shows it as it came */ }
    }
    return refusal(status, body) + (status === 503 ? ' (try again in a moment)' : '');
  }

  function call(method, path, body) {
    var headers = auth();
    if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
    return fetch(path, { method: method, headers: headers, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body) }).then(function (res) {
      return res.text().then(function (t) {
        if (!res.ok) { throw new Error(refusedText(res.status, t)); }
        return t ? JSON.parse(t) : null;
      });
    });
  }

  /** The filters as typed: only those filled in. */
  function dlFilters() {
    var f = { route: $('dl-route').value };
    var reason = $('dl-reason').value.trim(), status = $('dl-status').value.trim(), key = $('dl-key').value;
    if (reason) { f.reason = reason; }
    // sent as typed when not a number: the server names what is wrong with it
    if (status) { f.status = /^\d+$/.test(status) ? Number(status) : status; }
    if (key) { f.key = key; }
    return f;
  }

  function dlLoad(cursor) {
    text($('dl-error'), '');
    text($('dl-result'), '');
    if (!cursor) {
      dl.query = dlFilters();
      dl.query.order = $('dl-order').value;
    }
    var params = new URLSearchParams();
    Object.keys(dl.query).forEach(function (k) { params.set(k, String(dl.query[k])); });
    params.set('limit', '100');
    if (cursor) { params.set('cursor', cursor); }
    return call('GET', '/admin/dead-letters?' + params.toString()).then(function (page) {
      dl.next = page.next;
      dl.items = page.items;
      dlRender(page);
    }).catch(function (e) {
      text($('dl-error'), e.message);
    });
  }

  function dlRender(page) {
    var body = $('dl-table').tBodies[0];
    body.replaceChildren();
    $('dl-select-all').checked = false;
    if (page.items.length === 0) {
      var empty = body.insertRow(-1);
      empty.className = 'empty';
      var cell = empty.insertCell(-1);
      cell.colSpan = 8;
      text(cell, 'no dead letters match');
    }
    page.items.forEach(function (d) {
      var row = body.insertRow(-1);
      row.className = 'dl-row';
      row.dataset.partition = d.partition;
      row.dataset.offset = d.offset;
      var box = document.createElement('input');
      box.type = 'checkbox';
      box.className = 'dl-select';
      box.addEventListener('change', dlButtons);
      row.insertCell(-1).appendChild(box);
      text(row.insertCell(-1), d.deadLetteredAt ? new Date(d.deadLetteredAt).toLocaleString() : '');
      text(row.insertCell(-1), d.key);
      text(row.insertCell(-1), d.reason);
      text(row.insertCell(-1), d.httpStatus);
      text(row.insertCell(-1), d.attempts);
      text(row.insertCell(-1), d.source ? d.source.topic + '-' + d.source.partition + ' @ ' + d.source.offset : 'unknown');
      var value = row.insertCell(-1);
      value.className = 'value';
      var shownValue = d.value != null ? d.value : (d.valueBase64 != null ? 'base64 ' + d.valueBase64 : '');
      text(value, shownValue + (d.valueTruncated ? ' …' : ''));
      value.title = shownValue;
    });
    text($('dl-summary'), page.items.length + ' shown of ' + page.route + ' (' + page.deadLetterTopic + ', ' + page.order + ')'
      + (page.complete === false ? '; page cut short, Older goes on' : '') + (page.next ? '' : '; no older ones'));
    dlButtons();
  }

  function dlSelected() {
    return Array.from(document.querySelectorAll('#dl-table .dl-select:checked')).map(function (box) {
      var row = box.closest('tr');
      return { partition: Number(row.dataset.partition), offset: Number(row.dataset.offset) };
    });
  }

  function dlButtons() {
    var has = token() !== '';
    $('dl-older').disabled = !has || !dl.next;
    $('dl-redrive-selected').disabled = !has || dlSelected().length === 0;
    $('dl-redrive-all').disabled = !has || dl.query == null;
    text($('dl-redrive-selected'), 'Redrive selected' + (dlSelected().length ? ' (' + dlSelected().length + ')' : ''));
  }

  function redrive(request) {
    text($('dl-result'), '');
    text($('dl-error'), '');
    return call('POST', '/admin/redrives', request).then(function (r) {
      text($('dl-result'), 'redrive ' + r.id + ' started: its progress is under Redrives');
      return pollRedrives();
    }).catch(function (e) {
      text($('dl-error'), e.message);
    });
  }

  $('dl-form').addEventListener('submit', function (e) {
    e.preventDefault();
    dlLoad(null);
  });
  $('dl-older').addEventListener('click', function () { if (dl.next) { dlLoad(dl.next); } });
  $('dl-select-all').addEventListener('change', function () {
    var on = $('dl-select-all').checked;
    document.querySelectorAll('#dl-table .dl-select').forEach(function (box) { box.checked = on; });
    dlButtons();
  });
  $('dl-redrive-selected').addEventListener('click', function () {
    var selected = dlSelected();
    if (selected.length) { redrive({ route: dl.query.route, deadLetters: selected }); }
  });
  // the filters of the listing shown (not what is typed since): what was seen is what is redriven
  $('dl-redrive-all').addEventListener('click', function () {
    if (!dl.query) { return; }
    var request = {};
    ['route', 'reason', 'status', 'key'].forEach(function (k) { if (dl.query[k] != null) { request[k] = dl.query[k]; } });
    redrive(request);
  });

  var polling = false;

  function pollRedrives() {
    if (polling || token() === '' || document.hidden) { return Promise.resolve(); }
    polling = true;
    return call('GET', '/admin/redrives').then(function (doc) {
      text($('redrive-error'), '');
      renderRedrives(doc.redrives);
    }).catch(function (e) {
      text($('redrive-error'), e.message);
    }).then(function () { polling = false; });
  }

  /** Rows are updated in place, not rebuilt, so a Cancel button stays put while it is clicked. */
  function renderRedrives(list) {
    var body = $('redrive-table').tBodies[0];
    var rows = new Map();
    Array.prototype.forEach.call(body.rows, function (row) { rows.set(row.dataset.id, row); });
    var sorted = list.slice().sort(function (a, b) { return a.createdAt < b.createdAt ? 1 : -1; });
    var seen = new Set();
    sorted.forEach(function (r) {
      seen.add(r.id);
      var row = rows.get(r.id) || makeRedriveRow(r);
      row.className = 'redrive ' + r.status;
      text(q(row, 'state'), r.status + (r.error ? ': ' + r.error : ''));
      text(q(row, 'progress'), fmt(r.progress.read) + ' / ' + fmt(r.progress.total));
      text(q(row, 'delivered'), fmt(r.delivered));
      text(q(row, 'dead-lettered-again'), fmt(r.deadLetteredAgain));
      text(q(row, 'not-redrivable'), fmt(r.notRedrivable));
      q(row, 'redrive-cancel').hidden = r.status !== 'running';
      body.appendChild(row); // moves an existing row: newest first
    });
    rows.forEach(function (row, id) { if (!seen.has(id)) { row.remove(); } });
  }

  function makeRedriveRow(r) {
    var row = document.createElement('tr');
    row.dataset.id = r.id;
    text(row.insertCell(-1), r.id);
    text(row.insertCell(-1), r.route);
    row.insertCell(-1).className = 'state';
    ['progress', 'delivered', 'dead-lettered-again', 'not-redrivable'].forEach(function (cls) {
      row.insertCell(-1).className = 'n ' + cls;
    });
    text(row.insertCell(-1), new Date(r.createdAt).toLocaleTimeString());
    var cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'redrive-cancel';
    text(cancel, 'Cancel');
    cancel.addEventListener('click', function () {
      cancel.disabled = true;
      call('POST', '/admin/redrives/' + encodeURIComponent(r.id) + '/cancel').then(pollRedrives).catch(function (e) {
        text($('redrive-error'), e.message);
        cancel.disabled = false;
      });
    });
    row.insertCell(-1).appendChild(cancel);
    return row;
  }

  setInterval(pollRedrives, DL_POLL_MS);
  document.addEventListener('visibilitychange', pollRedrives);
  $('token-form').addEventListener('submit', function () { dlButtons(); pollRedrives(); });
  $('token-forget').addEventListener('click', dlButtons);

  showToken();
  connect();
}());
