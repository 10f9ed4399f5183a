import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { heapDiff } from '../../../bench/heap-diff.js';
import { diffGroups, HeapSnapshot, newSince, type RawHeapSnapshot } from '../../../bench/heap-snapshot.js';

const run = promisify(execFile);

/** tiny is a hand-made snapshot: root -> Holder -> two Leaky, one string; ids as given. */
function tiny(leaky: number[]): RawHeapSnapshot {
  // Nodes: type, name, id, self_size, edge_count. Types: 0 hidden, 1 object, 2 string, 3 closure.
  const strings = ['', '(GC roots)', 'Holder', 'Leaky', 'hello', 'items', 'onAbort', 'fn'];
  const nodes = [0, 1, 1, 0, 3, 1, 2, 3, 40, leaky.length, 2, 4, 5, 20, 0, 3, 6, 7, 32, 0, ...leaky.flatMap((id) => [1, 3, id, 100, 0])];
  // Edges: type, name_or_index, to_node (an index into nodes). Types: 0 property, 1 element, 2 weak.
  const nf = 5;
  const edges = [0, 2, 1 * nf, 0, 4, 2 * nf, 2, 7, 3 * nf, ...leaky.flatMap((_, k) => [1, k, (4 + k) * nf])];
  return {
    snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [['hidden', 'object', 'string', 'closure'], 'string'], edge_fields: ['type', 'name_or_index', 'to_node'], edge_types: [['property', 'element', 'weak'], 'string'] }, node_count: 4 + leaky.length, edge_count: 3 + leaky.length },
    nodes,
    edges,
    strings,
  };
}

describe('heap snapshots (bench/heap-snapshot.ts)', () => {
  it('groups nodes as DevTools does and sums their self sizes', () => {
    const s = new HeapSnapshot(tiny([11, 13]));
    expect(s.nodeCount).to.equal(6);
    expect(s.totalSize()).to.equal(40 + 20 + 32 + 200);
    const sum = s.summary();
    expect(sum.get('Leaky')).to.deep.equal({ count: 2, size: 200 });
    expect(sum.get('Holder')).to.deep.equal({ count: 1, size: 40 });
    expect(sum.get('(string)')).to.deep.equal({ count: 1, size: 20 });
    expect(sum.get('(closure) onAbort')).to.deep.equal({ count: 1, size: 32 });
    expect(sum.get('(system) (GC roots)')).to.deep.equal({ count: 1, size: 0 });
  });

  it('diffs two snapshots, tells objects allocated between them, and follows retainers (weak edges left out)', () => {
    const a = new HeapSnapshot(tiny([11, 13]));
    const b = new HeapSnapshot(tiny([11, 13, 15, 17, 19]));
    const rows = diffGroups(a.summary(), b.summary());
    expect(rows[0]).to.deep.equal({ name: 'Leaky', countA: 2, countB: 5, sizeA: 200, sizeB: 500 });
    expect(newSince(a, b).get('Leaky')).to.deep.equal({ count: 3, size: 300 });
    expect(newSince(a, b).has('Holder')).to.equal(false);
    const i = b.indexOfId(17);
    expect(b.distance(i)).to.equal(2);
    expect(b.retainingPath(i)).to.equal('Leaky @17\n    <- [3] Holder @3\n    <- .Holder (system) (GC roots) @1');
    // Only a weak edge reaches the closure.
    expect(b.distance(b.indexOfId(7))).to.equal(-1);
  });

  it('reads real V8 snapshots: objects a global array keeps show as growth, with their path', async function () {
    this.timeout(60_000);
    const dir = await mkdtemp(join(tmpdir(), 'heap-snapshot-test-'));
    try {
      const script = [
        "const v8 = require('node:v8');",
        'class SoakLeaky { constructor(i) { this.i = i; this.payload = "p" + i; } }',
        'globalThis.soakLeak = [];',
        'for (let i = 0; i < 1000; i++) globalThis.soakLeak.push(new SoakLeaky(i));',
        `v8.writeHeapSnapshot(${JSON.stringify(join(dir, 'a.heapsnapshot'))});`,
        'for (let i = 1000; i < 1500; i++) globalThis.soakLeak.push(new SoakLeaky(i));',
        `v8.writeHeapSnapshot(${JSON.stringify(join(dir, 'b.heapsnapshot'))});`,
      ].join('\n');
      await run(process.execPath, ['-e', script]);
      expect((await readdir(dir)).sort()).to.deep.equal(['a.heapsnapshot', 'b.heapsnapshot']);
      const a = HeapSnapshot.parse(await readFile(join(dir, 'a.heapsnapshot'), 'utf8'));
      const b = HeapSnapshot.parse(await readFile(join(dir, 'b.heapsnapshot'), 'utf8'));
      expect(a.summary().get('SoakLeaky')?.count).to.equal(1000);
      const row = diffGroups(a.summary(), b.summary()).find((r) => r.name === 'SoakLeaky');
      expect(row).to.include({ countA: 1000, countB: 1500 });
      expect(newSince(a, b).get('SoakLeaky')?.count).to.equal(500);
      const report = await heapDiff(join(dir, 'a.heapsnapshot'), join(dir, 'b.heapsnapshot'), { top: 10, retainers: ['SoakLeaky'], samples: 1 });
      expect(report).to.match(/\| SoakLeaky \| 1000 \| 1500 \| \+500 \|/);
      expect(report).to.include('Retainers of SoakLeaky objects new in B (1 shown)');
      expect(report).to.include('.soakLeak');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
