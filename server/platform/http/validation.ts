/**
 * Request validation. JSON bodies are validated strictly (no type coercion, unknown fields
 * rejected by the schemas, not silently removed); query strings, params and headers are coerced,
 * since everything in a URL is a string.
 */
import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { ErrorDetail } from '../errors.ts';

function makeAjv(options: Options) {
  const ajv = new Ajv({
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
    ...options,
  });
  addFormats.default(ajv);
  return ajv;
}

const bodyAjv = makeAjv({ coerceTypes: false });
const urlAjv = makeAjv({ coerceTypes: 'array' });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : urlAjv;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};

/**
 * A validator with the same rules as request bodies, for input that arrives inside a body but is
 * checked item by item (batch endpoints, CSV rows): returns null, or the problems found.
 */
export function itemValidator(schema: object): (value: unknown) => ErrorDetail[] | null {
  const validate = bodyAjv.compile(schema);
  return (value) => (validate(value) ? null : detailsFromAjv(validate.errors ?? [], 'item'));
}

/** Turns Ajv errors into `{ field, rule, message }` details, one per problem, the field as a dotted path. */
export function detailsFromAjv(errors: readonly ErrorObject[], part: string): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    let field = e.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .join('.');
    let message = e.message ?? 'is invalid';
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'required') {
      field = [field, String(params.missingProperty)].filter(Boolean).join('.');
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      field = [field, String(params.additionalProperty)].filter(Boolean).join('.');
      message = 'is not a known field';
    } else if (e.keyword === 'enum') {
      message = `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    } else if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      // Members of a union report their own errors too; the union-level line adds nothing.
      if (errors.some((o) => o !== e && o.instancePath === e.instancePath)) continue;
    }
    const name = field || part;
    const key = `${name}|${e.keyword}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field: name, rule: e.keyword, message });
  }
  return out;
}
