// The OpenAPI description against the live server: a real iisc-server serves
// /openapi.json (which must be server/openapi.json as it is), and every route
// is driven by the three roles (SME, complex, bureau) through success and
// failure; each answer's status, Content-Type, headers and body are held
// against the document's schemas (contract.mjs). At the end the routes the
// server has (its /metrics lists every one), the routes the document has and
// the routes this test drove must be the same set, and OPTIONS on every path
// must name exactly the methods the document gives it.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Contract } from './contract.mjs';
import { sourceDir, startServer } from './server.mjs';

let server;
let contract;
let bureau;

before(async () => {
  server = await startServer();
  bureau = server.bureauToken;
});

after(async () => {
  if (server) await server.stop();
});

function urlOf(template, params = {}, query) {
  const pathname = template.replace(/\{(\w+)\}/g, (_, name) => {
    assert.ok(params[name] !== undefined, `no value for {${name}} in ${template}`);
    return encodeURIComponent(params[name]);
  });
  const url = new URL(pathname, server.baseUrl);
  for (const [name, value] of Object.entries(query || {})) url.searchParams.set(name, String(value));
  return url;
}

// Sends one request and holds the answer against the document; resolves to
// { status, headers, text, data } (data: the parsed body). `json` is sent as
// application/json; `body` and `type` send anything else.
async function call(method, template, {
  params, query, token, json, body, type, headers = {}, expect, unchecked = false,
} = {}) {
  const url = urlOf(template, params, query);
  const sent = { ...headers };
  if (token) sent.Authorization = `Bearer ${token}`;
  let requestBody = body;
  let requestType = type;
  if (json !== undefined) {
    requestBody = JSON.stringify(json);
    requestType = 'application/json';
  }
  if (requestType) sent['Content-Type'] = requestType;
  const response = await fetch(url, { method, headers: sent, body: requestBody });
  const text = await response.text();
  const result = { status: response.status, headers: response.headers, text, data: null };
  if (expect !== undefined) {
    assert.equal(response.status, expect, `${method} ${url.pathname}${url.search}: ${text.slice(0, 400)}`);
  }
  if (!unchecked) {
    result.data = contract.check({
      method, template, url, requestBody, requestType, status: response.status, headers: response.headers, text,
    });
  }
  return result;
}

// Shared by the tests below, which run in order.
const state = {};

test('GET /openapi.json serves server/openapi.json as it is', async () => {
  const response = await fetch(new URL('/openapi.json', server.baseUrl));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/json');
  const served = await response.json();
  const source = JSON.parse(readFileSync(path.join(sourceDir, 'server/openapi.json'), 'utf8'));
  assert.deepEqual(served, source, 'the server embeds another version of server/openapi.json: rebuild');
  assert.equal(served.openapi, '3.1.0');
  contract = new Contract(served);
  await call('GET', '/openapi.json', { expect: 200 });
});

test('operations, pages and the catalog', async () => {
  await call('GET', '/healthz', { expect: 200 });
  await call('GET', '/metrics', { expect: 200 });
  const long = 'x'.repeat(5000);
  await call('GET', '/healthz', { query: { pad: long }, expect: 414, unchecked: true })
    .then((r) => contract.check({ ...r, method: 'GET', template: '/healthz', url: new URL('/healthz', server.baseUrl) }));
  await call('GET', '/metrics', { query: { pad: long }, expect: 414, unchecked: true })
    .then((r) => contract.check({ ...r, method: 'GET', template: '/metrics', url: new URL('/metrics', server.baseUrl) }));
  for (const page of ['/', '/index.html', '/app.js', '/style.css', '/common.js', '/need.html', '/need.js',
    '/complex.html', '/complex.js', '/map.html', '/map.js', '/chart.min.js']) {
    const r = await call('GET', page, { expect: 200 });
    assert.ok(r.text.length > 100, `${page} is almost empty`);
  }

  const taxonomy = (await call('GET', '/v1/taxonomy', { expect: 200 })).data;
  state.taxonomy = taxonomy;
  const { complexes } = (await call('GET', '/v1/complexes', { expect: 200 })).data;
  assert.ok(complexes.length > 2);
  state.complexes = complexes;
  const one = await call('GET', '/v1/complexes/{id}', { params: { id: complexes[0].id }, expect: 200 });
  assert.deepEqual(one.data, complexes[0]);
  await call('GET', '/v1/complexes/{id}', { params: { id: 'no-such-complex' }, expect: 404 });
});

test('recommendations: ranked services, the understanding, the question, the bundle, and refusals', async () => {
  await call('POST', '/v1/recommendations', { json: { need: { description: '鞋底防滑检测' } }, expect: 200 });
  const question = await call('POST', '/v1/recommendations',
    { json: { need: { description: '产品想改一改，找谁' } }, expect: 200 });
  assert.notEqual(question.data.understanding.clarification, null, 'a vague need gets a question');
  const bundle = await call('POST', '/v1/recommendations', {
    json: {
      need: { description: '我们想做新的鞋款外观设计，同时需要鞋底防滑检测', county: 'lucheng', size: 'small' },
      k: 5,
      filters: { counties: null, service_types: [], fields: null },
    },
    expect: 200,
  });
  assert.ok(bundle.data.bundle?.length >= 2, 'a need of two kinds gets a bundle');
  const english = await call('POST', '/v1/recommendations', {
    json: { need: { description: 'CE marking and EMC tests for our circuit breakers', county: 'yueqing', field: 'electrical',
      service_types: ['testing'] }, k: 3 },
    expect: 200,
  });
  assert.equal(english.data.understanding.language, 'en');
  assert.equal(english.data.understanding.field_inferred, false);

  const refused = await call('POST', '/v1/recommendations', { json: { k: 3 }, expect: 400 });
  assert.equal(refused.data.error.field, 'need');
  await call('POST', '/v1/recommendations', { json: { need: { description: 'x' }, k: 0 }, expect: 400 });
  await call('POST', '/v1/recommendations', { json: { need: { description: ' ' } }, expect: 400 });
  await call('POST', '/v1/recommendations', { body: '{"need":', type: 'application/json', expect: 400 });
  await call('POST', '/v1/recommendations', { body: 'need=shoes', type: 'text/plain', expect: 415 });
  await call('POST', '/v1/recommendations', {
    json: { need: { description: 'x' }, pad: 'y'.repeat(1100 * 1024) }, expect: 413,
  });
});

