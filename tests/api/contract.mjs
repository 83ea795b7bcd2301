// Holds real answers against the OpenAPI description: for a (method, path
// template) the document must have the operation, the answer's status must be
// one the operation lists (explicitly: `default` does not count), its
// Content-Type one of that response's media types, its body valid against the
// schema (each line, for JSON Lines), the headers the response requires
// present and valid, and the API's own headers present only where documented.
// What was sent is checked too: query parameters the operation names, and,
// when the server took it (2xx), a body that the request's schema accepts.
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';

const BASE = 'https://iisc.invalid/openapi.json';
// Headers the API sets on purpose: present only where the document says.
const API_HEADERS = ['location', 'idempotent-replayed', 'www-authenticate', 'retry-after', 'allow'];

function unescapePointer(part) {
  return part.replace(/~1/g, '/').replace(/~0/g, '~');
}

function mediaType(contentType) {
  return (contentType || '').split(';')[0].trim().toLowerCase();
}

// A copy of `schema` whose local references point into the document.
function anchored(schema) {
  if (Array.isArray(schema)) return schema.map(anchored);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#/')
      ? BASE + value : anchored(value);
  }
  return out;
}

export class Contract {
  constructor(doc) {
    this.doc = doc;
    // Strict, but `required` may name a property that an allOf's schema
    // defines (a plan is an AssignmentPlan that must have its pairs).
    this.ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
    // The document's schemas, reachable as BASE#/components/schemas/...;
    // "components" holds schemas but is no keyword of JSON Schema.
    this.ajv.addKeyword({ keyword: 'components' });
    this.ajv.addSchema({ $id: BASE, components: { schemas: doc.components.schemas } });
    this.compiled = new Map();
    this.exercised = new Map();  // "METHOD template" -> Set of statuses
  }

  // Follows an OpenAPI reference (#/components/...) to its object.
  resolve(object) {
    let current = object;
    while (current && typeof current.$ref === 'string') {
      assert.ok(current.$ref.startsWith('#/'), `unsupported reference ${current.$ref}`);
      current = current.$ref.slice(2).split('/').map(unescapePointer)
        .reduce((node, part) => node?.[part], this.doc);
      assert.ok(current, `dangling reference ${object.$ref}`);
    }
    return current;
  }

  validator(schema) {
    const key = JSON.stringify(schema);
    if (!this.compiled.has(key)) this.compiled.set(key, this.ajv.compile(anchored(schema)));
    return this.compiled.get(key);
  }

  assertValid(schema, value, what) {
    const validate = this.validator(schema);
    if (!validate(value)) {
      assert.fail(`${what} does not match the document:\n${JSON.stringify(validate.errors, null, 2)}\n` +
        `value: ${JSON.stringify(value).slice(0, 2000)}`);
    }
  }

  // A component schema by name, e.g. for the answers the HTTP layer gives
  // outside any operation (404 for an unknown path, 405).
  assertSchema(name, value, what) {
    assert.ok(this.doc.components.schemas[name], `no schema ${name}`);
    this.assertValid({ $ref: `#/components/schemas/${name}` }, value, what);
  }

  operation(method, template) {
    const item = this.doc.paths[template];
    assert.ok(item, `${template} is not in the document`);
    const op = item[method.toLowerCase()];
    assert.ok(op, `${method} ${template} is not in the document`);
    return { item, op };
  }

  // `call`: { method, template, url (a URL), requestBody (the text sent),
  // requestType, status, headers (a Headers), text (the body) }.
  check(call) {
    const { method, template, status } = call;
    const what = `${method} ${template} → ${status}`;
    const { item, op } = this.operation(method, template);
    const key = `${method} ${template}`;
    if (!this.exercised.has(key)) this.exercised.set(key, new Set());
    this.exercised.get(key).add(status);

    // What was sent.
    const parameters = [...(item.parameters || []), ...(op.parameters || [])].map((p) => this.resolve(p));
    for (const [name, raw] of call.url.searchParams) {
      const parameter = parameters.find((p) => p.in === 'query' && p.name === name);
      assert.ok(parameter, `${what}: query parameter ${name} is not in the document`);
      if (status >= 200 && status < 300) {
        const type = parameter.schema.type;
        const value = type === 'integer' || type === 'number' ? Number(raw) : raw;
        this.assertValid(parameter.schema, value, `${what}: query parameter ${name}`);
      }
    }
    if (status >= 200 && status < 300) {
      if (call.requestBody !== undefined && call.requestBody !== '') {
        assert.ok(op.requestBody, `${what}: a body was sent but the operation takes none`);
        const body = this.resolve(op.requestBody);
        const media = body.content[mediaType(call.requestType)];
        assert.ok(media, `${what}: the request's Content-Type ${call.requestType} is not in the document`);
        if (media['x-item-schema']) {
          for (const line of call.requestBody.split('\n').filter((l) => l.trim() !== '')) {
            this.assertValid(media['x-item-schema'], JSON.parse(line), `${what}: a line of the request`);
          }
        } else {
          this.assertValid(media.schema, JSON.parse(call.requestBody), `${what}: the request body`);
        }
      } else if (op.requestBody) {
        assert.equal(this.resolve(op.requestBody).required, false,
          `${what}: the server took no body where the document requires one`);
      }
    }

    // What came back.
    const documented = op.responses[String(status)];
    assert.ok(documented, `${what}: status ${status} is not documented (${call.text.slice(0, 300)})`);
    const response = this.resolve(documented);
    for (const name of API_HEADERS) {
      if (call.headers.has(name)) {
        const listed = Object.keys(response.headers || {}).some((h) => h.toLowerCase() === name);
        assert.ok(listed, `${what}: the answer has ${name} but the document does not list it`);
      }
    }
    for (const [name, header] of Object.entries(response.headers || {})) {
      const resolved = this.resolve(header);
      const value = call.headers.get(name);
      if (value === null) {
        assert.ok(!resolved.required, `${what}: header ${name} is required but absent`);
        continue;
      }
      this.assertValid(resolved.schema, value, `${what}: header ${name}`);
    }
    if (!response.content) {
      assert.equal(call.text, '', `${what}: the document gives no body, the server sent one`);
      return;
    }
    const type = mediaType(call.headers.get('content-type'));
    const media = response.content[type];
    assert.ok(media, `${what}: Content-Type ${type} is not one of ${Object.keys(response.content)}`);
    if (type === 'application/json') {
      let body;
      try {
        body = JSON.parse(call.text);
      } catch (e) {
        assert.fail(`${what}: the body is not JSON: ${call.text.slice(0, 200)}`);
      }
      this.assertValid(media.schema, body, what);
      return body;
    }
    if (media['x-item-schema']) {
      this.assertValid(media.schema, call.text, what);
      assert.ok(call.text === '' || call.text.endsWith('\n'), `${what}: the last line has no newline`);
      const lines = call.text.split('\n').slice(0, -1).map((line) => JSON.parse(line));
      for (const line of lines) this.assertValid(media['x-item-schema'], line, `${what}: a line`);
      return lines;
    }
    this.assertValid(media.schema, call.text, what);
    return call.text;
  }

  // Every (METHOD, template) the document has.
  operations() {
    const out = [];
    for (const [template, item] of Object.entries(this.doc.paths)) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']) {
        if (item[method]) out.push(`${method.toUpperCase()} ${template}`);
      }
    }
    return out.sort();
  }
}
