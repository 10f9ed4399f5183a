/**
 * Fault rules: make the next N (or a share of) matching ONTAP requests slow, fail with an ONTAP
 * error, or lose their connection. Rules apply to `/api/` paths only, never to the control API.
 */
import { randomUUID } from 'node:crypto';

/** FaultRuleInput is a rule as the control API receives it. */
export interface FaultRuleInput {
  /** method to match (case-insensitive); any when absent. */
  readonly method?: string;
  /** path: a prefix of the request path, or a regular expression when it starts with `^`. */
  readonly path: string;
  /** status to answer with; with `code` and no status, 400. */
  readonly status?: number;
  /** code is the ONTAP error code in the envelope. */
  readonly code?: string;
  /** message in the envelope. @default "Injected fault." */
  readonly message?: string;
  /** latencyMs delays the request; alone, the request then proceeds normally. */
  readonly latencyMs?: number;
  /** drop destroys the socket without answering. */
  readonly drop?: boolean;
  /** count: the rule applies to the next `count` matches, then disappears. @default unlimited */
  readonly count?: number;
  /** probability in 0..1 that a match applies. @default 1 */
  readonly probability?: number;
}

/** FaultRule is a stored rule with its id. */
export interface FaultRule extends FaultRuleInput {
  readonly id: string;
  /** remaining matches, undefined for unlimited. */
  remaining: number | undefined;
}

/** FaultAction is what the server does for one request. */
export interface FaultAction {
  readonly latencyMs: number;
  readonly drop: boolean;
  readonly error?: { readonly status: number; readonly code: string; readonly message: string };
}

/** parseFaultRule validates a rule from JSON, or throws a TypeError naming the bad member. */
export function parseFaultRule(v: unknown): FaultRuleInput {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError('fault rule must be an object');
  const o = v as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const x = o[k];
    if (x === undefined) return undefined;
    if (typeof x !== 'string') throw new TypeError(`fault rule: ${k} must be a string`);
    return x;
  };
  const num = (k: string): number | undefined => {
    const x = o[k];
    if (x === undefined) return undefined;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new TypeError(`fault rule: ${k} must be a non-negative number`);
    return x;
  };
  const path = str('path') ?? '/api/';
  if (path.startsWith('^')) new RegExp(path); // throws on a bad pattern, before it is stored
  const drop = o['drop'];
  if (drop !== undefined && typeof drop !== 'boolean') throw new TypeError('fault rule: drop must be a boolean');
  const rawCode = o['code'];
  if (rawCode !== undefined && typeof rawCode !== 'string' && typeof rawCode !== 'number') {
    throw new TypeError('fault rule: code must be a string of digits');
  }
  const code = rawCode === undefined ? undefined : String(rawCode);
  const rule: FaultRuleInput = {
    path,
    ...opt('method', str('method')),
    ...opt('status', num('status')),
    ...opt('code', code),
    ...opt('message', str('message')),
    ...opt('latencyMs', num('latencyMs')),
    ...opt('drop', drop),
    ...opt('count', num('count')),
    ...opt('probability', num('probability')),
  };
  if (rule.status === undefined && rule.code === undefined && rule.latencyMs === undefined && rule.drop !== true) {
    throw new TypeError('fault rule: give at least one of status, code, latencyMs, drop');
  }
  return rule;
}

/** FaultSet holds the active rules, first match wins. */
export class FaultSet {
  private rules: FaultRule[] = [];

  /** add stores a rule and returns its id. */
  add(input: FaultRuleInput): string {
    const id = randomUUID();
    this.rules.push({ ...input, id, remaining: input.count });
    return id;
  }

  /** remove deletes one rule; false when it was not there. */
  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  /** clear deletes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** list returns copies of the rules. */
  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** match consumes one use of the first rule that matches, and returns what to do (or undefined). */
  match(method: string, path: string, random: () => number = Math.random): FaultAction | undefined {
    const rule = this.rules.find((r) => ruleMatches(r, method, path));
    if (rule === undefined) return undefined;
    if (rule.probability !== undefined && random() >= rule.probability) return undefined;
    if (rule.remaining !== undefined) {
      rule.remaining--;
      if (rule.remaining <= 0) this.remove(rule.id);
    }
    const hasError = rule.status !== undefined || rule.code !== undefined;
    return {
      latencyMs: rule.latencyMs ?? 0,
      drop: rule.drop === true,
      ...(hasError
        ? { error: { status: rule.status ?? 400, code: rule.code ?? '', message: rule.message ?? 'Injected fault.' } }
        : {}),
    };
  }
}

function ruleMatches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.remaining !== undefined && rule.remaining <= 0) return false;
  if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  return rule.path.startsWith('^') ? new RegExp(rule.path).test(path) : path.startsWith(rule.path);
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
