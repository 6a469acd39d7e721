#!/usr/bin/env node
// Self-test of the validating proxy: a scripted fake upstream (node http),
// the proxy in-process (plus one spawned CLI run), canned good and bad
// exchanges, asserted violations. Output: TAP. Exit 0 iff every test passes.
//
//   node selftest.mjs [--spec FILE] [--verbose]
//
// FILE defaults to $PB_TRIPLETEX_SPEC, else specs/tripletex-openapi.json
// next to this file.
//
// Timings are printed as TAP comments ("# timing: ...").

import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startProxy, ContractChecker, loadSpec, redactQuery, redactTarget } from './validating-proxy.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function args(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--spec') o.spec = argv[++i];
    else if (argv[i].startsWith('--spec=')) o.spec = argv[i].slice(7);
    else if (argv[i] === '--verbose') o.verbose = true;
    else {
      process.stdout.write(`1..0 # SKIP bad argument ${argv[i]} (usage: node selftest.mjs [--spec FILE] [--verbose])\n`);
      process.exit(2);
    }
  }
  if (!o.spec) o.spec = process.env.PB_TRIPLETEX_SPEC || path.join(here, 'specs', 'tripletex-openapi.json');
  return o;
}

const opt = args(process.argv.slice(2));
if (!fs.existsSync(opt.spec)) {
  if (process.env.PB_REQUIRE_ALL) {
    process.stdout.write(`1..1\nnot ok 1 - OpenAPI document not found (${opt.spec}) (PB_REQUIRE_ALL is set)\n`);
    process.exit(1);
  }
  process.stdout.write(`1..0 # SKIP OpenAPI document not found (${opt.spec})\n`);
  process.exit(0);
}

// ---------------------------------------------------------------------------
// Fake upstream: answers whatever the current test scripted.

let script = null; // {status, headers, body (string|Buffer|object)}
let received = null; // what the upstream saw last
const upstream = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    received = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) };
    const a = script || { status: 500, body: { status: 500, code: 1000, message: 'no script' } };
    let body = a.body;
    const headers = { ...(a.headers || {}) };
    if (body !== undefined && !Buffer.isBuffer(body) && typeof body !== 'string') {
      body = JSON.stringify(body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json; charset=utf-8';
    }
    res.writeHead(a.status, headers);
    res.end(body);
  });
});

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