test('an SME stores needs and reads them back; the tokens that do not grant a need', async () => {
  const submit = (description, extra = {}) => call('POST', '/v1/needs', {
    json: { description, county: 'lucheng', size: 'small', enterprise: { name: '某鞋厂', contact: '0577-0000000' }, ...extra },
    expect: 201,
  });
  const first = await submit('鞋底防滑检测，还要做鞋款外观设计');
  assert.equal(first.headers.get('location'), `/v1/needs/${first.data.id}`);
  state.need = first.data;
  // Another open need for the feed, and one to erase.
  state.open = (await submit('鞋底防滑检测和耐磨测试', { service_types: ['testing'], enterprise: null })).data;
  state.doomed = (await submit('需要鞋类外观设计')).data;
  // X: the complex of the need's best service, which has three services or
  // more (its requests go every way); Y: another, whose token must not reach
  // X's objects.
  state.x = state.complexes.find((c) => c.id === state.need.recommendations[0].complex_id);
  assert.ok(state.x.services.length >= 3, `${state.x.id} has fewer than 3 services`);
  state.y = state.complexes.find((c) => c.id !== state.x.id);

  await call('POST', '/v1/needs', { json: { county: 'lucheng' }, expect: 400 });
  await call('POST', '/v1/needs', { json: { description: 'x', county: 'atlantis' }, expect: 400 });
  await call('POST', '/v1/needs', { body: '{"description":"x"}', type: 'text/plain', expect: 415 });

  const id = { id: state.need.id };
  const mine = await call('GET', '/v1/needs/{id}', { params: id, token: state.need.access_token, expect: 200 });
  assert.equal(mine.data.status, 'open');
  assert.equal(mine.data.need.enterprise.name, '某鞋厂');
  await call('GET', '/v1/needs/{id}', { params: id, token: bureau, expect: 200 });
  await call('GET', '/v1/needs/{id}', { params: id, expect: 401 });
  await call('GET', '/v1/needs/{id}', { params: id, token: state.open.access_token, expect: 403 });
  await call('GET', '/v1/needs/{id}', { params: { id: 'need-000000000000000000000000' }, token: bureau, expect: 404 });
});

test('the bureau issues, lists and revokes complex tokens', async () => {
  const issue = (complexId, name) => call('POST', '/v1/admin/complex-tokens', {
    json: { complex_id: complexId, name }, token: bureau, expect: 201,
  });
  const x = await issue(state.x.id, 'front desk');
  assert.equal(x.headers.get('location'), `/v1/admin/complex-tokens/${x.data.id}`);
  state.xToken = x.data.token;
  const y = await issue(state.y.id, 'y');
  state.yToken = y.data.token;
  state.yTokenId = y.data.id;
  state.spareTokenId = (await issue(state.y.id, 'spare')).data.id;

  const unknown = await call('POST', '/v1/admin/complex-tokens', {
    json: { complex_id: 'no-such-complex' }, token: bureau, expect: 400,
  });
  assert.equal(unknown.data.error.field, 'complex_id');
  await call('POST', '/v1/admin/complex-tokens', { json: { name: 'n' }, token: bureau, expect: 400 });
  await call('POST', '/v1/admin/complex-tokens', { json: { complex_id: state.x.id }, expect: 401 });
  await call('POST', '/v1/admin/complex-tokens', { json: { complex_id: state.x.id }, token: state.xToken, expect: 403 });
  await call('POST', '/v1/admin/complex-tokens', {
    body: 'complex_id=x', type: 'application/x-www-form-urlencoded', token: bureau, expect: 415,
  });

  const list = await call('GET', '/v1/admin/complex-tokens', { token: bureau, expect: 200 });
  assert.equal(list.data.tokens.length, 3);
  assert.ok(!list.text.includes(state.xToken), 'the list never shows a token');
  await call('GET', '/v1/admin/complex-tokens', { expect: 401 });

  await call('DELETE', '/v1/admin/complex-tokens/{id}', { params: { id: state.spareTokenId }, token: bureau, expect: 204 });
  await call('DELETE', '/v1/admin/complex-tokens/{id}', { params: { id: state.spareTokenId }, token: bureau, expect: 204 });
  await call('DELETE', '/v1/admin/complex-tokens/{id}', { params: { id: 'ctk-0000000000000000' }, token: bureau, expect: 404 });
  await call('DELETE', '/v1/admin/complex-tokens/{id}', { params: { id: state.spareTokenId }, expect: 401 });
});

