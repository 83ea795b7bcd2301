// Loads the web form in headless Chromium against a real iisc-server and
// checks that an SME can describe a need and see ranked services with reasons.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, scrollsSideways, startAll } from './harness.mjs';

let baseUrl;
let browser;
let stop;

before(async () => {
  ({ baseUrl, browser, stop } = await startAll());
});

after(async () => {
  if (stop) await stop();
});

async function openForm(viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  await page.goto(baseUrl + '/');
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

test('a need typed in Chinese gets ranked services with reasons', async () => {
  const page = await openForm();
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal(await page.textContent('#submit'), '获取推荐');
  // The choices come from the taxonomy: 12 counties and 11 service types.
  assert.equal(await page.locator('#county option').count(), 13);
  assert.equal(await page.locator('#service-types input[type=checkbox]').count(), 11);

  await page.fill('#description', '鞋底防滑检测');
  await page.click('#submit');
  await page.waitForSelector('#results > li');

  const results = page.locator('#results > li');
  assert.ok(await results.count() > 0);
  assert.equal(await results.first().locator('.rank').textContent(), '1');
  assert.match(await results.first().locator('.score-value').textContent(), /^\d+%$/);
  assert.ok((await results.first().locator('h3').textContent()).trim().length > 0);
  const reasons = results.first().locator('.reasons li');
  assert.equal(await reasons.count(), 9);
  assert.ok(await page.locator('.reasons li', { hasText: '服务类型匹配' }).count() > 0);
  // What the engine understood is shown so the SME can correct it.
  assert.match(await page.textContent('#understanding'), /我们对您需求的理解/);

  if (process.env.IISC_SCREENSHOT) {
    await page.screenshot({ path: process.env.IISC_SCREENSHOT, fullPage: true });
  }

  await page.click('#lang-toggle');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.textContent('#submit'), 'Get recommendations');
  assert.equal(await page.textContent('#results-title'), 'Recommended services');
  assert.ok(await page.locator('.reasons li', { hasText: 'Service type match' }).count() > 0);
  assert.equal(await page.locator('#county option').nth(1).textContent(), 'Lucheng District');
  if (process.env.IISC_SCREENSHOT_EN) {
    await page.screenshot({ path: process.env.IISC_SCREENSHOT_EN, fullPage: true });
  }
  await page.close();
});

test('an empty description is refused readably, and a need can be saved', async () => {
  const page = await openForm();
  await page.click('#submit');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /请先填写需求描述/);
  assert.equal(await page.getAttribute('#description', 'aria-invalid'), 'true');

  await page.fill('#description', '我们是乐清的小型断路器厂，产品要出口欧盟，需要做CE认证检测');
  await page.selectOption('#county', 'yueqing');
  await page.check('#st-testing');
  await page.click('#save');
  await page.waitForSelector('#saved:not([hidden])');
  const id = await page.textContent('#saved-id');
  const token = await page.textContent('#saved-token');
  assert.ok(id.length > 0);
  assert.ok(token.length > 0);
  // The way back is the need page's link, the token in its fragment (never sent to the server).
  const link = new URL(await page.getAttribute('#need-link', 'href'));
  assert.equal(link.pathname, '/need.html');
  assert.equal(link.searchParams.get('id'), id);
  assert.equal(new URLSearchParams(link.hash.slice(1)).get('token'), token);
  assert.equal(await page.textContent('#need-link'), link.href);
  assert.match(await page.textContent('#saved'), /请保存这个链接：它是回到这条需求的唯一途径/);
  assert.ok(await page.locator('#results > li').count() > 0);
  assert.equal(await page.isHidden('#error'), true);
  await page.close();
});

test('the understanding names the phrases an inferred service type rests on', async () => {
  const page = await openForm();
  await page.fill('#description', '新出的镜架款被人抄了咋办');
  await page.click('#submit');
  await page.waitForSelector('#results > li');

  // The phrase is the model's (which n-gram weighs most moves with the
  // corpus): it must be words the SME typed, and the ones about the copy.
  const evidence = page.locator('#understanding .evidence');
  assert.ok(await evidence.count() > 0);
  const zh = (await evidence.first().textContent()).match(/^因为您写了“([^”]+)”/);
  assert.ok(zh, await evidence.first().textContent());
  const phrase = zh[1];
  assert.ok('新出的镜架款被人抄了咋办'.includes(phrase) && phrase.includes('抄'), phrase);
  assert.ok((await page.textContent('#understanding')).includes(phrase));
  // Nothing to ask: the engine is sure enough which kind of service this is.
  assert.equal(await page.locator('#clarification').count(), 0);

  await page.click('#lang-toggle');
  assert.ok((await evidence.first().textContent()).startsWith(`because you wrote “${phrase}”`),
            await evidence.first().textContent());
  await page.close();
});

