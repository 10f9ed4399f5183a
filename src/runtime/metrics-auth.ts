/**
 * MetricsAuth guards /metrics the way controller-runtime's secure metrics serving does
 * (filters.WithAuthenticationAndAuthorization): the bearer token is checked with a TokenReview,
 * and the user it names must be allowed `get` on the non-resource URL /metrics by a
 * SubjectAccessReview. What a client sends costs the API server little:
 * - answers are cached, keyed by the SHA-256 of the token (never the token): an acceptance for
 *   POSITIVE_TTL_MS, a refusal (401, 403) for NEGATIVE_TTL_MS, at most CACHE_MAX of them, the
 *   oldest evicted first; a failed review (500) is not remembered;
 * - concurrent requests with one token share the review in flight (one TokenReview and one
 *   SubjectAccessReview for 50 requests, not 50 + 50);
 * - reviews are rate-bound: a token bucket of REVIEW_RATE a second, REVIEW_BURST at once, shared by
 *   every client. A request whose token needs a review past it is answered 429 with Retry-After,
 *   without a review and without the metrics (fail closed): junk tokens cannot make the operator
 *   flood the API server, and a scraper whose answer is cached is served all the same.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isRecord, type KubeApi, type ResourceType } from './kube.js';
import type { Logger } from './logger.js';
import type { RouteResult } from './http-server.js';

const TokenReviewType: ResourceType = { group: 'authentication.k8s.io', version: 'v1', plural: 'tokenreviews', kind: 'TokenReview' };
const SubjectAccessReviewType: ResourceType = { group: 'authorization.k8s.io', version: 'v1', plural: 'subjectaccessreviews', kind: 'SubjectAccessReview' };

/** POSITIVE_TTL_MS is how long an acceptance is reused: a token revoked is still served this long. */
export const POSITIVE_TTL_MS = 10_000;
/** NEGATIVE_TTL_MS is how long a refusal is reused: a scraper bound to the role just now waits this long. */
export const NEGATIVE_TTL_MS = 2_000;
/** CACHE_MAX bounds the cache; past it the oldest answer goes (a flood of bad tokens cannot grow it). */
export const CACHE_MAX = 1_024;
/**
 * REVIEW_RATE and REVIEW_BURST bound the reviews sent to the API server, each a TokenReview and,
 * for a token that authenticates, a SubjectAccessReview: 10 a second, 20 at once. A Prometheus
 * or two scraping every few seconds need a review each per POSITIVE_TTL_MS.
 */
export const REVIEW_RATE = 10;
export const REVIEW_BURST = 20;

/** UserInfo is what a TokenReview says of a token's holder. */
interface UserInfo {
  readonly username: string;
  readonly uid: string;
  readonly groups: string[];
  readonly extra: Record<string, string[]>;
}

/** MetricsAuthOptions configure {@link MetricsAuth}. */
export interface MetricsAuthOptions {
  readonly api: Pick<KubeApi, 'review'>;
  readonly logger: Logger;
  /** path is the non-resource URL authorized. @default '/metrics' */
  readonly path?: string;
  readonly now?: () => number;
  /** cacheMax bounds the cache. @default CACHE_MAX */
  readonly cacheMax?: number;
}

/** Cached is a review's answer and when it stops counting. */
interface Cached {
  readonly until: number;
  readonly result: RouteResult | undefined;
}

/** MetricsAuth answers whether a request may read /metrics; see the file comment. */
export class MetricsAuth {
  /** cache holds answers by token hash, oldest first (a hit moves to the end). */
  private readonly cache = new Map<string, Cached>();
  /** inflight holds the review under way for a token hash. */
  private readonly inflight = new Map<string, Promise<RouteResult | undefined>>();
  private readonly now: () => number;
  private readonly cacheMax: number;
  private tokens = REVIEW_BURST;
  private refilledAt: number | undefined;
  private limitedLogged: number | undefined;

  constructor(private readonly opts: MetricsAuthOptions) {
    this.now = opts.now ?? Date.now;
    this.cacheMax = opts.cacheMax ?? CACHE_MAX;
  }

