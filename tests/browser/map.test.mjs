// The bureau's supply-demand map page against a real iisc-server: needs are
// stored and one request served and rated through the API; the bureau signs
// in with its token (kept in the tab's sessionStorage only), sees the heat map
// and the trend chart agree with GET /v1/admin/map, switches the metric, the
// kind of service and the language, downloads the CSV, and the page is
// audited with axe-core on a desktop and on a phone (no sideways scrolling).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { api, assertAccessible, bureauToken, scrollsSideways, startAll } from './harness.mjs';

const desktop = { width: 1280, height: 900 };
const phone = { width: 390, height: 844 };

let baseUrl;
let browser;
let stop;

before(async () => {
  ({ baseUrl, browser, stop } = await startAll());
  // Three needs; the first is served and rated.
  const stored = [];
  for (const need of [
    { description: '我们是柳市做小型断路器的，想做温升和寿命试验', county: 'yueqing', field: 'electrical',
      service_types: ['testing'] },
    { description: '鞋底防滑检测', county: 'lucheng' },
    { description: '眼镜架外观设计', county: 'ouhai' },
  ]) {
    const res = await api(baseUrl, 'POST', '/v1/needs', { body: need });
    assert.equal(res.status, 201, res.text);
    stored.push(res.data);
  }
  const [first] = stored;
  const service = first.recommendations[0].capability_id;
  const requested = await api(baseUrl, 'POST', `/v1/needs/${first.id}/requests`,
    { token: first.access_token, body: { capability_ids: [service] } });
  assert.equal(requested.status, 201, requested.text);
  const requestId = requested.data.requests[0].id;
  const issued = await api(baseUrl, 'POST', '/v1/admin/complex-tokens',
    { token: bureauToken, body: { complex_id: service.split('/')[0], name: 'map test' } });
  assert.equal(issued.status, 201, issued.text);
  for (const action of ['accept', 'start', 'complete']) {
    const done = await api(baseUrl, 'POST', `/v1/requests/${requestId}/${action}`, { token: issued.data.token });
    assert.equal(done.status, 200, done.text);
  }
  const rated = await api(baseUrl, 'POST', `/v1/requests/${requestId}/rate`,
    { token: first.access_token, body: { rating: 4 } });
  assert.equal(rated.status, 200, rated.text);
});

after(async () => {
  if (stop) await stop();
});

async function openMap(viewport) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.urls = [];
  page.on('request', (request) => page.urls.push(request.url()));
  await page.goto(`${baseUrl}/map.html`);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

async function signIn(page, token) {
  await page.fill('#bureau-token', token);
  await page.click('#login');
}

const heatCell = (page, field, county) =>
  page.locator(`#heatmap tr[data-field="${field}"] td[data-county="${county}"]`);

