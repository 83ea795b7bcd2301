// The bureau's supply-demand map: it signs in with the bureau's token (kept in
// sessionStorage only, gone with the tab), reads GET /v1/admin/map and draws
// the totals, a heat map of field x county (an HTML table with coloured
// cells: every number is in the cell, the colour only repeats it), the
// 12-month trends (Chart.js, with the same numbers in a table) and the
// table per kind of service; the CSV comes from GET /v1/admin/map.csv.
// Plain browser JavaScript on common.js, no build step.
'use strict';

const {$, el, t} = IISC;

const TEXT = {
  zh: {
    docTitle: '服务供需地图 · 温州产业创新服务综合体',
    skip: '跳到主要内容',
    navLabel: '页面导航',
    title: '服务供需地图',
    lede: '各产业领域、各县（市、区）的企业需求与综合体服务能力：哪里需求多，哪里缺少合适的服务，哪里还有余力。',
    loginTitle: '主管部门登录',
    tokenLabel: '主管部门令牌',
    tokenHint: '令牌只保存在本浏览器标签页中，关闭标签页即清除。',
    login: '查看地图',
    loginMissing: '请填写主管部门令牌。',
    workspaceTitle: '全市服务供需概览',
    refresh: '刷新',
    download: '下载 CSV',
    logout: '退出',
    filtersTitle: '筛选',
    typeFilter: '服务类型',
    allTypes: '全部类型',
    monthFilter: '时间',
    allTime: '全部时间',
    metricLabel: '热力图显示',
    metrics: {
      needs: '需求数',
      needs_without_good_match: '缺少合适服务的需求',
      requests: '服务申请',
      completions: '已完成的服务',
      capacity_left: '本月剩余服务能力',
    },
    basis: '“缺少合适服务”指需求提交时最匹配的服务得分低于 {score}（选定服务类型时，指该类型中最匹配的服务）。服务能力按 {month} 计：月服务能力减去本月已接受的申请。',
    attribution: '需求的领域：企业填写 {given} 条，系统识别 {inferred} 条，按最匹配的服务推定 {best_match} 条，无法判断 {unknown} 条。',
    summaryTitle: '总体',
    stats: {
      needs: '企业需求',
      needs_without_good_match: '缺少合适服务',
      requests: '服务申请',
      completions: '已完成服务',
      mean_rating: '平均评分',
      services: '服务项目',
      capacity_left: '本月剩余服务能力',
    },
    ofNeeds: '占需求的 {share}',
    ofCapacity: '月服务能力 {total}',
    ratingsCount: '{count} 条评价',
    heatmapTitle: '领域 × 县（市、区）',
    heatmapHint: '每格是该领域在该县（市、区）的“{metric}”，颜色越深数值越大。需求按企业所在地和需求所属领域计；服务按综合体所在地和服务覆盖的领域计，一项服务可覆盖多个领域，所以各领域相加会多于合计。',
    heatmapCaption: '{metric}：产业领域 × 县（市、区）',
    fieldHeader: '产业领域',
    total: '合计',
    unknownField: '未识别领域',
    unknownCounty: '未填写地区',
    trendTitle: '近 12 个月趋势',
    trendCategory: '产业大类',
    allCategories: '全部领域',
    trendTable: '查看数据表',
    month: '月份',
    series: {
      needs: '企业需求',
      needs_without_good_match: '缺少合适服务',
      requests: '服务申请',
      completions: '已完成服务',
    },
    chartLabel: '折线图：{category}近 12 个月每月的企业需求、缺少合适服务的需求、服务申请和已完成服务数量。数值见“查看数据表”。',
    typesTitle: '按服务类型',
    historyTitle: '评分配置历史',
    historyHint: '每一版曾生效的评分权重：何时、由谁、为何修改，以及与上一版的差异。',
    historyColumns: {seq: '序号', applied: '生效时间', by: '操作者', source: '来源', reason: '原因', diff: '改动'},
    historySources: {start: '启动', file: '文件', api: '接口', rollback: '回滚'},
    historyActive: '（当前）',
    historyNoDiff: '无改动',
    typeHeader: '服务类型',
    columns: {
      needs: '需求',
      needs_without_good_match: '缺少合适服务',
      requests: '申请',
      completions: '完成',
      mean_rating: '平均评分',
      services: '服务项目',
      monthly_capacity: '月服务能力',
      capacity_left: '本月剩余',
    },
    footer: '请勿在公用电脑上保持登录；离开前请点“退出”。',
    loaded: '供需地图已更新。',
    signedOut: '已退出。',
    downloaded: '已下载 {name}。',
    monthName: '{year}年{month}月',
    toDate: '（至今）',
  },
  en: {
    docTitle: 'Supply and demand map · IISC Match',
    skip: 'Skip to the main content',
    navLabel: 'Page navigation',
    title: 'Supply and demand map',
    lede: "Enterprises' needs against the complexes' services, per industry field and county: where needs are many, where no fitting service exists, where capacity is left.",
    loginTitle: 'Bureau sign-in',
    tokenLabel: "The bureau's token",
    tokenHint: 'It is kept in this browser tab only and gone when the tab is closed.',
    login: 'Show the map',
    loginMissing: "Enter the bureau's token.",
    workspaceTitle: 'Supply and demand across Wenzhou',
    refresh: 'Refresh',
    download: 'Download CSV',
    logout: 'Sign out',
    filtersTitle: 'Filters',
    typeFilter: 'Kind of service',
    allTypes: 'All kinds',
    monthFilter: 'Period',
    allTime: 'All time',
    metricLabel: 'Heat map shows',
    metrics: {
      needs: 'Needs',
      needs_without_good_match: 'Needs without a good match',
      requests: 'Requests',
      completions: 'Completed services',
      capacity_left: 'Capacity left this month',
    },
    basis: '“Without a good match”: the best service scored below {score} when the need was stored (with a kind of service chosen, the best of that kind). Capacity is that of {month}: the monthly capacity less the requests accepted this month.',
    attribution: 'Field of the needs: given by the enterprise {given}, inferred by the engine {inferred}, taken from the best matching service {best_match}, unknown {unknown}.',
    summaryTitle: 'Overall',
    stats: {
      needs: 'Needs',
      needs_without_good_match: 'Without a good match',
      requests: 'Requests',
      completions: 'Completed services',
      mean_rating: 'Mean rating',
      services: 'Services',
      capacity_left: 'Capacity left this month',
    },
    ofNeeds: '{share} of the needs',
    ofCapacity: 'of {total} a month',
    ratingsCount: '{count} ratings',
    heatmapTitle: 'Field × county',
    heatmapHint: 'Each cell is the “{metric}” of one field in one county; the darker, the more. Needs count where the enterprise is and in its field; services where their complex is and in every field they serve, so the fields add up to more than the total.',
    heatmapCaption: '{metric}: industry field × county',
    fieldHeader: 'Industry field',
    total: 'Total',
    unknownField: 'Field unknown',
    unknownCounty: 'County not given',
    trendTitle: 'The last 12 months',
    trendCategory: 'Category',
    allCategories: 'All fields',
    trendTable: 'Show the numbers',
    month: 'Month',
    series: {
      needs: 'Needs',
      needs_without_good_match: 'Without a good match',
      requests: 'Requests',
      completions: 'Completed services',
    },
    chartLabel: 'Line chart: needs, needs without a good match, requests and completed services per month over the last 12 months, {category}. The numbers are under “Show the numbers”.',
    typesTitle: 'Per kind of service',
    historyTitle: 'Scoring configuration history',
    historyHint: 'Every version of the scoring weights that served: when, by whom and why it changed, and what changed against the one before.',
    historyColumns: {seq: '#', applied: 'Applied', by: 'By', source: 'Source', reason: 'Reason', diff: 'Changes'},
    historySources: {start: 'start', file: 'file', api: 'API', rollback: 'rollback'},
    historyActive: ' (serving)',
    historyNoDiff: 'no change',
    typeHeader: 'Kind of service',
    columns: {
      needs: 'Needs',
      needs_without_good_match: 'Without a good match',
      requests: 'Requests',
      completions: 'Completed',
      mean_rating: 'Mean rating',
      services: 'Services',
      monthly_capacity: 'Monthly capacity',
      capacity_left: 'Left this month',
    },
    footer: 'Do not stay signed in on a shared computer; sign out before you leave.',
    loaded: 'The map is up to date.',
    signedOut: 'Signed out.',
    downloaded: 'Downloaded {name}.',
    monthName: '{monthName} {year}',
    toDate: ' (to date)',
  },
};