test('a need\'s requests go through every state the complex and the SME can move them to', async () => {
  const sme = state.need.access_token;
  const needId = { id: state.need.id };
  const [a, b, c] = state.x.services.map((s) => s.id);
  state.services = { a, b, c };

  // Three requests in one call, retried with the same key: the first answer again.
  const key = `key-${Date.now()}`;
  const sent = { capability_ids: [a, b, c], message: '下周可以送样吗？' };
  const created = await call('POST', '/v1/needs/{id}/requests', {
    params: needId, token: sme, json: sent, headers: { 'Idempotency-Key': key }, expect: 201,
  });
  assert.equal(created.data.requests.length, 3);
  assert.equal(created.headers.get('idempotent-replayed'), null);
  const replay = await call('POST', '/v1/needs/{id}/requests', {
    params: needId, token: sme, json: sent, headers: { 'Idempotency-Key': key }, expect: 201,
  });
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(replay.data, created.data);
  const reused = await call('POST', '/v1/needs/{id}/requests', {
    params: needId, token: sme, json: { capability_ids: [a] }, headers: { 'Idempotency-Key': key }, expect: 400,
  });
  assert.equal(reused.data.error.field, 'Idempotency-Key');
  const [ra, rb, rc] = created.data.requests.map((r) => r.id);
  state.requests = { ra, rb, rc };

  const again = await call('POST', '/v1/needs/{id}/requests', { params: needId, token: sme, json: { capability_ids: [a] }, expect: 409 });
  assert.equal(again.data.error.state, 'requested');
  await call('POST', '/v1/needs/{id}/requests', { params: needId, token: sme, json: { capability_ids: [] }, expect: 400 });
  await call('POST', '/v1/needs/{id}/requests', {
    params: needId, token: sme, json: { capability_ids: ['no-such/service'] }, expect: 400,
  });
  await call('POST', '/v1/needs/{id}/requests', {
    params: needId, token: sme, json: { capability_ids: [a] }, headers: { 'Idempotency-Key': 'two words' }, expect: 400,
  });
  await call('POST', '/v1/needs/{id}/requests', { params: needId, json: { capability_ids: [a] }, expect: 401 });
  await call('POST', '/v1/needs/{id}/requests', { params: needId, token: bureau, json: { capability_ids: [a] }, expect: 403 });
  await call('POST', '/v1/needs/{id}/requests', {
    params: { id: 'need-000000000000000000000000' }, token: sme, json: { capability_ids: [a] }, expect: 404,
  });
  await call('POST', '/v1/needs/{id}/requests', { params: needId, token: sme, body: 'a', type: 'text/plain', expect: 415 });

  const listed = await call('GET', '/v1/needs/{id}/requests', { params: needId, token: sme, expect: 200 });
  assert.equal(listed.data.requests.length, 3);
  await call('GET', '/v1/needs/{id}/requests', { params: needId, token: bureau, expect: 200 });
  await call('GET', '/v1/needs/{id}/requests', { params: needId, token: state.xToken, expect: 403 });
  await call('GET', '/v1/needs/{id}/requests', { params: needId, expect: 401 });
  await call('GET', '/v1/needs/{id}/requests', { params: { id: 'need-000000000000000000000000' }, token: bureau, expect: 404 });

  const act = (id, action, token, json, expect = 200, headers) => call('POST', '/v1/requests/{id}/{action}', {
    params: { id, action }, token, json, expect, headers,
  });
  // a: accepted, in service, completed, rated.
  await act(ra, 'accept', state.xToken);
  await act(ra, 'start', state.xToken);
  await act(ra, 'complete', state.xToken);
  const rated = await act(ra, 'rate', sme, { rating: 5, comment: '很及时' });
  assert.equal(rated.data.requests[0].state, 'rated');
  // b: declined with a reason; then no longer acceptable.
  await act(rb, 'decline', state.xToken, undefined, 400);
  const declined = await act(rb, 'decline', state.xToken, { reason: '本月检测排期已满' });
  assert.equal(declined.data.requests[0].decline_reason, '本月检测排期已满');
  const refused = await act(rb, 'accept', state.xToken, undefined, 409);
  assert.equal(refused.data.error.state, 'declined');
  // c: another service proposed, the proposal accepted, then withdrawn.
  const proposed = await act(rc, 'propose', state.xToken, { capability_id: a, message: '这项更合适' });
  assert.equal(proposed.data.requests[0].proposed_service?.complex_name.zh, state.x.name.zh);
  await act(rc, 'propose', state.xToken, {}, 400);
  await act(rc, 'accept-proposal', sme);
  const withdrawKey = `w-${Date.now()}`;
  await act(rc, 'withdraw', sme, undefined, 200, { 'Idempotency-Key': withdrawKey });
  const replayed = await act(rc, 'withdraw', sme, undefined, 200, { 'Idempotency-Key': withdrawKey });
  assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
  await act(rc, 'withdraw', sme, undefined, 409);

  await act(ra, 'accept', sme, undefined, 403);
  await act(ra, 'rate', state.xToken, { rating: 4 }, 403);
  await act(ra, 'accept', state.yToken, undefined, 403);
  await act(ra, 'accept', undefined, undefined, 401);
  await act(ra, 'frobnicate', state.xToken, undefined, 404);
  await act('req-000000000000000000000000', 'accept', state.xToken, undefined, 404);
  await call('POST', '/v1/requests/{id}/{action}', {
    params: { id: rb, action: 'decline' }, token: state.xToken, body: 'reason', type: 'text/plain', expect: 415,
  });

  for (const token of [sme, state.xToken, bureau]) {
    const one = await call('GET', '/v1/requests/{id}', { params: { id: ra }, token, expect: 200 });
    assert.equal(one.data.state, 'rated');
  }
  await call('GET', '/v1/requests/{id}', { params: { id: ra }, token: state.yToken, expect: 403 });
  await call('GET', '/v1/requests/{id}', { params: { id: ra }, expect: 401 });
  await call('GET', '/v1/requests/{id}', { params: { id: 'req-000000000000000000000000' }, token: bureau, expect: 404 });
});

