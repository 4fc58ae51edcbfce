// Generates the C header (addon, gw-replay) and the TS types + decoders (agent, FakeDataplane) of the dataplane
// tables from dataplane/tables/tables.yaml.
//   npx tsx dataplane/tables/gen.ts           write dataplane/tables/gen/gw_tables.h and tables.gen.ts
//   npx tsx dataplane/tables/gen.ts --check   exit 1 when the files on disk differ from what the schema generates
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { emitGenerated } from '../../scripts/lib/generated.ts';

interface Field {
  name: string;
  type: 'u32' | 'u16' | 'port' | 'ip' | 'prefix' | 'mac' | 'enum' | 'variant' | 'list';
  doc?: string;
  optional?: boolean;
  /** ip: only this address family */
  family?: 4 | 6;
  min?: number;
  /** a number, or the name of a `limits` entry */
  max?: number | string;
  /** variant: the field of the object that picks the case */
  tag?: string;
  ts?: string;
  cases?: { name: string; c: string; doc?: string; fields: Field[] }[];
  /** list: fields of each element */
  item?: Field[];
  /** enum: the names a value may take (TS: their union) and the number each is in C; an optional enum's
   *  absence decodes as 0 in C, so the case numbered 0 is its default */
  values?: Record<string, number>;
}
interface Op {
  api: string;
  addon: string;
  /** full: the whole item; key: the key fields (a bare value when the key is one field); tagged: an object
   *  whose `tag` field picks full or key per item */
  item: 'full' | 'key' | 'tagged';
  single?: boolean;
  tag?: string;
  /** tagged: TS name of the op type */
  ts?: string;
  cases?: Record<string, 'full' | 'key'>;
}
interface Table {
  doc: string;
  ts?: string;
  fields: Field[];
  key: string[];
  ops: Record<string, Op>;
}
export interface Schema {
  version: number;
  results: { name: string; doc?: string }[];
  limits: Record<string, number>;
  tables: Record<string, Table>;
}

const TYPES = new Set(['u32', 'u16', 'port', 'ip', 'prefix', 'mac', 'enum', 'variant', 'list']);
const TYPE_MAX: Record<string, number> = { u32: 0xffffffff, u16: 0xffff };

export function loadSchema(file: string): Schema {
  const s = parse(readFileSync(file, 'utf8')) as Schema;
  if (!Number.isInteger(s.version) || s.version < 1) throw new Error('tables: version must be a positive integer');
  if (s.results[0]?.name !== 'ok' || s.results[1]?.name !== 'invalid') throw new Error('tables: results must start with ok, invalid');
  const check = (fs: Field[], where: string): void => {
    for (const f of fs) {
      if (!TYPES.has(f.type)) throw new Error(`tables: ${where}.${f.name}: unknown type ${f.type}`);
      if (f.family !== undefined && (f.type !== 'ip' || (f.family !== 4 && f.family !== 6))) throw new Error(`tables: ${where}.${f.name}: family is 4 or 6, on ip fields`);
      if (typeof f.max === 'string' && !(f.max in s.limits)) throw new Error(`tables: ${where}.${f.name}: unknown limit ${f.max}`);
      if (f.type === 'list') check(f.item ?? [], `${where}.${f.name}[]`);
      if (f.type === 'enum' && (!f.values || !Object.keys(f.values).length || Object.values(f.values).some((n) => !Number.isInteger(n) || n < 0)))
        throw new Error(`tables: ${where}.${f.name}: enum needs values (name: number >= 0)`);
      if (f.type === 'variant') {
        if (!f.tag || !f.ts || !f.cases?.length) throw new Error(`tables: ${where}.${f.name}: variant needs tag, ts, cases`);
        const seen = new Map<string, string>();
        for (const c of f.cases) {
          check(c.fields, `${where}.${f.name}.${c.name}`);
          for (const cf of c.fields) {
            if ((seen.get(cf.name) ?? cf.type) !== cf.type) throw new Error(`tables: ${where}.${f.name}: ${cf.name} typed twice`);
            seen.set(cf.name, cf.type);
          }
        }
      }
    }
  };
  for (const [n, t] of Object.entries(s.tables)) {
    check(t.fields, n);
    for (const k of t.key) if (!t.fields.some((f) => f.name === k)) throw new Error(`tables: ${n}: key ${k} is not a field`);
    if (t.fields.length > 1 && !t.ts) throw new Error(`tables: ${n}: items of several fields need a ts name`);
    for (const [on, op] of Object.entries(t.ops)) {
      if (op.item === 'tagged' && (!op.tag || !op.cases || !op.ts)) throw new Error(`tables: ${n}.${on}: tagged needs tag, cases, ts`);
    }
  }
  return s;
}