const agent = new http.Agent({ keepAlive: true });
function request(base, method, target, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    let payload = body;
    const h = { ...headers };
    if (payload !== undefined && !Buffer.isBuffer(payload) && typeof payload !== 'string') {
      payload = JSON.stringify(payload);
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json; charset=utf-8';
    }
    if (payload !== undefined) h['Content-Length'] = Buffer.byteLength(payload);
    const req = http.request({ host: u.hostname, port: u.port, method, path: target, headers: h, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

// ---------------------------------------------------------------------------
// Canned payloads

const AUTH = { Authorization: 'Basic ' + Buffer.from('0:test-session-token-SECRET1').toString('base64') };
const employee = (over = {}) => ({
  id: 7,
  version: 1,
  url: 'sandbox/v2/employee/7',
  firstName: 'Kari',
  lastName: 'Nordmann',
  displayName: 'Kari Nordmann',
  employeeNumber: '7',
  dateOfBirth: '1980-01-31',
  email: 'kari@example.invalid',
  phoneNumberMobile: null,
  department: { id: 1, url: 'sandbox/v2/department/1' },
  employments: [],
  ...over,
});
const listOf = (values) => ({ fullResultSize: values.length, from: 0, count: values.length, versionDigest: null, values });
const apiError = (status, over = {}) => ({
  status,
  code: 18000,
  message: 'Validering feilet.',
  link: 'https://tripletex.no/v2-docs/',
  developerMessage: null,
  validationMessages: [{ field: 'email', message: 'Ugyldig e-post', path: 'email', rootId: null }],
  requestId: '9b1c3f1e-0000-4000-8000-000000000000',
  ...over,
});

// ---------------------------------------------------------------------------
// Tests

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const diag = [];
const note = (s) => diag.push(s);

class Fail extends Error {}
function assert(cond, msg) {
  if (!cond) throw new Fail(msg);
}
function vs(report, dir) {
  return dir ? report.violations.filter((v) => v.direction === dir) : report.violations;
}
function show(report) {
  return JSON.stringify(report.violations.map((v) => `${v.direction} ${v.where}: ${v.message}`));
}
function expectCount(report, n, dir) {
  const got = vs(report, dir).length;
  assert(got === n, `expected ${n} ${dir || ''} violation(s), got ${got}: ${show(report)}`);
}

let P; // proxy handle
let logged = []; // proxy's stderr lines
async function getReport() {
  const r = await request(P.url, 'GET', '/_contract/report');
  assert(r.status === 200, `report status ${r.status}`);
  return JSON.parse(r.body.toString());
}
async function reset() {
  const r = await request(P.url, 'POST', '/_contract/reset');
  assert(r.status === 200, `reset status ${r.status}`);
}
/** One exchange through the proxy with a fresh report. */
async function exchange(method, target, { headers = AUTH, body, answer } = {}) {
  await reset();
  script = answer;
  received = null;
  const res = await request(P.url, method, target, { headers, body });
  const report = await getReport();
  return { res, report };
}

test('GET /v2/employee?count=10 answered with a valid ListResponseEmployee: 0 violations', async () => {
  const { res, report } = await exchange('GET', '/v2/employee?count=10&fields=*', {
    answer: { status: 200, body: listOf([employee(), employee({ id: 8, email: null, changes: [] })]) },
  });
  assert(res.status === 200, `status ${res.status}`);
  expectCount(report, 0);
  assert(report.requests === 1, `requests ${report.requests}`);
  assert(report.operations['GET /employee'] === 1, `operations ${JSON.stringify(report.operations)}`);
});

test('exchange is forwarded unchanged (method, path, query, headers, body; status, headers, body back)', async () => {
  const reqBody = '{"firstName":"A","lastName":"B"}';
  const answerBody = Buffer.from(JSON.stringify({ value: employee({ id: 99, firstName: 'A', lastName: 'B' }) }));
  const { res } = await exchange('POST', '/v2/employee?fields=id,firstName', {
    headers: { ...AUTH, 'X-Pb-Trace': 'abc', 'Content-Type': 'application/json; charset=utf-8' },
    body: reqBody,
    answer: { status: 201, headers: { 'Content-Type': 'application/json;charset=UTF-8', 'X-Tlx-Request-Id': 'rid-1' }, body: answerBody },
  });
  assert(received, 'upstream saw nothing');
  assert(received.method === 'POST', `method ${received.method}`);
  assert(received.url === '/v2/employee?fields=id,firstName', `url ${received.url}`);
  assert(received.headers['x-pb-trace'] === 'abc', 'custom request header lost');
  assert(received.headers.authorization === AUTH.Authorization, 'Authorization header lost');
  assert(received.headers['content-type'] === 'application/json; charset=utf-8', 'content-type changed');
  assert(received.body.toString() === reqBody, 'request body changed');
  assert(res.status === 201, `status ${res.status}`);
  assert(res.headers['x-tlx-request-id'] === 'rid-1', 'response header lost');
  assert(res.headers['content-type'] === 'application/json;charset=UTF-8', 'response content-type changed');
  assert(Buffer.compare(res.body, answerBody) === 0, 'response body changed');
});

test('POST /v2/employee {"firstName","lastName","emial"}: 1 request violation naming emial', async () => {
  const { report } = await exchange('POST', '/v2/employee', {
    body: { firstName: 'A', lastName: 'B', emial: 'x' },
    answer: { status: 201, body: { value: employee({ firstName: 'A', lastName: 'B' }) } },
  });
  expectCount(report, 1);
  const v = report.violations[0];
  assert(v.direction === 'request', `direction ${v.direction}`);
  assert(v.where === '/body/emial' && /emial/.test(v.message), `violation ${JSON.stringify(v)}`);
  assert(v.method === 'POST' && v.path === '/v2/employee' && v.status === 201, `context ${JSON.stringify(v)}`);
});

test('response with an unknown property: 1 response violation', async () => {
  const { report } = await exchange('GET', '/v2/employee/7', {
    answer: { status: 200, body: { value: employee({ firstname: 'typo' }) } },
  });
  expectCount(report, 1);
  const v = report.violations[0];
  assert(v.direction === 'response' && v.where === '/body/value/firstname', JSON.stringify(v));
});

test('unknown property nested in a list item is found (deep, through $ref)', async () => {
  const { report } = await exchange('GET', '/v2/employee', {
    answer: { status: 200, body: listOf([employee({ department: { id: 1, colour: 'red' } })]) },
  });
  expectCount(report, 1, 'response');
  assert(report.violations[0].where === '/body/values/0/department/colour', show(report));
});

test('undeclared query parameter: violation', async () => {
  const { report } = await exchange('GET', '/v2/employee?count=10&pageSize=5', { answer: { status: 200, body: listOf([]) } });
  expectCount(report, 1);
  assert(report.violations[0].where === '/query/pageSize', show(report));
});

test('query parameter of the wrong type (count=ten, includeContacts=yes): violations', async () => {
  const { report } = await exchange('GET', '/v2/employee?count=ten&includeContacts=yes', { answer: { status: 200, body: listOf([]) } });
  expectCount(report, 2);
  assert(report.violations.some((v) => v.where === '/query/count'), show(report));
  assert(report.violations.some((v) => v.where === '/query/includeContacts'), show(report));
});

test('query parameter outside its enum: violation', async () => {
  const { report } = await exchange('GET', '/v2/ledger/account?ledgerType=SALARY', { answer: { status: 200, body: listOf([]) } });
  expectCount(report, 1);
  assert(report.violations[0].where === '/query/ledgerType' && /one of/.test(report.violations[0].message), show(report));
});

test('PUT /token/session/:create: missing required query parameter is a violation', async () => {
  const { report } = await exchange('PUT', '/v2/token/session/:create?consumerToken=test-CONSUMER-SECRET2&employeeToken=test-EMPLOYEE-SECRET3', {
    headers: {},
    answer: { status: 200, body: { value: { id: 1, version: 0, token: 'test-SESSION-SECRET4', expirationDate: '2031-01-01' } } },
  });
  expectCount(report, 1);
  assert(report.violations[0].where === '/query/expirationDate', show(report));
  assert(report.operations['PUT /token/session/:create'] === 1, JSON.stringify(report.operations));
});

test('PUT /token/session/:create, complete: 0 violations; no secret in report or log', async () => {
  logged = [];
  const { report } = await exchange('PUT', '/v2/token/session/:create?consumerToken=test-CONSUMER-SECRET5&employeeToken=test-EMPLOYEE-SECRET6&expirationDate=2031-01-01&bogusKey=SECRET7', {
    headers: { Authorization: 'Basic ' + Buffer.from('0:SECRET8').toString('base64') },
    answer: { status: 200, body: { value: { id: 1, version: 0, token: 'test-SESSION-SECRET9', expirationDate: '2031-01-01' } } },
  });
  expectCount(report, 1); // bogusKey is undeclared
  const all = JSON.stringify(report) + logged.join('\n');
  assert(logged.length > 0, 'the violation was not logged');
  assert(!/SECRET/.test(all), `secret leaked: ${all}`);
  assert(!all.includes(Buffer.from('0:SECRET8').toString('base64')), 'Authorization leaked');
});

test('DELETE /token/session/{token}: the token path segment is redacted', async () => {
  logged = [];
  const { report } = await exchange('DELETE', '/v2/token/session/test-SESSION-SECRET10?bogus=1', { answer: { status: 204 } });
  expectCount(report, 1);
  assert(report.violations[0].path === '/v2/token/session/***', JSON.stringify(report.violations[0]));
  assert(!/SECRET/.test(JSON.stringify(report) + logged.join('\n')), 'token leaked');
  assert(report.operations['DELETE /token/session/{token}'] === 1, JSON.stringify(report.operations));
});

test('redactQuery / redactTarget hide token, secret, password and key values', async () => {
  const q = redactQuery('consumerToken=a1&employeeToken=b2&clientSecret=c3&password=d4&apiKey=e5&count=10');
  assert(q === 'consumerToken=***&employeeToken=***&clientSecret=***&password=***&apiKey=***&count=10', q);
  const t = redactTarget('/v2/token/session/:create?employeeToken=x&from=0');
  assert(t === '/v2/token/session/:create?employeeToken=***&from=0', t);
});

test('422 answered with a valid ApiError: 0 violations', async () => {
  const { res, report } = await exchange('POST', '/v2/employee', {
    body: { firstName: 'A', lastName: 'B', email: 'not-an-email' },
    answer: { status: 422, body: apiError(422) },
  });
  assert(res.status === 422, `status ${res.status}`);
  expectCount(report, 0);
});

test('401/404/409/429/500 with valid ApiError bodies: 0 violations', async () => {
  for (const [status, code] of [[401, 3000], [404, 6000], [409, 8000], [429, 0], [500, 1000]]) {
    const { report } = await exchange('GET', '/v2/employee/7', { answer: { status, body: apiError(status, { code, validationMessages: null }) } });
    assert(report.violations.length === 0, `${status}: ${show(report)}`);
  }
});

test('error answered with a body that is not an ApiError: violation', async () => {
  const { report } = await exchange('GET', '/v2/employee/7', { answer: { status: 404, body: { error: 'not found', status: 404 } } });
  expectCount(report, 1, 'response');
  assert(report.violations[0].where === '/body/error', show(report));
});

test('ApiError.status differing from the HTTP status: violation', async () => {
  const { report } = await exchange('GET', '/v2/employee/7', { answer: { status: 409, body: apiError(422) } });
  expectCount(report, 1, 'response');
  assert(report.violations[0].where === '/body/status', show(report));
});

test('error body that is not JSON: violation', async () => {
  const { report } = await exchange('GET', '/v2/employee/7', { answer: { status: 500, headers: { 'Content-Type': 'text/html' }, body: '<h1>Oops</h1>' } });
  assert(report.violations.length >= 1 && report.violations.some((v) => /not valid JSON/.test(v.message)), show(report));
});

test('2xx body that is not JSON: violation', async () => {
  const { report } = await exchange('GET', '/v2/employee/7', {
    answer: { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{"value": {"id": 7,}' },
  });
  expectCount(report, 1, 'response');
  assert(/not valid JSON/.test(report.violations[0].message), show(report));
});

test('unknown path: violation, still forwarded', async () => {
  const { res, report } = await exchange('GET', '/v2/employees/7', { answer: { status: 404, body: apiError(404, { code: 6000 }) } });
  assert(res.status === 404 && received && received.url === '/v2/employees/7', 'not forwarded');
  expectCount(report, 1);
  assert(report.violations[0].direction === 'request' && /no path/.test(report.violations[0].message), show(report));
  assert(Object.keys(report.operations).length === 0, JSON.stringify(report.operations));
});

test('path outside the /v2 base path: violation', async () => {
  const { report } = await exchange('GET', '/employee', { answer: { status: 404, body: apiError(404) } });
  expectCount(report, 1);
  assert(/base path/.test(report.violations[0].message), show(report));
});

test('method not defined for the path (PATCH /v2/employee/7): violation', async () => {
  const { report } = await exchange('PATCH', '/v2/employee/7', { body: { firstName: 'A' }, answer: { status: 405, body: apiError(405) } });
  expectCount(report, 1);
  assert(/PATCH is not defined/.test(report.violations[0].message), show(report));
});

test('GET /v2/token/session/%3EwhoAmI matches GET /token/session/>whoAmI', async () => {
  const { report } = await exchange('GET', '/v2/token/session/%3EwhoAmI?fields=employeeId,companyId', {
    answer: { status: 200, body: { value: { employeeId: 7, actualEmployeeId: 7, companyId: 1, language: 'no' } } },
  });
  expectCount(report, 0);
  assert(report.operations['GET /token/session/>whoAmI'] === 1, JSON.stringify(report.operations));
  assert(received.url === '/v2/token/session/%3EwhoAmI?fields=employeeId,companyId', `forwarded as ${received.url}`);
});

test('templated path: /v2/employee/42 ok, /v2/employee/abc is a path-parameter violation, literal segments win', async () => {
  let { report } = await exchange('GET', '/v2/employee/42', { answer: { status: 200, body: { value: employee({ id: 42 }) } } });
  expectCount(report, 0);
  assert(report.operations['GET /employee/{id}'] === 1, JSON.stringify(report.operations));
  ({ report } = await exchange('GET', '/v2/employee/abc', { answer: { status: 404, body: apiError(404) } }));
  expectCount(report, 1);
  assert(report.violations[0].where === '/path/id', show(report));
  ({ report } = await exchange('GET', '/v2/employee/searchForEmployeesAndContacts', { answer: { status: 200, body: listOf([]) } }));
  assert(report.operations['GET /employee/searchForEmployeesAndContacts'] === 1, JSON.stringify(report.operations));
});

test('body on an operation without a requestBody: violation', async () => {
  const { report } = await exchange('GET', '/v2/employee', { body: { firstName: 'A' }, answer: { status: 200, body: listOf([]) } });
  expectCount(report, 1);
  assert(report.violations[0].where === '/body' && /no request body/.test(report.violations[0].message), show(report));
});

test('missing required request body: violation', async () => {
  const { report } = await exchange('POST', '/v2/employee', { answer: { status: 422, body: apiError(422) } });
  expectCount(report, 1);
  assert(/required/.test(report.violations[0].message), show(report));
});

test('request body that is not JSON: violation', async () => {
  const { report } = await exchange('POST', '/v2/employee', {
    headers: { ...AUTH, 'Content-Type': 'application/json' },
    body: '{firstName: A}',
    answer: { status: 422, body: apiError(422, { code: 22000 }) },
  });
  expectCount(report, 1);
  assert(/not valid JSON/.test(report.violations[0].message), show(report));
});

test('readOnly policy: read-only fields in a request body are violations, id/version are not', async () => {
  const { report } = await exchange('PUT', '/v2/employee/7', {
    body: { id: 7, version: 1, url: 'x', displayName: 'K N', firstName: 'Kari', department: { id: 2 } },
    answer: { status: 200, body: { value: employee() } },
  });
  expectCount(report, 2);
  const wheres = report.violations.map((v) => v.where).sort();
  assert(JSON.stringify(wheres) === '["/body/displayName","/body/url"]', show(report));
  assert(report.violations.every((v) => /read-only/.test(v.message)), show(report));
});

test('POST create body with id/version set ("Should not have ID and version set"): violation', async () => {
  const { report } = await exchange('POST', '/v2/employee', {
    body: { id: 5, firstName: 'A', lastName: 'B' },
    answer: { status: 201, body: { value: employee() } },
  });
  expectCount(report, 1);
  assert(report.violations[0].where === '/body/id', show(report));
});

test('secured operation without Authorization: violation', async () => {
  const { report } = await exchange('GET', '/v2/employee', { headers: {}, answer: { status: 401, body: apiError(401, { code: 3000 }) } });
  expectCount(report, 1);
  assert(report.violations[0].where === '/headers/authorization', show(report));
});

test('gzip-encoded response is checked and forwarded byte for byte', async () => {
  const gz = zlib.gzipSync(JSON.stringify({ value: employee({ nickname: 'K' }) }));
  const { res, report } = await exchange('GET', '/v2/employee/7', {
    headers: { ...AUTH, 'Accept-Encoding': 'gzip' },
    answer: { status: 200, headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: gz },
  });
  assert(Buffer.compare(res.body, gz) === 0 && res.headers['content-encoding'] === 'gzip', 'gzip body changed');
  expectCount(report, 1);
  assert(report.violations[0].where === '/body/value/nickname', show(report));
});

test('204 without a body: 0 violations', async () => {
  const { res, report } = await exchange('DELETE', '/v2/employee/category/3', { answer: { status: 204 } });
  assert(res.status === 204, `status ${res.status}`);
  expectCount(report, 0);
});

test('checker: 204 with a body, empty 200 where a body is documented, 2xx without Content-Type', async () => {
  const c = P.checker;
  const m = c.checkRequest({ method: 'GET', url: '/v2/employee/7', headers: { authorization: AUTH.Authorization } }).match;
  let v = c.checkResponse({ method: 'DELETE', match: m, status: 204, headers: {}, body: Buffer.from('{}') });
  assert(v.length === 1 && /204/.test(v[0].message), JSON.stringify(v));
  v = c.checkResponse({ method: 'GET', match: m, status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(0) });
  assert(v.length === 1 && /empty/.test(v[0].message), JSON.stringify(v));
  v = c.checkResponse({ method: 'GET', match: m, status: 200, headers: {}, body: Buffer.from('{"value":{"id":7}}') });
  assert(v.length === 1 && v[0].where === '/headers/content-type', JSON.stringify(v));
});

test('checker on a small document: writeOnly in responses, nullable, oneOf, strict nulls, formats', async () => {
  const doc = {
    openapi: '3.0.1',
    servers: [{ url: 'http://x/api' }],
    paths: {
      '/thing/{id}': {
        put: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', format: 'int32' } }],
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          responses: { default: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } } },
        },
      },
    },
    components: {
      schemas: {
        Thing: {
          type: 'object',
          properties: {
            id: { type: 'integer', format: 'int64', readOnly: true },
            secret: { type: 'string', writeOnly: true },
            when: { type: 'string', format: 'date-time' },
            n: { type: 'integer', format: 'int32' },
            shape: { oneOf: [{ $ref: '#/components/schemas/Circle' }, { $ref: '#/components/schemas/Square' }] },
          },
        },
        Circle: { type: 'object', properties: { r: { type: 'number' } }, required: ['r'] },
        Square: { type: 'object', properties: { side: { type: 'number' } }, required: ['side'] },
        ApiError: { type: 'object', properties: { status: { type: 'integer' } } },
      },
    },
  };
  const c = new ContractChecker(doc);
  const H = { 'content-type': 'application/json' };
  const req = (body, url = '/api/thing/1') => c.checkRequest({ method: 'PUT', url, headers: H, body: Buffer.from(JSON.stringify(body)) });
  let r = req({ id: 1, secret: 's', when: '2025-01-31T10:00:00', n: 5, shape: { r: 1 } });
  assert(r.violations.length === 0, JSON.stringify(r.violations));
  r = req({ n: 2 ** 31, when: 'yesterday' });
  assert(r.violations.length === 2, JSON.stringify(r.violations));
  r = req({ shape: { q: 1 } });
  assert(r.violations.length >= 1 && r.violations.every((x) => x.where.startsWith('/body/shape')), JSON.stringify(r.violations));
  r = req({}, '/api/thing/99999999999');
  assert(r.violations.length === 1 && r.violations[0].where === '/path/id', JSON.stringify(r.violations));
  const res = (body, checker = c) =>
    checker.checkResponse({ method: 'PUT', match: r.match, status: 200, headers: H, body: Buffer.from(JSON.stringify(body)) });
  let v = res({ id: 1, secret: 's' });
  assert(v.length === 1 && /write-only/.test(v[0].message), JSON.stringify(v));
  v = res({ id: null, when: null, n: null });
  assert(v.length === 0, JSON.stringify(v));
  v = res({ id: null }, new ContractChecker(doc, { strictNulls: true }));
  assert(v.length === 1, JSON.stringify(v));
});

test('upstream unreachable: 502 and a violation', async () => {
  const dead = http.createServer();
  const port = await listen(dead);
  await new Promise((r) => dead.close(r));
  const p2 = await startProxy({ spec: P.checker.spec, checker: P.checker, upstream: `http://127.0.0.1:${port}`, log: () => {} });
  try {
    const res = await request(p2.url, 'GET', '/v2/employee', { headers: AUTH });
    assert(res.status === 502, `status ${res.status}`);
    const rep = p2.report();
    assert(rep.violations.length === 1 && /upstream/.test(rep.violations[0].message), JSON.stringify(rep.violations));
  } finally {
    await p2.close();
  }
});

test('POST /_contract/reset clears the report; /_contract/* is not forwarded', async () => {
  script = { status: 200, body: listOf([]) };
  await request(P.url, 'GET', '/v2/employee?bogus=1', { headers: AUTH });
  let rep = await getReport();
  assert(rep.requests >= 1 && rep.violations.length >= 1, 'nothing recorded');
  received = null;
  await reset();
  rep = await getReport();
  assert(rep.requests === 0 && rep.violations.length === 0 && Object.keys(rep.operations).length === 0, JSON.stringify(rep));
  assert(received === null, 'control request was forwarded');
});

test('every operation of the document compiles (request and response schemas)', async () => {
  const warnings = [];
  const c = new ContractChecker(P.checker.spec, { warn: (m) => warnings.push(m) });
  const r = c.compileAll();
  note(`timing: compiling all ${r.validators} validators of ${c.operations().length} operations took ${r.ms.toFixed(0)} ms`);
  assert(warnings.length === 0, warnings.join('; '));
});

test('CLI: first line "listening on http://127.0.0.1:PORT", report written on SIGTERM, exit 0, no secret on stderr', async () => {
  const reportFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pb-contract-')), 'report.json');
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [path.join(here, 'validating-proxy.mjs'), '--spec', opt.spec, '--upstream', `http://127.0.0.1:${upstreamPort}`, '--port', '0', '--report', reportFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let stdout = '';
  const firstLine = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Fail('no first line within 30 s')), 30000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const i = stdout.indexOf('\n');
      if (i >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, i));
      }
    });
    child.on('exit', (code) => reject(new Fail(`exited early (${code}): ${stderr}`)));
  });
  const startupMs = Number(process.hrtime.bigint() - t0) / 1e6;
  note(`timing: CLI start-up (spawn to "listening" line, lazy compile): ${startupMs.toFixed(0)} ms`);
  const m = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(firstLine);
  assert(m, `first line: ${JSON.stringify(firstLine)}`);
  const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve({ code, sig })));
  script = { status: 200, body: { value: { id: 1, version: 0, token: 'x', expirationDate: '2031-01-01' } } };
  const t1 = process.hrtime.bigint();
  const res = await request(m[1], 'PUT', '/v2/token/session/:create?consumerToken=SECRET11&employeeToken=SECRET12&expirationDate=2031-01-01&apiKey=SECRET13');
  note(`timing: first exchange through a fresh CLI proxy (includes compiling its schemas): ${(Number(process.hrtime.bigint() - t1) / 1e6).toFixed(0)} ms`);
  assert(res.status === 200, `status ${res.status}`);
  child.kill('SIGTERM');
  const { code, sig } = await exited;
  assert(code === 0, `exit code ${code} signal ${sig}`);
  const rep = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  assert(rep.requests === 1 && rep.violations.length === 1 && rep.violations[0].where === '/query/apiKey', JSON.stringify(rep));
  assert(!/SECRET/.test(stderr) && !/SECRET/.test(JSON.stringify(rep)), `secret leaked: ${stderr}`);
  fs.rmSync(path.dirname(reportFile), { recursive: true, force: true });
});