test('the bureau reads the map: heat map, trend chart, filters, CSV, both languages', async () => {
  const page = await openMap(desktop);
  assert.equal(await page.isVisible('#login-section'), true);
  assert.equal(await page.textContent('h1'), '服务供需地图');
  await assertAccessible(page, 'map sign-in');

  // A wrong token is refused where it was typed.
  await signIn(page, 'not-the-bureau-token-000000');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /令牌/);
  assert.equal(await page.getAttribute('#bureau-token', 'aria-invalid'), 'true');

  await signIn(page, bureauToken);
  await page.waitForSelector('body[data-map-drawn="true"]');
  assert.equal(await page.isVisible('#workspace'), true);
  const map = (await api(baseUrl, 'GET', '/v1/admin/map', { token: bureauToken })).data;
  assert.equal(map.total.needs, 3);

  // The totals and the heat map show what the API says.
  assert.equal(await page.textContent('[data-stat="needs"] .stat-value'), '3');
  assert.equal(await page.textContent('[data-stat="completions"] .stat-value'), '1');
  assert.equal(await page.textContent('[data-stat="mean_rating"] .stat-value'), '4.00');
  assert.equal(await page.getAttribute('#heatmap', 'data-metric'), 'needs');
  const served = heatCell(page, 'electrical', 'yueqing');
  assert.equal(await served.textContent(), '1');
  assert.notEqual(await served.getAttribute('class'), 'heat h0');
  for (const cell of map.cells) {
    if (!cell.field || !cell.county || !cell.needs) continue;
    assert.equal(await heatCell(page, cell.field, cell.county).getAttribute('data-value'), String(cell.needs),
      `${cell.field} x ${cell.county}`);
  }
  assert.match(await page.textContent('#heatmap thead'), /乐清市/);
  assert.match(await page.textContent('#heatmap tbody'), /电气/);

  // The trend chart is drawn, with this month's needs as its last point.
  const chart = await page.evaluate(() => {
    const canvas = document.getElementById('trend-chart');
    const drawn = window.Chart && window.Chart.getChart(canvas);
    return drawn ? { width: canvas.width, height: canvas.height, labels: drawn.data.labels.length,
      needs: drawn.data.datasets[0].data, datasets: drawn.data.datasets.length } : null;
  });
  assert.ok(chart, 'no Chart.js chart on the canvas');
  assert.ok(chart.width > 100 && chart.height > 100, JSON.stringify(chart));
  assert.equal(chart.labels, 12);
  assert.equal(chart.datasets, 4);
  assert.deepEqual(chart.needs, map.trends.series[0].needs);
  assert.equal(chart.needs.at(-1), 3);
  assert.equal(await page.locator('#trend-table tbody tr').count(), 12);
  assert.match(await page.getAttribute('#trend-chart', 'aria-label'), /折线图/);
  await assertAccessible(page, 'map page');

  // The scoring configurations that served: the one the server started with.
  const history = (await api(baseUrl, 'GET', '/v1/admin/config-versions', { token: bureauToken })).data;
  assert.equal(await page.locator('#history-table tbody tr').count(), history.versions.length);
  const first = page.locator('#history-table tbody tr[data-seq="1"]');
  assert.match(await first.textContent(), /启动/);
  assert.match(await first.textContent(), /file/);
  await first.locator('summary').click();
  assert.match(await first.locator('pre.diff').textContent(), /\+ \[weights\]/);
  await assertAccessible(page, 'map page with a config diff open');

  // Another metric, another colour scale, the same table.
  await page.selectOption('#metric', 'capacity_left');
  assert.equal(await page.getAttribute('#heatmap', 'data-metric'), 'capacity_left');
  const left = map.cells.find((c) => c.field === 'electrical' && c.county === 'yueqing').capacity_left;
  assert.equal(await served.getAttribute('data-value'), String(left));
  await assertAccessible(page, 'map page showing capacity left');

  // One kind of service: the page asks the server again.
  const testing = (await api(baseUrl, 'GET', '/v1/admin/map?service_type=testing', { token: bureauToken })).data;
  await page.selectOption('#type-filter', 'testing');
  await page.waitForFunction((n) =>
    document.querySelector('[data-stat="services"] .stat-value').textContent === String(n), testing.total.services);
  assert.equal(await page.locator('#types-table tbody tr').count(), 1);
  await page.selectOption('#type-filter', '');
  await page.waitForFunction((n) =>
    document.querySelector('[data-stat="services"] .stat-value').textContent === String(n), map.total.services);

  // The CSV, as the bureau's spreadsheet gets it.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.match(download.suggestedFilename(), /^iisc-supply-demand-\d{4}-\d{2}-all\.csv$/);
  const csv = readFileSync(await download.path());
  assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.match(csv.toString('utf8'), /electrical,电气,yueqing,乐清市,1,/);

  // In English.
  await page.click('#lang-toggle');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await page.textContent('h1'), 'Supply and demand map');
  assert.match(await page.textContent('#heatmap thead'), /Industry field/);
  assert.match(await page.textContent('#heatmap thead'), /Yueqing/);
  assert.match(await page.getAttribute('#trend-chart', 'aria-label'), /Line chart/);
  assert.equal(await page.evaluate(() =>
    window.Chart.getChart(document.getElementById('trend-chart')).data.datasets[0].label), 'Needs');
  await assertAccessible(page, 'map page in English');
  await page.click('#lang-toggle');

  // The token lives in this tab's sessionStorage only, and in no URL.
  assert.equal(await page.evaluate(() => sessionStorage.getItem('iisc-bureau-session')), bureauToken);
  assert.equal(await page.evaluate(() => JSON.stringify(localStorage).includes(
    sessionStorage.getItem('iisc-bureau-session'))), false);
  assert.deepEqual(page.urls.filter((u) => u.includes(bureauToken)), []);
  await page.reload();
  await page.waitForSelector('body[data-map-drawn="true"]');
  await page.click('#logout');
  await page.waitForSelector('#login-section:not([hidden])');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('iisc-bureau-session')), null);
  await page.context().close();
});

test('on a phone the map scrolls inside its tables, not the page', async () => {
  const page = await openMap(phone);
  assert.equal(await scrollsSideways(page), false, 'the sign-in scrolls sideways on a phone');
  await signIn(page, bureauToken);
  await page.waitForSelector('body[data-map-drawn="true"]');
  assert.equal(await scrollsSideways(page), false, 'the map page scrolls sideways on a phone');
  // The heat map is wider than the phone: its own box scrolls, from the keyboard too.
  const box = await page.evaluate(() => {
    const b = document.getElementById('heatmap-box');
    return { scrolls: b.scrollWidth > b.clientWidth, tabindex: b.getAttribute('tabindex') };
  });
  assert.deepEqual(box, { scrolls: true, tabindex: '0' });
  await assertAccessible(page, 'map page on a phone');
  await page.click('#lang-toggle');
  assert.equal(await scrollsSideways(page), false, 'the English map page scrolls sideways on a phone');
  await assertAccessible(page, 'map page in English on a phone');
  await page.context().close();
});