test('a complex reads its requests and its feed', async () => {
  const x = { id: state.x.id };
  const page = await call('GET', '/v1/complexes/{id}/requests', { params: x, token: state.xToken, expect: 200 });
  assert.equal(page.data.requests.length, 3);
  assert.equal(page.data.requests[0].need.enterprise.name, '某鞋厂');
  const first = await call('GET', '/v1/complexes/{id}/requests', {
    params: x, query: { limit: 1 }, token: bureau, expect: 200,
  });
  assert.equal(typeof first.data.next_cursor, 'string');
  await call('GET', '/v1/complexes/{id}/requests', {
    params: x, query: { limit: 2, cursor: first.data.next_cursor }, token: state.xToken, expect: 200,
  });
  const rated = await call('GET', '/v1/complexes/{id}/requests', {
    params: x, query: { state: 'rated' }, token: state.xToken, expect: 200,
  });
  assert.equal(rated.data.requests.length, 1);
  await call('GET', '/v1/complexes/{id}/requests', { params: x, query: { state: 'lost' }, token: state.xToken, expect: 400 });
  await call('GET', '/v1/complexes/{id}/requests', { params: x, query: { limit: 0 }, token: state.xToken, expect: 400 });
  await call('GET', '/v1/complexes/{id}/requests', { params: x, query: { cursor: 'zzz' }, token: state.xToken, expect: 400 });
  await call('GET', '/v1/complexes/{id}/requests', { params: x, token: state.yToken, expect: 403 });
  await call('GET', '/v1/complexes/{id}/requests', { params: x, token: state.need.access_token, expect: 403 });
  await call('GET', '/v1/complexes/{id}/requests', { params: x, expect: 401 });
  await call('GET', '/v1/complexes/{id}/requests', { params: { id: 'no-such-complex' }, token: bureau, expect: 404 });

  const feed = await call('GET', '/v1/complexes/{id}/needs', {
    params: x, query: { min_score: 0 }, token: state.xToken, expect: 200,
  });
  assert.ok(feed.data.needs.some((n) => n.need.need_id === state.open.id), 'the open need is in the feed');
  const paged = await call('GET', '/v1/complexes/{id}/needs', {
    params: x, query: { min_score: 0, limit: 1, service_type: 'testing' }, token: bureau, expect: 200,
  });
  if (paged.data.next_cursor !== null) {
    await call('GET', '/v1/complexes/{id}/needs', {
      params: x, query: { min_score: 0, limit: 1, cursor: paged.data.next_cursor }, token: bureau, expect: 200,
    });
  }
  await call('GET', '/v1/complexes/{id}/needs', { params: x, query: { min_score: 2 }, token: state.xToken, expect: 400 });
  await call('GET', '/v1/complexes/{id}/needs', { params: x, query: { service_type: 'magic' }, token: state.xToken, expect: 400 });
  await call('GET', '/v1/complexes/{id}/needs', { params: x, query: { cursor: 'zzz' }, token: state.xToken, expect: 400 });
  await call('GET', '/v1/complexes/{id}/needs', { params: x, token: state.yToken, expect: 403 });
  await call('GET', '/v1/complexes/{id}/needs', { params: x, expect: 401 });
  await call('GET', '/v1/complexes/{id}/needs', { params: { id: 'no-such-complex' }, token: bureau, expect: 404 });

  // A revoked token opens nothing.
  await call('DELETE', '/v1/admin/complex-tokens/{id}', { params: { id: state.yTokenId }, token: bureau, expect: 204 });
  await call('GET', '/v1/complexes/{id}/needs', { params: { id: state.y.id }, token: state.yToken, expect: 403 });
});

test('needs are withdrawn and erased', async () => {
  const open = { id: state.open.id };
  await call('POST', '/v1/needs/{id}/requests', {
    params: open, token: state.open.access_token, json: { capability_ids: [state.services.b] }, expect: 201,
  });
  const withdrawn = await call('POST', '/v1/needs/{id}/withdraw', { params: open, token: state.open.access_token, expect: 200 });
  assert.equal(withdrawn.data.need_status, 'withdrawn');
  assert.equal(withdrawn.data.requests[0].state, 'withdrawn');
  const twice = await call('POST', '/v1/needs/{id}/withdraw', {
    params: open, token: state.open.access_token, json: {}, expect: 409,
  });
  assert.equal(twice.data.error.state, 'withdrawn');
  const closed = await call('POST', '/v1/needs/{id}/requests', {
    params: open, token: state.open.access_token, json: { capability_ids: [state.services.a] }, expect: 409,
  });
  assert.equal(closed.data.error.state, 'withdrawn');
  await call('POST', '/v1/needs/{id}/withdraw', { params: open, token: bureau, expect: 403 });
  await call('POST', '/v1/needs/{id}/withdraw', { params: open, expect: 401 });
  await call('POST', '/v1/needs/{id}/withdraw', { params: { id: 'need-000000000000000000000000' }, token: bureau, expect: 404 });
  await call('POST', '/v1/needs/{id}/withdraw', { params: open, token: state.open.access_token, body: 'x', type: 'text/plain', expect: 415 });

  const doomed = { id: state.doomed.id };
  const erased = await call('DELETE', '/v1/needs/{id}', { params: doomed, token: state.doomed.access_token, expect: 200 });
  assert.equal(erased.data.need_status, 'deleted');
  const left = await call('GET', '/v1/needs/{id}', { params: doomed, token: bureau, expect: 200 });
  assert.equal(left.data.need.description, undefined);
  assert.equal(typeof left.data.erased_unix_ms, 'number');
  const again = await call('DELETE', '/v1/needs/{id}', { params: doomed, token: bureau, expect: 409 });
  assert.equal(again.data.error.state, 'deleted');
  await call('DELETE', '/v1/needs/{id}', { params: open, token: bureau, expect: 200 });
  await call('DELETE', '/v1/needs/{id}', { params: open, token: state.xToken, expect: 403 });
  await call('DELETE', '/v1/needs/{id}', { params: open, expect: 401 });
  await call('DELETE', '/v1/needs/{id}', { params: { id: 'need-000000000000000000000000' }, token: bureau, expect: 404 });
  // What a complex sees of an erased need that had sent it a request.
  const page = await call('GET', '/v1/complexes/{id}/requests', { params: { id: state.x.id }, token: state.xToken, expect: 200 });
  assert.ok(page.data.requests.some((r) => r.need && r.need.description === undefined));
});

