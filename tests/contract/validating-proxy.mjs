#!/usr/bin/env node
// Validating HTTP proxy: forwards every exchange unchanged to an upstream
// (the payroll sandbox, or anything that claims to speak Tripletex) and checks
// the request and the response against the published OpenAPI 3.0 document.
//
//   node validating-proxy.mjs --spec FILE --upstream http://127.0.0.1:PORT
//        [--port 0] [--host 127.0.0.1] [--report FILE] [--base-path /v2]
//        [--strict-nulls] [--precompile] [--quiet] [--verbose]
//
// First stdout line: "listening on http://127.0.0.1:PORT". Everything else
// goes to stderr. GET /_contract/report returns the report, POST
// /_contract/reset clears it, GET /_contract/health answers {"ok":true}.
// SIGTERM/SIGINT write the report to --report (if given) and exit 0.
//
// Node >= 18, ES module, only dependency: ajv. See README.md for the rules.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pathToFileURL } from 'node:url';
import Ajv from 'ajv';

// ---------------------------------------------------------------------------
// Redaction

const SECRET_NAME = /token|secret|password|passwd|key|auth|credential/i;
const REDACTED = '***';

export function isSecretName(name) {
  return SECRET_NAME.test(String(name));
}

/** Raw query string (without '?') with the values of secret-looking names replaced. */
export function redactQuery(rawQuery) {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .map((part) => {
      const i = part.indexOf('=');
      if (i < 0) return part;
      const name = safeDecode(part.slice(0, i)).value;
      return isSecretName(name) ? `${part.slice(0, i)}=${REDACTED}` : part;
    })
    .join('&');
}

/** A request target (path?query) fit for printing. */
export function redactTarget(target, match) {
  const { pathname, query } = splitTarget(target);
  const p = match ? redactPath(pathname, match) : pathname;
  return query !== null ? `${p}?${redactQuery(query)}` : p;
}

function redactPath(pathname, match) {
  if (!match || !match.secretSegments || match.secretSegments.length === 0) return pathname;
  const segs = pathname.split('/');
  for (const i of match.secretSegments) {
    const idx = i + match.baseSegmentCount + 1; // +1: leading empty segment
    if (idx < segs.length) segs[idx] = REDACTED;
  }
  return segs.join('/');
}

// ---------------------------------------------------------------------------
// Small helpers

function safeDecode(s, plusIsSpace = false) {
  const src = plusIsSpace ? s.replace(/\+/g, ' ') : s;
  try {
    return { value: decodeURIComponent(src), ok: true };
  } catch {
    return { value: src, ok: false };
  }
}

function splitTarget(target) {
  let t = target || '/';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    // absolute-form request target
    const u = new URL(t);
    t = u.pathname + u.search;
  }
  const q = t.indexOf('?');
  if (q < 0) return { pathname: t, query: null };
  return { pathname: t.slice(0, q), query: t.slice(q + 1) };
}

function ptrEscape(s) {
  return String(s).replace(/~/g, '~0').replace(/\//g, '~1');
}

function mediaEssence(ct) {
  if (!ct) return '';
  return String(ct).split(';')[0].trim().toLowerCase();
}

function normMedia(ct) {
  return String(ct).toLowerCase().replace(/\s+/g, '');
}

function isJsonMedia(essence) {
  return essence === 'application/json' || /\+json$/.test(essence) || essence === '*/*';
}

function jsonType(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function resolveRef(doc, obj) {
  let o = obj;
  for (let depth = 0; o && typeof o.$ref === 'string' && depth < 20; depth++) {
    if (!o.$ref.startsWith('#/')) throw new Error(`external $ref not supported: ${o.$ref}`);
    o = o.$ref
      .slice(2)
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((acc, k) => (acc == null ? acc : acc[k]), doc);
  }
  return o;
}

function decodeContent(buf, encoding) {
  const enc = String(encoding || 'identity').trim().toLowerCase();
  try {
    if (enc === '' || enc === 'identity') return { buf };
    if (enc === 'gzip' || enc === 'x-gzip') return { buf: zlib.gunzipSync(buf) };
    if (enc === 'deflate') {
      try {
        return { buf: zlib.inflateSync(buf) };
      } catch {
        return { buf: zlib.inflateRawSync(buf) };
      }
    }
    if (enc === 'br') return { buf: zlib.brotliDecompressSync(buf) };
    return { error: `unsupported content-encoding "${enc}"` };
  } catch (e) {
    return { error: `cannot decode ${enc} body: ${e.message}` };
  }
}

function parseJson(buf) {
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: e.message };
  }
}

// ---------------------------------------------------------------------------
// Formats (OpenAPI 3.0 data types, validated loosely; Tripletex writes
// date-times without a zone, "YYYY-MM-DDThh:mm:ss").

const KNOWN_FORMATS = {
  int32: { type: 'number', validate: (n) => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 },
  int64: { type: 'number', validate: (n) => Number.isInteger(n) },
  float: { type: 'number', validate: (n) => Number.isFinite(n) },
  double: { type: 'number', validate: (n) => Number.isFinite(n) },
  byte: { type: 'string', validate: (s) => /^[A-Za-z0-9+/_-]*={0,2}$/.test(s) },
  binary: true,
  password: true,
  date: { type: 'string', validate: (s) => /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(s) },
  'date-time': {
    type: 'string',
    validate: (s) =>
      /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i.test(
        s,
      ),
  },
  uuid: { type: 'string', validate: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s) },
};

// ---------------------------------------------------------------------------
// The checker

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const BASE_URI = 'https://contract.paybridge.invalid/';

