#!/usr/bin/env node
// spec-sources.mjs: TAP self-check of the API documents we wrote ourselves
// (specs/unimicro-documented.json): each claims no more than its sources.
//
//   node spec-sources.mjs [FILE]      default: specs/unimicro-documented.json
//
// Every schema and every schema property names its source in `x-source`
// (a $ref alone is a pointer, not a claim, except as a property); so does
// every operation, parameter and response. Whatever carries
// `x-unconfirmed: true` says why in `x-unconfirmed-reason`. Enumerations
// are integers (payroll-apis-notes C.4's table). Every $ref resolves.
// Needs node only (no npm packages).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const esc = (s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
const cites = (x) => typeof x['x-source'] === 'string' && x['x-source'].trim() !== '';

/** Problems of citation in @doc: [{where, problem}], where a JSON pointer. */
export function findUncited(doc) {
  const out = [];
  const bad = (where, problem) => out.push({ where, problem });

  const schema = (s, where, isProperty) => {
    if (!isObject(s)) {
      bad(where, 'is not a schema object');
      return;
    }
    if ((isProperty || s.$ref === undefined) && !cites(s)) bad(where, isProperty ? 'property without x-source' : 'schema without x-source');
    if (Array.isArray(s.enum) && !s.enum.every((v) => Number.isInteger(v)))
      bad(where, 'enum with values that are not integers');
    if (isObject(s.properties))
      for (const [name, p] of Object.entries(s.properties)) schema(p, `${where}/properties/${esc(name)}`, true);
    if (s.items !== undefined) schema(s.items, `${where}/items`, false);
    if (isObject(s.additionalProperties)) schema(s.additionalProperties, `${where}/additionalProperties`, false);
    for (const k of ['allOf', 'anyOf', 'oneOf'])
      if (Array.isArray(s[k])) s[k].forEach((x, i) => schema(x, `${where}/${k}/${i}`, false));
    if (s.not !== undefined) schema(s.not, `${where}/not`, false);
  };

  const content = (c, where) => {
    for (const [media, m] of Object.entries(c || {}))
      if (isObject(m) && m.schema !== undefined) schema(m.schema, `${where}/content/${esc(media)}/schema`, false);
  };

  const parameter = (p, where) => {
    if (!isObject(p) || p.$ref !== undefined) return;
    if (!cites(p)) bad(where, 'parameter without x-source');
    if (p.schema !== undefined) schema(p.schema, `${where}/schema`, false);
  };

  if (!isObject(doc) || typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.')) {
    bad('', 'not an OpenAPI 3 document');
    return out;
  }
  if (!isObject(doc.info) || !cites(doc.info)) bad('/info', 'info without x-source');

  const components = doc.components || {};
  for (const [name, s] of Object.entries(components.schemas || {})) {
    const where = `/components/schemas/${esc(name)}`;
    if (isObject(s) && !cites(s)) bad(where, 'schema without x-source');
    schema(s, where, false);
  }
  for (const [name, p] of Object.entries(components.parameters || {})) parameter(p, `/components/parameters/${esc(name)}`);
  for (const [name, s] of Object.entries(components.securitySchemes || {}))
    if (isObject(s) && !cites(s)) bad(`/components/securitySchemes/${esc(name)}`, 'security scheme without x-source');

  for (const [template, item] of Object.entries(doc.paths || {})) {
    const base = `/paths/${esc(template)}`;
    (item.parameters || []).forEach((p, i) => parameter(p, `${base}/parameters/${i}`));
    for (const m of HTTP_METHODS) {
      const op = item[m];
      if (!isObject(op)) continue;
      const where = `${base}/${m}`;
      if (!cites(op)) bad(where, 'operation without x-source');
      (op.parameters || []).forEach((p, i) => parameter(p, `${where}/parameters/${i}`));
      if (isObject(op.requestBody)) {
        if (op.requestBody.$ref === undefined && !cites(op.requestBody)) bad(`${where}/requestBody`, 'request body without x-source');
        content(op.requestBody.content, `${where}/requestBody`);
      }
      for (const [status, r] of Object.entries(op.responses || {})) {
        if (!isObject(r) || r.$ref !== undefined) continue;
        if (!cites(r)) bad(`${where}/responses/${esc(status)}`, 'response without x-source');
        content(r.content, `${where}/responses/${esc(status)}`);
      }
    }
  }

  // x-unconfirmed anywhere: with its reason.
  const walk = (x, where) => {
    if (Array.isArray(x)) x.forEach((y, i) => walk(y, `${where}/${i}`));
    else if (isObject(x)) {
      if (x['x-unconfirmed'] !== undefined && x['x-unconfirmed'] !== true) bad(where, 'x-unconfirmed that is not true');
      if (x['x-unconfirmed'] === true && (typeof x['x-unconfirmed-reason'] !== 'string' || x['x-unconfirmed-reason'].trim() === ''))
        bad(where, 'x-unconfirmed without x-unconfirmed-reason');
      for (const [k, v] of Object.entries(x)) walk(v, `${where}/${esc(k)}`);
    }
  };
  walk(doc, '');

  // Every $ref resolves inside the document.
  const resolve = (ref) => {
    if (!ref.startsWith('#/')) return undefined;
    let node = doc;
    for (const part of ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      if (!isObject(node) || !(key in node)) return undefined;
      node = node[key];
    }
    return node;
  };
  const refs = (x, where) => {
    if (Array.isArray(x)) x.forEach((y, i) => refs(y, `${where}/${i}`));
    else if (isObject(x)) {
      if (typeof x.$ref === 'string' && resolve(x.$ref) === undefined) bad(where, `$ref ${x.$ref} does not resolve`);
      for (const [k, v] of Object.entries(x)) refs(v, `${where}/${esc(k)}`);
    }
  };
  refs(doc, '');
  return out;
}

