// The dashboards' charts, drawn with Apache ECharts (vendored: /static/…/echarts.min.js) from the figures the
// page embeds in <script type="application/json" id="dashboard-data"> — the same JSON as
// GET /api/v1/stats/uptake. Each chart's numbers are also in the table below it, which stays the version
// for screen readers and for browsers without JavaScript; once a chart is drawn its table folds away
// behind its <details>. Animations follow prefers-reduced-motion; charts resize with the window.
(function () {
  'use strict';
  var source = document.getElementById('dashboard-data');
  if (!source || typeof window.echarts === 'undefined') return;
  var data;
  try {
    data = JSON.parse(source.textContent);
  } catch (e) {
    return;
  }
  var u = data.uptake;
  var L = data.labels;
  if (!u) return;
  var en = document.documentElement.lang === 'en';
  var motion = window.matchMedia ? window.matchMedia('(prefers-reduced-motion: reduce)') : null;
  var reduced = function () { return !!(motion && motion.matches); };
  var COLORS = ['#1a5fb4', '#2e8540', '#b3261e', '#c77c02', '#6f42c1', '#0f7c84', '#5b6776'];
  var FONT = 'system-ui, -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
  var MAX_ROWS = 12;

  function label(row) { return en ? row.label_en : row.label; }
  function wan(amount) { return Number(amount.wan); }

  function base(extra) {
    var option = {
      animation: !reduced(),
      color: COLORS,
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: 'axis', confine: true },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    };
    for (var k in extra) option[k] = extra[k];
    return option;
  }

  function trend() {
    var days = u.series.map(function (p) { return p.start; });
    var line = function (name, key) {
      return { name: name, type: 'line', smooth: false, symbolSize: 5, data: u.series.map(function (p) { return p[key]; }) };
    };
    // Short labels on the axis (MM-DD, or YYYY-MM by month); the tooltip shows the whole day.
    var monthly = u.scope.granularity === 'month';
    var short = function (day) { return monthly ? day.slice(0, 7) : day.slice(5); };
    return base({
      grid: { left: 16, right: 24, top: 64, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: days, axisLabel: { hideOverlap: true, formatter: short } },
      yAxis: [
        { type: 'value', name: L.count, minInterval: 1 },
        { type: 'value', name: L.wan, splitLine: { show: false } },
      ],
      series: [
        line(L.applications, 'applications'),
        line(L.approved, 'approved'),
        line(L.disbursed, 'disbursed'),
        {
          name: L.disbursed_amount, type: 'bar', yAxisIndex: 1, barMaxWidth: 24, itemStyle: { opacity: 0.45 },
          data: u.series.map(function (p) { return wan(p.disbursed_amount); }),
        },
      ],
    });
  }

  function funnel() {
    var t = u.totals;
    return base({
      tooltip: { trigger: 'item', confine: true },
      legend: { show: false },
      series: [{
        type: 'funnel', sort: 'none', left: '10%', width: '80%', top: 8, bottom: 8, minSize: '8%', gap: 2,
        label: { show: true, position: 'inside', formatter: '{b}  {c}' },
        data: [
          { name: L.applications, value: t.applications },
          { name: L.accepted, value: t.accepted },
          { name: L.approved, value: t.approved },
          { name: L.disbursed, value: t.disbursed },
        ],
      }],
    });
  }

  /** A horizontal bar chart of `rows` (at most MAX_ROWS, the first ones), with a bar per series. */
  function bars(el, names, series) {
    var rows = names.length;
    el.style.height = Math.max(200, Math.min(rows, MAX_ROWS) * (series.length > 1 ? 40 : 28) + 70) + 'px';
    return base({
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
      legend: { top: 0, show: series.length > 1 },
      grid: { left: 8, right: 24, top: series.length > 1 ? 32 : 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: {
        type: 'category', inverse: true, data: names,
        axisLabel: { width: Math.min(160, Math.max(80, el.clientWidth * 0.35)), overflow: 'truncate' },
      },
      series: series.map(function (s) { return { name: s.name, type: 'bar', barMaxWidth: 18, data: s.data }; }),
    });
  }

  function rejections(el) {
    var rows = u.rejections_by_reason.slice(0, MAX_ROWS);
    return bars(el, rows.map(function (r) { return r.reason; }), [
      { name: L.rejections, data: rows.map(function (r) { return r.count; }) },
    ]);
  }

  function breakdown(el, key) {
    var rows = (u[key] || []).slice(0, MAX_ROWS);
    return bars(el, rows.map(label), [
      { name: L.applications, data: rows.map(function (r) { return r.applications; }) },
      { name: L.disbursed, data: rows.map(function (r) { return r.disbursed; }) },
    ]);
  }

  function optionFor(el) {
    switch (el.getAttribute('data-chart')) {
      case 'trend': return trend();
      case 'funnel': return funnel();
      case 'rejections': return rejections(el);
      case 'breakdown': return breakdown(el, el.getAttribute('data-key'));
      default: return null;
    }
  }

  var charts = [];
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    el.hidden = false;
    var option = optionFor(el);
    if (!option) {
      el.hidden = true;
      return;
    }
    var chart = window.echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(option);
    charts.push(chart);
    // The chart shows the numbers now; its table stays one click away.
    var details = el.parentNode.querySelector('details.chart-table');
    if (details) details.open = false;
  });

  var timer = null;
  window.addEventListener('resize', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      charts.forEach(function (c) { c.resize({ animation: { duration: reduced() ? 0 : 300 } }); });
    }, 120);
  });
  if (motion) {
    var follow = function () { charts.forEach(function (c) { c.setOption({ animation: !reduced() }); }); };
    if (motion.addEventListener) motion.addEventListener('change', follow);
    else if (motion.addListener) motion.addListener(follow);
  }
})();