const SESSION_KEY = 'iisc-bureau-session';
const METRICS = ['needs', 'needs_without_good_match', 'requests', 'completions', 'capacity_left'];
// Demand in blue, the gap in orange, supply in green; each step keeps its
// text at a contrast of 4.5:1 or more (dark text on the light steps, white on
// the dark ones).
const PALETTES = {
  blue: ['#f4f6f9', '#dbe9f6', '#b3d1ec', '#7fb0dc', '#2b6cb0', '#123e73'],
  orange: ['#f4f6f9', '#fde5cc', '#fbc48f', '#f59a4f', '#b4470b', '#6e2a05'],
  green: ['#f4f6f9', '#d7f0dc', '#a8dcb3', '#6dbf80', '#22703a', '#0f4221'],
};
const PALETTE_OF = {needs: 'blue', requests: 'blue', needs_without_good_match: 'orange',
  completions: 'green', capacity_left: 'green'};
const SERIES = ['needs', 'needs_without_good_match', 'requests', 'completions'];
const SERIES_STYLE = {
  needs: {color: '#2b6cb0', dash: [], point: 'circle'},
  needs_without_good_match: {color: '#b4470b', dash: [6, 4], point: 'triangle'},
  requests: {color: '#6b3fa0', dash: [2, 3], point: 'rect'},
  completions: {color: '#22703a', dash: [10, 4, 2, 4], point: 'rectRot'},
};