test('the bureau reads events, outcomes, demand and plans', async () => {
  const first = await call('GET', '/v1/events', { query: { limit: 5 }, token: bureau, expect: 200 });
  assert.equal(first.data.events.length, 5);
  const rest = await call('GET', '/v1/events', { query: { after: first.data.next_cursor, limit: 100 }, token: bureau, expect: 200 });
  const types = new Set([...first.data.events, ...rest.data.events].map((e) => e.type));
  for (const type of ['need.submitted', 'request.created', 'request.accepted', 'request.rated', 'request.declined',
    'request.proposed', 'request.withdrawn', 'need.withdrawn', 'need.deleted']) {
    assert.ok(types.has(type), `no ${type} event`);
  }
  await call('GET', '/v1/events', { query: { after: 'yesterday' }, token: bureau, expect: 400 });
  await call('GET', '/v1/events', { query: { limit: 101 }, token: bureau, expect: 400 });
  await call('GET', '/v1/events', { expect: 401 });
  await call('GET', '/v1/events', { token: state.xToken, expect: 403 });

  const outcomes = await call('GET', '/v1/admin/outcomes', { token: bureau, expect: 200 });
  assert.equal(outcomes.data.length, 1);
  assert.equal(outcomes.data[0].rating, 5);
  const intent = await call('GET', '/v1/admin/outcomes', { query: { format: 'intent' }, token: bureau, expect: 200 });
  assert.equal(intent.data.length, 1);
  await call('GET', '/v1/admin/outcomes', { query: { format: 'csv' }, token: bureau, expect: 400 });
  await call('GET', '/v1/admin/outcomes', { token: state.need.access_token, expect: 403 });

  await call('GET', '/v1/admin/demand', { token: bureau, expect: 200 });
  await call('GET', '/v1/admin/demand', { expect: 401 });

  const map = (await call('GET', '/v1/admin/map', { token: bureau, expect: 200 })).data;
  assert.ok(map.total.needs > 0 && map.total.completions > 0 && map.cells.length > 0);
  const month = map.capacity_month;
  await call('GET', '/v1/admin/map', { query: { service_type: 'testing', month, good_match_score: 0.5 }, token: bureau, expect: 200 });
  await call('GET', '/v1/admin/map', { query: { month: '2025-13' }, token: bureau, expect: 400 });
  await call('GET', '/v1/admin/map', { query: { service_type: 'astrology' }, token: bureau, expect: 400 });
  await call('GET', '/v1/admin/map', { expect: 401 });
  await call('GET', '/v1/admin/map', { token: state.xToken, expect: 403 });
  const csv = await call('GET', '/v1/admin/map.csv', { token: bureau, expect: 200 });
  assert.match(csv.text, /\r\ntraditional,[^,]*,electrical,/);
  await call('GET', '/v1/admin/map.csv', { query: { service_type: 'testing', month }, token: bureau, expect: 200 });
  await call('GET', '/v1/admin/map.csv', { query: { good_match_score: 2 }, token: bureau, expect: 400 });
  await call('GET', '/v1/admin/map.csv', { expect: 401 });
  await call('GET', '/v1/admin/map.csv', { token: state.need.access_token, expect: 403 });

  // One more open need, so that the plans have someone to serve.
  await call('POST', '/v1/needs', { json: { description: '鞋类外观设计和打样' }, expect: 201 });
  await call('POST', '/v1/admin/assignment', { token: bureau, expect: 200 });
  const plan = await call('POST', '/v1/admin/assignment', {
    json: { candidates_per_type: 5, objective: 'score_only' }, token: bureau, expect: 200,
  });
  assert.equal(plan.data.objective, 'score_only');
  await call('POST', '/v1/admin/assignment', { json: { objective: 'fastest' }, token: bureau, expect: 400 });
  await call('POST', '/v1/admin/assignment', { body: 'x', type: 'text/plain', token: bureau, expect: 415 });
  await call('POST', '/v1/admin/assignment', { expect: 401 });
});

test('the bureau writes the catalog', async () => {
  const record = {
    id: 'api-test-complex',
    name: { zh: '接口测试综合体', en: 'API Test Complex' },
    county: 'lucheng',
    level: 'county',
    fields: ['footwear'],
    services: [{
      id: 'api-test-complex/testing-1',
      type: 'testing',
      institution: { zh: '测试中心' },
      fields: ['footwear'],
      description: { zh: '鞋类检测', en: 'Footwear testing' },
      capacity_per_month: 10,
      price_level: 'market',
    }],
  };
  const id = { id: record.id };
  const created = await call('PUT', '/v1/complexes/{id}', { params: id, json: record, token: bureau, expect: 201 });
  assert.equal(created.headers.get('location'), '/v1/complexes/api-test-complex');
  assert.equal(created.data.services[0].rating, 0);
  await call('PUT', '/v1/complexes/{id}', {
    params: id, json: { ...record, description: { zh: '用于测试' } }, token: bureau, expect: 200,
  });
  const mismatch = await call('PUT', '/v1/complexes/{id}', { params: { id: 'other-id' }, json: record, token: bureau, expect: 400 });
  assert.equal(mismatch.data.error.field, 'id');
  await call('PUT', '/v1/complexes/{id}', { params: id, json: { ...record, level: 'village' }, token: bureau, expect: 400 });
  await call('PUT', '/v1/complexes/{id}', { params: id, json: record, expect: 401 });
  await call('PUT', '/v1/complexes/{id}', { params: id, json: record, token: 'not-the-bureau-token', expect: 403 });
  await call('PUT', '/v1/complexes/{id}', { params: id, body: 'x', type: 'text/plain', token: bureau, expect: 415 });

  await call('DELETE', '/v1/complexes/{id}', { params: id, token: bureau, expect: 204 });
  await call('DELETE', '/v1/complexes/{id}', { params: id, token: bureau, expect: 404 });
  await call('DELETE', '/v1/complexes/{id}', { params: id, expect: 401 });

  const lines = `${JSON.stringify(record)}\n\n${JSON.stringify({ ...record, id: 'api-test-2', services: [] })}\n`;
  const merged = await call('POST', '/v1/admin/catalog', {
    query: { mode: 'merge' }, body: lines, type: 'application/x-ndjson', token: bureau, expect: 200,
  });
  assert.equal(merged.data.added, 2);
  const bad = await call('POST', '/v1/admin/catalog', {
    body: `${JSON.stringify(record)}\n{"id":\n`, type: 'application/x-ndjson', token: bureau, expect: 400,
  });
  assert.match(bad.data.error.message, /line 2/);
  await call('POST', '/v1/admin/catalog', {
    query: { mode: 'upsert' }, body: lines, type: 'application/x-ndjson', token: bureau, expect: 400,
  });
  await call('POST', '/v1/admin/catalog', { body: lines, type: 'application/json', token: bureau, expect: 415 });
  await call('POST', '/v1/admin/catalog', { body: lines, type: 'application/x-ndjson', expect: 401 });
  // The catalog as GET /v1/complexes shows it is a catalog to import again.
  const { complexes } = (await call('GET', '/v1/complexes', { expect: 200 })).data;
  const replaced = await call('POST', '/v1/admin/catalog', {
    query: { mode: 'replace' },
    body: complexes.filter((c) => !c.id.startsWith('api-test')).map((c) => JSON.stringify(c)).join('\n'),
    type: 'application/jsonl',
    token: bureau,
    expect: 200,
  });
  assert.equal(replaced.data.removed, 2);
});

