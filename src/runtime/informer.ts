/**
 * An informer: a local cache of one resource type kept current by list + watch, with change
 * events and secondary indexes. It survives what client-node's informer does not: a watch that
 * the server times out is resumed from the last resourceVersion; a broken connection is retried
 * with backoff and jitter; a 410 Gone (or a watch silent for too long) triggers a re-list whose
 * differences with the cache are emitted as add/update/delete events, so an object deleted while
 * disconnected still gets its delete.
 */
import { backoffDelay, sleep } from './backoff.js';
import { isGone, type KubeApi, type KubeObject, type ResourceType, type WatchEvent, watchErrorCode } from './kube.js';
import type { Logger } from './logger.js';
import { safeTimeout } from './timers.js';
import { keyOf, objectKey, splitKey } from './keys.js';

/** InformerOptions configure an {@link Informer}. */
export interface InformerOptions {
  type: ResourceType;
  /** namespaces to watch, one list/watch each; undefined watches all namespaces at once. */
  namespaces: string[] | undefined;
  /** metadataOnly caches PartialObjectMetadata only (no Secret data in memory). @default false */
  metadataOnly?: boolean;
  logger: Logger;
  /** resyncWatchdogSeconds re-lists when a watch stays silent this long; bookmarks count. @default 300 */
  resyncWatchdogSeconds?: number;
  /** backoff between failed attempts. @default { initialMs: 500, maxMs: 30000 } */
  backoff?: { initialMs: number; maxMs: number };
  /** watchTimeoutSeconds asks the server to end each watch after this long. @default 240..290 at random */
  watchTimeoutSeconds?: number;
  /**
   * transform trims each object before it is cached (like client-go's SetTransform), so what
   * the operator never reads (managedFields, last-applied annotations) takes no memory. @default none
   */
  transform?: (o: KubeObject) => KubeObject;
  /**
   * versionsOnly keeps of each object only its resourceVersion, under its namespace/name key:
   * get, list, indexes and events give objects with namespace, name and resourceVersion alone,
   * made when asked. For the Secret metadata cache, where the operator reads nothing else and
   * a cluster may hold tens of thousands: an object and its metadata per Secret cost about
   * 100 bytes more each (6 MB at 60,000 Secrets). @default false
   */
  versionsOnly?: boolean;
}

/** InformerEvent is one change to the cache; `old` is the previous object on update and delete. */
export type InformerEvent = { type: 'add' | 'update' | 'delete'; object: KubeObject; old?: KubeObject };

/** The page size of a list; big enough for few round trips, small enough for the API server. */
const LIST_PAGE = 500;

/**
 * Index is one secondary index: its function, value → object keys, and key → values. Most values
 * name one object (a Secret one resource uses) and most objects have one value, so one is kept
 * as a plain string, and a Set or array only for more: at 10,000 resources with three indexes,
 * a Set per value and an array per key took 8.8 MB.
 */
interface Index {
  readonly fn: (o: KubeObject) => string[];
  readonly byValue: Map<string, string | Set<string>>;
  readonly byKey: Map<string, string | readonly string[]>;
}

/** each lists what an index keeps as one string or as several. */
function each(v: string | Iterable<string> | undefined): Iterable<string> {
  return v === undefined ? [] : typeof v === 'string' ? [v] : v;
}

/** WatchGone signals that the watch must start over with a list. */
class WatchGone extends Error {}

/** Informer keeps a cache of one resource type; see the file comment. */
export class Informer {
  private readonly api: KubeApi;
  private readonly opts: InformerOptions;
  private readonly logger: Logger;
  /** cache holds each object, or only its resourceVersion (versionsOnly). */
  private readonly cache = new Map<string, KubeObject | string>();
  private readonly handlers: Array<(e: InformerEvent) => void> = [];
  private readonly indexes = new Map<string, Index>();
  private readonly abort = new AbortController();
  private loops: Array<Promise<void>> = [];
  private synced = false;

  constructor(api: KubeApi, options: InformerOptions) {
    this.api = api;
    this.opts = options;
    this.logger = options.logger.child({ resource: resourceName(options.type) });
  }

  /** on registers a handler for every later change; a handler that throws is logged and skipped. */
  on(handler: (e: InformerEvent) => void): void {
    this.handlers.push(handler);
  }