const page = {
  token: null,
  map: null,
  chart: null,
  months: [],  // the months offered by the period filter, newest first
};

const number = (v) => (Number(v) || 0).toLocaleString(IISC.state.lang === 'zh' ? 'zh-CN' : 'en-GB');
const categoryName = (id) => IISC.local(((IISC.state.taxonomy || {}).categories || [])
  .find((c) => c.id === id)?.name) || id;

// "2026年12月", "Dec 2026"; the month in progress says so (its counts are partial).
function monthLabel(ym, {toDate = false} = {}) {
  const [year, month] = ym.split('-').map(Number);
  const monthName = new Date(Date.UTC(year, month - 1, 1)).toLocaleString('en-GB',
    {month: 'short', timeZone: 'UTC'});
  const label = IISC.format(t().monthName, {year, month, monthName});
  return toDate && page.map && ym === page.map.capacity_month ? `${label}${t().toDate}` : label;
}

function query() {
  const q = new URLSearchParams();
  if ($('type-filter').value) q.set('service_type', $('type-filter').value);
  if ($('month-filter').value) q.set('month', $('month-filter').value);
  const s = q.toString();
  return s ? `?${s}` : '';
}

// ---- signing in ----

async function load() {
  const [map, history] = await Promise.all([
    IISC.call('GET', `/v1/admin/map${query()}`, {token: page.token}),
    IISC.call('GET', '/v1/admin/config-versions', {token: page.token}),
    IISC.state.taxonomy ? null : IISC.call('GET', '/v1/taxonomy').then((tax) => {
      IISC.state.taxonomy = tax;
    }),
  ]);
  page.map = map;
  page.history = history;
  if (!page.months.length && map.trends) page.months = [...map.trends.months].reverse();
}

async function signIn(token, button) {
  page.token = token;
  const outcome = await IISC.act(button, load);
  if (!outcome.ok) {
    page.token = null;
    try { sessionStorage.removeItem(SESSION_KEY); } catch (_) { /* storage off */ }
    showLogin();
    if (outcome.failure && (outcome.failure.status === 401 || outcome.failure.status === 403)) {
      $('bureau-token').setAttribute('aria-invalid', 'true');
      $('bureau-token').focus();
    }
    return false;
  }
  try { sessionStorage.setItem(SESSION_KEY, token); } catch (_) { /* storage off */ }
  $('bureau-token').value = '';
  $('bureau-token').removeAttribute('aria-invalid');
  $('login-section').hidden = true;
  $('workspace').hidden = false;
  render();
  if (button) $('workspace-title').focus();
  IISC.announce(t().loaded);
  return true;
}

function showLogin() {
  $('workspace').hidden = true;
  $('login-section').hidden = false;
}

function signOut() {
  try { sessionStorage.removeItem(SESSION_KEY); } catch (_) { /* storage off */ }
  page.token = null;
  page.map = null;
  if (page.chart) page.chart.destroy();
  page.chart = null;
  showLogin();
  $('bureau-token').focus();
  IISC.announce(t().signedOut);
}

// ---- drawing ----

function fillSelect(select, options) {
  const keep = select.value;
  select.replaceChildren(...options.map(([value, text]) => el('option', {value, text})));
  if (options.some(([value]) => value === keep)) select.value = keep;
}