// --- TAP ------------------------------------------------------------------------

function main() {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const file = process.argv[2] || path.join(here, 'specs', 'unimicro-documented.json');
  const results = [];
  const test = (name, fn) => {
    try {
      const diag = fn();
      results.push({ ok: true, name, diag });
    } catch (e) {
      results.push({ ok: false, name, diag: e.message });
    }
  };
  const assert = (cond, message) => {
    if (!cond) throw new Error(message);
  };
  const listed = (problems) => problems.slice(0, 20).map((p) => `${p.where}: ${p.problem}`).join('\n') +
    (problems.length > 20 ? `\n... ${problems.length - 20} more` : '');

  let doc = null;
  test(`${path.basename(file)} is an OpenAPI 3 document`, () => {
    doc = JSON.parse(readFileSync(file, 'utf8'));
    assert(isObject(doc) && typeof doc.openapi === 'string' && doc.openapi.startsWith('3.'), 'no "openapi": "3.x"');
    assert(isObject(doc.paths) && Object.keys(doc.paths).length > 0, 'no paths');
    return `${Object.keys(doc.paths).length} paths, ${Object.keys((doc.components || {}).schemas || {}).length} schemas`;
  });
  const problems = doc ? findUncited(doc) : [{ where: '', problem: 'unreadable' }];
  const count = (doc) => {
    let n = 0;
    const walk = (x) => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (isObject(x)) {
        if (isObject(x.properties)) n += Object.keys(x.properties).length;
        Object.values(x).forEach(walk);
      }
    };
    walk(doc);
    return n;
  };
  test('every schema, property, parameter, operation and response names its source (x-source)', () => {
    const mine = problems.filter((p) => /without x-source|not a schema/.test(p.problem));
    assert(mine.length === 0, `${mine.length} without a source:\n${listed(mine)}`);
    return `${count(doc)} properties checked`;
  });
  test('every x-unconfirmed: true says why (x-unconfirmed-reason)', () => {
    const mine = problems.filter((p) => /x-unconfirmed/.test(p.problem));
    assert(mine.length === 0, listed(mine));
    let n = 0;
    JSON.stringify(doc, (k, v) => (k === 'x-unconfirmed' && v === true && n++, v));
    assert(n > 0, 'nothing is marked x-unconfirmed, yet the notes leave the error body and the enum wire format open');
    return `${n} marked UNCONFIRMED`;
  });
  test('enumerations are integers (payroll-apis-notes C.4)', () => {
    const mine = problems.filter((p) => /enum/.test(p.problem));
    assert(mine.length === 0, listed(mine));
  });
  test('every $ref resolves', () => {
    const mine = problems.filter((p) => /\$ref/.test(p.problem));
    assert(mine.length === 0, listed(mine));
  });
  test('nothing else is wrong', () => {
    assert(problems.length === 0 || problems.every((p) => /x-source|not a schema|x-unconfirmed|enum|\$ref/.test(p.problem)),
      listed(problems));
  });

  // The check itself can fail: each rule on a spoilt copy.
  const spoilt = (change) => {
    const copy = JSON.parse(JSON.stringify(doc));
    change(copy);
    return findUncited(copy);
  };
  test('self-test: a property without x-source is found', () => {
    const s = doc && doc.components.schemas;
    const [name, schemaOf] = Object.entries(s || {}).find(([, x]) => isObject(x.properties) && Object.keys(x.properties).length > 0) || [];
    assert(name, 'no schema with properties to spoil');
    const prop = Object.keys(schemaOf.properties)[0];
    const found = spoilt((d) => delete d.components.schemas[name].properties[prop]['x-source']);
    const where = `/components/schemas/${esc(name)}/properties/${esc(prop)}`;
    assert(found.some((p) => p.where === where && /property without x-source/.test(p.problem)), `not found at ${where}: ${listed(found)}`);
  });
  test('self-test: a nested property ($ref) without x-source is found', () => {
    const found = spoilt((d) => {
      d.components.schemas.Extra = { type: 'object', 'x-source': 'test', properties: { Info: { $ref: '#/components/schemas/Extra' } } };
    });
    assert(found.some((p) => p.where === '/components/schemas/Extra/properties/Info'), listed(found));
  });
  test('self-test: a schema, a response and a parameter without x-source are found', () => {
    const found = spoilt((d) => {
      const [first] = Object.keys(d.components.schemas);
      delete d.components.schemas[first]['x-source'];
      const [template] = Object.keys(d.paths);
      const op = d.paths[template].get;
      const [status] = Object.keys(op.responses);
      delete op.responses[status]['x-source'];
      op.parameters = [...(op.parameters || []), { name: 'skip', in: 'query', schema: { type: 'integer', 'x-source': 't' } }];
    });
    assert(found.some((p) => /^schema without/.test(p.problem)), 'schema not found');
    assert(found.some((p) => /^response without/.test(p.problem)), 'response not found');
    assert(found.some((p) => /^parameter without/.test(p.problem)), 'parameter not found');
  });
  test('self-test: an unreasoned x-unconfirmed and a string enum are found', () => {
    const found = spoilt((d) => {
      d.components.schemas.Extra = {
        type: 'object', 'x-source': 't', 'x-unconfirmed': true,
        properties: { Kind: { type: 'string', enum: ['Permanent'], 'x-source': 't' } },
      };
    });
    assert(found.some((p) => p.where === '/components/schemas/Extra' && /x-unconfirmed-reason/.test(p.problem)), listed(found));
    assert(found.some((p) => p.where === '/components/schemas/Extra/properties/Kind' && /enum/.test(p.problem)), listed(found));
  });

  console.log('TAP version 13');
  console.log(`1..${results.length}`);
  results.forEach((r, i) => {
    console.log(`${r.ok ? 'ok' : 'not ok'} ${i + 1} - ${r.name}`);
    if (r.diag) for (const l of String(r.diag).split('\n')) console.log(`# ${l}`);
  });
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
