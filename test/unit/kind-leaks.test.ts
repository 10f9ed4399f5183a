import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { KEY_MANAGER_KINDS, type KindEntry } from '../../src/api/v1alpha1/kinds.js';
import { renderKindArtefacts } from '../../hack/kinds/artefacts.js';

// Where a key-manager kind may be named, outside test/. A kind is declared once, in the kinds
// table (src/api/v1alpha1/kinds.ts); what every kind repeats is generated from it; a kind's own
// files are named after it. Any other file that names a kind is a place the next kind would
// have to be added by hand: this test fails when a kind leaks into one, and when a file listed
// below no longer names a kind (so the lists only shrink).

/** spellings are the ways a kind is written: OntapGcpKms, GcpKms, ontapgcpkms(es), gcp-kms, gcp_kms. */
function spellings(k: KindEntry): RegExp {
  const bare = k.kind.replace(/^Ontap/, '');
  const kebab = bare.replace(/(?<=[a-z])(?=[A-Z])/g, '-').toLowerCase();
  // Lower-case spellings start a word: `kmip` is a kind's, the `ekmip` of ekmip_reachability is not.
  return new RegExp([k.kind, bare, k.singular, kebab, kebab.replaceAll('-', '_')].map((x) => (x === x.toLowerCase() ? `(?<![A-Za-z])${x}` : x)).join('|'));
}

/** kebabOf is the kind's file-name spelling: gcp-kms. */
const kebabOf = (k: KindEntry): string =>
  k.kind
    .replace(/^Ontap/, '')
    .replace(/(?<=[a-z])(?=[A-Z])/g, '-')
    .toLowerCase();

/** ownFiles are the files named after a kind: its schema, adapter folder, simulator family, wire format and examples. */
function ownFile(k: KindEntry, path: string): boolean {
  const kebab = kebabOf(k);
  return (
    path === `src/api/v1alpha1/schema-ontap-${kebab}.ts` ||
    path.startsWith(`src/controller/ontap-${kebab}/`) ||
    path.startsWith(`src/simulator/${kebab}`) ||
    path === `src/ontap/wire-${k.keyManager!.cli}.ts` ||
    path.startsWith(`examples/ontap-${kebab}`)
  );
}

/** DOCS describe each kind in prose, on purpose. */
const DOCS = ['README.md', 'CHANGELOG.md', 'docs/deploy.md', 'docs/ontap-rest.md', 'docs/ontap-sim.md'];

/** ARTEFACTS are the files rendered from the kinds table; README.md and docs/deploy.md only in part (see DOCS). */
const ARTEFACTS = new Set([...renderKindArtefacts().keys()].filter((p) => !DOCS.includes(p)));

/** GENERATED says whether `npm run gen:crds` writes the file. */
const GENERATED = (path: string): boolean =>
  path.startsWith('crds/') || path.startsWith('charts/ontap-kms-operator/crds/') || path === 'docs/api.md' || path === 'deploy/operator.yaml' || ARTEFACTS.has(path);

/** TABLE is where a kind is declared. */
const TABLE = 'src/api/v1alpha1/kinds.ts';

/**
 * STILL_BY_HAND name every key-manager kind today: the types, parsers and wiring of each kind,
 * the ONTAP client's family list, the simulator's records and state. The engine no longer asks
 * which kind it drives (the cloud-only parts are optional capabilities of the adapter); these are
 * the registries a TypeScript build needs without a code generator, and a new cloud-shaped kind is
 * added to each of them by hand.
 */
const STILL_BY_HAND = [
  'hack/capture-upgrade-fixtures.ts',
  'src/api/v1alpha1/constants.ts',
  'src/api/v1alpha1/parse.ts',
  'src/api/v1alpha1/schema.ts',
  'src/api/v1alpha1/types.ts',
  'src/controller/manager.ts',
  'src/controller/resources.ts',
  'src/ontap/families.ts',
  'src/simulator/key-manager-family.ts',
  'src/simulator/key-manager-handlers.ts',
  'src/simulator/key-manager-records.ts',
  'src/simulator/key-manager-validate.ts',
  'src/simulator/server.ts',
  'src/simulator/state.ts',
];