function fillFilters() {
  const text = t();
  const tax = IISC.state.taxonomy || {};
  fillSelect($('type-filter'), [['', text.allTypes],
    ...(tax.service_types || []).map((s) => [s.id, IISC.local(s.name)])]);
  fillSelect($('month-filter'), [['', text.allTime], ...page.months.map((m) => [m, monthLabel(m, {toDate: true})])]);
  fillSelect($('metric'), METRICS.map((m) => [m, text.metrics[m]]));
  fillSelect($('trend-category'), [['', text.allCategories],
    ...(tax.categories || []).map((c) => [c.id, IISC.local(c.name)])]);
}

function render() {
  if (!page.map) return;
  fillFilters();
  renderBasis();
  renderSummary();
  renderHeatmap();
  renderTrend();
  renderTypes();
  renderHistory();
  // What the load benchmark (bench/map_load.mjs) and the tests wait for: the
  // first map drawn, and the frame after it (on screen).
  if (!document.body.dataset.mapDrawn) {
    performance.mark('iisc-map-drawn');
    requestAnimationFrame(() => setTimeout(() => performance.mark('iisc-map-painted'), 0));
  }
  document.body.dataset.mapDrawn = 'true';
}

function renderBasis() {
  const text = t();
  const map = page.map;
  const a = map.attribution || {};
  $('basis').textContent = `${IISC.format(text.basis, {
    score: Math.round(map.good_match_score * 100) / 100,
    month: monthLabel(map.capacity_month)})} ${IISC.format(text.attribution, {
    given: number(a.given), inferred: number(a.inferred),
    best_match: number(a.best_match), unknown: number((a.unknown || 0) + (a.inferred_unsure || 0))})}`;
}

function renderSummary() {
  const text = t();
  const total = page.map.total;
  const share = total.needs ? `${Math.round((100 * total.needs_without_good_match) / total.needs)}%` : '0%';
  const stat = (key, value, note) => el('div', {class: `stat stat-${key}`, 'data-stat': key},
    el('dt', {text: text.stats[key]}),
    el('dd', {}, el('span', {class: 'stat-value', text: value}),
      note ? el('span', {class: 'stat-note', text: note}) : null));
  $('summary').replaceChildren(
    stat('needs', number(total.needs)),
    stat('needs_without_good_match', number(total.needs_without_good_match),
      IISC.format(text.ofNeeds, {share})),
    stat('requests', number(total.requests)),
    stat('completions', number(total.completions)),
    stat('mean_rating', total.mean_rating === null ? '—' : total.mean_rating.toFixed(2),
      IISC.format(text.ratingsCount, {count: number(total.ratings)})),
    stat('services', number(total.services)),
    stat('capacity_left', number(total.capacity_left),
      IISC.format(text.ofCapacity, {total: number(total.monthly_capacity)})));
}

// The step of the colour scale for a value (0 only for 0); square-root
// steps, since a few cells hold most of the needs.
function step(value, max) {
  if (!value || !max) return 0;
  return Math.min(5, Math.max(1, Math.ceil(Math.sqrt(value / max) * 5)));
}

