/**
 * Fault rules: make the next N (or a share of) matching ONTAP requests slow, fail with an ONTAP
 * error, lose their connection, answer with a huge, endless or trickling body, or carry a bad
 * `_links.next` (a pagination loop, a link to another host). Rules apply to `/api/` paths only,
 * never to the control API.
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
  /**
   * job, with status or code: a write the simulator answers with a job (async mode) is accepted
   * (202) and its job fails with this error, as ONTAP's job does when the work itself fails; a
   * request answered synchronously gets the error, after authentication and the request's own
   * validation.
   */
  readonly job?: boolean;
  /** latencyMs delays the request; alone, the request then proceeds normally. */
  readonly latencyMs?: number;
  /** drop destroys the socket without answering. */
  readonly drop?: boolean;
  /** bodyBytes answers 200 with a JSON body of this many bytes, declared in Content-Length and streamed. */
  readonly bodyBytes?: number;
  /** endlessBody answers 200 with a chunked body that never ends: it streams until the client goes away. */
  readonly endlessBody?: boolean;
  /** bodyChunkBytes is the size of each chunk of a bodyBytes or endless body. @default 65536 */
  readonly bodyChunkBytes?: number;
  /** bodyChunkDelayMs pauses between chunks: with a small bodyChunkBytes, a body that trickles. @default 0 */
  readonly bodyChunkDelayMs?: number;
  /**
   * nextHref answers the request normally, with `_links.next.href` set to this: `self` is the
   * request's own path and query (a pagination loop); any other string is sent as given.
   */
  readonly nextHref?: string;
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

/** FaultBody is a streamed 200 answer: `bytes` long, or endless when undefined. */
export interface FaultBody {
  readonly bytes: number | undefined;
  readonly chunkBytes: number;
  readonly chunkDelayMs: number;
}

/** FaultAction is what the server does for one request; drop, then error, then body win in that order. */
export interface FaultAction {
  readonly latencyMs: number;
  readonly drop: boolean;
  /** error: answer with it, or (inJob) let a job fail with it; see FaultRuleInput.job. */
  readonly error?: { readonly status: number; readonly code: string; readonly message: string; readonly inJob: boolean };
  readonly body?: FaultBody;
  readonly nextHref?: string;
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
  const job = o['job'];
  if (job !== undefined && typeof job !== 'boolean') throw new TypeError('fault rule: job must be a boolean');
  const endless = o['endlessBody'];
  if (endless !== undefined && typeof endless !== 'boolean') throw new TypeError('fault rule: endlessBody must be a boolean');
  const rule: FaultRuleInput = {
    path,
    ...opt('method', str('method')),
    ...opt('status', num('status')),
    ...opt('code', code),
    ...opt('message', str('message')),
    ...opt('job', job),
    ...opt('latencyMs', num('latencyMs')),
    ...opt('drop', drop),
    ...opt('bodyBytes', num('bodyBytes')),
    ...opt('endlessBody', endless),
    ...opt('bodyChunkBytes', num('bodyChunkBytes')),
    ...opt('bodyChunkDelayMs', num('bodyChunkDelayMs')),
    ...opt('nextHref', str('nextHref')),
    ...opt('count', num('count')),
    ...opt('probability', num('probability')),
  };
  if (rule.bodyBytes !== undefined && rule.endlessBody === true) throw new TypeError('fault rule: give bodyBytes or endlessBody, not both');
  if (rule.job === true && rule.status === undefined && rule.code === undefined) throw new TypeError('fault rule: job needs status or code');
  if (rule.bodyChunkBytes === 0) throw new TypeError('fault rule: bodyChunkBytes must be at least 1');
  const acts = [rule.status, rule.code, rule.latencyMs, rule.drop === true ? true : undefined, rule.bodyBytes, rule.endlessBody === true ? true : undefined, rule.nextHref];
  if (acts.every((a) => a === undefined)) {
    throw new TypeError('fault rule: give at least one of status, code, latencyMs, drop, bodyBytes, endlessBody, nextHref');
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
    const hasBody = rule.bodyBytes !== undefined || rule.endlessBody === true;
    return {
      latencyMs: rule.latencyMs ?? 0,
      drop: rule.drop === true,
      ...(hasError
        ? { error: { status: rule.status ?? 400, code: rule.code ?? '', message: rule.message ?? 'Injected fault.', inJob: rule.job === true } }
        : {}),
      ...(hasBody
        ? { body: { bytes: rule.bodyBytes, chunkBytes: rule.bodyChunkBytes ?? 65_536, chunkDelayMs: rule.bodyChunkDelayMs ?? 0 } }
        : {}),
      ...opt('nextHref', rule.nextHref),
    };
  }
}

/**
 * withNextHref is a collection answer with `_links.next.href` replaced; an answer that is not a
 * JSON object is left alone.
 */
export function withNextHref(body: unknown, href: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const o = body as Record<string, unknown>;
  const links = typeof o['_links'] === 'object' && o['_links'] !== null ? (o['_links'] as Record<string, unknown>) : {};
  return { ...o, _links: { ...links, next: { href } } };
}

function ruleMatches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.remaining !== undefined && rule.remaining <= 0) return false;
  if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  return rule.path.startsWith('^') ? new RegExp(rule.path).test(path) : path.startsWith(rule.path);
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