test('per-exchange validation cost (warm)', async () => {
  await reset();
  const list = listOf(Array.from({ length: 100 }, (_, i) => employee({ id: i + 1 })));
  script = { status: 200, body: list };
  const N = 200;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await request(P.url, 'GET', '/v2/employee?count=100&from=0&fields=*', { headers: AUTH });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6 / N;
  let rep = await getReport();
  assert(rep.violations.length === 0, show(rep));
  note(`timing: GET /employee with 100 employees (~${(JSON.stringify(list).length / 1024).toFixed(0)} KiB): validation ${rep.timing.meanCheckMs} ms mean, ${rep.timing.maxCheckMs} ms max; ${wall.toFixed(2)} ms round trip through the proxy`);
  await reset();
  script = { status: 201, body: { value: employee() } };
  for (let i = 0; i < N; i++) await request(P.url, 'POST', '/v2/employee', { headers: AUTH, body: { firstName: 'A', lastName: 'B', email: 'a@b.invalid', department: { id: 1 } } });
  rep = await getReport();
  assert(rep.violations.length === 0, show(rep));
  note(`timing: POST /employee (small body, ResponseWrapperEmployee answer): validation ${rep.timing.meanCheckMs} ms mean, ${rep.timing.maxCheckMs} ms max`);
  // a direct round trip to the fake upstream, for comparison
  const t2 = process.hrtime.bigint();
  script = { status: 200, body: list };
  for (let i = 0; i < N; i++) await request(`http://127.0.0.1:${upstreamPort}`, 'GET', '/v2/employee?count=100', { headers: AUTH });
  note(`timing: same GET straight to the upstream: ${(Number(process.hrtime.bigint() - t2) / 1e6 / N).toFixed(2)} ms round trip`);
});