function renderHeatmap() {
  const text = t();
  const map = page.map;
  const metric = $('metric').value || 'needs';
  const metricName = text.metrics[metric];
  const palette = PALETTES[PALETTE_OF[metric]];
  const tax = IISC.state.taxonomy || {};
  const cells = new Map();
  for (const c of map.cells || []) cells.set(`${c.field}|${c.county}`, c);
  const counties = (tax.counties || []).map((c) => ({id: c.id, name: IISC.local(c.name)}));
  if ((map.counties || []).some((r) => r.county === null)) counties.push({id: null, name: text.unknownCounty});
  // The fields with anything in them, grouped by category.
  const shown = (map.fields || []).filter((r) =>
    r.needs || r.services || r.requests || r.completions || r.field === null);
  const byField = new Map(shown.map((r) => [r.field, r]));
  const groups = (tax.categories || []).map((cat) => ({
    name: IISC.local(cat.name),
    fields: (tax.fields || []).filter((f) => f.category === cat.id && byField.has(f.id))
      .map((f) => ({id: f.id, name: IISC.local(f.name)})),
  })).filter((g) => g.fields.length);
  if (byField.has(null)) groups.push({name: text.unknownField, fields: [{id: null, name: text.unknownField}]});

  let max = 0;
  for (const c of map.cells || []) max = Math.max(max, c[metric] || 0);
  const cell = (value, attrs) => {
    const s = step(value, max);
    return el('td', {...attrs, class: `heat h${s}`, 'data-value': String(value || 0),
      style: `background:${palette[s]}`, text: number(value)});
  };
  const countyRow = new Map((map.counties || []).map((r) => [r.county, r]));
  const table = el('table', {id: 'heatmap', class: 'heatmap', 'data-metric': metric},
    el('caption', {class: 'visually-hidden', text: IISC.format(text.heatmapCaption, {metric: metricName})}),
    el('thead', {}, el('tr', {},
      el('th', {scope: 'col', class: 'row-head', text: text.fieldHeader}),
      ...counties.map((c) => el('th', {scope: 'col', text: c.name})),
      el('th', {scope: 'col', class: 'total', text: text.total}))));
  // One row group per category, named above its first field (a header row
  // spanning the table would head no data cells).
  for (const group of groups) {
    const body = el('tbody', {});
    for (const [i, f] of group.fields.entries()) {
      const head = el('th', {scope: 'row', class: 'row-head'},
        i === 0 && f.id !== null ? el('span', {class: 'category', text: group.name}) : null, f.name);
      const row = el('tr', {'data-field': f.id === null ? '' : f.id, class: i === 0 ? 'group-start' : null},
        head);
      for (const c of counties) {
        const found = cells.get(`${f.id}|${c.id}`);
        row.append(cell(found ? found[metric] : 0, {'data-county': c.id === null ? '' : c.id}));
      }
      row.append(el('td', {class: 'total', text: number(byField.get(f.id)[metric])}));
      body.append(row);
    }
    table.append(body);
  }
  table.append(el('tfoot', {}, el('tr', {},
    el('th', {scope: 'row', class: 'row-head', text: text.total}),
    ...counties.map((c) => el('td', {class: 'total', text: number((countyRow.get(c.id) || {})[metric])})),
    el('td', {class: 'total', text: number(map.total[metric])}))));
  $('heatmap-box').replaceChildren(table);
  $('heatmap-hint').textContent = IISC.format(text.heatmapHint, {metric: metricName});

  // The legend: the value range of each step.
  const legend = [];
  for (let s = 0; s <= 5; s += 1) {
    const lo = s === 0 ? 0 : Math.floor(max * ((s - 1) / 5) ** 2) + 1;
    const hi = s === 0 ? 0 : Math.floor(max * (s / 5) ** 2);
    if (s > 0 && (hi < lo || max === 0)) continue;
    legend.push(el('li', {}, el('span', {class: 'swatch', style: `background:${palette[s]}`, 'aria-hidden': 'true'}),
      s === 0 ? '0' : `${number(lo)}–${number(hi)}`));
  }
  $('legend').replaceChildren(...legend);
}

function trendSeries() {
  const category = $('trend-category').value || null;
  return ((page.map.trends || {}).series || []).find((s) => s.category === category)
    || {needs: [], needs_without_good_match: [], requests: [], completions: []};
}