/**
 * Checks single exchanges against an OpenAPI 3.0 document. Pure: no I/O.
 * Violations are {direction, where, message}.
 */
export class ContractChecker {
  constructor(spec, opts = {}) {
    if (!spec || typeof spec !== 'object' || !spec.paths) throw new Error('not an OpenAPI document (no "paths")');
    this.spec = spec;
    this.strictNulls = !!opts.strictNulls;
    this.readOnlyAllowed = new Set(opts.readOnlyAllowed || ['id', 'version']);
    this.warn = opts.warn || (() => {});
    this.basePath = normaliseBasePath(opts.basePath !== undefined ? opts.basePath : basePathFromSpec(spec));
    this.baseSegmentCount = this.basePath ? this.basePath.split('/').length - 1 : 0;

    const t0 = process.hrtime.bigint();
    this.labels = new WeakMap(); // transformed schema object -> human label
    this.ajv = new Ajv({
      strict: false,
      allErrors: true,
      verbose: true,
      validateSchema: false,
      addUsedSchema: false,
      logger: { log() {}, warn: (m) => this.warn(`ajv: ${m}`), error: (m) => this.warn(`ajv: ${m}`) },
    });
    this.#addKeywordsAndFormats();
    // Component schemas are transformed and added to ajv lazily, one by one,
    // when a validator that reaches them is first compiled.
    this.components = (spec.components && spec.components.schemas) || {};
    this.added = new Set();
    this.#buildRoutes();
    this.validators = new Map();
    this.setupMs = Number(process.hrtime.bigint() - t0) / 1e6;
    this.compileMs = 0;
  }