  /** check returns undefined to serve the request, or the refusal to send (401, 403, 429 or 500). */
  async check(req: IncomingMessage): Promise<RouteResult | undefined> {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m?.[1] === undefined) return { status: 401, body: 'Unauthorized: a bearer token is required\n' };
    const token = m[1];
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      if (this.now() < hit.until) {
        this.cache.set(key, hit);
        return hit.result;
      }
    }
    const shared = this.inflight.get(key);
    if (shared !== undefined) return shared;
    const wait = this.take();
    if (wait !== undefined) return this.limited(wait);
    const review = (async () => {
      try {
        const result = await this.review(token);
        this.remember(key, result);
        return result;
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, review);
    return review;
  }

  /** take spends one review from the bucket; when it is empty, it returns the milliseconds until one is there. */
  private take(): number | undefined {
    const now = this.now();
    if (this.refilledAt !== undefined) this.tokens = Math.min(REVIEW_BURST, this.tokens + (Math.max(0, now - this.refilledAt) * REVIEW_RATE) / 1000);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    return ((1 - this.tokens) * 1000) / REVIEW_RATE;
  }

  /** limited is the answer to a request past the review budget: 429, no review, no metrics. */
  private limited(waitMs: number): RouteResult {
    // One line a minute at most: a flood must not turn into a flood of log lines.
    if (this.limitedLogged === undefined || this.now() - this.limitedLogged >= 60_000) {
      this.limitedLogged = this.now();
      this.opts.logger.warn('metrics: too many token reviews; refusing requests that need one (429) until the budget refills', { reviewsPerSecond: REVIEW_RATE, burst: REVIEW_BURST });
    }
    return {
      status: 429,
      body: 'Too Many Requests: too many token reviews\n',
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))) },
    };
  }

  /** remember caches an answer; a failed review (the API server unreachable) is not: the next request asks again. */
  private remember(key: string, result: RouteResult | undefined): void {
    if (result?.status === 500) return;
    const ttl = result === undefined ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS;
    this.cache.delete(key);
    while (this.cache.size >= this.cacheMax) {
      const oldest = this.cache.keys().next();
      if (oldest.done === true) break;
      this.cache.delete(oldest.value);
    }
    this.cache.set(key, { until: this.now() + ttl, result });
  }

  private async review(token: string): Promise<RouteResult | undefined> {
    let user: UserInfo | undefined;
    try {
      user = parseTokenReview(await this.opts.api.review(TokenReviewType, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }));
    } catch (err) {
      this.opts.logger.warn('metrics: TokenReview failed', { error: err instanceof Error ? err.message : String(err) });
      return { status: 500, body: 'Internal Server Error: authentication failed\n' };
    }
    if (user === undefined) return { status: 401, body: 'Unauthorized\n' };
    try {
      const answer = await this.opts.api.review(SubjectAccessReviewType, {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          uid: user.uid,
          groups: user.groups,
          extra: user.extra,
          nonResourceAttributes: { path: this.opts.path ?? '/metrics', verb: 'get' },
        },
      });
      const allowed = isRecord(answer) && isRecord(answer.status) && answer.status.allowed === true;
      if (!allowed) return { status: 403, body: `Forbidden: ${user.username} may not get ${this.opts.path ?? '/metrics'}\n` };
      return undefined;
    } catch (err) {
      this.opts.logger.warn('metrics: SubjectAccessReview failed', { error: err instanceof Error ? err.message : String(err) });
      return { status: 500, body: 'Internal Server Error: authorization failed\n' };
    }
  }
}

/** parseTokenReview reads the user of an authenticated TokenReview, or undefined when it is not. */
function parseTokenReview(v: unknown): UserInfo | undefined {
  if (!isRecord(v) || !isRecord(v.status) || v.status.authenticated !== true || !isRecord(v.status.user)) return undefined;
  const u = v.status.user;
  if (typeof u.username !== 'string' || u.username === '') return undefined;
  const groups = Array.isArray(u.groups) ? u.groups.filter((g): g is string => typeof g === 'string') : [];
  const extra: Record<string, string[]> = {};
  if (isRecord(u.extra)) {
    for (const [k, vals] of Object.entries(u.extra)) if (Array.isArray(vals)) extra[k] = vals.filter((x): x is string => typeof x === 'string');
  }
  return { username: u.username, uid: typeof u.uid === 'string' ? u.uid : '', groups, extra };
}