test('the bureau reloads the configuration, retrains, and backs up', async () => {
  await call('POST', '/v1/admin/reload-config', { token: bureau, expect: 200 });
  const scoring = path.join(server.dir, 'scoring.toml');
  const good = readFileSync(scoring, 'utf8');
  writeFileSync(scoring, `${good}\n[weights]\nno_such_weight = 1\n`);
  try {
    await call('POST', '/v1/admin/reload-config', { token: bureau, expect: 400 });
  } finally {
    writeFileSync(scoring, good);
  }
  await call('POST', '/v1/admin/reload-config', { token: state.xToken, expect: 403 });

  const model = await call('GET', '/v1/admin/intent-model', { token: bureau, expect: 200 });
  assert.ok(model.data.intent_model.examples > 0);
  await call('GET', '/v1/admin/intent-model', { expect: 401 });
  const broken = path.join(server.dir, 'intent', '99-broken.jsonl');
  writeFileSync(broken, '{"text": "没有类型"\n');
  try {
    await call('POST', '/v1/admin/intent-model/retrain', { token: bureau, expect: 400 });
  } finally {
    rmSync(broken);
  }
  const retrained = await call('POST', '/v1/admin/intent-model/retrain', { token: bureau, expect: 200 });
  assert.equal(retrained.data.intent_model.version, model.data.intent_model.version);
  await call('POST', '/v1/admin/intent-model/retrain', { token: state.xToken, expect: 403 });

  const refit = await call('POST', '/v1/admin/text-model/refit', { token: bureau, expect: 200 });
  assert.ok(refit.data.text_model.services > 0);
  await call('POST', '/v1/admin/text-model/refit', { expect: 401 });

  await call('POST', '/v1/admin/backup', { token: bureau, expect: 201 });
  const named = await call('POST', '/v1/admin/backup', { json: { name: 'api-1' }, token: bureau, expect: 201 });
  assert.equal(named.data.name, 'api-1');
  await call('POST', '/v1/admin/backup', { json: { name: 'api-1' }, token: bureau, expect: 409 });
  await call('POST', '/v1/admin/backup', { json: { name: '../outside' }, token: bureau, expect: 400 });
  await call('POST', '/v1/admin/backup', { body: 'x', type: 'text/plain', token: bureau, expect: 415 });
  await call('POST', '/v1/admin/backup', { expect: 401 });
});