test('a vague need gets a question, and the answer re-ranks the services', async () => {
  const page = await openForm();
  await page.fill('#description', '产品想改一改，找谁');
  await page.click('#submit');
  await page.waitForSelector('#results > li');

  const question = page.locator('#clarification');
  await question.waitFor();
  assert.equal(await question.getAttribute('role'), 'group');
  assert.match(await page.textContent('#clarify-question'), /您最需要的是哪一种帮助/);
  const choices = question.getByRole('button');
  assert.ok(await choices.count() >= 2);
  const rnd = question.locator('button[data-service-type="rnd"]');
  assert.equal(await rnd.count(), 1);
  assert.ok((await rnd.textContent()).trim().length > 0);

  if (process.env.IISC_SCREENSHOT_QUESTION) {
    await page.screenshot({ path: process.env.IISC_SCREENSHOT_QUESTION, fullPage: true });
  }

  await rnd.click();
  await question.waitFor({ state: 'detached' });
  await page.waitForSelector('#results > li');
  const results = page.locator('#results > li');
  assert.equal(await results.first().getAttribute('data-service-type'), 'rnd');
  assert.equal(await results.first().locator('.type').textContent(), '研究开发');
  // The type is now the SME's own choice, in the understanding and in the form.
  assert.match(await page.textContent('#understanding'), /研究开发 · 您已选择/);
  assert.equal(await page.isChecked('#st-rnd'), true);
  assert.equal(await page.locator('#clarification').count(), 0);
  assert.equal(await page.isHidden('#error'), true);
  await page.close();
});

test('the question can be answered from the keyboard after saving a need', async () => {
  const page = await openForm();
  await page.fill('#description', '产品想改一改，找谁');
  await page.click('#save');
  await page.waitForSelector('#saved:not([hidden])');
  const savedId = await page.textContent('#saved-id');

  const rnd = page.locator('#clarification button[data-service-type="rnd"]');
  await rnd.focus();
  await page.keyboard.press('Enter');
  await page.locator('#clarification').waitFor({ state: 'detached' });
  assert.equal(await page.locator('#results > li').first().getAttribute('data-service-type'), 'rnd');
  // The saved need is shown as it was, not stored a second time.
  assert.equal(await page.textContent('#saved-id'), savedId);
  await page.close();
});

test('the form has no serious accessibility fault, before and after results, on a phone too', async () => {
  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const page = await openForm(viewport);
    const where = `${viewport.width}px`;
    await assertAccessible(page, `empty form, ${where}`);
    await page.fill('#description', '产品想改一改，找谁');
    await page.click('#save');
    await page.waitForSelector('#saved:not([hidden])');
    await page.locator('#clarification').waitFor();
    await assertAccessible(page, `results with a question and a saved need, ${where}`);
    assert.equal(await scrollsSideways(page), false, `the form scrolls sideways at ${where}`);
    await page.click('#lang-toggle');
    await assertAccessible(page, `results in English, ${where}`);
    await page.close();
  }
});

test('a need for two kinds of service shows the bundle, kept for the need page', async () => {
  const page = await openForm();
  await page.fill('#description', 'CE testing for our circuit breakers, and a patent for the new design');
  await page.check('#st-testing');
  await page.check('#st-ipr');
  const answer = page.waitForResponse((r) => r.url().endsWith('/v1/needs'));
  await page.click('#save');
  const data = await (await answer).json();
  await page.waitForSelector('#saved:not([hidden])');
  assert.equal(data.bundle.length, 2);
  await page.locator('#bundle:not([hidden])').waitFor();
  const items = page.locator('#bundle-list > li');
  assert.equal(await items.count(), data.bundle.length);
  assert.equal(await items.first().getAttribute('data-capability-id'), data.bundle[0].capability_id);
  const ids = data.bundle.map((b) => b.capability_id);
  const kept = await page.evaluate((id) => sessionStorage.getItem(`iisc-bundle:${id}`), data.id);
  assert.deepEqual(JSON.parse(kept), ids);
  // The need page offers the same bundle, to request in one step.
  await page.click('#need-link');
  await page.locator('#bundle-section:not([hidden])').waitFor();
  assert.deepEqual(await page.locator('#bundle > li').evaluateAll(
    (items) => items.map((li) => li.dataset.capabilityId)), ids);
  assert.equal(await page.isEnabled('#request-bundle'), true);
  await page.close();
});