  #addKeywordsAndFormats() {
    this.formats = new Set(Object.keys(KNOWN_FORMATS));
    for (const [f, def] of Object.entries(KNOWN_FORMATS)) this.ajv.addFormat(f, def);
    const fail = (what) =>
      function v(label) {
        v.errors = [{ keyword: what, params: { label }, message: what }];
        return false;
      };
    this.ajv.addKeyword({ keyword: 'pbReadOnly', schemaType: 'string', errors: true, validate: fail('pbReadOnly') });
    this.ajv.addKeyword({ keyword: 'pbWriteOnly', schemaType: 'string', errors: true, validate: fail('pbWriteOnly') });
  }

  /**
   * Copy of an OpenAPI schema for one direction:
   *  - object schemas with `properties` get additionalProperties:false
   *    (unless they carry a discriminator or a composition keyword),
   *  - every typed schema is nullable (unless strictNulls),
   *  - request: readOnly properties other than id/version must be absent,
   *  - response: writeOnly properties must be absent,
   *  - $refs become absolute, into the same direction's document.
   */
  #transform(s, mode, label, inComposition) {
    if (s === true || s === false || s === null || typeof s !== 'object' || Array.isArray(s)) return s;
    if (typeof s.$ref === 'string') return { $ref: this.#refTo(s.$ref, mode) };
    const out = {};
    for (const [k, v] of Object.entries(s)) {
      switch (k) {
        case 'properties': {
          const props = {};
          for (const [name, ps] of Object.entries(v || {})) {
            const plabel = `${label}.${name}`;
            if (mode === 'request' && ps && ps.readOnly === true && !this.readOnlyAllowed.has(name)) props[name] = { pbReadOnly: plabel };
            else if (mode === 'response' && ps && ps.writeOnly === true) props[name] = { pbWriteOnly: plabel };
            else props[name] = this.#transform(ps, mode, plabel, false);
          }
          out.properties = props;
          break;
        }
        case 'items':
          out.items = Array.isArray(v) ? v.map((x) => this.#transform(x, mode, `${label}[]`, false)) : this.#transform(v, mode, `${label}[]`, false);
          break;
        case 'additionalProperties':
          out.additionalProperties = v && typeof v === 'object' ? this.#transform(v, mode, `${label}{}`, false) : v;
          break;
        case 'allOf':
        case 'anyOf':
        case 'oneOf':
          if (!this.warnedComposition) {
            this.warnedComposition = true;
            this.warn(`${label} uses ${k}: schemas composed that way are left open (no unknown-property check)`);
          }
          out[k] = (v || []).map((x) => this.#transform(x, mode, label, true));
          break;
        case 'format':
          if (typeof v === 'string' && !this.formats.has(v)) {
            this.formats.add(v);
            this.ajv.addFormat(v, true); // unknown format: accepted as is
          }
          out.format = v;
          break;
        case 'not':
          out.not = this.#transform(v, mode, label, false);
          break;
        case 'nullable':
        case 'discriminator':
        case 'readOnly':
        case 'writeOnly':
        case 'description':
        case 'example':
        case 'examples':
        case 'externalDocs':
        case 'xml':
        case 'deprecated':
        case 'default':
        case 'title':
          break;
        default:
          if (!k.startsWith('x-')) out[k] = v;
      }
    }
    if (out.properties && out.additionalProperties === undefined && !s.discriminator && !inComposition && !s.allOf && !s.anyOf && !s.oneOf)
      out.additionalProperties = false;
    const nullable = s.nullable === true || (mode !== 'param' && !this.strictNulls);
    if (nullable && out.type !== undefined) {
      out.nullable = true;
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    }
    this.labels.set(out, label);
    return out;
  }

  // "#/components/schemas/X[/rest]" -> absolute id of the transformed X for
  // this direction (added to ajv on first use).
  #refTo(ref, mode) {
    const m = /^#\/components\/schemas\/([^/]+)(\/.*)?$/.exec(ref);
    if (!m) throw new Error(`unsupported $ref in a schema: ${ref}`);
    const name = m[1].replace(/~1/g, '/').replace(/~0/g, '~');
    if (!Object.prototype.hasOwnProperty.call(this.components, name)) throw new Error(`$ref to a missing schema: ${ref}`);
    const id = `${BASE_URI}${mode}/${encodeURIComponent(name)}`;
    if (!this.added.has(id)) {
      this.added.add(id); // before transforming: recursive schemas
      const t = this.#transform(this.components[name], mode, name, false);
      if (t && typeof t === 'object') {
        t.$id = id; // same object: the labels map must recognise it in errors
        this.ajv.addSchema(t);
      } else this.ajv.addSchema(t, id);
    }
    return m[2] ? `${id}#${m[2]}` : id;
  }

  #buildRoutes() {
    this.routes = new Map(); // segment count -> [route]
    this.routeCount = 0;
    for (const [template, rawItem] of Object.entries(this.spec.paths)) {
      const item = resolveRef(this.spec, rawItem);
      if (!item || typeof item !== 'object') continue;
      const segs = template.split('/').slice(1).map(parseTemplateSegment);
      const route = { template, item, segs };
      if (!this.routes.has(segs.length)) this.routes.set(segs.length, []);
      this.routes.get(segs.length).push(route);
      this.routeCount++;
    }
    for (const list of this.routes.values()) list.sort((a, b) => compareSpecificity(a.segs, b.segs));
  }

  /** All operations as [{method, template}] (for precompiling and statistics). */
  operations() {
    const ops = [];
    for (const list of this.routes.values())
      for (const r of list) for (const m of HTTP_METHODS) if (r.item[m]) ops.push({ method: m.toUpperCase(), template: r.template, op: r.item[m], route: r });
    return ops;
  }

  /**
   * Finds the operation for method + wire path (without query).
   * Returns {match, violations}; match is null when nothing fits.
   */
  match(method, pathname) {
    const violations = [];
    const v = (where, message) => violations.push({ direction: 'request', where, message });
    let rest = pathname;
    if (this.basePath) {
      if (rest !== this.basePath && !rest.startsWith(this.basePath + '/')) {
        v('', `path is outside the API base path ${this.basePath}`);
        return { match: null, violations };
      }
      rest = rest.slice(this.basePath.length);
    }
    if (rest === '') rest = '/';
    const raw = rest.split('/').slice(1);
    const segs = raw.map((s) => {
      const d = safeDecode(s);
      if (!d.ok) v('', `malformed percent-encoding in path segment "${s}"`);
      return d.value;
    });
    const candidates = [];
    for (const r of this.routes.get(segs.length) || []) {
      const params = matchSegments(r.segs, segs);
      if (params) candidates.push({ route: r, params });
    }
    if (candidates.length === 0) {
      v('', `no path in the spec matches ${pathname}`);
      return { match: null, violations };
    }
    const m = method.toLowerCase();
    const hit = candidates.find((c) => c.route.item[m]);
    if (!hit) {
      const allowed = [...new Set(candidates.flatMap((c) => HTTP_METHODS.filter((x) => c.route.item[x]).map((x) => x.toUpperCase())))];
      v('', `method ${method} is not defined for ${candidates[0].route.template} (defined: ${allowed.join(', ')})`);
      return { match: null, violations };
    }
    const { route, params } = hit;
    const op = route.item[m];
    const parameters = mergeParameters(this.spec, route.item.parameters, op.parameters);
    const secretSegments = [];
    route.segs.forEach((sg, i) => {
      if (sg.names && sg.names.some(isSecretName)) secretSegments.push(i);
    });
    return {
      match: {
        method: method.toUpperCase(),
        template: route.template,
        key: `${method.toUpperCase()} ${route.template}`,
        op,
        parameters,
        pathParams: params,
        secretSegments,
        baseSegmentCount: this.baseSegmentCount,
      },
      violations,
    };
  }

  /** Request check. headers: node-style lower-case object. body: Buffer. */
  checkRequest({ method, url, headers = {}, body = Buffer.alloc(0) }) {
    const { pathname, query } = splitTarget(url);
    const { match, violations } = this.match(method, pathname);
    const v = (where, message) => violations.push({ direction: 'request', where, message });
    if (!match) return { match, violations };
    const { op, parameters } = match;

    // path parameters
    for (const p of parameters.filter((x) => x.in === 'path')) {
      const val = match.pathParams[p.name];
      if (val === undefined) continue;
      const err = this.#checkParamValue(p, [val]);
      if (err) v(`/path/${ptrEscape(p.name)}`, `path parameter "${p.name}"${showValue(p.name, val)} ${err}`);
    }

    // query parameters
    const declared = new Map(parameters.filter((x) => x.in === 'query').map((x) => [x.name, x]));
    const given = new Map();
    for (const part of query ? query.split('&') : []) {
      if (part === '') continue;
      const i = part.indexOf('=');
      const n = safeDecode(i < 0 ? part : part.slice(0, i), true);
      const val = safeDecode(i < 0 ? '' : part.slice(i + 1), true);
      if (!n.ok || !val.ok) v(`/query/${ptrEscape(n.value)}`, `malformed percent-encoding in query parameter "${n.value}"`);
      if (!given.has(n.value)) given.set(n.value, []);
      given.get(n.value).push(val.value);
    }
    for (const [name, values] of given) {
      const p = declared.get(name);
      if (!p) {
        v(`/query/${ptrEscape(name)}`, `query parameter "${name}" is not declared by ${match.key}`);
        continue;
      }
      const err = this.#checkParamValue(p, values);
      if (err) v(`/query/${ptrEscape(name)}`, `query parameter "${name}"${showValue(name, values.join(','))} ${err}`);
    }
    for (const p of declared.values())
      if (p.required && !given.has(p.name)) v(`/query/${ptrEscape(p.name)}`, `required query parameter "${p.name}" is missing`);

    // required header parameters
    for (const p of parameters.filter((x) => x.in === 'header'))
      if (p.required && headers[p.name.toLowerCase()] === undefined) v(`/headers/${ptrEscape(p.name.toLowerCase())}`, `required header "${p.name}" is missing`);

    // security
    const secErr = this.#checkSecurity(op, headers, given);
    if (secErr) v('/headers/authorization', secErr);

    // body
    const rb = op.requestBody ? resolveRef(this.spec, op.requestBody) : null;
    if (body.length === 0) {
      if (rb && rb.required) v('/body', `request body is required by ${match.key}`);
      return { match, violations };
    }
    if (!rb) {
      v('/body', `${match.key} takes no request body, but ${body.length} bytes were sent`);
      return { match, violations };
    }
    const ct = headers['content-type'];
    const content = rb.content || {};
    if (!ct) {
      v('/headers/content-type', 'request body sent without Content-Type');
      return { match, violations };
    }
    const mediaKey = pickMedia(content, ct);
    if (mediaKey === null) {
      v('/headers/content-type', `Content-Type "${ct}" is not accepted by ${match.key} (accepted: ${Object.keys(content).join(', ')})`);
      return { match, violations };
    }
    if (!isJsonMedia(mediaEssence(ct))) return { match, violations }; // multipart etc.: not inspected
    const dec = decodeContent(body, headers['content-encoding']);
    if (dec.error) {
      v('/body', `request ${dec.error}`);
      return { match, violations };
    }
    const parsed = parseJson(dec.buf);
    if (parsed.error) {
      v('/body', `request body is not valid JSON: ${parsed.error}`);
      return { match, violations };
    }
    const schema = content[mediaKey] && content[mediaKey].schema;
    if (schema) {
      if (parsed.value === null) v('/body', 'request body is JSON null');
      else for (const e of this.#validate('request', schema, parsed.value, `${match.key} request`)) v(e.where, e.message);
    }
    this.#checkIdVersionRules(rb, method, parsed.value, v);
    return { match, violations };
  }

  /**
   * Response check. match: from checkRequest (may be null for unknown
   * operations: only the ApiError rule then applies).
   */
  checkResponse({ method, match, status, headers = {}, body = Buffer.alloc(0) }) {
    const violations = [];
    const v = (where, message) => violations.push({ direction: 'response', where, message });
    const isHead = String(method).toUpperCase() === 'HEAD';
    if ((status >= 100 && status < 200) || status === 204 || status === 304) {
      if (body.length > 0) v('/body', `a ${status} response must not have a body (got ${body.length} bytes)`);
      return violations;
    }
    if (isHead) return violations;
    const ct = headers['content-type'];

    if (status >= 200 && status < 300) {
      if (!match) return violations; // unknown operation: already reported on the request side
      const responses = match.op.responses || {};
      const declaredKey = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => responses[k] !== undefined);
      if (declaredKey === undefined) {
        v('', `status ${status} is not documented for ${match.key} (documented: ${Object.keys(responses).join(', ')})`);
        return violations;
      }
      const resp = resolveRef(this.spec, responses[declaredKey]) || {};
      const content = resp.content || {};
      const keys = Object.keys(content);
      if (body.length === 0) {
        const needsBody = keys.some((k) => content[k] && content[k].schema);
        if (needsBody) v('/body', `empty ${status} response body; ${match.key} documents ${keys.join(', ')}`);
        return violations;
      }
      if (keys.length === 0) {
        v('/body', `${match.key} documents no response body, but ${body.length} bytes were returned`);
        return violations;
      }
      let mediaKey;
      if (!ct) {
        v('/headers/content-type', 'response body sent without Content-Type');
        mediaKey = keys.find((k) => isJsonMedia(mediaEssence(k)));
        if (mediaKey === undefined) return violations;
      } else {
        mediaKey = pickMedia(content, ct);
        if (mediaKey === null) {
          v('/headers/content-type', `Content-Type "${ct}" is not documented for ${match.key} (documented: ${keys.join(', ')})`);
          return violations;
        }
        if (!isJsonMedia(mediaEssence(ct))) return violations; // pdf, csv, octet-stream
      }
      const value = this.#decodeJson(body, headers, v);
      if (value === undefined) return violations;
      const schema = content[mediaKey] && content[mediaKey].schema;
      if (schema) {
        if (value === null) v('/body', 'response body is JSON null');
        else for (const e of this.#validate('response', schema, value, `${match.key} ${status}`)) v(e.where, e.message);
      }
      return violations;
    }

    // Every other status: the body is an ApiError.
    if (body.length === 0) {
      v('/body', `empty ${status} response body (an ApiError is expected)`);
      return violations;
    }
    if (ct && !isJsonMedia(mediaEssence(ct)))
      v('/headers/content-type', `Content-Type "${ct}" of a ${status} response is not JSON (an ApiError is expected)`);
    const value = this.#decodeJson(body, headers, v);
    if (value === undefined) return violations;
    const apiError = this.spec.components && this.spec.components.schemas && this.spec.components.schemas.ApiError;
    if (!apiError) return violations;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      v('/body', `a ${status} response body must be an ApiError object, got ${jsonType(value)}`);
      return violations;
    }
    for (const e of this.#validate('response', { $ref: '#/components/schemas/ApiError' }, value, 'ApiError')) v(e.where, e.message);
    if (typeof value.status === 'number' && value.status !== status)
      v('/body/status', `ApiError.status ${value.status} differs from the HTTP status ${status}`);
    return violations;
  }

  #decodeJson(body, headers, v) {
    const dec = decodeContent(body, headers['content-encoding']);
    if (dec.error) {
      v('/body', `response ${dec.error}`);
      return undefined;
    }
    const parsed = parseJson(dec.buf);
    if (parsed.error) {
      v('/body', `response body is not valid JSON: ${parsed.error}`);
      return undefined;
    }
    return parsed.value;
  }

  // "Should not have ID and version set" / "Should have ID and version set":
  // the request body descriptions say so; hold bodies to it (top level only).
  #checkIdVersionRules(rb, method, value, v) {
    const desc = String(rb.description || '');
    const m = method.toUpperCase();
    if (m !== 'POST' && m !== 'PUT') return;
    const items = Array.isArray(value) ? value.map((x, i) => [x, `/body/${i}`]) : [[value, '/body']];
    if (/should not have id and version set/i.test(desc)) {
      for (const [it, where] of items)
        if (it && typeof it === 'object' && !Array.isArray(it))
          for (const f of ['id', 'version'])
            if (it[f] !== undefined && it[f] !== null) v(`${where}/${f}`, `"${f}" must not be set when creating (request body: "Should not have ID and version set")`);
    } else if (/should have id and version set/i.test(desc)) {
      for (const [it, where] of items)
        if (it && typeof it === 'object' && !Array.isArray(it))
          for (const f of ['id', 'version'])
            if (it[f] === undefined || it[f] === null) v(`${where}/${f}`, `"${f}" must be set (request body: "Should have ID and version set")`);
    }
  }

  #checkSecurity(op, headers, query) {
    const reqs = op.security !== undefined ? op.security : this.spec.security;
    if (!Array.isArray(reqs) || reqs.length === 0) return null;
    const schemes = (this.spec.components && this.spec.components.securitySchemes) || {};
    const auth = headers.authorization ? String(headers.authorization) : '';
    const ok = (name) => {
      const s = resolveRef(this.spec, schemes[name]);
      if (!s) return true;
      if (s.type === 'http' && String(s.scheme).toLowerCase() === 'basic') {
        const m = /^Basic\s+(\S+)\s*$/i.exec(auth);
        if (!m) return false;
        return Buffer.from(m[1], 'base64').toString('utf8').includes(':');
      }
      if (s.type === 'http' && String(s.scheme).toLowerCase() === 'bearer') return /^Bearer\s+\S+/i.test(auth);
      if (s.type === 'apiKey') {
        if (s.in === 'header') return headers[String(s.name).toLowerCase()] !== undefined;
        if (s.in === 'query') return query.has(s.name);
        return true;
      }
      if (s.type === 'oauth2' || s.type === 'openIdConnect') return /^Bearer\s+\S+/i.test(auth);
      return true;
    };
    if (reqs.some((r) => Object.keys(r || {}).every(ok))) return null;
    const names = reqs.map((r) => Object.keys(r || {}).map((n) => {
      const s = schemes[n] || {};
      return s.type === 'http' ? `${n} (HTTP ${s.scheme})` : n;
    }).join(' + '));
    return `missing or malformed credentials: the operation requires ${names.join(' or ')}`;
  }

  #checkParamValue(p, values) {
    const schema = p.schema ? resolveRef(this.spec, p.schema) : (p.content && Object.values(p.content)[0] && Object.values(p.content)[0].schema) || null;
    if (!schema) return null;
    const isArray = schema.type === 'array';
    if (!isArray && values.length > 1) return `is given ${values.length} times`;
    const itemSchema = isArray ? resolveRef(this.spec, schema.items || {}) : schema;
    const coerced = values.map((x) => coerceParam(x, itemSchema));
    const data = isArray ? coerced : coerced[0];
    const validate = this.#validator('param', schema);
    if (validate(data)) return null;
    const e = validate.errors[0];
    const where = e.instancePath ? ` (item ${e.instancePath.slice(1)})` : '';
    return `${formatErrorMessage(e)}${where}`;
  }

  #validator(mode, schema) {
    const key = `${mode} ${JSON.stringify(schema)}`;
    let fn = this.validators.get(key);
    if (!fn) {
      const t0 = process.hrtime.bigint();
      const label = schema.$ref ? schema.$ref.split('/').pop() : 'inline';
      const s = this.#transform(schema, mode, label, false);
      try {
        fn = this.ajv.compile(s);
      } catch (e) {
        const msg = `cannot compile ${mode} schema ${label}: ${e.message}`;
        fn = () => {
          fn.errors = [{ keyword: 'pbInternal', instancePath: '', message: msg, params: {} }];
          return false;
        };
        this.warn(msg);
      }
      this.compileMs += Number(process.hrtime.bigint() - t0) / 1e6;
      this.validators.set(key, fn);
    }
    return fn;
  }

  #validate(mode, schema, value, context) {
    const validate = this.#validator(mode, schema);
    if (validate(value)) return [];
    const seen = new Set();
    const out = [];
    for (const e of validate.errors || []) {
      let where = `/body${e.instancePath}`;
      let message;
      if (e.keyword === 'additionalProperties') {
        where += `/${ptrEscape(e.params.additionalProperty)}`;
        const owner = this.labels.get(e.parentSchema) || context;
        message = `unknown property "${e.params.additionalProperty}" (not in ${owner})`;
      } else if (e.keyword === 'pbReadOnly') {
        message = `read-only property ${e.params.label} must not be sent in a request`;
      } else if (e.keyword === 'pbWriteOnly') {
        message = `write-only property ${e.params.label} must not appear in a response`;
      } else {
        const owner = this.labels.get(e.parentSchema);
        message = formatErrorMessage(e) + (owner ? ` (${owner})` : '');
      }
      const k = `${where}\u0000${message}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ where, message });
    }
    return out;
  }

  /** Compiles every validator that exchanges could need (for start-up timing or --precompile). */
  compileAll() {
    const t0 = process.hrtime.bigint();
    let count = 0;
    const add = (mode, schema) => {
      if (!schema) return;
      this.#validator(mode, schema);
      count++;
    };
    for (const { op } of this.operations()) {
      const rb = op.requestBody ? resolveRef(this.spec, op.requestBody) : null;
      for (const [k, media] of Object.entries((rb && rb.content) || {})) if (isJsonMedia(mediaEssence(k))) add('request', media && media.schema);
      for (const r of Object.values(op.responses || {})) {
        const resp = resolveRef(this.spec, r) || {};
        for (const [k, media] of Object.entries(resp.content || {})) if (isJsonMedia(mediaEssence(k))) add('response', media && media.schema);
      }
    }
    if (this.spec.components && this.spec.components.schemas && this.spec.components.schemas.ApiError)
      add('response', { $ref: '#/components/schemas/ApiError' });
    return { validators: count, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  }
}

function showValue(name, val) {
  if (isSecretName(name)) return ` (value ${REDACTED})`;
  const s = String(val);
  return ` value "${s.length > 60 ? s.slice(0, 57) + '...' : s}"`;
}

function formatErrorMessage(e) {
  switch (e.keyword) {
    case 'type':
      return `must be ${e.params.type}, got ${jsonType(e.data)}`;
    case 'enum': {
      const vals = (e.params.allowedValues || []).filter((x) => x !== null);
      const list = vals.slice(0, 12).join(', ') + (vals.length > 12 ? `, ... (${vals.length} values)` : '');
      return `must be one of: ${list}`;
    }
    case 'format':
      return `must match format "${e.params.format}"`;
    default:
      return e.message || e.keyword;
  }
}

function coerceParam(value, schema) {
  const type = schema && schema.type;
  if (type === 'integer') return /^[+-]?\d+$/.test(value) ? Number(value) : value;
  if (type === 'number') return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) ? Number(value) : value;
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

function basePathFromSpec(spec) {
  const url = spec.servers && spec.servers[0] && spec.servers[0].url;
  if (!url) return '';
  try {
    return new URL(url, 'http://placeholder.invalid').pathname;
  } catch {
    return '';
  }
}

function normaliseBasePath(p) {
  let s = String(p || '').trim();
  if (s === '' || s === '/') return '';
  if (!s.startsWith('/')) s = '/' + s;
  return s.replace(/\/+$/, '');
}

function parseTemplateSegment(seg) {
  const whole = /^\{([^{}]+)\}$/.exec(seg);
  if (whole) return { kind: 0, names: [whole[1]] };
  if (!seg.includes('{')) return { kind: 2, lit: seg };
  const names = [];
  let re = '^';
  let litLen = 0;
  for (const part of seg.split(/(\{[^{}]+\})/)) {
    const m = /^\{([^{}]+)\}$/.exec(part);
    if (m) {
      names.push(m[1]);
      re += '(.+?)';
    } else {
      re += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      litLen += part.length;
    }
  }
  return { kind: 1, names, re: new RegExp(re + '$'), litLen };
}

function compareSpecificity(a, b) {
  for (let i = 0; i < a.length; i++) {
    if (a[i].kind !== b[i].kind) return b[i].kind - a[i].kind;
    if (a[i].kind === 1 && a[i].litLen !== b[i].litLen) return b[i].litLen - a[i].litLen;
  }
  return 0;
}

function matchSegments(tsegs, segs) {
  const params = {};
  for (let i = 0; i < tsegs.length; i++) {
    const t = tsegs[i];
    const s = segs[i];
    if (t.kind === 2) {
      if (t.lit !== s) return null;
    } else if (t.kind === 0) {
      if (s === '') return null;
      params[t.names[0]] = s;
    } else {
      const m = t.re.exec(s);
      if (!m) return null;
      t.names.forEach((n, j) => (params[n] = m[j + 1]));
    }
  }
  return params;
}

function mergeParameters(doc, pathLevel, opLevel) {
  const out = new Map();
  for (const p of [...(pathLevel || []), ...(opLevel || [])]) {
    const r = resolveRef(doc, p);
    if (r && r.name && r.in) out.set(`${r.in}:${r.name}`, r);
  }
  return [...out.values()];
}

function pickMedia(content, ct) {
  const keys = Object.keys(content || {});
  const full = normMedia(ct);
  const ess = mediaEssence(ct);
  return (
    keys.find((k) => normMedia(k) === full) ??
    keys.find((k) => mediaEssence(k) === ess) ??
    keys.find((k) => {
      const e = mediaEssence(k);
      return e === '*/*' || (e.endsWith('/*') && ess.startsWith(e.slice(0, -1)));
    }) ??
    null
  );
}

// ---------------------------------------------------------------------------
// The proxy

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'content-length',
]);

function forwardHeaders(rawHeaders) {
  const connectionListed = new Set();
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i].toLowerCase() === 'connection')
      for (const t of rawHeaders[i + 1].split(',')) connectionListed.add(t.trim().toLowerCase());
  const out = {};
  const caseOf = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || connectionListed.has(lower)) continue;
    const key = caseOf[lower] || (caseOf[lower] = name);
    if (out[key] === undefined) out[key] = rawHeaders[i + 1];
    else out[key] = [].concat(out[key], rawHeaders[i + 1]);
  }
  return out;
}

const MAX_VIOLATIONS = 10000;
const MAX_LOGGED = 100;

/**
 * Starts the proxy. Options: spec (object) or specFile, upstream (URL),
 * port (0), host ('127.0.0.1'), basePath, strictNulls, precompile,
 * log (line => void, for stderr), verbose.
 * Resolves to {url, port, server, checker, report(), reset(), close()}.
 */
export async function startProxy(opts) {
  const log = opts.log || ((line) => process.stderr.write(line + '\n'));
  const spec = opts.spec || loadSpec(opts.specFile);
  const checker =
    opts.checker ||
    new ContractChecker(spec, { basePath: opts.basePath, strictNulls: opts.strictNulls, warn: (m) => log(`contract: warning: ${m}`) });
  if (opts.precompile) {
    const r = checker.compileAll();
    log(`contract: precompiled ${r.validators} validators in ${r.ms.toFixed(0)} ms`);
  }
  const upstream = new URL(opts.upstream);
  if (upstream.protocol !== 'http:') throw new Error(`upstream must be an http:// URL, got ${opts.upstream}`);
  const upstreamPrefix = upstream.pathname.replace(/\/+$/, '');
  // No keep-alive towards the upstream: a pooled socket the upstream has
  // just closed makes the next request fail with ECONNRESET, and a proxy
  // cannot safely resend a request (it may not be idempotent).
  const agent = new http.Agent({ keepAlive: false, maxSockets: 64 });

  const state = { requests: 0, violations: [], operations: {}, truncated: 0, logged: 0, checks: 0, checkMs: 0, maxCheckMs: 0 };

  const report = () => {
    const r = { requests: state.requests, violations: state.violations.slice(), operations: { ...state.operations } };
    if (state.truncated) r.truncated = state.truncated;
    r.timing = {
      checkedExchanges: state.checks,
      meanCheckMs: state.checks ? +(state.checkMs / state.checks).toFixed(3) : 0,
      maxCheckMs: +state.maxCheckMs.toFixed(3),
      compileMs: +checker.compileMs.toFixed(1),
      compiledValidators: checker.validators.size,
    };
    return r;
  };
  const reset = () => {
    state.requests = 0;
    state.violations = [];
    state.operations = {};
    state.truncated = 0;
    state.logged = 0;
    state.checks = 0;
    state.checkMs = 0;
    state.maxCheckMs = 0;
  };

  const record = (list, ctx) => {
    for (const v of list) {
      const entry = {
        direction: v.direction,
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        where: v.where,
        message: v.message,
        operation: ctx.operation,
      };
      if (state.violations.length < MAX_VIOLATIONS) state.violations.push(entry);
      else state.truncated++;
      if (!opts.quiet) {
        if (state.logged < MAX_LOGGED)
          log(`contract: ${entry.direction} ${ctx.method} ${ctx.printable} -> ${ctx.status}: ${entry.where || '(exchange)'}: ${entry.message}`);
        else if (state.logged === MAX_LOGGED) log('contract: further violations are only in the report');
        state.logged++;
      }
    }
  };

  const sendJson = (res, status, obj) => {
    const body = Buffer.from(JSON.stringify(obj, null, 2) + '\n');
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
    res.end(body);
  };

  const control = (req, res, pathname) => {
    if (pathname === '/_contract/report' && req.method === 'GET') return sendJson(res, 200, report());
    if (pathname === '/_contract/reset' && req.method === 'POST') {
      const r = report();
      reset();
      return sendJson(res, 200, r);
    }
    if (pathname === '/_contract/health' && req.method === 'GET') return sendJson(res, 200, { ok: true });
    return sendJson(res, 404, { error: `no such control endpoint: ${req.method} ${pathname}` });
  };

  const handle = (req, res, body) => {
    const { pathname } = splitTarget(req.url);
    if (pathname.startsWith('/_contract/')) return control(req, res, pathname);
    state.requests++;
    const t0 = process.hrtime.bigint();
    let reqCheck;
    try {
      reqCheck = checker.checkRequest({ method: req.method, url: req.url, headers: req.headers, body });
    } catch (e) {
      reqCheck = { match: null, violations: [{ direction: 'request', where: '', message: `contract proxy internal error: ${e.message}` }] };
    }
    let checkMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const match = reqCheck.match;
    if (match) state.operations[match.key] = (state.operations[match.key] || 0) + 1;
    const ctx = {
      method: req.method,
      path: match ? redactPath(pathname, match) : pathname,
      printable: redactTarget(req.url, match),
      operation: match ? match.key : null,
      status: null,
    };

    const headers = forwardHeaders(req.rawHeaders);
    if (body.length > 0 || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined)
      headers['Content-Length'] = String(body.length);
    const target = splitTarget(req.url);
    const upReq = http.request({
      host: upstream.hostname,
      port: upstream.port || 80,
      method: req.method,
      path: upstreamPrefix + target.pathname + (target.query !== null ? `?${target.query}` : ''),
      headers,
      agent,
    });
    let done = false;
    const finish = (status, resHeaders, rawHeaders, statusMessage, resBody, upstreamError) => {
      if (done) return;
      done = true;
      ctx.status = status;
      const t1 = process.hrtime.bigint();
      let resViolations;
      if (upstreamError) {
        resViolations = [{ direction: 'response', where: '', message: `upstream request failed: ${upstreamError}` }];
      } else {
        try {
          resViolations = checker.checkResponse({ method: req.method, match, status, headers: resHeaders, body: resBody });
        } catch (e) {
          resViolations = [{ direction: 'response', where: '', message: `contract proxy internal error: ${e.message}` }];
        }
      }
      checkMs += Number(process.hrtime.bigint() - t1) / 1e6;
      state.checks++;
      state.checkMs += checkMs;
      if (checkMs > state.maxCheckMs) state.maxCheckMs = checkMs;
      record(reqCheck.violations, ctx);
      record(resViolations, ctx);
      if (opts.verbose)
        log(`contract: ${req.method} ${ctx.printable} -> ${status} [${reqCheck.violations.length + resViolations.length} violations, ${checkMs.toFixed(2)} ms]`);
      if (res.destroyed) return;
      if (upstreamError) return sendJson(res, 502, { status: 502, code: 1000, message: `contract proxy: upstream request failed: ${upstreamError}` });
      const out = forwardHeaders(rawHeaders);
      const noBody = req.method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
      if (noBody) {
        if (resHeaders['content-length'] !== undefined) out['Content-Length'] = resHeaders['content-length'];
      } else out['Content-Length'] = String(resBody.length);
      res.writeHead(status, statusMessage, out);
      res.end(noBody ? undefined : resBody);
    };
    upReq.on('response', (upRes) => {
      const chunks = [];
      upRes.on('data', (c) => chunks.push(c));
      upRes.on('end', () => finish(upRes.statusCode, upRes.headers, upRes.rawHeaders, upRes.statusMessage, Buffer.concat(chunks), null));
      upRes.on('error', (e) => finish(502, {}, [], '', Buffer.alloc(0), e.code || e.message));
    });
    upReq.on('error', (e) => finish(502, {}, [], '', Buffer.alloc(0), e.code || e.message));
    res.on('close', () => {
      if (!done) upReq.destroy();
    });
    upReq.end(body.length > 0 ? body : undefined);
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
    req.on('error', () => res.destroy());
  });
  server.keepAliveTimeout = 30000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port || 0, opts.host || '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const host = addr.family === 'IPv6' || addr.family === 6 ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    server,
    checker,
    report,
    reset,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        if (server.closeAllConnections) server.closeAllConnections();
      }),
  };
}

