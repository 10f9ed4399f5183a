/**
 * Small builders for OpenAPI v3 (structural) schemas, so the CRD schemas in ./schema.ts read
 * like the API they describe. Every builder takes the field's description first: `kubectl
 * explain` shows it, and a field without one is a bug.
 */
import { Limits } from './constants.js';

/** JSONSchema is the subset of OpenAPI v3 that Kubernetes structural schemas use. */
export interface JSONSchema {
  type?: 'object' | 'string' | 'integer' | 'boolean' | 'array';
  description?: string;
  properties?: Record<string, JSONSchema>;
  required?: string[];
  items?: JSONSchema;
  enum?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: JSONSchema;
  pattern?: string;
  format?: string;
  nullable?: boolean;
  'x-kubernetes-validations'?: ValidationRule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** ValidationRule is a CEL rule (`x-kubernetes-validations`). */
export interface ValidationRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

type Extra = Omit<JSONSchema, 'type' | 'description'>;

/** str is a string field. */
export function str(description: string, extra: Extra = {}): JSONSchema {
  return { type: 'string', description, ...extra };
}

/** int is an integer field. */
export function int(description: string, extra: Extra = {}): JSONSchema {
  return { type: 'integer', description, ...extra };
}

/** bool is a boolean field. */
export function bool(description: string, extra: Extra = {}): JSONSchema {
  return { type: 'boolean', description, ...extra };
}

/** obj is an object with the given properties; unknown fields are pruned/rejected by the server. */
export function obj(
  description: string,
  properties: Record<string, JSONSchema>,
  extra: Extra = {},
): JSONSchema {
  return { type: 'object', description, properties, ...extra };
}

/** arr is an array of `items`. */
export function arr(description: string, items: JSONSchema, extra: Extra = {}): JSONSchema {
  return { type: 'array', description, items, ...extra };
}

/** DNS_SUBDOMAIN is the pattern of a Kubernetes object name (RFC 1123 subdomain, lower case). */
export const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** SECRET_KEY is the pattern of a Secret data key, as the API server checks it on the Secret. */
export const SECRET_KEY = '^[-._a-zA-Z0-9]+$';

/**
 * name is the `name` of a reference to an object in the resource's namespace. It is held to the
 * rules of an object name, so a typo is refused at admission rather than reported as not found.
 */
export function name(what: string): JSONSchema {
  return str(`Name of the ${what} in the resource's namespace: a DNS subdomain (lower case), at most ${Limits.maxNameLength} characters.`, {
    minLength: 1,
    maxLength: Limits.maxNameLength,
    pattern: DNS_SUBDOMAIN,
  });
}

/** secretKey is a key of a Secret's data, held to the API server's rules for such keys. */
export function secretKey(description: string, extra: Extra = {}): JSONSchema {
  return str(`${description} At most ${Limits.maxSecretKeyLength} characters of letters, digits, '-', '_' and '.'.`, {
    minLength: 1,
    maxLength: Limits.maxSecretKeyLength,
    pattern: SECRET_KEY,
    ...extra,
  });
}

/** generation is a metadata.generation copied into status: 0..2^53-1, what the operator holds exactly. */
export function generation(description: string): JSONSchema {
  return int(`${description} 0..2^53-1, the largest integer the operator holds exactly.`, { minimum: 0, maximum: Limits.maxGeneration });
}

/** immutable is the CEL transition rule that refuses any change to a field once set. */
export function immutable(field: string): ValidationRule {
  return { rule: 'self == oldSelf', message: `${field} is immutable` };
}

/**
 * matches is the CEL rule that holds a string to `regex`, with a message that names the field and
 * the expected form. A CEL rule rather than `pattern`, so the refusal says what was expected
 * instead of quoting the expression. Keep backslashes out of `regex` (use [.] for a dot): it
 * sits inside a CEL string literal.
 */
export function matches(field: string, regex: string, expected: string): ValidationRule {
  return { rule: `self.matches('${regex}')`, message: `${field} must be ${expected}` };
}

/** conditionsSchema is metav1.Condition[] as a list map keyed by type. */
export function conditionsSchema(description: string): JSONSchema {
  return arr(
    description,
    obj(
      'Condition is one aspect of the resource\'s current state.',
      {
        type: str('Type of the condition, e.g. Ready or Synced.', { maxLength: 316 }),
        status: str('Status of the condition: True, False or Unknown.', {
          enum: ['True', 'False', 'Unknown'],
        }),
        reason: str('Reason is a stable, machine-readable CamelCase cause.', { maxLength: 1024 }),
        message: str('Message is a human-readable explanation; it may carry ONTAP\'s error code and text.', {
          maxLength: 32768,
        }),
        lastTransitionTime: str('LastTransitionTime is when the status last flipped.', {
          format: 'date-time',
        }),
        observedGeneration: generation('ObservedGeneration is the generation the condition was set for.'),
      },
      { required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'] },
    ),
    { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  );
}