// ---------------------------------------------------------------------------

let upstreamPort;
async function run() {
  upstreamPort = await listen(upstream);
  const t0 = process.hrtime.bigint();
  const spec = loadSpec(opt.spec);
  const tLoad = Number(process.hrtime.bigint() - t0) / 1e6;
  P = await startProxy({
    spec,
    upstream: `http://127.0.0.1:${upstreamPort}`,
    log: (line) => {
      logged.push(line);
      if (opt.verbose) process.stderr.write(line + '\n');
    },
  });
  note(`timing: in-process start-up: JSON.parse ${tLoad.toFixed(0)} ms, checker set-up ${P.checker.setupMs.toFixed(0)} ms`);

  process.stdout.write(`1..${tests.length}\n`);
  let failed = 0;
  for (let i = 0; i < tests.length; i++) {
    const t = tests[i];
    try {
      await t.fn();
      process.stdout.write(`ok ${i + 1} - ${t.name}\n`);
    } catch (e) {
      failed++;
      process.stdout.write(`not ok ${i + 1} - ${t.name}\n`);
      for (const line of String(e instanceof Fail ? e.message : e.stack).split('\n')) process.stdout.write(`# ${line}\n`);
    }
    while (diag.length) process.stdout.write(`# ${diag.shift()}\n`);
  }
  await P.close();
  agent.destroy();
  upstream.close();
  if (upstream.closeAllConnections) upstream.closeAllConnections();
  process.exitCode = failed ? 1 : 0;
}

run().catch((e) => {
  process.stdout.write(`not ok 1 - selftest crashed\n# ${String(e.stack).split('\n').join('\n# ')}\n`);
  process.exit(1);
});