const camel = (s: string): string => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
const pascal = (s: string): string => camel(s).replace(/^\w/, (c) => c.toUpperCase());
const up = (s: string): string => s.toUpperCase();

/** Every property name any decoder reads (C readers look keys up by index: the addon makes each JS string once per batch). */
function keyNames(s: Schema): string[] {
  const out = new Set<string>();
  const walk = (fs: Field[]): void => {
    for (const f of fs) {
      out.add(f.name);
      if (f.tag) out.add(f.tag);
      for (const c of f.cases ?? []) walk(c.fields);
      walk(f.item ?? []);
    }
  };
  for (const t of Object.values(s.tables)) {
    walk(t.fields);
    for (const op of Object.values(t.ops)) if (op.tag) out.add(op.tag);
  }
  return [...out];
}

/** C spelling of a field's max: the limit's macro when it names one. */
const cMax = (s: Schema, f: Field): string => (typeof f.max === 'string' ? `GW_TBL_MAX_${up(f.max)}` : String(maxOf(s, f)));
const maxOf = (s: Schema, f: Field): number => (typeof f.max === 'string' ? s.limits[f.max]! : (f.max ?? TYPE_MAX[f.type] ?? 0));
const keyFields = (t: Table): Field[] => t.key.map((k) => t.fields.find((f) => f.name === k)!);
/** A table whose key is one field passes it bare (ids), not as an object. */
const bareKey = (t: Table): boolean => t.key.length === 1;
/** Whether some op takes whole items (else only the key decoder is generated). */
const takesItems = (t: Table): boolean => Object.values(t.ops).some((op) => op.item === 'full' || Object.values(op.cases ?? {}).includes('full'));

/** What a decoder says when a field is refused (replay prints it after the item's position). */
function expectation(s: Schema, f: Field): string {
  switch (f.type) {
    case 'u32':
    case 'u16':
      return `expected an integer ${f.min ?? 0}..${maxOf(s, f)}`;
    case 'port':
      return 'expected a port of the dataplane';
    case 'ip':
      return f.family ? `expected an IPv${f.family} address` : 'expected an IP address';
    case 'prefix':
      return 'expected address/length';
    case 'mac':
      return 'expected xx:xx:xx:xx:xx:xx';
    case 'enum':
      return `expected ${Object.keys(f.values!).join('|')}`;
    case 'variant':
      return `expected an object with ${f.tag} ${f.cases!.map((c) => c.name).join('|')}`;
    case 'list':
      return `expected ${f.min ?? 0}..${maxOf(s, f)} entries`;
  }
}

// ---------------------------------------------------------------- C

function cType(f: Field): string {
  switch (f.type) {
    case 'u32':
    case 'enum':
      return 'uint32_t';
    case 'u16':
    case 'port':
      return 'uint16_t';
    case 'ip':
    case 'prefix':
      return 'struct gw_ip';
    case 'mac':
      return 'struct rte_ether_addr';
    default:
      throw new Error(`no C scalar for ${f.type}`);
  }
}

function cMembers(s: Schema, fs: Field[], ind: string): string[] {
  const o: string[] = [];
  for (const f of fs) {
    const doc = f.doc ? ` /* ${f.doc} */` : '';
    if (f.type === 'variant') {
      const inner = new Map<string, Field>();
      for (const c of f.cases!) for (const cf of c.fields) inner.set(cf.name, cf);
      o.push(`${ind}struct {`, `${ind}\tint ${f.tag}; /* ${f.cases!.map((c) => c.c).join(', ')} */`);
      o.push(...cMembers(s, [...inner.values()], ind + '\t'), `${ind}} ${f.name};${doc}`);
    } else if (f.type === 'list') {
      o.push(`${ind}struct {`, ...cMembers(s, f.item!, ind + '\t'), `${ind}} ${f.name}[${cMax(s, f)}];${doc}`);
      o.push(`${ind}unsigned n_${f.name};`);
    } else {
      o.push(`${ind}${cType(f)} ${f.name};${doc}`);
      if (f.type === 'prefix') o.push(`${ind}uint8_t ${f.name}_len;`);
    }
  }
  return o;
}