function renderTrend() {
  const text = t();
  const months = (page.map.trends || {}).months || [];
  const series = trendSeries();
  const labels = months.map((m) => monthLabel(m, {toDate: true}));
  const category = $('trend-category').value;
  const canvas = $('trend-chart');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', IISC.format(text.chartLabel,
    {category: category ? categoryName(category) : text.allCategories}));
  canvas.textContent = IISC.format(text.chartLabel, {category: category ? categoryName(category) : text.allCategories});
  if (page.chart) page.chart.destroy();
  page.chart = null;
  if (typeof window.Chart === 'function') {
    page.chart = new window.Chart(canvas, {
      type: 'line',
      data: {
        labels,
        datasets: SERIES.map((key) => ({
          label: text.series[key],
          data: series[key] || [],
          borderColor: SERIES_STYLE[key].color,
          backgroundColor: SERIES_STYLE[key].color,
          borderDash: SERIES_STYLE[key].dash,
          pointStyle: SERIES_STYLE[key].point,
          pointRadius: 3,
          tension: 0,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: {mode: 'index', intersect: false},
        scales: {y: {beginAtZero: true, ticks: {precision: 0}}},
        plugins: {legend: {labels: {usePointStyle: true}}},
      },
    });
  }
  const table = el('table', {id: 'trend-table', class: 'numbers'},
    el('thead', {}, el('tr', {}, el('th', {scope: 'col', text: text.month}),
      ...SERIES.map((key) => el('th', {scope: 'col', text: text.series[key]})))),
    el('tbody', {}, ...months.map((m, i) => el('tr', {},
      el('th', {scope: 'row', text: labels[i]}),
      ...SERIES.map((key) => el('td', {text: number((series[key] || [])[i])}))))));
  $('trend-table-box').replaceChildren(table);
}

function renderTypes() {
  const text = t();
  const columns = ['needs', 'needs_without_good_match', 'requests', 'completions', 'mean_rating',
    'services', 'monthly_capacity', 'capacity_left'];
  const table = el('table', {id: 'types-table', class: 'numbers'},
    el('thead', {}, el('tr', {}, el('th', {scope: 'col', text: text.typeHeader}),
      ...columns.map((c) => el('th', {scope: 'col', text: text.columns[c]})))),
    el('tbody', {}, ...(page.map.service_types || []).map((row) => el('tr', {'data-type': row.service_type},
      el('th', {scope: 'row', text: IISC.typeName(row.service_type)}),
      ...columns.map((c) => el('td', {text: c === 'mean_rating'
        ? (row.mean_rating === null ? '—' : row.mean_rating.toFixed(2)) : number(row[c])}))))));
  $('types-box').replaceChildren(table);
}

// The scoring configurations that served, newest first, each diff folded.
function renderHistory() {
  const text = t();
  const cols = text.historyColumns;
  const history = page.history || {versions: []};
  const versions = [...history.versions].reverse();
  const table = el('table', {id: 'history-table', class: 'numbers history'},
    el('thead', {}, el('tr', {}, ...['seq', 'applied', 'by', 'source', 'reason', 'diff']
      .map((c) => el('th', {scope: 'col', text: cols[c]})))),
    el('tbody', {}, ...versions.map((v) => el('tr', {'data-seq': String(v.seq)},
      el('th', {scope: 'row', text: `${v.seq}${v.version === history.active && v === versions[0] ? text.historyActive : ''}`}),
      el('td', {text: new Date(v.applied_unix_ms).toLocaleString(IISC.state.lang === 'en' ? 'en-GB' : 'zh-CN')}),
      el('td', {text: v.applied_by}),
      el('td', {text: text.historySources[v.source] || v.source}),
      el('td', {text: v.reason || '—'}),
      el('td', {}, v.diff
        ? el('details', {}, el('summary', {text: `${v.diff.split('\n').filter(Boolean).length} ±`}),
          el('pre', {class: 'diff', tabindex: '0', text: v.diff}))
        : el('span', {text: text.historyNoDiff}))))));
  $('history-box').replaceChildren(table);
}

// ---- the CSV ----

async function download(button) {
  await IISC.act(button, async () => {
    let response;
    try {
      response = await fetch(`/v1/admin/map.csv${query()}`,
        {headers: {Authorization: `Bearer ${page.token}`}, cache: 'no-store'});
    } catch (_) {
      throw {network: true};
    }
    if (!response.ok) {
      let error = {};
      try { error = (await response.json()).error || {}; } catch (_) { /* not JSON */ }
      throw {status: response.status, error};
    }
    const disposition = response.headers.get('Content-Disposition') || '';
    const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || 'iisc-supply-demand.csv';
    const url = URL.createObjectURL(await response.blob());
    const link = el('a', {href: url, download: name, hidden: true});
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    IISC.announce(IISC.format(t().downloaded, {name}));
  });
}

// ---- start ----

async function reload(button) {
  const outcome = await IISC.act(button, load);
  if (outcome.ok) {
    render();
    IISC.announce(t().loaded);
  } else if (outcome.failure && (outcome.failure.status === 401 || outcome.failure.status === 403)) {
    signOut();
    IISC.showError(outcome.failure);
  }
}

async function start() {
  IISC.initLanguage(TEXT, render);
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    IISC.showError(null);
    const token = $('bureau-token').value.trim();
    if (!token) {
      IISC.showError({local: t().loginMissing});
      $('bureau-token').setAttribute('aria-invalid', 'true');
      $('bureau-token').focus();
      return;
    }
    signIn(token, $('login'));
  });
  $('logout').addEventListener('click', signOut);
  $('refresh').addEventListener('click', () => reload($('refresh')));
  $('download').addEventListener('click', () => download($('download')));
  $('type-filter').addEventListener('change', () => reload(null));
  $('month-filter').addEventListener('change', () => reload(null));
  $('metric').addEventListener('change', () => renderHeatmap());
  $('trend-category').addEventListener('change', () => renderTrend());

  let saved = null;
  try { saved = sessionStorage.getItem(SESSION_KEY); } catch (_) { /* storage off */ }
  if (saved) await signIn(saved, null);
  else showLogin();
  document.body.dataset.ready = 'true';
}

start();