export function loadSpec(file) {
  if (!file) throw new Error('no spec file given');
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Writes the report atomically (temp file + rename). */
export function writeReport(file, report) {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(report, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

// ---------------------------------------------------------------------------
// Command line

const USAGE = `usage: node validating-proxy.mjs --spec FILE --upstream http://HOST:PORT
         [--port 0] [--host 127.0.0.1] [--report FILE] [--base-path /v2]
         [--strict-nulls] [--precompile] [--quiet] [--verbose]`;

function parseArgs(argv) {
  const o = { port: 0, host: '127.0.0.1' };
  const flags = { '--strict-nulls': 'strictNulls', '--precompile': 'precompile', '--quiet': 'quiet', '--verbose': 'verbose' };
  const valued = { '--spec': 'specFile', '--upstream': 'upstream', '--port': 'port', '--host': 'host', '--report': 'report', '--base-path': 'basePath' };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let val;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      val = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (a === '-h' || a === '--help') {
      o.help = true;
    } else if (flags[a]) {
      o[flags[a]] = true;
    } else if (valued[a]) {
      if (val === undefined) {
        if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
        val = argv[++i];
      }
      o[valued[a]] = val;
    } else throw new Error(`unknown argument: ${a}`);
  }
  if (o.help) return o;
  if (!o.specFile) throw new Error('--spec is required');
  if (!o.upstream) throw new Error('--upstream is required');
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port: ${o.port}`);
  o.port = port;
  return o;
}

export async function main(argv) {
  for (const s of [process.stdout, process.stderr]) s.on('error', () => {}); // EPIPE: reader went away
  let o;
  try {
    o = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`validating-proxy: ${e.message}\n${USAGE}\n`);
    return process.exit(2);
  }
  if (o.help) {
    process.stdout.write(USAGE + '\n');
    return process.exit(0);
  }
  let proxy;
  try {
    const t0 = process.hrtime.bigint();
    const spec = loadSpec(o.specFile);
    proxy = await startProxy({ ...o, spec });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    process.stdout.write(`listening on ${proxy.url}\n`);
    if (!o.quiet)
      process.stderr.write(
        `contract: ${proxy.checker.routeCount} paths, base path ${proxy.checker.basePath || '/'}, upstream ${o.upstream}, ready in ${ms.toFixed(0)} ms\n`,
      );
  } catch (e) {
    process.stderr.write(`validating-proxy: ${e.message}\n`);
    return process.exit(2);
  }
  let stopping = false;
  const stop = (sig) => {
    if (stopping) return;
    stopping = true;
    const r = proxy.report();
    if (o.report) {
      try {
        writeReport(o.report, r);
      } catch (e) {
        process.stderr.write(`validating-proxy: cannot write report ${o.report}: ${e.message}\n`);
      }
    }
    if (!o.quiet) process.stderr.write(`contract: ${sig}: ${r.requests} requests, ${r.violations.length + (r.truncated || 0)} violations\n`);
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function isMain() {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMain()) main(process.argv.slice(2));