/** Statements that decode value `v` (NULL = absent) of field f into `dst`; depth keeps nested names apart. */
function cValue(s: Schema, f: Field, v: string, dst: string, path: string, depth: number): string[] {
  const bad = `return gw_tbl_bad(r, "${path}: ${expectation(s, f)}");`;
  const check = (call: string): string[] => [`if (${call})`, `\t${bad}`];
  const d = depth;
  switch (f.type) {
    case 'u32':
    case 'u16':
      return check(`gw_tbl_rd_${f.type}(r, ${v}, ${f.min ?? 0}u, ${typeof f.max === 'string' ? cMax(s, f) : `${maxOf(s, f)}u`}, &${dst})`);
    case 'port':
      return check(`gw_tbl_rd_port(r, ${v}, GW_TBL_MAX_PORTS, &${dst})`);
    case 'ip':
      return check(`gw_tbl_rd_ip(r, ${v}, ${f.optional ? 'true' : 'false'}, ${f.family ?? 0}, &${dst})`);
    case 'prefix':
      return check(`gw_tbl_rd_prefix(r, ${v}, &${dst}, &${dst}_len)`);
    case 'mac':
      return check(`gw_tbl_rd_mac(r, ${v}, &${dst})`);
    case 'enum': {
      const vs = Object.entries(f.values!);
      const o = [
        `static const char *const names${d}_${f.name}[] = {${vs.map(([n]) => `"${n}"`).join(', ')}};`,
        `static const uint32_t values${d}_${f.name}[] = {${vs.map(([, n]) => `${n}u`).join(', ')}};`,
      ];
      const k = `k${d}_${f.name}`;
      if (f.optional) o.push(`int ${k} = ${v} ? gw_tbl_rd_tag(r, ${v}, names${d}_${f.name}, ${vs.length}) : -2;`);
      else o.push(`int ${k} = gw_tbl_rd_tag(r, ${v}, names${d}_${f.name}, ${vs.length});`);
      o.push(...check(`${k} == -1`), `${dst} = ${k} >= 0 ? values${d}_${f.name}[${k}] : 0;`);
      return o;
    }
    case 'variant': {
      const cs = f.cases!;
      const o = [
        `static const char *const names${d}[] = {${cs.map((c) => `"${c.name}"`).join(', ')}};`,
        `static const int values${d}[] = {${cs.map((c) => c.c).join(', ')}};`,
        `int k${d} = gw_tbl_rd_tag(r, ${v} ? r->get(r->ctx, ${v}, GW_TK_${up(f.tag!)}) : NULL, names${d}, ${cs.length});`,
        ...check(`k${d} < 0`),
        `${dst}.${f.tag} = values${d}[k${d}];`,
      ];
      cs.forEach((c, i) => {
        if (c.fields.length) o.push(`if (k${d} == ${i}) {`, ...cFields(s, c.fields, v, `${dst}.`, path, d + 1).map((l) => `\t${l}`), '}');
      });
      return o;
    }
    case 'list':
      return [
        `long n${d} = ${v} ? r->len(r->ctx, ${v}) : -1;`,
        ...check(`n${d} < ${f.min ?? 0} || n${d} > ${cMax(s, f)}`),
        `for (long i${d} = 0; i${d} < n${d}; i${d}++) {`,
        `\tconst void *e${d} = r->at(r->ctx, ${v}, (size_t)i${d});`,
        ...cFields(s, f.item!, `e${d}`, `${dst}[i${d}].`, `${path}[]`, d + 1).map((l) => `\t${l}`),
        '}',
        `${dst.replace(/(\w+)$/, 'n_$1')} = (unsigned)n${d};`,
      ];
  }
}

