/**
 * V8 heap snapshots (the `.heapsnapshot` JSON that `--heapsnapshot-signal` and Chrome DevTools
 * write), read without a dependency: every node's type, name, id and self size, grouped the way
 * DevTools' Summary view groups them (by constructor for objects, `(string)`, `(compiled code)`,
 * and so on), two snapshots compared, and the path that retains an object. For bench/heap-diff.ts
 * and the soak benchmark.
 *
 * The format: `snapshot.meta` names the fields of each node and edge; `nodes` and `edges` are
 * flat arrays of those fields; a node's edges follow those of the nodes before it (`edge_count`);
 * an edge's `to_node` is an index into `nodes`; names are indexes into `strings`, except the
 * names of element and hidden edges, which are numbers. Node ids stay the same for one object
 * across snapshots of one process, so objects new in a later snapshot can be told apart.
 */

/** RawHeapSnapshot is the JSON of a .heapsnapshot file, the parts read here. */
export interface RawHeapSnapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[];
      readonly node_types: readonly unknown[];
      readonly edge_fields: readonly string[];
      readonly edge_types: readonly unknown[];
    };
    readonly node_count: number;
    readonly edge_count: number;
  };
  readonly nodes: readonly number[];
  readonly edges: readonly number[];
  readonly strings: readonly string[];
}

/** Group is a count of objects and their self sizes in bytes. */
export interface Group {
  count: number;
  size: number;
}

/** GroupDiff is one group in two snapshots. */
export interface GroupDiff {
  readonly name: string;
  readonly countA: number;
  readonly countB: number;
  readonly sizeA: number;
  readonly sizeB: number;
}

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

/** HeapSnapshot holds one snapshot's nodes and edges in typed arrays. */
export class HeapSnapshot {
  readonly nodeCount: number;
  private readonly typeNames: readonly string[];
  private readonly edgeTypeNames: readonly string[];
  private readonly types: Uint8Array;
  private readonly names: Uint32Array;
  readonly ids: Float64Array;
  readonly selfSizes: Float64Array;
  /** firstEdge[i] is the index of node i's first edge; firstEdge[nodeCount] the number of edges. */
  private readonly firstEdge: Uint32Array;
  private readonly edgeTypes: Uint8Array;
  private readonly edgeNames: Uint32Array;
  private readonly edgeTo: Uint32Array;
  private readonly strings: readonly string[];
  private distances: Int32Array | undefined;
  private retainerStart: Uint32Array | undefined;
  private retainerEdges: Uint32Array | undefined;
  private retainerFrom: Uint32Array | undefined;

