/**
 * Managed configuration fields, the same way for every key-manager kind: where each lives in the
 * spec, what ONTAP calls it, and whether ONTAP takes it on create or only by PATCH (applied right
 * after create). A kind lists its fields once; the diff, the POST settings and the PATCH-only
 * body all come from that list. Secrets, keys (rekeyed) and create-only identity are apart.
 */
import type { ProxySpec } from '../../api/v1alpha1/types.js';
import type { FieldDiff } from './adapter.js';

/** ConfigValue is the type of every managed configuration value. */
export type ConfigValue = string | number | boolean;

/** ManagedField maps one spec field to one ONTAP field. */
export interface ManagedField<Spec, Field extends string = string> {
  /** specPath names the field the way users write it, e.g. `spec.proxy.port`. */
  readonly specPath: string;
  /** ontap is ONTAP's field name in GET, POST and PATCH bodies. */
  readonly ontap: Field;
  /** patchOnly fields are refused by POST and applied right after create. */
  readonly patchOnly: boolean;
  /** desired reads the field from the spec; undefined means "not managed". */
  readonly desired: (spec: Spec) => ConfigValue | undefined;
}

/** managedField builds one entry of a kind's field list. */
export function managedField<Spec, Field extends string>(
  specPath: string,
  ontap: Field,
  desired: (spec: Spec) => ConfigValue | undefined,
  patchOnly = false,
): ManagedField<Spec, Field> {
  return { specPath, ontap, desired, patchOnly };
}

/** ProxyField is ONTAP's name of a proxy setting, the same in every family. */
export type ProxyField = 'proxy_type' | 'proxy_host' | 'proxy_port' | 'proxy_username';

/** proxyFields are the proxy settings every family has (the password is a Secret, apart). */
export function proxyFields<Spec extends { proxy?: ProxySpec | undefined }>(): ManagedField<Spec, ProxyField>[] {
  return [
    managedField('spec.proxy.type', 'proxy_type', (s: Spec) => s.proxy?.type),
    managedField('spec.proxy.host', 'proxy_host', (s: Spec) => s.proxy?.host),
    managedField('spec.proxy.port', 'proxy_port', (s: Spec) => s.proxy?.port),
    managedField('spec.proxy.username', 'proxy_username', (s: Spec) => s.proxy?.username),
  ];
}

/**
 * diffFields compares every managed field that the spec sets with the record: the differences,
 * and the PATCH body that fixes them.
 */
export function diffFields<Spec, Field extends string>(
  fields: readonly ManagedField<Spec, Field>[],
  spec: Spec,
  record: Partial<Record<Field, unknown>>,
): { diffs: FieldDiff[]; body: Record<string, ConfigValue> } {
  const diffs: FieldDiff[] = [];
  const body: Record<string, ConfigValue> = {};
  for (const f of fields) {
    const desired = f.desired(spec);
    if (desired === undefined) continue; // unset: not managed
    const seen = record[f.ontap];
    const observed = typeof seen === 'string' || typeof seen === 'number' || typeof seen === 'boolean' ? seen : undefined;
    if (observed !== desired) {
      diffs.push({ path: f.specPath, desired, observed });
      body[f.ontap] = desired;
    }
  }
  return { diffs, body };
}

/** settings returns the fields the spec sets: those POST takes (`patchOnly` false) or the PATCH-only ones. */
export function settings<Spec>(fields: readonly ManagedField<Spec>[], spec: Spec, patchOnly: boolean): Record<string, ConfigValue> {
  const body: Record<string, ConfigValue> = {};
  for (const f of fields) {
    const v = f.desired(spec);
    if (v !== undefined && f.patchOnly === patchOnly) body[f.ontap] = v;
  }
  return body;
}

/** nonEmpty returns `body`, or undefined when it has no member (nothing to send). */
export function nonEmpty<T extends object>(body: T): T | undefined {
  return Object.keys(body).length > 0 ? body : undefined;
}