/** Decodes fields fs of object `o` into the struct `dst` (a prefix: "it->", "it->target."). */
function cFields(s: Schema, fs: Field[], o: string, dst: string, path: string, depth: number): string[] {
  const out: string[] = [];
  for (const f of fs) {
    const p = path ? `${path}.${f.name}` : f.name;
    const get = `r->get(r->ctx, ${o}, GW_TK_${up(f.name)})`;
    const lines = (v: string): string[] => cValue(s, f, v, `${dst}${f.name}`, p, depth);
    // Scalars read their value inline; objects and lists need it more than once.
    if (f.type === 'variant' || f.type === 'list') out.push('{', `\tconst void *v${depth} = ${get};`, ...lines(`v${depth}`).map((l) => `\t${l}`), '}');
    else out.push(...lines(get));
  }
  return out;
}

function cFunction(name: string, doc: string, params: string, body: string[]): string[] {
  return [`/* ${doc} */`, `static inline int ${name}(struct gw_tbl_reader *r, ${params})`, '{', ...body.map((l) => `\t${l}`), '\treturn GW_TR_OK;', '}', ''];
}

export function genC(s: Schema): string {
  const o: string[] = [];
  o.push('/* SPDX-License-Identifier: Apache-2.0 */');
  o.push('/* GENERATED by dataplane/tables/gen.ts from dataplane/tables/tables.yaml: do not edit. */');
  o.push('/* Result codes, item structs and item decoders of the dataplane tables. A decoder reads one item through a');
  o.push(' * gw_tbl_reader (gw_tbl_read.h) and answers GW_TR_OK, or GW_TR_INVALID with r->why = "field: expected ...";');
  o.push(" * checks that need the tables (port, VRF, nexthop exist) are the caller's. */");
  o.push('#ifndef GW_TABLES_H\n#define GW_TABLES_H\n');
  o.push('#include <stdint.h>\n#include <string.h>\n\n#include "gw_dp.h"\n#include "gw_tbl_read.h"\n');
  o.push(`#define GW_TABLES_VERSION ${s.version}`);
  for (const [n, v] of Object.entries(s.limits)) o.push(`#define GW_TBL_MAX_${up(n)} ${v}`);
  o.push('\n/* Per-item results of table writes: the number is the index; the addon exports the names (tableResults()). */');
  o.push('#define GW_TABLE_RESULTS(X) \\');
  o.push(s.results.map((r) => `\tX(${up(r.name)}, "${r.name}")`).join(' \\\n'));
  o.push('enum gw_table_result {\n#define GW_TR_ENUM(e, s) GW_TR_##e,\n\tGW_TABLE_RESULTS(GW_TR_ENUM)\n#undef GW_TR_ENUM\n\tGW_TR_MAX\n};\n');
  o.push('#ifdef __cplusplus\n#define GW_TBL_ASSERT static_assert\n#else\n#define GW_TBL_ASSERT _Static_assert\n#endif');
  o.push('GW_TBL_ASSERT(GW_TBL_MAX_PORTS == GW_MAX_PORTS, "tables.yaml limits.ports != GW_MAX_PORTS");');
  o.push('GW_TBL_ASSERT(GW_TR_INVALID == 1, "gw_tbl_bad() answers 1 for invalid");\n');
  o.push('/* Every property name the decoders read. */');
  o.push('#define GW_TBL_KEYS(X) \\');
  o.push(keyNames(s).map((k) => `\tX(${up(k)}, "${k}")`).join(' \\\n'));
  o.push('enum gw_tbl_key {\n#define GW_TK_ENUM(e, s) GW_TK_##e,\n\tGW_TBL_KEYS(GW_TK_ENUM)\n#undef GW_TK_ENUM\n\tGW_TK_MAX\n};\n');
  for (const [n, t] of Object.entries(s.tables)) {
    const item = `struct gw_tbl_${n}_item *it`;
    const kf = keyFields(t);
    const rest = t.fields.filter((f) => !t.key.includes(f.name));
    o.push(`/* ---- ${n}: ${t.doc} */`);
    o.push(`struct gw_tbl_${n}_item {`, ...cMembers(s, t.fields, '\t'), '};');
    if (bareKey(t)) {
      const body = ['memset(it, 0, sizeof(*it));', ...cValue(s, kf[0]!, 'v', `it->${kf[0]!.name}`, kf[0]!.name, 0)];
      o.push(...cFunction(`gw_tbl_${n}_key_decode`, `The key of a ${n} item, given bare (${kf[0]!.name}).`, `const void *v, ${item}`, body));
    } else {
      const body = ['memset(it, 0, sizeof(*it));', ...cFields(s, kf, 'o', 'it->', '', 0)];
      o.push(...cFunction(`gw_tbl_${n}_key_decode`, `The key fields of a ${n} item (an object).`, `const void *o, ${item}`, body));
    }
    if (takesItems(t)) {
      const key = bareKey(t) ? `r->get(r->ctx, o, GW_TK_${up(kf[0]!.name)})` : 'o';
      const body = [`if (gw_tbl_${n}_key_decode(r, ${key}, it))`, '\treturn GW_TR_INVALID;', ...cFields(s, rest, 'o', 'it->', '', 0)];
      o.push(...cFunction(`gw_tbl_${n}_decode`, `A whole ${n} item (an object).`, `const void *o, ${item}`, body));
    }
    for (const [on, op] of Object.entries(t.ops)) {
      if (op.item !== 'tagged') continue;
      const cases = Object.entries(op.cases!);
      const dec = (w: string): string => (w === 'full' ? `gw_tbl_${n}_decode(r, o, it)` : `gw_tbl_${n}_key_decode(r, ${bareKey(t) ? `r->get(r->ctx, o, GW_TK_${up(kf[0]!.name)})` : 'o'}, it)`);
      o.push(`enum gw_tbl_${n}_${on} { ${cases.map(([c], i) => `GW_TBL_${up(n)}_${up(c)} = ${i}`).join(', ')} };`);
      o.push(`/* One ${on} op: ${op.tag} ${cases.map(([c, w]) => `${c} (${w === 'full' ? 'whole item' : 'key fields'})`).join(', ')}. */`);
      o.push(`static inline int gw_tbl_${n}_${on}_decode(struct gw_tbl_reader *r, const void *o, uint8_t *op, ${item})\n{`);
      o.push(`\tstatic const char *const names[] = {${cases.map(([c]) => `"${c}"`).join(', ')}};`);
      o.push(`\tint k = gw_tbl_rd_tag(r, r->get(r->ctx, o, GW_TK_${up(op.tag!)}), names, ${cases.length});`);
      o.push(`\tif (k < 0)\n\t\treturn gw_tbl_bad(r, "${op.tag}: expected ${cases.map(([c]) => c).join('|')}");`);
      o.push('\t*op = (uint8_t)k;');
      o.push(`\treturn ${cases.map(([, w], i) => (i < cases.length - 1 ? `k == ${i} ? ${dec(w)} : ` : dec(w))).join('')};\n}\n`);
    }
  }
  o.push('#endif /* GW_TABLES_H */');
  return o.join('\n') + '\n';
}

