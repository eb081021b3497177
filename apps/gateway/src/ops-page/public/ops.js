/*
 * omnisync ops page (docs/adr/0009-ops-page.md). Plain JS, no framework; charts with uPlot.
 * The key lives in sessionStorage and goes out as "Authorization: Bearer <key>" on same-origin fetches to the
 * gateway's JSON APIs. One request per panel at a time, every 5 s while visible, every 30 s while hidden,
 * backing off to 60 s on errors. Everything the APIs return is written with textContent (never as HTML).
 */
(function () {
  'use strict';

  var KEY_STORE = 'omnisync.ops.key';
  var MERCHANT_STORE = 'omnisync.ops.merchant';
  var LANG_STORE = 'omnisync.ops.lang';
  var VISIBLE_MS = 5000;
  var HIDDEN_MS = 30000;
  var MAX_BACKOFF_MS = 60000;
  var WINDOW_MIN = 15;
  // 10-s buckets: the charts move within seconds of a flash sale starting (90 points per platform)
  var BUCKET_S = 10;
  var PER_MINUTE = 60 / BUCKET_S;
  var MAX_ROWS = 50;

  var T = {
    zh: {
      title: '运维看板', merchant: '商家', signOut: '退出', signInTitle: '使用 API 密钥登录',
      signInHint: '需要 ops 或 admin 角色的密钥（或平台运营者令牌）。密钥只保存在本标签页（sessionStorage）。',
      signIn: '登录', throughput: '每分钟订单（按平台，10 秒一点）', last15: '最近 15 分钟', platform: '平台',
      ordersWindow: '订单（15 分钟）', ordersLastMinute: '最近 1 分钟', ackedWindow: 'ERP 已确认',
      latency: '支付 → ERP 确认 p50 / p99', seconds: '秒', sla: 'SLA 超时', lastHour: '最近 1 小时',
      breaches: '次超时', warnings: '次预警', cause: '原因', count: '次数', order: '订单', age: '耗时',
      queues: '队列', queue: '队列', pending: '待处理', failed: '失败', oldest: '最久等待',
      breakers: '熔断器（按上游）', upstream: '上游', state: '状态', openCount: '打开',
      shops: '店铺授权状态', shop: '店铺', health: '状态', alerts: '告警', later: '直播场次',
      coupons: '优惠券预算', couponsHint: '进行中与已排期的活动', campaign: '活动', redemptions: '核销', spent: '已用 / 预算',
      platformsState: '各平台', noCampaigns: '没有进行中的优惠券活动', couponsUnavailable: '未启用 · not available（优惠券服务未部署）',
      status_draft: '草稿', status_scheduled: '已排期', status_active: '进行中', status_stopped: '已停止', status_exhausted: '预算用尽', status_ended: '已结束',
      notAvailable: '未启用 · not available', exceptions: '异常待办', severity: '级别', what: '内容', since: '时间',
      retry: '重试', resolve: '标记已处理', inbox: '平台消息', outbox: 'ERP 推送', shipments: '发货回传',
      closed: '正常', open: '已打开', halfOpen: '半开', ok: '正常', none: '无', noAlerts: '没有未关闭的告警',
      noExceptions: '没有待处理的异常', updated: '更新于', failedLoad: '加载失败', badKey: '密钥无效或无权限',
      signedInAs: '已登录', operator: '平台运营者', alertsUnavailable: '未启用 · not available（告警服务未部署）',
      unavailableServices: '未响应的服务', instance: '（本实例）', firing: '告警中', resolvedState: '已恢复', silenced: '已静默',
      done: '已提交', pickMerchant: '请选择商家',
      level_info: '提示', level_warning: '警告', level_critical: '严重', peakPerMinute: '峰值 / 分钟',
      health_ok: '正常', health_needs_reauth: '需要重新授权', health_disabled: '已停用', health_token_expired: '令牌已过期',
      health_credentials_unreadable: '凭据无法读取', health_no_access_token: '没有访问令牌', health_expiring: '令牌即将过期',
    },
    en: {
      title: 'Ops', merchant: 'Merchant', signOut: 'Sign out', signInTitle: 'Sign in with an API key',
      signInHint: 'A key with the ops or admin role (or the platform operator token). The key stays in this tab only (sessionStorage).',
      signIn: 'Sign in', throughput: 'Orders per minute by platform (10 s points)', last15: 'last 15 minutes', platform: 'Platform',
      ordersWindow: 'Orders (15 min)', ordersLastMinute: 'Last minute', ackedWindow: 'ERP-acked',
      latency: 'Pay → ERP ack p50 / p99', seconds: 'seconds', sla: 'SLA breaches', lastHour: 'last hour',
      breaches: 'breaches', warnings: 'warnings', cause: 'Cause', count: 'Count', order: 'Order', age: 'Took',
      queues: 'Queues', queue: 'Queue', pending: 'Pending', failed: 'Failed', oldest: 'Oldest',
      breakers: 'Breakers by upstream', upstream: 'Upstream', state: 'State', openCount: 'Open',
      shops: "Shops' credential health", shop: 'Shop', health: 'Health', alerts: 'Alerts', later: 'Live sessions',
      coupons: 'Coupon budgets', couponsHint: 'running and scheduled campaigns', campaign: 'Campaign', redemptions: 'Redeemed', spent: 'Spent / budget',
      platformsState: 'Platforms', noCampaigns: 'No running coupon campaigns', couponsUnavailable: 'not available · 未启用 (coupon service not deployed)',
      status_draft: 'draft', status_scheduled: 'scheduled', status_active: 'active', status_stopped: 'stopped', status_exhausted: 'budget spent', status_ended: 'ended',
      notAvailable: '未启用 · not available', exceptions: 'Exception inbox', severity: 'Level', what: 'What', since: 'Since',
      retry: 'Retry', resolve: 'Resolve', inbox: 'Platform messages', outbox: 'ERP deliveries', shipments: 'Shipment write-backs',
      closed: 'closed', open: 'open', halfOpen: 'half-open', ok: 'ok', none: 'none', noAlerts: 'No open alerts',
      noExceptions: 'Nothing needs a person', updated: 'updated', failedLoad: 'failed to load', badKey: 'Key refused (unknown, revoked or without the ops role)',
      signedInAs: 'Signed in', operator: 'platform operator', alertsUnavailable: 'not available · 未启用 (alerting not deployed)',
      unavailableServices: 'services not answering', instance: '(this instance)', firing: 'firing', resolvedState: 'resolved', silenced: 'silenced',
      done: 'sent', pickMerchant: 'pick a merchant',
      level_info: 'info', level_warning: 'warning', level_critical: 'critical', peakPerMinute: 'Peak / min',
      health_ok: 'ok', health_needs_reauth: 'needs re-authorisation', health_disabled: 'disabled', health_token_expired: 'token expired',
      health_credentials_unreadable: 'credentials unreadable', health_no_access_token: 'no access token', health_expiring: 'token expiring',
    },
  };
  var PLATFORM_COLORS = { douyin: '#111827', taobao: '#ff5000', xiaohongshu: '#ff2442', kuaishou: '#ff7a00' };

  var lang = localStorage.getItem(LANG_STORE) === 'en' ? 'en' : 'zh';
  // `gen` changes with the key or the merchant: an answer to an older one is dropped, never drawn
  var state = { key: null, operator: false, merchantId: null, panels: [], charts: {}, gen: 0, who: null, updatedAt: null };
  var $ = function (id) { return document.getElementById(id); };
  var t = function (k) { return (T[lang] && T[lang][k]) || T.en[k] || k; };

  // ---- DOM helpers: text only ----
  function el(tag, opts, children) {
    var e = document.createElement(tag);
    opts = opts || {};
    if (opts.text !== undefined) e.textContent = String(opts.text);
    if (opts.cls) e.className = opts.cls;
    if (opts.attrs) Object.keys(opts.attrs).forEach(function (a) { e.setAttribute(a, opts.attrs[a]); });
    (children || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }
  function row(cells) {
    return el('tr', {}, cells.map(function (c) { return c instanceof Node ? el('td', {}, [c]) : el('td', { text: c === null || c === undefined ? '–' : c }); }));
  }
  function fill(tbody, rows) {
    tbody.replaceChildren.apply(tbody, rows);
  }
  function fmtMs(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 120000) return (ms / 1000).toFixed(1) + ' s';
    return Math.round(ms / 60000) + ' min';
  }
  function fmtTime(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? '–' : d.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
  }

  function showUpdated() {
    $('updated').textContent = state.updatedAt ? t('updated') + ' ' + state.updatedAt.toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false }) : '';
  }
  function showWho() {
    $('who').textContent = state.who === null ? '' : t('signedInAs') + ': ' + (state.who.operator ? t('operator') : state.who.name);
  }

  function applyLang() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.querySelectorAll('[data-i18n]').forEach(function (n) { n.textContent = t(n.getAttribute('data-i18n')); });
    $('lang').textContent = lang === 'zh' ? 'English' : '中文';
    document.title = (lang === 'zh' ? 'omnisync 运维' : 'omnisync Ops');
    showWho();
    showUpdated();
    state.panels.forEach(function (p) {
      if (p.last) p.render(p.last);
      else if (p.lastError && p.onError) p.onError(p.lastError);
    });
  }

  // ---- API ----
  function ApiError(status, message) { this.status = status; this.message = message; }
  function api(method, path, body) {
    var headers = { authorization: 'Bearer ' + state.key, accept: 'application/json' };
    if (state.operator && state.merchantId) headers['x-ops-merchant'] = state.merchantId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' })
      .then(function (res) {
        return res.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
          if (!res.ok) {
            var m = data && data.message;
            throw new ApiError(res.status, Array.isArray(m) ? m.join('; ') : String(m || res.statusText));
          }
          return data;
        });
      });
  }

  // ---- panels: each polls its own route ----
  function panel(name, fetcher, render, onError) {
    var root = document.querySelector('[data-panel="' + name + '"]');
    var p = { name: name, root: root, status: root.querySelector('[data-status]'), last: null, lastError: null, errors: 0, timer: null, busy: false, render: render, onError: onError };
    p.run = function () {
      if (p.busy || !state.key) return;
      p.busy = true;
      var gen = state.gen;
      fetcher().then(function (data) {
        if (gen !== state.gen) return;
        p.errors = 0;
        p.last = data;
        p.lastError = null;
        p.status.textContent = '';
        p.status.classList.remove('error');
        render(data);
        root.setAttribute('data-loaded', String(Date.now()));
        state.updatedAt = new Date();
        showUpdated();
      }).catch(function (e) {
        if (gen !== state.gen) return;
        p.errors += 1;
        p.last = null;
        p.lastError = e;
        if (onError && onError(e)) { p.errors = 0; root.setAttribute('data-loaded', String(Date.now())); return; }
        p.status.textContent = t('failedLoad') + ': ' + (e && e.message ? e.message : String(e));
        p.status.classList.add('error');
        root.setAttribute('data-error', String(e && e.status ? e.status : 'network'));
        if (e && e.status === 401) signOut(t('badKey'));
      }).then(function () {
        p.busy = false;
        if (gen !== state.gen && state.key) p.run();
        else p.schedule();
      });
    };
    p.schedule = function () {
      clearTimeout(p.timer);
      if (!state.key) return;
      var base = document.hidden ? HIDDEN_MS : VISIBLE_MS;
      var delay = p.errors > 0 ? Math.min(MAX_BACKOFF_MS, base * Math.pow(2, p.errors)) : base;
      p.timer = setTimeout(p.run, delay);
    };
    p.stop = function () { clearTimeout(p.timer); p.last = null; p.lastError = null; };
    state.panels.push(p);
    return p;
  }

  function chart(id, series, data, valueFmt) {
    var box = $(id);
    var width = Math.max(280, box.clientWidth || 500);
    var key = id + ':' + series.map(function (s) { return s.label; }).join(',');
    var existing = state.charts[id];
    if (existing && existing.key === key) {
      existing.plot.setData(data);
      return;
    }
    if (existing) existing.plot.destroy();
    if (typeof window.uPlot !== 'function') return;
    var opts = {
      width: width, height: 200,
      scales: { x: { time: true } },
      axes: [{}, { values: function (u, vals) { return vals.map(valueFmt); }, size: 50 }],
      series: [{}].concat(series),
      legend: { show: true },
    };
    state.charts[id] = { key: key, plot: new window.uPlot(opts, data, box) };
  }

  function throughputPanel() {
    return panel('throughput', function () { return api('GET', '/ops/throughput?minutes=' + WINDOW_MIN + '&bucketSeconds=' + BUCKET_S); }, function (d) {
      var platforms = d.platforms || [];
      var xs = platforms.length ? platforms[0].buckets.map(function (b) { return Date.parse(b.t) / 1000; }) : [];
      var series = platforms.map(function (p) { return { label: p.platform, stroke: PLATFORM_COLORS[p.platform] || '#2457c5', width: 2 }; });
      // each bucket's count as a rate per minute
      chart('chart-orders', series, [xs].concat(platforms.map(function (p) { return p.buckets.map(function (b) { return b.orders * PER_MINUTE; }); })), function (v) { return String(v); });
      fill($('throughput-table').tBodies[0], platforms.map(function (p) {
        var lastMinute = p.buckets.slice(-PER_MINUTE).reduce(function (s, b) { return s + b.orders; }, 0);
        var peak = p.buckets.reduce(function (m, b) { return Math.max(m, b.orders * PER_MINUTE); }, 0);
        var tr = row([p.platform, p.total.orders, lastMinute, peak, p.total.acked]);
        tr.setAttribute('data-platform', p.platform);
        tr.children[1].setAttribute('data-figure', 'orders-' + p.platform);
        return tr;
      }));
      latency(d);
    });
  }

  // the latency chart is drawn from the same answer (one request for both)
  var latencyPanel = null;
  function latency(d) {
    var platforms = d.platforms || [];
    var xs = platforms.length ? platforms[0].buckets.map(function (b) { return Date.parse(b.t) / 1000; }) : [];
    var series = [];
    var data = [xs];
    platforms.forEach(function (p) {
      var c = PLATFORM_COLORS[p.platform] || '#2457c5';
      series.push({ label: p.platform + ' p50', stroke: c, width: 2 });
      series.push({ label: p.platform + ' p99', stroke: c, width: 1, dash: [6, 4] });
      data.push(p.buckets.map(function (b) { return b.p50Ms === null ? null : b.p50Ms / 1000; }));
      data.push(p.buckets.map(function (b) { return b.p99Ms === null ? null : b.p99Ms / 1000; }));
    });
    chart('chart-latency', series, data, function (v) { return v + ' s'; });
    fill($('latency-table').tBodies[0], platforms.map(function (p) {
      var tr = row([p.platform, fmtMs(p.total.p50Ms), fmtMs(p.total.p99Ms)]);
      tr.children[2].setAttribute('data-figure', 'p99-' + p.platform);
      return tr;
    }));
    if (latencyPanel) latencyPanel.root.setAttribute('data-loaded', String(Date.now()));
  }

  function slaPanel() {
    return panel('sla', function () {
      var from = new Date(Date.now() - 3600000).toISOString();
      return api('GET', '/ops/sla?lateLimit=5&from=' + encodeURIComponent(from));
    }, function (d) {
      var breaches = 0, warnings = 0, causes = {};
      (d.platforms || []).forEach(function (p) {
        breaches += p.breaches; warnings += p.warnings;
        Object.keys(p.breachCauses || {}).forEach(function (c) { causes[c] = (causes[c] || 0) + p.breachCauses[c]; });
      });
      document.querySelector('[data-figure="sla-breaches"]').textContent = String(breaches);
      document.querySelector('[data-figure="sla-warnings"]').textContent = String(warnings);
      fill($('sla-causes').tBodies[0], Object.keys(causes).sort(function (a, b) { return causes[b] - causes[a]; }).map(function (c) { return row([c, causes[c]]); }));
      fill($('sla-late').tBodies[0], (d.late || []).slice(0, 5).map(function (l) {
        var tr = row([l.platformOrderId, l.cause, fmtMs(l.ageMs)]);
        tr.setAttribute('title', l.platform + ' ' + l.platformOrderId + ' · ' + l.level);
        tr.className = l.level === 'breach' ? 'level-critical' : 'level-warning';
        return tr;
      }));
    });
  }

  function queuesPanel() {
    return panel('queues', function () { return api('GET', '/ops/queues'); }, function (d) {
      fill($('queues-table').tBodies[0], ['inbox', 'outbox', 'shipments'].map(function (q) {
        var w = d[q] || {};
        var tr = row([t(q), w.pending, w.failed, fmtMs(w.oldestPendingAgeMs)]);
        tr.children[1].setAttribute('data-figure', 'pending-' + q);
        tr.children[2].setAttribute('data-figure', 'failed-' + q);
        return tr;
      }));
    });
  }

  function breakersPanel() {
    return panel('breakers', function () { return api('GET', '/ops/breakers'); }, function (d) {
      fill($('breakers-table').tBodies[0], (d.upstreams || []).map(function (u) {
        var s = el('span', { text: t(u.state) + (u.state === 'open' && u.retryAfterMs ? ' · ' + fmtMs(u.retryAfterMs) : ''), cls: 'state-' + u.state });
        var tr = row([u.upstream + (u.upstream === 'erp' ? ' (' + d.erpLane + ')' : ''), s, u.open + ' / ' + u.breakers]);
        tr.setAttribute('data-upstream', u.upstream);
        return tr;
      }));
      $('breakers-table').setAttribute('title', t('instance'));
    });
  }

  function shopHealth(s) {
    if (s.credentials === 'unreadable') return 'credentials_unreadable';
    if (s.status && s.status !== 'active') return s.status;
    if (s.tokenExpiresAt) {
      var left = Date.parse(s.tokenExpiresAt) - Date.now();
      if (left <= 0) return 'token_expired';
      if (left < 86400000) return 'expiring';
    }
    if (s.hasAccessToken === false) return 'no_access_token';
    return 'ok';
  }
  function shopsPanel() {
    return panel('shops', function () { return api('GET', '/shops'); }, function (d) {
      var shops = Array.isArray(d) ? d : [];
      fill($('shops-table').tBodies[0], shops.slice(0, MAX_ROWS).map(function (s) {
        var h = shopHealth(s);
        var tr = row([s.name, s.platform, el('span', { text: t('health_' + h) || h, cls: h === 'ok' ? 'health-ok' : 'health-bad' })]);
        tr.setAttribute('data-health', h);
        return tr;
      }));
    });
  }

  function alertsPanel() {
    return panel('alerts', function () { return api('GET', '/alerts'); }, function (d) {
      var list = $('alerts-list');
      var open = (d.alerts || []).filter(function (a) { return a.state === 'firing'; });
      if (open.length === 0) { list.replaceChildren(el('li', { text: t('noAlerts'), cls: 'muted' })); return; }
      list.replaceChildren.apply(list, open.slice(0, MAX_ROWS).map(function (a) {
        var summary = a.summary ? (a.summary[lang] || a.summary.en || a.summary.zh) : a.rule;
        return el('li', {}, [
          el('span', { text: t('level_' + a.level) + ' ', cls: 'level-' + a.level }),
          el('span', { text: summary }),
          el('small', { text: ' · ' + fmtTime(a.firstFiredAt) + (a.silenced ? ' · ' + t('silenced') : ''), cls: 'muted' }),
        ]);
      }));
    }, function (e) {
      // the alerting service may not be deployed: its route answers 404
      if (e && e.status === 404) {
        $('alerts-list').replaceChildren(el('li', { text: t('alertsUnavailable'), cls: 'muted', attrs: { 'data-unavailable': 'true' } }));
        return true;
      }
      return false;
    });
  }

  function exceptionsPanel() {
    var drawn = null;
    var p = panel('exceptions', function () { return api('GET', '/exceptions'); }, function (d) {
      var items = d.exceptions || [];
      $('exceptions-count').textContent = String(items.length);
      // the same inbox as drawn: keep the rows (and the buttons a person may be about to press)
      if (d.unavailable && d.unavailable.length) p.status.textContent = t('unavailableServices') + ': ' + d.unavailable.join(', ');
      var signature = lang + '|' + items.slice(0, MAX_ROWS).map(function (x) { return x.key; }).join(',');
      if (signature === drawn) return;
      drawn = signature;
      var rows = items.slice(0, MAX_ROWS).map(function (x) {
        var actions = el('td', { cls: 'actions' });
        (x.actions || []).filter(function (a) { return a === 'retry' || a === 'resolve'; }).forEach(function (a) {
          var b = el('button', { text: t(a), cls: 'small' + (a === 'resolve' ? ' secondary' : ''), attrs: { type: 'button', 'data-action': a, 'data-key': x.key } });
          b.addEventListener('click', function () { act(b, a, x.key); });
          actions.appendChild(b);
        });
        var tr = el('tr', { attrs: { 'data-key': x.key } }, [
          el('td', { text: t('level_' + x.severity), cls: 'sev-' + x.severity }),
          el('td', { text: (x.title && (x.title[lang] || x.title.en)) || x.type }),
          el('td', { text: fmtTime(x.since) }),
          actions,
        ]);
        return tr;
      });
      if (rows.length === 0) rows = [el('tr', {}, [el('td', { text: t('noExceptions'), cls: 'muted', attrs: { colspan: '4' } })])];
      fill($('exceptions-table').tBodies[0], rows);
    });
    function act(button, action, key) {
      button.disabled = true;
      api('POST', '/exceptions/' + encodeURIComponent(key) + '/' + action, action === 'resolve' ? {} : undefined).then(function () {
        button.textContent = t('done');
        button.setAttribute('data-done', 'true');
        drawn = null;
        p.run();
      }).catch(function (e) {
        button.disabled = false;
        drawn = null;
        p.status.textContent = t('failedLoad') + ': ' + e.message;
        p.status.classList.add('error');
      });
    }
    return p;
  }

  function fmtYuan(fen) { return fen === null || fen === undefined ? '–' : '¥' + (fen / 100).toFixed(2); }

  // campaigns that still cost money or will: running, scheduled, or stopped by the guard within the last day
  function couponsPanel() {
    return panel('coupons', function () { return api('GET', '/coupon-campaigns'); }, function (d) {
      var dayAgo = Date.now() - 86400000;
      var shown = (d.campaigns || []).filter(function (c) {
        return c.status === 'active' || c.status === 'scheduled' || (c.status === 'exhausted' && c.figures.budget.exhaustedAt && Date.parse(c.figures.budget.exhaustedAt) > dayAgo);
      }).slice(0, MAX_ROWS);
      if (shown.length === 0) {
        fill($('coupons-table').tBodies[0], [el('tr', {}, [el('td', { text: t('noCampaigns'), cls: 'muted', attrs: { colspan: '5' } })])]);
        return;
      }
      fill($('coupons-table').tBodies[0], shown.map(function (c) {
        var b = c.figures.budget;
        var pct = el('span', { text: fmtYuan(c.figures.spentFen) + ' / ' + fmtYuan(b.budgetFen) + ' (' + b.spentPct + ' %)', cls: b.spentPct >= 100 ? 'level-critical' : b.spentPct >= 80 ? 'level-warning' : '' });
        var platforms = (c.platforms || []).map(function (p) { return p.platform + ' ' + p.state; }).join(' · ');
        var tr = row([c.name, t('status_' + c.status), c.figures.redemptions, pct, platforms]);
        tr.setAttribute('data-campaign', c.id);
        tr.children[2].setAttribute('data-figure', 'redemptions-' + c.id);
        tr.children[3].setAttribute('data-figure', 'spent-' + c.id);
        return tr;
      }));
    }, function (e) {
      // a deployment without the coupon service: the gateway answers 503 for its routes
      if (e && e.status === 503) {
        fill($('coupons-table').tBodies[0], [el('tr', {}, [el('td', { text: t('couponsUnavailable'), cls: 'muted', attrs: { colspan: '5', 'data-unavailable': 'true' } })])]);
        return true;
      }
      return false;
    });
  }

  // ---- sign in / out ----
  function startBoard(label) {
    state.gen += 1;
    $('sign-in').hidden = true;
    $('board').hidden = false;
    $('sign-out').hidden = false;
    state.who = label;
    showWho();
    state.panels.forEach(function (p) { p.errors = 0; p.run(); });
  }
  function signOut(message) {
    state.key = null;
    state.gen += 1;
    sessionStorage.removeItem(KEY_STORE);
    sessionStorage.removeItem(MERCHANT_STORE);
    state.panels.forEach(function (p) { p.stop(); });
    Object.keys(state.charts).forEach(function (k) { state.charts[k].plot.destroy(); delete state.charts[k]; });
    $('board').hidden = true;
    $('sign-out').hidden = true;
    $('merchant-picker').hidden = true;
    state.who = null;
    state.updatedAt = null;
    showWho();
    showUpdated();
    $('sign-in').hidden = false;
    var err = $('sign-in-error');
    err.hidden = !message;
    err.textContent = message || '';
  }
  function signIn(key) {
    state.key = key;
    state.operator = false;
    var err = $('sign-in-error');
    err.hidden = true;
    if (!/^osk_/.test(key)) {
      // not an API key: perhaps the operator token, which lists the merchants
      return api('GET', '/operator/merchants').then(function (d) {
        state.operator = true;
        sessionStorage.setItem(KEY_STORE, key);
        var sel = $('merchant-select');
        sel.replaceChildren.apply(sel, (d.merchants || []).map(function (m) { return el('option', { text: m.name, attrs: { value: m.id } }); }));
        var saved = sessionStorage.getItem(MERCHANT_STORE);
        state.merchantId = saved && (d.merchants || []).some(function (m) { return m.id === saved; }) ? saved : (d.merchants[0] && d.merchants[0].id) || null;
        if (state.merchantId) sel.value = state.merchantId;
        $('merchant-picker').hidden = false;
        startBoard({ operator: true });
      }).catch(function (e) { signOut(e.status === 401 || e.status === 403 ? t('badKey') : e.message); });
    }
    return api('GET', '/merchants/me').then(function (m) {
      // the ops page needs the ops or admin role: ask one route that needs it before showing the board
      return api('GET', '/ops/queues').then(function () {
        sessionStorage.setItem(KEY_STORE, key);
        startBoard({ operator: false, name: m.name });
      });
    }).catch(function (e) { signOut(e.status === 401 || e.status === 403 ? t('badKey') + ' (' + e.message + ')' : e.message); });
  }

  function init() {
    applyLang();
    latencyPanel = { root: document.querySelector('[data-panel="latency"]') };
    throughputPanel();
    slaPanel();
    queuesPanel();
    breakersPanel();
    shopsPanel();
    alertsPanel();
    couponsPanel();
    exceptionsPanel();
    $('lang').addEventListener('click', function () {
      lang = lang === 'zh' ? 'en' : 'zh';
      localStorage.setItem(LANG_STORE, lang);
      applyLang();
    });
    $('sign-out').addEventListener('click', function () { signOut(''); });
    $('merchant-select').addEventListener('change', function (ev) {
      state.merchantId = ev.target.value;
      state.gen += 1;
      sessionStorage.setItem(MERCHANT_STORE, state.merchantId);
      state.panels.forEach(function (p) { p.errors = 0; p.run(); });
    });
    $('sign-in-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var key = $('key').value.trim();
      $('key').value = '';
      if (key) signIn(key);
    });
    // a hidden tab polls every 30 s; coming back refreshes at once
    document.addEventListener('visibilitychange', function () {
      state.panels.forEach(function (p) { if (!document.hidden && state.key && !p.busy) p.run(); else p.schedule(); });
    });
    var saved = sessionStorage.getItem(KEY_STORE);
    if (saved) signIn(saved);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