test('the bureau\'s desk: config versions, the audit log, what-if, learned weights, why-not', async () => {
  const history = await call('GET', '/v1/admin/config-versions', { token: bureau, expect: 200 });
  assert.equal(history.data.versions[0].source, 'start');
  const first = await call('GET', '/v1/admin/config-versions/{seq}', { params: { seq: 1 }, token: bureau, expect: 200 });
  await call('GET', '/v1/admin/config-versions/{seq}', { params: { seq: 999 }, token: bureau, expect: 404 });
  await call('GET', '/v1/admin/config-versions/{seq}', { params: { seq: 'first' }, token: bureau, expect: 404 });

  const active = first.data.toml;
  const draft = active.replace(/^region = .*$/m, 'region = 2.5');
  assert.notEqual(draft, active);
  const applied = await call('POST', '/v1/admin/config-versions', {
    json: { toml: draft, reason: 'region counts more' }, token: bureau, expect: 201,
  });
  assert.equal(applied.data.source, 'api');
  assert.match(applied.data.diff, /^\+ region = 2\.5$/m);
  const broken = await call('POST', '/v1/admin/config-versions', {
    json: { toml: `${draft}\n[nonsense]\nx = 1\n` }, token: bureau, expect: 400,
  });
  assert.equal(broken.data.error.field, 'toml');
  await call('POST', '/v1/admin/config-versions', { json: { reason: 'no text' }, token: bureau, expect: 400 });
  await call('POST', '/v1/admin/config-versions', { body: draft, type: 'text/plain', token: bureau, expect: 415 });
  const back = await call('POST', '/v1/admin/config-versions/{seq}/rollback', {
    params: { seq: 1 }, json: { reason: 'too strong' }, token: bureau, expect: 200,
  });
  assert.equal(back.data.source, 'rollback');
  await call('POST', '/v1/admin/config-versions/{seq}/rollback', { params: { seq: applied.data.seq }, token: bureau, expect: 200 });
  await call('POST', '/v1/admin/config-versions/{seq}/rollback', { params: { seq: 999 }, token: bureau, expect: 404 });
  await call('POST', '/v1/admin/config-versions/{seq}/rollback', {
    params: { seq: 1 }, json: { reason: 7 }, token: bureau, expect: 400,
  });
  await call('POST', '/v1/admin/config-versions/{seq}/rollback', { params: { seq: 1 }, token: bureau, expect: 200 });

  const audit = await call('GET', '/v1/admin/audit', { token: bureau, expect: 200 });
  const actions = new Set(audit.data.entries.map((e) => e.action));
  // The bureau erased one need; its second DELETE (of an erased need, 409) erased nothing.
  assert.deepEqual(audit.data.entries.filter((e) => e.action === 'need.erase').map((e) => e.target), [state.open.id]);
  for (const action of ['config.apply', 'config.rollback', 'catalog.put', 'catalog.delete', 'catalog.import', 'backup',
    'intent_model.retrain', 'token.issue', 'token.revoke', 'need.erase']) {
    assert.ok(actions.has(action), `no ${action} in the audit log`);
  }
  const later = await call('GET', '/v1/admin/audit', { query: { after: audit.data.entries[2].seq }, token: bureau, expect: 200 });
  assert.equal(later.data.entries[0].seq, audit.data.entries[3].seq);
  await call('GET', '/v1/admin/audit', { query: { after: 'now' }, token: bureau, expect: 400 });

  const same = await call('POST', '/v1/admin/what-if', { json: { toml: active }, token: bureau, expect: 200 });
  assert.equal(same.data.top1_changed_share, 0);
  assert.deepEqual(same.data.complexes, []);
  const moved = await call('POST', '/v1/admin/what-if', {
    json: { toml: draft.replace(/^region = .*$/m, 'region = 9'), last_n: 10, from_unix_ms: 0 }, token: bureau, expect: 200,
  });
  assert.ok(moved.data.needs > 0);
  await call('POST', '/v1/admin/what-if', { json: { toml: 'weights = 1' }, token: bureau, expect: 400 });
  await call('POST', '/v1/admin/what-if', { json: { toml: active, last_n: -1 }, token: bureau, expect: 400 });

  const learned = await call('POST', '/v1/admin/learned-weights', { token: bureau, expect: 200 });
  assert.ok(learned.data.training.needs >= 1);
  await call('POST', '/v1/admin/learned-weights', { json: { last_n: 50 }, token: bureau, expect: 200 });
  await call('POST', '/v1/admin/learned-weights', { json: { from_unix_ms: 1, to_unix_ms: 2 }, token: bureau, expect: 400 });

  const stored = await call('POST', '/v1/admin/why-not', {
    json: { need_id: state.need.id, complex_id: state.y.id }, token: bureau, expect: 200,
  });
  assert.equal(stored.data.complex_id, state.y.id);
  const given = await call('POST', '/v1/admin/why-not', {
    json: { need: { description: 'CE marking and EMC tests for circuit breakers' }, k: 3, filters: { counties: ['lucheng'] },
      capability_id: state.services.b },
    token: bureau,
    expect: 200,
  });
  assert.ok(given.data.reasons.length > 0 || given.data.in_top_k);
  await call('POST', '/v1/admin/why-not', {
    json: { need_id: state.need.id, complex_id: state.x.id, capability_id: state.services.a }, token: bureau, expect: 400,
  });
  await call('POST', '/v1/admin/why-not', { json: { complex_id: state.x.id }, token: bureau, expect: 400 });
  await call('POST', '/v1/admin/why-not', {
    json: { need_id: state.need.id, capability_id: `${state.x.id}/no-such-service` }, token: bureau, expect: 404,
  });
  await call('POST', '/v1/admin/why-not', {
    json: { need_id: 'need-000000000000000000000000', complex_id: state.x.id }, token: bureau, expect: 404,
  });
  const erased = await call('POST', '/v1/admin/why-not', {
    json: { need_id: state.doomed.id, complex_id: state.x.id }, token: bureau, expect: 409,
  });
  assert.equal(erased.data.error.state, 'deleted');

  const x = { id: state.x.id };
  const own = await call('POST', '/v1/complexes/{id}/why-not', {
    params: x, json: { need_id: state.need.id, capability_id: state.services.c, k: 1 }, token: state.xToken, expect: 200,
  });
  assert.equal(own.data.capability_id, state.services.c);
  await call('POST', '/v1/complexes/{id}/why-not', {
    params: x, json: { need_id: state.need.id, complex_id: state.x.id }, token: bureau, expect: 200,
  });
  await call('POST', '/v1/complexes/{id}/why-not', {
    params: x, json: { need_id: state.need.id, complex_id: state.y.id }, token: state.xToken, expect: 403,
  });
  await call('POST', '/v1/complexes/{id}/why-not', {
    params: { id: state.y.id }, json: { need_id: state.need.id, complex_id: state.y.id }, token: state.xToken, expect: 403,
  });
  await call('POST', '/v1/complexes/{id}/why-not', {
    params: x, json: { need_id: state.need.id, complex_id: state.x.id }, token: state.need.access_token, expect: 403,
  });
  await call('POST', '/v1/complexes/{id}/why-not', { params: x, json: { need_id: state.need.id }, token: state.xToken, expect: 400 });
  await call('POST', '/v1/complexes/{id}/why-not', {
    params: x, json: { need_id: state.doomed.id, complex_id: state.x.id }, token: state.xToken, expect: 409,
  });
  await call('POST', '/v1/complexes/{id}/why-not', {
    params: x, json: { need_id: 'need-000000000000000000000000', complex_id: state.x.id }, token: state.xToken, expect: 404,
  });
  await call('POST', '/v1/complexes/{id}/why-not', { params: x, body: 'x', type: 'text/plain', token: state.xToken, expect: 415 });
});

