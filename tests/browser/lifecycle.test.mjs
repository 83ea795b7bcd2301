// A need's whole life through the web pages, against a real iisc-server: the
// SME saves a need with the form and opens its page by the link shown; it
// requests a service; the bureau issues the complex a token; the complex signs
// in to its workspace and accepts, starts and completes; the SME rates it.
// Every page is audited with axe-core; the new pages are checked on a phone
// and in English too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertAccessible, bureauToken, scrollsSideways, startAll } from './harness.mjs';

const desktop = { width: 1280, height: 900 };
const phone = { width: 390, height: 844 };
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let baseUrl;
let browser;
let stop;

before(async () => {
  ({ baseUrl, browser, stop } = await startAll());
});

after(async () => {
  if (stop) await stop();
});

// A page, in a context of its own (its own storage) unless given one,
// recording the Idempotency-Key of every write it sends to the API.
async function openPage(viewport, route, context = null) {
  const page = await (context || await browser.newContext({ viewport })).newPage();
  page.writes = [];
  page.urls = [];
  page.on('request', (request) => {
    page.urls.push(request.url());
    const url = new URL(request.url());
    if (request.method() !== 'GET' && url.pathname.startsWith('/v1/')) {
      page.writes.push({ method: request.method(), path: url.pathname,
        key: request.headers()['idempotency-key'] });
    }
  });
  await page.goto(baseUrl + route);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

async function issueComplexToken(complexId) {
  const issued = await api(baseUrl, 'POST', '/v1/admin/complex-tokens',
    { token: bureauToken, body: { complex_id: complexId, name: 'browser test' } });
  assert.equal(issued.status, 201, issued.text);
  assert.match(issued.data.token, /^ct_/);
  return issued.data.token;
}

async function signIn(page, complexId, token) {
  await page.selectOption('#complex-id', complexId);
  await page.fill('#complex-token', token);
  await page.click('#login');
  await page.waitForSelector('#workspace:not([hidden])');
}

const requestCard = (page, id) => page.locator(`#requests > li[data-request-id="${id}"]`);

async function waitForState(card, state) {
  await card.and(card.page().locator(`[data-state="${state}"]`)).waitFor();
}

test('a need goes from the form to a rated service', async () => {
  // The SME saves a need with the form and follows the link it shows.
  const sme = await openPage(desktop, '/');
  await sme.fill('#description', '我们是乐清的小型断路器厂，产品要出口欧盟，需要做CE认证检测');
  await sme.selectOption('#county', 'yueqing');
  await sme.check('#st-testing');
  await sme.click('#save');
  await sme.waitForSelector('#saved:not([hidden])');
  const needId = await sme.textContent('#saved-id');
  const needToken = await sme.textContent('#saved-token');
  await sme.click('#need-link');
  await sme.waitForURL(/\/need\.html\?id=/);
  await sme.waitForSelector('body[data-ready="true"]');
  assert.equal(new URL(sme.url()).hash, `#token=${needToken}`);
  await sme.waitForSelector('#need-section:not([hidden])');
  assert.match(await sme.textContent('#need-description'), /断路器/);
  assert.match(await sme.textContent('#need-facts'), /乐清市/);
  assert.equal(await sme.getAttribute('#need-status', 'data-status'), 'open');
  assert.ok(await sme.locator('#recommendations > li').count() > 0);
  await assertAccessible(sme, 'need page, nothing requested yet');

  // It requests the best recommended service.
  const best = sme.locator('#recommendations > li').first();
  const capabilityId = await best.getAttribute('data-capability-id');
  await best.getByRole('button', { name: '申请此服务' }).click();
  await sme.locator('#requests > li[data-state="requested"]').waitFor();
  const requestId = await sme.getAttribute('#requests > li', 'data-request-id');
  assert.equal(await best.getByRole('button').textContent(), '已申请');
  assert.equal(await best.getByRole('button').isDisabled(), true);
  await sme.waitForFunction(() => /已向.+发出申请/.test(document.getElementById('status').textContent));

  // The bureau issues a token for the complex of that service.
  const asked = await api(baseUrl, 'GET', `/v1/needs/${needId}/requests`, { token: needToken });
  assert.equal(asked.status, 200, asked.text);
  const request = asked.data.requests.find((r) => r.id === requestId);
  assert.equal(request.capability_id, capabilityId);
  const complexToken = await issueComplexToken(request.complex_id);

  // The complex signs in, sees the request and the need, and serves it.
  const complex = await openPage(desktop, '/complex.html');
  await assertAccessible(complex, 'complex sign-in');
  await signIn(complex, request.complex_id, complexToken);
  const card = requestCard(complex, requestId);
  await waitForState(card, 'requested');
  assert.match(await card.textContent(), /断路器/);
  await complex.locator(`#feed > li[data-need-id="${needId}"]`).waitFor();
  await assertAccessible(complex, 'complex workspace with a request and the feed');
  await card.getByRole('button', { name: '接受' }).click();
  await waitForState(card, 'accepted');
  await complex.waitForFunction(() => /已接受/.test(document.getElementById('status').textContent));
  // From the keyboard: focus stays on the request after each step.
  await card.getByRole('button', { name: '开始服务' }).focus();
  await complex.keyboard.press('Enter');
  await waitForState(card, 'in_service');
  assert.equal(await complex.evaluate(() => document.activeElement.id), `creq-${requestId}-title`);
  await complex.keyboard.press('Tab');
  assert.equal(await complex.evaluate(() => document.activeElement.textContent), '服务完成');
  await complex.keyboard.press('Enter');
  await waitForState(card, 'completed');
  // The session lives in this tab only: reloading keeps it, signing out ends it.
  await complex.reload();
  await complex.waitForSelector('body[data-ready="true"]');
  await waitForState(requestCard(complex, requestId), 'completed');

  // Back on the need page, the SME rates the service; the first try is lost
  // on the way and the retry carries the same Idempotency-Key.
  await sme.getByRole('button', { name: '刷新状态' }).click();
  const mine = sme.locator(`#requests > li[data-request-id="${requestId}"]`);
  await waitForState(mine, 'completed');
  await sme.waitForFunction(() =>
    document.getElementById('status').textContent === '已刷新：1 项申请的状态有变化。');
  await assertAccessible(sme, 'need page with a completed request to rate');
  // The token rode in the fragment and in Authorization headers, never in a URL sent.
  assert.deepEqual(sme.urls.filter((u) => u.includes(needToken)), []);
  await mine.getByRole('radio', { name: /^5 分/ }).check();
  await mine.getByLabel('评价内容（可选）').fill('检测很快，报告清楚');
  let dropped = false;
  await sme.route('**/rate', (route) => {
    if (dropped) return route.continue();
    dropped = true;
    return route.abort('connectionreset');
  });
  await mine.getByRole('button', { name: '提交评价' }).click();
  await sme.waitForSelector('#error:not([hidden])');
  assert.match(await sme.textContent('#error'), /无法连接服务器/);
  await mine.getByRole('button', { name: '提交评价' }).click();
  await waitForState(mine, 'rated');
  assert.equal(await mine.locator('.badge').textContent(), '已评价');
  assert.match(await mine.textContent(), /5\/5 — 检测很快，报告清楚/);
  assert.equal(await sme.isHidden('#error'), true);
  const rates = sme.writes.filter((w) => w.path.endsWith('/rate'));
  assert.equal(rates.length, 2);
  assert.equal(rates[0].key, rates[1].key);
  await assertAccessible(sme, 'need page with a rated request');

  // Every write of both pages carried its own key.
  const writes = [...sme.writes, ...complex.writes]
    .filter((w) => !w.path.endsWith('/rate') && w.path !== '/v1/recommendations');
  assert.ok(writes.length >= 5);
  for (const w of writes) assert.match(w.key || '', uuidPattern, `${w.method} ${w.path}`);
  assert.equal(new Set(writes.map((w) => w.key)).size, writes.length);

  await complex.getByRole('button', { name: '退出' }).click();
  await complex.waitForSelector('#login-section:not([hidden])');
  assert.equal(await complex.evaluate(() => sessionStorage.length), 0);
  await sme.context().close();
  await complex.context().close();
});

test('on a phone and in English: the bundle, a proposal, a decline and a deleted need', async () => {
  // A need for two kinds of service, stored through the API: its page finds
  // the bundle among the stored recommendations.
  const saved = await api(baseUrl, 'POST', '/v1/needs', {
    body: { description: 'CE testing for our circuit breakers, and a patent for the new design',
      county: 'yueqing', service_types: ['testing', 'ipr'] },
  });
  assert.equal(saved.status, 201, saved.text);
  const { id: needId, access_token: needToken } = saved.data;

  const sme = await openPage(phone, `/need.html?id=${needId}#token=${needToken}`);
  await sme.waitForSelector('#need-section:not([hidden])');
  assert.equal(await scrollsSideways(sme), false, 'the need page scrolls sideways on a phone');
  await sme.click('#lang-toggle');
  assert.equal(await sme.getAttribute('html', 'lang'), 'en');
  assert.equal(await sme.textContent('h1'), 'My need');
  assert.equal(await sme.textContent('#need-status'), 'Open');
  await sme.locator('#bundle-section:not([hidden])').waitFor();
  assert.equal(await sme.locator('#bundle > li').count(), 2);
  await assertAccessible(sme, 'need page in English on a phone');

  await sme.getByRole('button', { name: 'Request all' }).click();
  await sme.locator('#requests > li').nth(1).waitFor();
  assert.equal(await sme.locator('#requests > li[data-state="requested"]').count(), 2);
  assert.equal(await sme.getByRole('button', { name: 'Every service of the bundle has been requested.' })
    .isDisabled(), true);
  const requests = (await api(baseUrl, 'GET', `/v1/needs/${needId}/requests`, { token: needToken }))
    .data.requests;

  // The complex of the first declines it (the reason is required); the
  // complex of the second proposes another of its services.
  const [first, second] = requests;
  // Another tab of the same browser: the language chosen on the need page holds.
  const complex = await openPage(phone, '/complex.html', sme.context());
  assert.equal(await complex.getAttribute('html', 'lang'), 'en');
  assert.equal(await complex.textContent('h1'), 'Complex workspace');
  await signIn(complex, first.complex_id, await issueComplexToken(first.complex_id));
  assert.equal(await scrollsSideways(complex), false, 'the workspace scrolls sideways on a phone');
  let card = requestCard(complex, first.id);
  await card.getByRole('button', { name: 'Decline…' }).click();
  await card.getByRole('button', { name: 'Decline the request' }).click();
  assert.match(await complex.textContent('#error'), /give a reason/);
  await card.getByLabel(/Reason for declining/).fill('Fully booked this month');
  await card.getByRole('button', { name: 'Decline the request' }).click();
  await waitForState(card, 'declined');
  await assertAccessible(complex, 'workspace in English on a phone');
  await complex.getByRole('button', { name: 'Sign out' }).click();

  await signIn(complex, second.complex_id, await issueComplexToken(second.complex_id));
  card = requestCard(complex, second.id);
  await card.getByRole('button', { name: /^Suggest another/ }).click();
  const select = card.getByLabel('Service to suggest instead');
  const proposed = await select.locator('option').first().getAttribute('value');
  await card.getByLabel('Note to the enterprise (optional)').fill('This one fits better');
  await assertAccessible(complex, 'workspace with the proposal form open');
  await card.getByRole('button', { name: 'Send the suggestion' }).click();
  await waitForState(card, 'proposed');

  // The SME sees both answers, accepts the proposal, then deletes the need.
  await sme.reload();
  await sme.waitForSelector('body[data-ready="true"]');
  const declined = sme.locator(`#requests > li[data-request-id="${first.id}"]`);
  await waitForState(declined, 'declined');
  assert.match(await declined.textContent(), /Fully booked this month/);
  const offer = sme.locator(`#requests > li[data-request-id="${second.id}"]`);
  await waitForState(offer, 'proposed');
  assert.match(await offer.textContent(), /This one fits better/);
  await offer.getByRole('button', { name: 'Accept the suggested service' }).click();
  await waitForState(offer, 'accepted');
  const now = await api(baseUrl, 'GET', `/v1/needs/${needId}/requests`, { token: needToken });
  assert.equal(now.data.requests.find((r) => r.id === second.id).capability_id, proposed);
  assert.equal(await scrollsSideways(sme), false);

  await sme.getByRole('button', { name: 'Delete my need' }).click();
  assert.equal(await sme.evaluate(() => document.activeElement.id), 'confirm-no');
  await sme.keyboard.press('Escape');
  await sme.locator('#confirm').waitFor({ state: 'hidden' });
  await sme.getByRole('button', { name: 'Delete my need' }).click();
  await sme.getByRole('button', { name: 'Yes, delete' }).click();
  await sme.locator('#deleted-section:not([hidden])').waitFor();
  assert.equal(new URL(sme.url()).hash, '', 'the token leaves the address bar');
  await assertAccessible(sme, 'need page after deletion');
  const gone = await api(baseUrl, 'GET', `/v1/needs/${needId}`, { token: needToken });
  assert.equal(gone.data && gone.data.status, 'deleted', gone.text);

  // A link with a wrong token says so (in the language chosen).
  const wrong = await openPage(phone, `/need.html?id=${needId}#token=${'0'.repeat(64)}`, sme.context());
  assert.match(await wrong.textContent('#error'), /the id or the access token in the link is wrong/);
  assert.equal(await wrong.isHidden('#need-section'), true);
  await sme.context().close();
});
