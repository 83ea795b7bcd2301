// What the browser tests share: a real iisc-server on an ephemeral port (with
// a bureau token), Debian's headless Chromium, and an axe-core audit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceDir = path.resolve(here, '../..');
const binary = process.env.IISC_SERVER_BINARY || path.join(sourceDir, 'build/server/iisc-server');
const config = process.env.IISC_SERVER_CONFIG || path.join(sourceDir, 'configs/server.toml');
const axePath = createRequire(import.meta.url).resolve('axe-core');

// The bureau's token for the test server: 32 hex characters, fresh each run.
export const bureauToken = process.env.IISC_TEST_BUREAU_TOKEN
  || [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');

async function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update'],
  });
}

// Starts the server and the browser; stop() ends both and removes the data.
// IISC_TEST_URL (with IISC_TEST_BUREAU_TOKEN) points the tests at a server
// already running instead.
export async function startAll() {
  if (process.env.IISC_TEST_URL) {
    const browser = await launchBrowser();
    return { baseUrl: process.env.IISC_TEST_URL, browser, stop: () => browser.close() };
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'iisc-browser-'));
  const server = spawn(binary, ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--config', config],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, IISC_BUREAU_TOKEN: bureauToken } });
  const stop = async (browser) => {
    if (browser) await browser.close();
    if (server.exitCode === null) {
      server.removeAllListeners('exit');
      const exited = new Promise((resolve) => server.on('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no "listening on" line: ${out}`)), 120000);
    server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/listening on (http:\/\/\S+)\n/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  }).catch(async (e) => { await stop(); throw e; });
  const browser = await launchBrowser();
  return { baseUrl, browser, stop: () => stop(browser) };
}

// A JSON call to the server from the test itself (as the bureau, say).
export async function api(baseUrl, method, route, { token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(baseUrl + route, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  try { data = JSON.parse(text); } catch (_) { /* not JSON */ }
  return { status: response.status, data, text };
}

// Runs axe-core on the page as it is and fails on any serious or critical
// violation (GB/T 37668 follows WCAG 2.x), naming the rule and the elements.
// What axe cannot decide at that impact ("incomplete", e.g. text contrast on
// a gradient) fails too: the pages are kept checkable instead.
export async function assertAccessible(page, what) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ path: axePath });
  }
  const findings = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations', 'incomplete'] });
    const grave = (v) => v.impact === 'serious' || v.impact === 'critical';
    const describe = (kind) => (v) => ({
      kind, id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.filter(grave).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    });
    return [...result.violations.filter(grave).map(describe('violation')),
      ...result.incomplete.filter(grave).map(describe('undecided'))];
  });
  assert.deepEqual(findings, [], `${what}: axe finds ${JSON.stringify(findings, null, 2)}`);
}

// True when the page scrolls sideways (a phone layout must not).
export function scrollsSideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}