// ---------------------------------------------------------------- TS

function tsType(f: Field): string {
  switch (f.type) {
    case 'u32':
    case 'u16':
    case 'port':
      return 'number';
    case 'ip':
    case 'prefix':
    case 'mac':
      return 'string';
    case 'enum':
      return Object.keys(f.values!).map((n) => `'${n}'`).join(' | ');
    case 'variant':
      return f.ts!;
    case 'list':
      return `{ ${f.item!.map((e) => `${camel(e.name)}: ${tsType(e)}`).join('; ')} }[]`;
  }
}

const tsProps = (fs: Field[]): string => fs.map((f) => `${camel(f.name)}${f.optional ? '?' : ''}: ${tsType(f)}`).join('; ');

/** Expression decoding value `v` of field f (undefined = refused). */
function tsValue(s: Schema, f: Field, v: string): string {
  switch (f.type) {
    case 'u32':
    case 'u16':
      return `rd.int(${v}, ${f.min ?? 0}, ${maxOf(s, f)})`;
    case 'port':
      return `rd.int(${v}, 0, ${s.limits.ports! - 1})`;
    case 'ip':
      return f.family ? `rd.ip(${v}, ${f.family})` : `rd.ip(${v})`;
    case 'prefix':
    case 'mac':
      return `rd.${f.type}(${v})`;
    case 'enum':
      return `rd.oneOf(${v}, [${Object.keys(f.values!).map((n) => `'${n}'`).join(', ')}] as const)`;
    case 'variant':
      return `decode${f.ts}(${v})`;
    case 'list':
      return `rd.list(${v}, ${f.min ?? 0}, ${maxOf(s, f)}, (e) => {\n${tsObject(s, f.item!, 'e', '    ')}\n  })`;
  }
}

