/**
 * validateAgainstSchema checks a value against a structural OpenAPI schema the way the API server
 * does for the parts that need no CEL: types, required fields, enums, ranges, lengths, patterns
 * and unknown fields. The CEL rules are checked by the real API server (test/integration/api).
 */
import type { JSONSchema } from '../../src/api/v1alpha1/schema-builders.js';

/** validateAgainstSchema returns one message per violation, each naming the field path. */
export function validateAgainstSchema(value: unknown, schema: JSONSchema, path = ''): string[] {
  const errors: string[] = [];
  const at = path || '<root>';
  if (schema['x-kubernetes-preserve-unknown-fields'] || (schema.type === 'object' && !schema.properties)) {
    return typeof value === 'object' && value !== null ? [] : [`${at}: expected object`];
  }
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: expected object`];
      const obj = value as Record<string, unknown>;
      for (const req of schema.required ?? []) if (obj[req] === undefined) errors.push(`${path}.${req}: Required value`);
      for (const [k, v] of Object.entries(obj)) {
        const sub = schema.properties?.[k];
        if (!sub) errors.push(`${path}.${k}: unknown field`);
        else errors.push(...validateAgainstSchema(v, sub, `${path}.${k}`));
      }
      return errors;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${at}: expected array`];
      return value.flatMap((v, i) => (schema.items ? validateAgainstSchema(v, schema.items, `${path}[${i}]`) : []));
    case 'string':
      if (typeof value !== 'string') return [`${at}: expected string`];
      if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: Unsupported value "${value}"`);
      // The API server counts characters (runes), not UTF-16 units.
      if (schema.minLength !== undefined && [...value].length < schema.minLength) errors.push(`${at}: too short`);
      if (schema.maxLength !== undefined && [...value].length > schema.maxLength) errors.push(`${at}: too long`);
      if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${at}: should match '${schema.pattern}'`);
      return errors;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return [`${at}: expected integer`];
      if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: should be greater than or equal to ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: should be less than or equal to ${schema.maximum}`);
      return errors;
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: expected boolean`];
    default:
      return [];
  }
}
