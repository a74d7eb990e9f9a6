import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';

type FormatsPlugin = typeof formatsModule.default;
/** ajv-formats is CommonJS: under Node ESM its default import is module.exports, which also carries `default`. */
const addFormats: FormatsPlugin =
  (formatsModule as unknown as { default?: FormatsPlugin }).default ?? (formatsModule as unknown as FormatsPlugin);

const SCHEMA_FILE = new URL(
  '../../src/control-plane/trunks/capability/ietf-sip-auto-peering.schema.json',
  import.meta.url,
);

let compiled: ValidateFunction | undefined;

/** The committed JSON Schema of the capability set document, compiled once (draft 2020-12, strict mode but for strictRequired). */
export function capabilitySchemaValidator(): ValidateFunction {
  if (!compiled) {
    // strictRequired is off: `if: {required: [...]}` on members declared by the parent is how YANG `when` reads here.
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
    addFormats(ajv);
    compiled = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
  }
  return compiled;
}

/** The schema's errors for a document, as "instancePath message" lines (empty when it is valid). */
export function capabilitySchemaErrors(document: unknown): string[] {
  const validate = capabilitySchemaValidator();
  if (validate(document)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

/** List keys the schema cannot check: every list of the document has unique keys (RFC 7950 section 7.8.2). */
export function duplicateListKeys(document: Record<string, any>): string[] {
  const root = document['ietf-sip-auto-peering:sip-auto-peering'] ?? {};
  const lists: [string, unknown[] | undefined, (entry: any) => string][] = [
    ['number-range', root['call-spec']?.['number-range'], (e) => String(e.index)],
    ['media-type-audio', root.media?.['media-type-audio'], (e) => String(e['media-format']).replace(/^.*:/, '')],
    ['registrar', root['transport-info']?.registrar, (e) => `${e.host} ${e.port}`],
    ['call-control', root['transport-info']?.['call-control'], (e) => `${e.host} ${e.port}`],
    ['outbound-proxy', root['transport-info']?.['outbound-proxy'], (e) => `${e.host} ${e.port}`],
    ['realm', root['transport-info']?.realm, (e) => String(e.name)],
  ];
  return lists.flatMap(([name, entries, key]) => {
    const keys = (entries ?? []).map(key);
    return keys.filter((k, i) => keys.indexOf(k) !== i).map((k) => `${name}[${k}]`);
  });
}