test('the security the document gives each route is the one the server enforces', async () => {
  const params = {
    id: state.need.id, action: 'withdraw', seq: '1',
  };
  const idFor = (template) => {
    if (template.startsWith('/v1/requests/')) return { id: state.requests.rc, action: 'withdraw' };
    if (template.startsWith('/v1/complexes/')) return { id: state.x.id };
    if (template.startsWith('/v1/admin/config-versions/')) return { seq: '1' };
    if (template.startsWith('/v1/admin/complex-tokens/')) return { id: 'ctk-0000000000000000' };
    return params;
  };
  for (const key of contract.operations()) {
    const [method, template] = key.split(' ');
    const { op } = contract.operation(method, template);
    const schemes = op.security.map((s) => Object.keys(s).join('+'));
    if (schemes.includes('')) continue;  // a public route
    // Every other route: 401 without a token (sent with a JSON body where it
    // reads one: the Content-Type is judged first).
    const json = op.requestBody && contract.resolve(op.requestBody).content['application/json'] ? {} : undefined;
    await call(method, template, { params: idFor(template), json, expect: 401 });
    if (schemes.length === 1 && schemes[0] === 'bureauToken') {
      // The bureau's alone: any other token is 403, however well it is made.
      await call(method, template, { params: idFor(template), json, token: state.xToken, expect: 403 });
      await call(method, template, { params: idFor(template), json, token: state.need.access_token, expect: 403 });
    }
  }
  // A malformed Idempotency-Key is refused where the document takes one.
  await call('POST', '/v1/needs/{id}/withdraw', {
    params: { id: state.need.id }, token: state.need.access_token, headers: { 'Idempotency-Key': 'k'.repeat(256) }, expect: 400,
  });
  await call('DELETE', '/v1/needs/{id}', {
    params: { id: state.need.id }, token: state.need.access_token, headers: { 'Idempotency-Key': 'two words' }, expect: 400,
  });
});

test('the HTTP layer: unknown paths, wrong methods, OPTIONS', async () => {
  const unknown = await call('GET', '/v1/nothing-here', { expect: 404, unchecked: true });
  contract.assertSchema('NotFoundError', JSON.parse(unknown.text), 'GET /v1/nothing-here');
  // Each documented path with its ids filled in: OPTIONS names exactly the
  // document's methods, and another method is 405 with the same Allow.
  const ids = {
    '/v1/needs/{id}': { id: state.need.id },
    '/v1/requests/{id}/{action}': { id: state.requests.ra, action: 'accept' },
  };
  for (const [template, item] of Object.entries(contract.doc.paths)) {
    const params = ids[template] || Object.fromEntries([...template.matchAll(/\{(\w+)\}/g)].map(([, n]) => [n, 'x']));
    const documented = ['get', 'put', 'post', 'delete', 'patch'].filter((m) => item[m]).map((m) => m.toUpperCase());
    // HEAD is answered wherever GET is (the document's HTTP layer section).
    if (item.get) documented.push('HEAD');
    const options = await call('OPTIONS', template, { params, expect: 204, unchecked: true });
    const allow = options.headers.get('allow').split(',').map((m) => m.trim()).sort();
    assert.deepEqual(allow, [...documented].sort(), `OPTIONS ${template}`);
    const other = ['PATCH', 'PUT', 'DELETE', 'POST'].find((m) => !documented.includes(m));
    const refused = await call(other, template, { params, expect: 405, unchecked: true });
    assert.equal(refused.headers.get('allow'), options.headers.get('allow'));
    contract.assertSchema('Error', JSON.parse(refused.text), `${other} ${template}`);
    assert.equal(JSON.parse(refused.text).error.code, 'method_not_allowed');
  }
});

test('the server\'s routes, the document\'s and the ones driven here are the same', async (t) => {
  const metrics = (await call('GET', '/metrics', { expect: 200 })).text;
  const served = new Set();
  for (const match of metrics.matchAll(/^iisc_http_requests_total\{method="([A-Z]+)",route="([^"]+)"/gm)) {
    served.add(`${match[1]} ${match[2]}`);
  }
  const documented = contract.operations();
  assert.deepEqual([...served].sort(), documented, 'the server\'s routes (in /metrics) differ from the document\'s');
  const driven = [...contract.exercised.keys()].sort();
  assert.deepEqual(driven, documented, 'routes documented but never driven, or driven but not documented');
  for (const [key, statuses] of contract.exercised) {
    assert.ok([...statuses].some((s) => s >= 200 && s < 300), `${key} never answered with success`);
  }
  // For the reader: the answers documented that no request here provoked
  // (shed load, full connections and internal failures, mostly).
  const unseen = [];
  for (const key of documented) {
    const [method, template] = key.split(' ');
    const { op } = contract.operation(method, template);
    const missing = Object.keys(op.responses).filter((s) => s !== 'default' && !contract.exercised.get(key).has(Number(s)));
    if (missing.length) unseen.push(`${key}: ${missing.join(' ')}`);
  }
  t.diagnostic('documented answers not provoked here:');
  for (const line of unseen) t.diagnostic(`  ${line}`);
});

test('a client past the rate limit gets 429 with Retry-After; /healthz is exempt', async () => {
  // A few clients in a loop until the server says no (or 4,000 requests).
  const url = new URL('/v1/taxonomy', server.baseUrl);
  let limited = null;
  let sent = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (!limited && sent < 4000) {
      sent += 1;
      const r = await fetch(url);
      const text = await r.text();
      if (r.status === 429 && !limited) limited = { r, text };
    }
  }));
  assert.ok(limited, `no 429 after ${sent} requests`);
  contract.check({
    method: 'GET', template: '/v1/taxonomy', url: new URL('/v1/taxonomy', server.baseUrl), status: 429,
    headers: limited.r.headers, text: limited.text,
  });
  await call('GET', '/healthz', { expect: 200 });
});