  /** HeapSnapshot reads a parsed snapshot; it throws when a field it needs is missing. */
  constructor(raw: RawHeapSnapshot) {
    const { meta } = raw.snapshot;
    const nf = meta.node_fields.length;
    const ef = meta.edge_fields.length;
    const at = (fields: readonly string[], f: string): number => {
      const i = fields.indexOf(f);
      if (i < 0) throw new TypeError(`heap snapshot: no ${f} field`);
      return i;
    };
    const [nType, nName, nId, nSize, nEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) => at(meta.node_fields, f)) as [number, number, number, number, number];
    const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => at(meta.edge_fields, f)) as [number, number, number];
    this.typeNames = asNames(meta.node_types[nType]);
    this.edgeTypeNames = asNames(meta.edge_types[eType]);
    this.strings = raw.strings;
    const n = Math.floor(raw.nodes.length / nf);
    const m = Math.floor(raw.edges.length / ef);
    this.nodeCount = n;
    this.types = new Uint8Array(n);
    this.names = new Uint32Array(n);
    this.ids = new Float64Array(n);
    this.selfSizes = new Float64Array(n);
    this.firstEdge = new Uint32Array(n + 1);
    let edge = 0;
    for (let i = 0; i < n; i++) {
      const o = i * nf;
      this.types[i] = raw.nodes[o + nType] ?? 0;
      this.names[i] = raw.nodes[o + nName] ?? 0;
      this.ids[i] = raw.nodes[o + nId] ?? 0;
      this.selfSizes[i] = raw.nodes[o + nSize] ?? 0;
      this.firstEdge[i] = edge;
      edge += raw.nodes[o + nEdges] ?? 0;
    }
    this.firstEdge[n] = Math.min(edge, m);
    this.edgeTypes = new Uint8Array(m);
    this.edgeNames = new Uint32Array(m);
    this.edgeTo = new Uint32Array(m);
    for (let e = 0; e < m; e++) {
      const o = e * ef;
      this.edgeTypes[e] = raw.edges[o + eType] ?? 0;
      this.edgeNames[e] = raw.edges[o + eName] ?? 0;
      this.edgeTo[e] = Math.floor((raw.edges[o + eTo] ?? 0) / nf);
    }
  }

  /** parse reads the text of a .heapsnapshot file. */
  static parse(text: string): HeapSnapshot {
    return new HeapSnapshot(JSON.parse(text) as RawHeapSnapshot);
  }

  /** type is node i's V8 type: object, closure, string, array, code, hidden, ... */
  type(i: number): string {
    return this.typeNames[this.types[i] ?? 0] ?? '?';
  }

  /** name is node i's name: a constructor, a function's name, a string's value. */
  name(i: number): string {
    return this.strings[this.names[i] ?? 0] ?? '';
  }

  /**
   * group names node i's group as DevTools' Summary does, a little finer where a leak hides:
   * objects by constructor, closures by function name, arrays and system objects by name, every
   * kind of string as `(string)`.
   */
  group(i: number): string {
    const type = this.type(i);
    const name = this.name(i);
    switch (type) {
      case 'object':
      case 'native':
        return name === '' ? `(${type})` : name;
      case 'closure':
        return `(closure) ${name === '' ? '(anonymous)' : name}`;
      case 'array':
        return `(array) ${name}`.trimEnd();
      case 'hidden':
        return `(system) ${name}`.trimEnd();
      case 'code':
        return '(compiled code)';
      case 'regexp':
        return '(regexp)';
      case 'synthetic':
        return `(synthetic) ${name}`.trimEnd();
      default:
        return STRING_TYPES.has(type) ? '(string)' : `(${type})`;
    }
  }

  /** totalSize is the sum of every node's self size: the live heap, as the snapshot found it. */
  totalSize(): number {
    let s = 0;
    for (let i = 0; i < this.nodeCount; i++) s += this.selfSizes[i] ?? 0;
    return s;
  }

  /** summary groups every node (or those `keep` accepts) by group(). */
  summary(keep: (i: number) => boolean = () => true): Map<string, Group> {
    const out = new Map<string, Group>();
    for (let i = 0; i < this.nodeCount; i++) {
      if (!keep(i)) continue;
      const g = this.group(i);
      let s = out.get(g);
      if (s === undefined) out.set(g, (s = { count: 0, size: 0 }));
      s.count++;
      s.size += this.selfSizes[i] ?? 0;
    }
    return out;
  }

  /** idSet is the set of every node's id. */
  idSet(): Set<number> {
    const ids = new Set<number>();
    for (let i = 0; i < this.nodeCount; i++) ids.add(this.ids[i] ?? 0);
    return ids;
  }

  /** indexOfId finds the node with that id, or -1. */
  indexOfId(id: number): number {
    for (let i = 0; i < this.nodeCount; i++) if (this.ids[i] === id) return i;
    return -1;
  }

  /** edges lists node i's outgoing edges, each as its label (see edgeLabel) and the node it points at. */
  edges(i: number): Array<{ readonly label: string; readonly to: number }> {
    const out: Array<{ label: string; to: number }> = [];
    for (let e = this.firstEdge[i] ?? 0; e < (this.firstEdge[i + 1] ?? 0); e++) out.push({ label: this.edgeLabel(e), to: this.edgeTo[e] ?? 0 });
    return out;
  }

  /** edgeLabel is how an edge reads in a path: `.name`, `[index]`, `{context name}`, `(internal name)`. */
  private edgeLabel(e: number): string {
    const type = this.edgeTypeNames[this.edgeTypes[e] ?? 0] ?? '?';
    const raw = this.edgeNames[e] ?? 0;
    const name = type === 'element' || type === 'hidden' ? String(raw) : (this.strings[raw] ?? '');
    switch (type) {
      case 'property':
        return `.${name}`;
      case 'element':
        return `[${name}]`;
      case 'context':
        return `{context ${name}}`;
      default:
        return `(${type} ${name})`;
    }
  }

  /** buildRetainers indexes edges by the node they point at, and each node's distance from the root (node 0), weak edges left out. */
  private buildRetainers(): void {
    if (this.distances !== undefined) return;
    const n = this.nodeCount;
    const weak = this.edgeTypeNames.indexOf('weak');
    const m = this.firstEdge[n] ?? 0;
    const count = new Uint32Array(n + 1);
    for (let e = 0; e < m; e++) if (this.edgeTypes[e] !== weak) count[(this.edgeTo[e] ?? 0) + 1]!++;
    for (let i = 0; i < n; i++) count[i + 1]! += count[i]!;
    this.retainerStart = count.slice();
    const fill = count.slice();
    this.retainerEdges = new Uint32Array(count[n] ?? 0);
    this.retainerFrom = new Uint32Array(count[n] ?? 0);
    for (let i = 0; i < n; i++) {
      for (let e = this.firstEdge[i] ?? 0; e < (this.firstEdge[i + 1] ?? 0); e++) {
        if (this.edgeTypes[e] === weak) continue;
        const to = this.edgeTo[e] ?? 0;
        const slot = fill[to]!++;
        this.retainerEdges[slot] = e;
        this.retainerFrom[slot] = i;
      }
    }
    const dist = new Int32Array(n).fill(-1);
    if (n > 0) {
      const queue = new Uint32Array(n);
      let head = 0;
      let tail = 0;
      dist[0] = 0;
      queue[tail++] = 0;
      while (head < tail) {
        const i = queue[head++] ?? 0;
        for (let e = this.firstEdge[i] ?? 0; e < (this.firstEdge[i + 1] ?? 0); e++) {
          if (this.edgeTypes[e] === weak) continue;
          const to = this.edgeTo[e] ?? 0;
          if (dist[to] === -1) {
            dist[to] = (dist[i] ?? 0) + 1;
            queue[tail++] = to;
          }
        }
      }
    }
    this.distances = dist;
  }

  /** distance is node i's distance from the root in edges, -1 when only weak edges reach it. */
  distance(i: number): number {
    this.buildRetainers();
    return this.distances?.[i] ?? -1;
  }

  /**
   * retainingPath follows, from node i towards the root, the retainer nearest the root each
   * time: `Map @123 <- .cache Foo @45 <- ...`, at most `depth` steps. A run of the same step (a
   * linked list, such as Node's timer lists) is shown once, with how many times it repeats.
   */
  retainingPath(i: number, depth = 400): string {
    this.buildRetainers();
    const dist = this.distances as Int32Array;
    const start = this.retainerStart as Uint32Array;
    const edges = this.retainerEdges as Uint32Array;
    const from = this.retainerFrom as Uint32Array;
    const label = (j: number): string => `${this.group(j)}${STRING_TYPES.has(this.type(j)) ? ` ${JSON.stringify(this.name(j).slice(0, 40))}` : ''} @${this.ids[j]}`;
    const parts = [label(i)];
    let at = i;
    for (let step = 0; step < depth && (dist[at] ?? 0) > 0; step++) {
      let best = -1;
      let bestEdge = -1;
      for (let r = start[at] ?? 0; r < (start[at + 1] ?? 0); r++) {
        const f = from[r] ?? 0;
        if ((dist[f] ?? -1) < 0) continue;
        if (best < 0 || (dist[f] ?? 0) < (dist[best] ?? 0)) {
          best = f;
          bestEdge = edges[r] ?? 0;
        }
      }
      if (best < 0) break;
      parts.push(`${this.edgeLabel(bestEdge)} ${label(best)}`);
      at = best;
    }
    // Collapse runs of the same edge to the same group: `<- ._idlePrev Timeout @1 (x 240)`.
    const shown: string[] = [];
    let run = 0;
    const kind = (p: string): string => p.replace(/ @\d+$/, '');
    for (const [k, p] of parts.entries()) {
      if (k > 0 && kind(p) === kind(parts[k - 1] ?? '')) {
        run++;
        continue;
      }
      if (run > 0) shown[shown.length - 1] += ` (x ${run + 1})`;
      run = 0;
      shown.push(p);
    }
    if (run > 0) shown[shown.length - 1] += ` (x ${run + 1})`;
    return shown.slice(0, 16).join('\n    <- ');
  }
}

function asNames(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** diffGroups sets two summaries side by side, largest growth in size first. */
export function diffGroups(a: ReadonlyMap<string, Group>, b: ReadonlyMap<string, Group>): GroupDiff[] {
  const out: GroupDiff[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(name);
    const y = b.get(name);
    out.push({ name, countA: x?.count ?? 0, countB: y?.count ?? 0, sizeA: x?.size ?? 0, sizeB: y?.size ?? 0 });
  }
  return out.sort((p, q) => q.sizeB - q.sizeA - (p.sizeB - p.sizeA) || q.countB - q.countA - (p.countB - p.countA) || p.name.localeCompare(q.name));
}

/** newSince groups the nodes of `b` that `a` did not have (by id): what was allocated after `a` and is still live. */
export function newSince(a: HeapSnapshot, b: HeapSnapshot): Map<string, Group> {
  const old = a.idSet();
  return b.summary((i) => !old.has(b.ids[i] ?? 0));
}