/** Body lines returning an object of fields fs read from `src`, or undefined at the first refused field. */
function tsObject(s: Schema, fs: Field[], src: string, ind: string, extra = '', pre: string[] = [], custom: Record<string, string> = {}): string {
  const o: string[] = [...pre.map((l) => ind + l), `${ind}const o = rd.obj(${src});`];
  for (const f of fs) {
    const n = camel(f.name);
    if (custom[f.name]) {
      o.push(`${ind}const ${n} = ${custom[f.name]};`, `${ind}if (${n} === undefined) return undefined;`);
    } else if (f.optional) {
      o.push(`${ind}const ${n} = o.${f.name} === undefined ? undefined : ${tsValue(s, f, `o.${f.name}`)};`);
      o.push(`${ind}if (o.${f.name} !== undefined && ${n} === undefined) return undefined;`);
    } else {
      o.push(`${ind}const ${n} = ${tsValue(s, f, `o.${f.name}`)};`, `${ind}if (${n} === undefined) return undefined;`);
    }
  }
  const req = fs.filter((f) => !f.optional).map((f) => camel(f.name));
  const opt = fs.filter((f) => f.optional).map((f) => `...(${camel(f.name)} === undefined ? {} : { ${camel(f.name)} })`);
  o.push(`${ind}return { ${[extra, ...req, ...opt].filter(Boolean).join(', ')} };`);
  return o.join('\n');
}

