/**
 * Compare two V8 heap snapshots of one process (earlier A, later B): what grew, by constructor
 * (DevTools' Summary groups), what was allocated after A and is still live in B, and, for the
 * groups named, the paths that retain such objects. No dependency: bench/heap-snapshot.ts reads
 * the JSON.
 *
 *   npx tsx bench/heap-diff.ts A.heapsnapshot B.heapsnapshot [--top 25] [--retainers 'Map,(closure) onAbort'] [--samples 3] [--strings 10]
 *
 * A group that grows between snapshots taken in the same state of the workload, with its new
 * objects retained by something long-lived, is a leak; churn (objects replaced by newer ones)
 * shows in "new since A" but not in the growth.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { diffGroups, type GroupDiff, HeapSnapshot, newSince } from './heap-snapshot.js';

/** formatDiff renders the top rows of a group diff as a Markdown table. */
export function formatDiff(rows: readonly GroupDiff[], top: number): string {
  const kb = (n: number): string => (n / 1024).toFixed(1);
  const lines = ['| group | count A | count B | Δ count | KB A | KB B | Δ KB |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows.slice(0, top)) {
    lines.push(`| ${r.name.replaceAll('|', '\\|').slice(0, 70)} | ${r.countA} | ${r.countB} | ${r.countB - r.countA >= 0 ? '+' : ''}${r.countB - r.countA} | ${kb(r.sizeA)} | ${kb(r.sizeB)} | ${r.sizeB - r.sizeA >= 0 ? '+' : ''}${kb(r.sizeB - r.sizeA)} |`);
  }
  return lines.join('\n');
}

/** heapDiff reads both files and returns the report as text. */
export async function heapDiff(fileA: string, fileB: string, opts: { top?: number; retainers?: readonly string[]; samples?: number; strings?: number } = {}): Promise<string> {
  const top = opts.top ?? 25;
  const a = HeapSnapshot.parse(await readFile(fileA, 'utf8'));
  const sumA = a.summary();
  const b = HeapSnapshot.parse(await readFile(fileB, 'utf8'));
  const sumB = b.summary();
  const out: string[] = [];
  const mb = (n: number): string => `${(n / 2 ** 20).toFixed(2)} MB`;
  out.push(`A ${fileA}: ${a.nodeCount} nodes, ${mb(a.totalSize())} live`);
  out.push(`B ${fileB}: ${b.nodeCount} nodes, ${mb(b.totalSize())} live (${b.totalSize() >= a.totalSize() ? '+' : ''}${mb(b.totalSize() - a.totalSize())})`);
  const rows = diffGroups(sumA, sumB);
  out.push('', `Top growers by size, A -> B:`, formatDiff(rows, top));
  const byCount = [...rows].sort((p, q) => q.countB - q.countA - (p.countB - p.countA));
  out.push('', `Top growers by count, A -> B:`, formatDiff(byCount, Math.min(top, 15)));
  const fresh = newSince(a, b);
  let freshTotal = 0;
  for (const g of fresh.values()) freshTotal += g.size;
  out.push('', `Allocated after A and still live in B (${mb(freshTotal)}; churn as well as growth):`, '| group | count | KB |', '|---|---:|---:|');
  for (const [name, g] of [...fresh].sort((p, q) => q[1].size - p[1].size).slice(0, Math.min(top, 15))) out.push(`| ${name.replaceAll('|', '\\|').slice(0, 70)} | ${g.count} | ${(g.size / 1024).toFixed(1)} |`);
  const old = a.idSet();
  if ((opts.strings ?? 0) > 0) {
    const values = new Map<string, number>();
    for (let i = 0; i < b.nodeCount; i++) {
      if (b.group(i) !== '(string)' || old.has(b.ids[i] ?? 0)) continue;
      const v = b.name(i).slice(0, 80);
      values.set(v, (values.get(v) ?? 0) + 1);
    }
    out.push('', `New strings in B, most repeated:`);
    for (const [v, n] of [...values].sort((p, q) => q[1] - p[1]).slice(0, opts.strings)) out.push(`  ${n} x ${JSON.stringify(v)}`);
  }
  for (const name of opts.retainers ?? []) {
    const picks: number[] = [];
    for (let i = 0; i < b.nodeCount && picks.length < (opts.samples ?? 3); i++) {
      if (b.group(i) === name && !old.has(b.ids[i] ?? 0) && b.distance(i) > 0) picks.push(i);
    }
    out.push('', `Retainers of ${name} objects new in B (${picks.length} shown):`);
    for (const i of picks) out.push(`  ${b.retainingPath(i)}`);
  }
  return out.join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: 'string', default: '25' },
      retainers: { type: 'string', default: '' },
      samples: { type: 'string', default: '3' },
      strings: { type: 'string', default: '0' },
    },
  });
  const [fileA, fileB] = positionals;
  if (fileA === undefined || fileB === undefined) {
    process.stderr.write('usage: npx tsx bench/heap-diff.ts A.heapsnapshot B.heapsnapshot [--top N] [--retainers GROUP,GROUP] [--samples N] [--strings N]\n');
    process.exit(2);
  }
  const retainers = (values.retainers ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  process.stdout.write(`${await heapDiff(fileA, fileB, { top: Number(values.top), retainers, samples: Number(values.samples), strings: Number(values.strings) })}\n`);
}