  /** start lists and starts watching; resolves once every namespace's first list is cached. */
  async start(): Promise<void> {
    const scopes: Array<string | undefined> = this.opts.namespaces ?? [undefined];
    const listed = scopes.map((ns) => {
      let markListed: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (markListed = resolve));
      this.loops.push(this.loop(ns, markListed));
      return done;
    });
    const stopped = new Promise<never>((_, reject) => {
      this.abort.signal.addEventListener('abort', () => reject(new Error('informer stopped before it synced')), {
        once: true,
      });
    });
    stopped.catch(() => undefined);
    await Promise.race([Promise.all(listed), stopped]);
    this.synced = true;
  }

  /** stop ends every watch; resolves once they are all closed. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  /** hasSynced tells whether the first list of every namespace is in the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** get returns the cached object, or undefined. */
  get(namespace: string, name: string): KubeObject | undefined {
    const key = objectKey(namespace, name);
    return this.object(key, this.cache.get(key));
  }

  /** list returns the cached objects, of one namespace if given. */
  list(namespace?: string): KubeObject[] {
    const all = [...this.cache].map(([key, v]) => this.object(key, v) as KubeObject);
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /** addIndex adds a secondary index, e.g. 'secretRefs' → ['ns/secretName', ...]; call before start. */
  addIndex(name: string, fn: (o: KubeObject) => string[]): void {
    this.indexes.set(name, { fn, byValue: new Map(), byKey: new Map() });
    for (const [key, v] of this.cache) this.reindex(key, this.object(key, v));
  }

  /** byIndex returns the cached objects whose index `name` includes `value`. */
  byIndex(name: string, value: string): KubeObject[] {
    const keys = this.indexes.get(name)?.byValue.get(value);
    return [...each(keys)].flatMap((k) => this.object(k, this.cache.get(k)) ?? []);
  }

  /** loop lists and watches one scope until stop, never throwing. */
  private async loop(namespace: string | undefined, markListed: () => void): Promise<void> {
    const signal = this.abort.signal;
    const log = this.logger.child({ namespace: namespace ?? '*' });
    const backoff = { initialMs: 500, maxMs: 30_000, ...this.opts.backoff };
    // progress.rv is the last resourceVersion seen (list, event or bookmark): where a broken
    // watch resumes. Undefined means the next attempt starts with a list.
    const progress: { rv: string | undefined } = { rv: undefined };
    let failures = 0;
    while (!signal.aborted) {
      // watch counts what the current watch delivered, even when it ends by breaking.
      const watch = { events: 0, startedAt: Date.now() };
      try {
        if (progress.rv === undefined) {
          progress.rv = await this.relist(namespace);
          markListed();
          log.debug('listed', { resourceVersion: progress.rv });
        }
        watch.startedAt = Date.now();
        const relist = await this.watchOnce(namespace, progress as { rv: string }, watch);
        if (relist) {
          progress.rv = undefined;
          log.warn('watch silent too long; re-listing', { watchdogSeconds: this.watchdogSeconds() });
        }
        // A watch the server ends at once (and over again) must not spin: back off as if it failed.
        if (healthy(watch)) {
          failures = 0;
          continue;
        }
      } catch (err) {
        if (signal.aborted) break;
        // A watch that worked for a while and then broke starts its backoff afresh: one
        // connection reset an hour must not cost the next one a 30 s wait.
        if (healthy(watch)) failures = 0;
        if (err instanceof WatchGone || isGone(err)) {
          log.info('resourceVersion too old; re-listing', { resourceVersion: progress.rv });
          progress.rv = undefined;
        } else {
          log.warn('list/watch failed; retrying', { error: err, attempt: failures + 1 });
        }
      }
      await sleep(backoffDelay(failures++, { ...backoff, jitter: 0.5 }), signal);
    }
  }

  /** relist lists every page and emits the differences with the cache; returns the list's RV. */
  private async relist(namespace: string | undefined): Promise<string> {
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let rv: string;
    do {
      const page = await this.api.list(this.opts.type, namespace, {
        metadataOnly: this.opts.metadataOnly ?? false,
        limit: LIST_PAGE,
        ...(cont !== undefined ? { continue: cont } : {}),
      });
      const transform = this.opts.transform;
      items.push(...(transform ? page.items.map(transform) : page.items));
      cont = page.continue;
      rv = page.resourceVersion;
    } while (cont !== undefined);
    this.replaceScope(namespace, items);
    return rv;
  }

  /** replaceScope makes the cache of one scope equal `items`, emitting what changed. */
  replaceScope(namespace: string | undefined, items: KubeObject[]): void {
    const fresh = new Map(items.map((o) => [keyOf(o), o]));
    for (const [key, v] of [...this.cache]) {
      const old = this.object(key, v) as KubeObject;
      if (namespace !== undefined && old.metadata.namespace !== namespace) continue;
      if (!fresh.has(key)) this.apply('delete', key, old);
    }
    for (const [key, obj] of fresh) {
      const old = this.object(key, this.cache.get(key));
      if (old === undefined) this.apply('add', key, obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.apply('update', key, obj);
    }
  }

  /**
   * watchOnce runs one watch from `progress.rv`, advancing it with every event (bookmarks
   * included) and counting them in `watch`; resolves when the server ends it, true when the
   * watchdog ended it instead.
   */
  private async watchOnce(
    namespace: string | undefined,
    progress: { rv: string },
    watch: { events: number },
  ): Promise<boolean> {
    const local = new AbortController();
    const onStop = (): void => local.abort();
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    let watchdogFired = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = safeTimeout(() => {
        watchdogFired = true;
        local.abort();
      }, this.watchdogSeconds() * 1000);
    };
    arm();
    try {
      await this.api.watch(
        this.opts.type,
        namespace,
        {
          resourceVersion: progress.rv,
          metadataOnly: this.opts.metadataOnly ?? false,
          allowWatchBookmarks: true,
          timeoutSeconds: this.opts.watchTimeoutSeconds ?? 240 + Math.floor(Math.random() * 50),
          signal: local.signal,
        },
        (e) => {
          arm();
          watch.events++;
          if (e.type === 'BOOKMARK') this.logger.debug('watch bookmark', { namespace: namespace ?? '*', resourceVersion: e.object.metadata.resourceVersion });
          progress.rv = this.onWatchEvent(e) ?? progress.rv;
        },
      );
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', onStop);
      local.abort();
    }
    return watchdogFired;
  }

  /** onWatchEvent applies one event to the cache; returns its resourceVersion. */
  private onWatchEvent(e: WatchEvent): string | undefined {
    if (e.type === 'ERROR') {
      const code = watchErrorCode(e.object);
      if (code === 410) throw new WatchGone('watch: resourceVersion too old');
      const message = typeof e.object.message === 'string' ? e.object.message : 'unknown';
      throw new Error(`watch error event ${code}: ${message}`);
    }
    const rv = e.object.metadata.resourceVersion;
    if (e.type === 'BOOKMARK') return rv;
    const object = this.opts.transform ? this.opts.transform(e.object) : e.object;
    const key = keyOf(object);
    if (e.type === 'DELETED') {
      if (this.cache.has(key)) this.apply('delete', key, object);
    } else {
      this.apply(this.cache.has(key) ? 'update' : 'add', key, object);
    }
    return rv;
  }

  /** apply changes the cache and indexes, then tells the handlers. */
  private apply(type: InformerEvent['type'], key: string, obj: KubeObject): void {
    const old = this.object(key, this.cache.get(key));
    if (type === 'delete') this.cache.delete(key);
    else this.cache.set(key, this.opts.versionsOnly ? (obj.metadata.resourceVersion ?? '') : obj);
    this.reindex(key, type === 'delete' ? undefined : obj);
    const event: InformerEvent = old === undefined ? { type, object: obj } : { type, object: obj, old };
    for (const h of this.handlers) {
      try {
        h(event);
      } catch (err) {
        this.logger.warn('informer event handler failed', { error: err, event: type, key });
      }
    }
  }

  /** reindex moves `key` in every index from the values of `old` to those of `obj`. */
  private reindex(key: string, obj: KubeObject | undefined): void {
    for (const [name, index] of this.indexes) {
      for (const v of each(index.byKey.get(key))) {
        const keys = index.byValue.get(v);
        if (keys === key) index.byValue.delete(v);
        else if (typeof keys === 'object' && keys.delete(key) && keys.size === 1) index.byValue.set(v, keys.values().next().value as string);
      }
      index.byKey.delete(key);
      if (obj === undefined) continue;
      let values: string[];
      try {
        values = index.fn(obj);
      } catch (err) {
        this.logger.warn('index function failed', { error: err, index: name, key });
        continue;
      }
      const unique = values.length > 1 ? [...new Set(values)] : values;
      if (unique.length === 1) index.byKey.set(key, unique[0] as string);
      else if (unique.length > 1) index.byKey.set(key, unique);
      for (const v of unique) {
        const keys = index.byValue.get(v);
        if (keys === undefined || keys === key) index.byValue.set(v, key);
        else if (typeof keys === 'string') index.byValue.set(v, new Set([keys, key]));
        else keys.add(key);
      }
    }
  }

  /** object is what the cache holds under `key` as an object: itself, or one made from its version. */
  private object(key: string, v: KubeObject | string | undefined): KubeObject | undefined {
    if (typeof v !== 'string') return v;
    const { namespace, name } = splitKey(key);
    const metadata: KubeObject['metadata'] = namespace === '' ? { name } : { name, namespace };
    if (v !== '') metadata.resourceVersion = v;
    return { metadata };
  }

  private watchdogSeconds(): number {
    return this.opts.resyncWatchdogSeconds ?? 300;
  }
}

/** HEALTHY_WATCH_MS is how long a watch must have lived to count as working though it delivered nothing. */
const HEALTHY_WATCH_MS = 10_000;

/** healthy tells whether a watch worked: it delivered an event (a bookmark counts) or lived long enough. */
function healthy(watch: { events: number; startedAt: number }): boolean {
  return watch.events > 0 || Date.now() - watch.startedAt >= HEALTHY_WATCH_MS;
}



function resourceName(t: ResourceType): string {
  return t.group === '' ? t.plural : `${t.plural}.${t.group}`;
}