export function genTs(s: Schema): string {
  const o: string[] = [];
  o.push('// GENERATED by dataplane/tables/gen.ts from dataplane/tables/tables.yaml: do not edit.');
  o.push('// Item types, result codes and the table part of DataplaneApi and of the addon, plus decoders that check');
  o.push('// what the C decoders (gw_tables.h) check: each returns the item with canonical addresses, or undefined.');
  o.push("import * as rd from '../runtime.ts';\n");
  o.push(`export const TABLES_VERSION = ${s.version};`);
  o.push('/** Per-item results of table writes; index = the number the addon returns. */');
  o.push(`export const TABLE_RESULTS = [${s.results.map((r) => `'${r.name}'`).join(', ')}] as const;`);
  o.push('export type TableErrorCode = (typeof TABLE_RESULTS)[number];');
  o.push(`export const TABLE_LIMITS = { ${Object.entries(s.limits).map(([k, v]) => `${k}: ${v}`).join(', ')} } as const;\n`);
  const itemType = (t: Table): string => (t.fields.length === 1 ? tsType(t.fields[0]!) : t.ts!);
  const keyType = (t: Table): string =>
    bareKey(t) ? tsType(keyFields(t)[0]!) : `Pick<${t.ts}, ${t.key.map((k) => `'${camel(k)}'`).join(' | ')}>`;
  const opType = (t: Table, op: Op): string => (op.item === 'full' ? itemType(t) : op.item === 'key' ? keyType(t) : op.ts!);
  const variants: Field[] = [];
  for (const t of Object.values(s.tables)) for (const f of t.fields) if (f.type === 'variant') variants.push(f);
  for (const f of variants) {
    o.push(`export type ${f.ts} =\n${f.cases!.map((c) => `  | { ${f.tag}: '${c.name}'${c.fields.length ? `; ${tsProps(c.fields)}` : ''} }`).join('\n')};`);
  }
  for (const [n, t] of Object.entries(s.tables)) {
    if (t.fields.length > 1) {
      o.push(`/** ${n}: ${t.doc} */`, `export interface ${t.ts} {`);
      for (const f of t.fields) o.push(`  ${f.doc ? `/** ${f.doc} */\n  ` : ''}${camel(f.name)}${f.optional ? '?' : ''}: ${tsType(f)};`);
      o.push('}');
    }
    for (const op of Object.values(t.ops)) {
      if (op.item !== 'tagged') continue;
      const cases = Object.entries(op.cases!).map(([c, w]) => `  | { ${op.tag}: '${c}'; ${tsProps(w === 'full' ? t.fields : keyFields(t))} }`);
      o.push(`export type ${opType(t, op)} =\n${cases.join('\n')};`);
    }
  }
  /** One method per op of every table: name and result type by side (API or addon). */
  const methods = (name: (op: Op) => string, result: (op: Op) => string): string[] =>
    Object.values(s.tables).flatMap((t) =>
      Object.values(t.ops).map((op) => {
        const arg = op.single ? `${camel(t.key[0]!)}: ${opType(t, op)}` : `items: ${opType(t, op)}[]`;
        return `  ${name(op)}(${arg}): ${result(op)};`;
      }),
    );
  o.push('\n/** The table writes of DataplaneApi: one result per item, in item order. */');
  o.push('export interface TablesApi {');
  o.push(...methods((op) => op.api, (op) => (op.single ? 'TableErrorCode' : 'TableErrorCode[]')));
  o.push('}\n');
  o.push('/** The table writes of the addon (dataplane/addon/tables.cc): result numbers index TABLE_RESULTS. */');
  o.push('export interface TablesAddon {');
  o.push('  /** The result names compiled into the addon (GW_TABLE_RESULTS), to check a build is current. */');
  o.push('  tableResults(): string[];');
  o.push(...methods((op) => op.addon, (op) => (op.single ? 'number' : 'Int32Array')));
  o.push('}\n');
  for (const f of variants) {
    o.push(`function decode${f.ts}(v: unknown): ${f.ts} | undefined {`);
    o.push(`  switch (rd.obj(v).${f.tag}) {`);
    for (const c of f.cases!) {
      if (!c.fields.length) o.push(`    case '${c.name}':\n      return { ${f.tag}: '${c.name}' };`);
      else o.push(`    case '${c.name}': {\n${tsObject(s, c.fields, 'v', '      ', `${f.tag}: '${c.name}' as const`)}\n    }`);
    }
    o.push('    default:\n      return undefined;\n  }\n}');
  }
  for (const [n, t] of Object.entries(s.tables)) {
    const N = pascal(n);
    if (takesItems(t)) {
      // The key decoder reads the key fields, as the C decoder does.
      const k0 = t.key[0]!;
      const body = bareKey(t)
        ? tsObject(s, t.fields, 'v', '  ', '', [], { [k0]: `decode${N}Key(o.${k0})` })
        : tsObject(s, t.fields.filter((f) => !t.key.includes(f.name)), 'v', '  ', '...k', [`const k = decode${N}Key(v);`, 'if (k === undefined) return undefined;']);
      o.push(`export function decode${N}(v: unknown): ${itemType(t)} | undefined {\n${body}\n}`);
    }
    if (bareKey(t)) o.push(`export function decode${N}Key(v: unknown): ${keyType(t)} | undefined {\n  return ${tsValue(s, keyFields(t)[0]!, 'v')};\n}`);
    else o.push(`export function decode${N}Key(v: unknown): ${keyType(t)} | undefined {\n${tsObject(s, keyFields(t), 'v', '  ')}\n}`);
    for (const op of Object.values(t.ops)) {
      if (op.item !== 'tagged') continue;
      const T = opType(t, op);
      o.push(`export function decode${N}${pascal(Object.keys(t.ops).find((k) => t.ops[k] === op)!)}(v: unknown): ${T} | undefined {`);
      o.push(`  switch (rd.obj(v).${op.tag}) {`);
      for (const [c, w] of Object.entries(op.cases!)) {
        const d = w === 'full' ? `decode${N}(v)` : `decode${N}Key(v)`;
        o.push(`    case '${c}': {\n      const it = ${d};\n      return it && { ${op.tag}: '${c}', ...it };\n    }`);
      }
      o.push('    default:\n      return undefined;\n  }\n}');
    }
  }
  return o.join('\n') + '\n';
}

const here = dirname(fileURLToPath(import.meta.url));
export const OUT_C = join(here, 'gen', 'gw_tables.h');
export const OUT_TS = join(here, 'gen', 'tables.gen.ts');

export function generate(): { c: string; ts: string } {
  const s = loadSchema(join(here, 'tables.yaml'));
  return { c: genC(s), ts: genTs(s) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { c, ts } = generate();
  emitGenerated(
    [
      [OUT_C, c],
      [OUT_TS, ts],
    ],
    'npm run gen:tables',
  );
}