/** BY_KIND are the files only some kinds leak into: a kind's own error codes, and AWS KMS, the first kind, as the worked example of generic code, the demo and the benchmarks. */
const BY_KIND: Readonly<Record<string, readonly string[]>> = {
  OntapGcpKms: ['src/ontap/errors.ts'],
  // /api/security/key-managers holds onboard and external (KMIP) records in one collection: its
  // simulator handlers dispatch to each shape's file.
  OntapOnboardKeyManager: ['src/simulator/security-key-managers.ts'],
  // ontap-sim's control API has a switch "this SVM has a KMIP key manager" (for the cloud kinds'
  // one-key-manager-per-SVM rule), older than the kind.
  OntapKmip: ['src/simulator/control-api.ts', 'src/simulator/control.ts'],
  OntapAwsKms: [
    'bench/',
    'charts/ontap-kms-operator/values.yaml',
    'examples/cluster-ontap-cluster.yaml',
    'examples/ontap-cluster.yaml',
    'src/api/v1alpha1/schema-key-manager.ts',
    'src/controller/errors.ts',
    'src/controller/key-manager/',
    'src/controller/typed-cache.ts',
    'src/demo/',
    'src/ontap/',
    'src/simulator/',
  ],
};

/** FILES are the repository's files outside test/, committed or new (not ignored). */
const FILES = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && !f.startsWith('test/'));

/** naming lists the files whose text matches `re`. */
function naming(re: RegExp): string[] {
  return FILES.filter((f) => {
    try {
      return re.test(readFileSync(f, 'utf8'));
    } catch {
      return false; // deleted in the work tree, or not text
    }
  });
}

const allowed = (k: KindEntry, path: string): boolean =>
  path === TABLE ||
  ownFile(k, path) ||
  GENERATED(path) ||
  DOCS.includes(path) ||
  STILL_BY_HAND.includes(path) ||
  (BY_KIND[k.kind] ?? []).some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p));

describe('where a kind may be named (the kinds table is the one place a kind is declared)', () => {
  const named = new Map(KEY_MANAGER_KINDS.map((k) => [k.kind, naming(spellings(k))]));

  for (const k of KEY_MANAGER_KINDS) {
    it(`${k.kind} is named only in the kinds table, its own files, generated files, docs and the files still listed by hand`, () => {
      expect(named.get(k.kind)!.filter((f) => !allowed(k, f))).to.deep.equal([]);
    });
  }

  it('every file listed as still naming kinds by hand names one (a file freed of kinds leaves the list)', () => {
    const any = new Set([...named.values()].flat());
    expect(STILL_BY_HAND.filter((f) => !any.has(f))).to.deep.equal([]);
    for (const [kind, files] of Object.entries(BY_KIND)) {
      const mine = named.get(kind) ?? [];
      expect(files.filter((p) => !mine.some((f) => (p.endsWith('/') ? f.startsWith(p) : f === p))), kind).to.deep.equal([]);
    }
  });

  it('a new cloud-shaped kind is written by hand in its own files, the table, the docs and the files still listed', () => {
    // Measured on OntapGcpKms, the newest cloud kind: files outside test/ that name it and are not generated.
    const gcp = KEY_MANAGER_KINDS.find((k) => k.kind === 'OntapGcpKms')!;
    const byHand = named.get(gcp.kind)!.filter((f) => !GENERATED(f));
    expect(byHand.filter((f) => ownFile(gcp, f))).to.have.length(5);
    expect(byHand.filter((f) => !ownFile(gcp, f) && f !== TABLE && !DOCS.includes(f))).to.have.length(STILL_BY_HAND.length + 1);
  });
});
