// How fast the bureau's map page loads over a data directory (filled by
// iisc-fill-needs): starts iisc-server on it, times GET /v1/admin/map and
// /v1/admin/map.csv from a client, then loads /map.html in Debian's headless
// Chromium in a fresh browser context each time (nothing cached, the bureau's
// token already in the tab's sessionStorage) and reads the page's own marks:
// from navigation start to the map drawn (totals, heat map, trend chart,
// tables) and to the frame after it.
//
//   node bench/map_load.mjs --data-dir var/bench/map-100k [--runs 9] [--requests 30]
//
// Uses playwright-core from tests/browser/node_modules (npm ci there).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const { chromium } = createRequire(path.join(root, 'tests/browser/package.json'))('playwright-core');

const args = { runs: 9, requests: 30, binary: path.join(root, 'build/server/iisc-server'),
  config: path.join(root, 'configs/server.toml') };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
  args[key] = process.argv[i + 1];
}
if (!args.dataDir) {
  console.error('usage: node bench/map_load.mjs --data-dir DIR [--runs 9] [--requests 30] [--binary PATH]');
  process.exit(2);
}
const token = 'map-load-bench-token-0123456789abcdef';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const ms = (x) => `${x.toFixed(1)} ms`;

async function startServer() {
  const server = spawn(args.binary, ['--listen', '127.0.0.1:0', '--data-dir', args.dataDir, '--config', args.config],
    { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, IISC_BUREAU_TOKEN: token } });
  const started = Date.now();
  const baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)\n/);
      if (m) resolve(m[1]);
    });
  });
  console.log(`server up on ${args.dataDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { server, baseUrl };
}

async function timeRoute(baseUrl, route) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < Number(args.requests); i += 1) {
    const t0 = performance.now();
    const res = await fetch(baseUrl + route, { headers: { Authorization: `Bearer ${token}` } });
    const body = await res.arrayBuffer();
    times.push(performance.now() - t0);
    if (!res.ok) throw new Error(`${route}: ${res.status}`);
    bytes = body.byteLength;
  }
  console.log(`${route}: median ${ms(median(times))}, p90 ${ms(pct(times, 0.9))}, max ${ms(Math.max(...times))}` +
    ` (${args.requests} requests, ${(bytes / 1024).toFixed(0)} KiB)`);
  return times;
}

const { server, baseUrl } = await startServer();
try {
  const map = await (await fetch(`${baseUrl}/v1/admin/map`, { headers: { Authorization: `Bearer ${token}` } })).json();
  console.log(`stored needs ${map.total.needs}, requests ${map.total.requests}, cells ${map.cells.length}`);
  await timeRoute(baseUrl, '/v1/admin/map');
  await timeRoute(baseUrl, '/v1/admin/map?service_type=testing');
  await timeRoute(baseUrl, '/v1/admin/map.csv');

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update'] });
  const drawn = [];
  const painted = [];
  const rows = [];
  for (let run = 0; run <= Number(args.runs); run += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript((t) => sessionStorage.setItem('iisc-bureau-session', t), token);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/map.html`);
    await page.waitForSelector('body[data-map-drawn="true"]', { timeout: 30000 });
    await page.waitForFunction(() => performance.getEntriesByName('iisc-map-painted').length > 0);
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const api = performance.getEntriesByType('resource').find((r) => r.name.includes('/v1/admin/map'));
      const chart = performance.getEntriesByType('resource').find((r) => r.name.endsWith('/chart.min.js'));
      return {
        drawn: performance.getEntriesByName('iisc-map-drawn')[0].startTime,
        painted: performance.getEntriesByName('iisc-map-painted')[0].startTime,
        domContentLoaded: nav.domContentLoadedEventEnd,
        api: api ? api.responseEnd - api.startTime : NaN,
        chartJs: chart ? chart.responseEnd - chart.startTime : NaN,
        cells: document.querySelectorAll('#heatmap td.heat').length,
      };
    });
    await context.close();
    if (run === 0) continue;  // the first load warms the server and the browser
    drawn.push(t.drawn);
    painted.push(t.painted);
    rows.push(t);
  }
  await browser.close();
  console.log('run  drawn     painted   DOMContentLoaded  /v1/admin/map  chart.min.js  heat cells');
  rows.forEach((t, i) => console.log(`${String(i + 1).padStart(3)}  ${t.drawn.toFixed(0).padStart(5)} ms  ` +
    `${t.painted.toFixed(0).padStart(5)} ms  ${t.domContentLoaded.toFixed(0).padStart(8)} ms  ` +
    `${t.api.toFixed(0).padStart(10)} ms  ${t.chartJs.toFixed(0).padStart(9)} ms  ${String(t.cells).padStart(8)}`));
  console.log(`map page, navigation to map drawn: median ${ms(median(drawn))} (min ${ms(Math.min(...drawn))}, ` +
    `max ${ms(Math.max(...drawn))}); to the frame after: median ${ms(median(painted))}, over ${drawn.length} loads`);
} finally {
  server.kill('SIGTERM');
}
