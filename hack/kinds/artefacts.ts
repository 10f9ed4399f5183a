/**
 * The files derived from the kinds table (src/api/v1alpha1/kinds.ts): each is rendered from a
 * template under hack/kinds/templates/, or, in a file otherwise written by hand, between two
 * marker lines or as one list inside a line. `npm run gen:crds` writes them; test/unit/api/crds.test.ts fails when one differs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cloudKeyManagerKinds, KEY_MANAGER_KINDS, KINDS, type KindEntry, keyManagerKindList, keyServerKinds } from '../../src/api/v1alpha1/kinds.js';
import { expand, splice, type Values } from './template.js';

const TEMPLATES = 'hack/kinds/templates';
/** ROOT is the repository's root, where the partly generated files are read from. */
const ROOT = new URL('../../', import.meta.url);
const template = (name: string): string => readFileSync(fileURLToPath(new URL(`./templates/${name}`, import.meta.url)), 'utf8');

/** OPS_ORDER lists the key managers first, then the clusters: the order alerts, RBAC and docs use. */
const OPS_ORDER: readonly KindEntry[] = [...KEY_MANAGER_KINDS, ...KINDS.filter((k) => !k.keyManager)];
const NAMESPACED = OPS_ORDER.filter((k) => k.scope === 'Namespaced');
const NOTES_WIDTH = Math.max(...KINDS.map((k) => k.kind.length)) + 2;

/** CLOUD are the key managers that reach a cloud key service: reachability, EKMIP, rekey-internal and key-protection arms. */
const CLOUD = cloudKeyManagerKinds();

const quoted = (xs: readonly string[]): string => xs.map((x) => `"${x}"`).join(', ');
const ontapField = (gauge: string): string => gauge.replace(/_reachable$/, '_reachability');
const camel = (snake: string): string => snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
/** prose joins `xs` as a sentence does: `a, b or c`. */
const prose = (xs: readonly string[], last: string): string => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')}${last}${xs.at(-1)!}`);

/** VALUES are the placeholders every template may use. */
const VALUES: Values = {
  keyManagerKinds: keyManagerKindList(', '),
  keyManagerKindsAnd: keyManagerKindList(),
  metricsList: KEY_MANAGER_KINDS.map((k) => `${k.metrics}_*`).join(', '),
  controllers: OPS_ORDER.map((k) => k.controller).join('|'),
  singulars: OPS_ORDER.map((k) => k.singular).join(','),
  clis: CLOUD.map((k) => k.keyManager.cli).join('|'),
  credentialsList: KEY_MANAGER_KINDS.map((k) => k.keyManager.credentials).join(', '),
  cloudKeyManagerKinds: prose(CLOUD.map((k) => k.kind), ' and '),
  reachabilityFields: CLOUD.map((k) => `${ontapField(k.keyManager.reachableGauge)} for ${k.keyManager.service}`).join(', '),
  reachabilityStatuses: prose(
    CLOUD.map((k) => `status.${camel(ontapField(k.keyManager.reachableGauge))} (${k.kind})`),
    ' or ',
  ),
  reachabilityPrefixes: `${CLOUD.map((k) => k.keyManager.reachableGauge.replace(/reachable$/, '')).join(', ')}reachability`,
  routes: CLOUD.map((k) => k.keyManager.route).join('; '),
  conditionArms: KEY_MANAGER_KINDS.map(
    (k, i) => `${i === 0 ? '    ' : '  or '}label_replace(${k.metrics}_condition, \\"kind\\", \\"${k.kind}\\", \\"\\", \\"\\")`,
  ).join('\\n'),
  namespaced: quoted(NAMESPACED.map((k) => k.plural)),
  namespacedStatus: quoted(NAMESPACED.map((k) => `${k.plural}/status`)),
  namespacedFinalizers: quoted(NAMESPACED.map((k) => `${k.plural}/finalizers`)),
};

/** item is a kind's own placeholders inside an `[[each]]` block. */
function item(k: KindEntry): Values {
  return {
    kind: k.kind,
    plural: k.plural,
    metrics: k.metrics,
    notes: k.notes,
    notesKind: k.kind.padEnd(NOTES_WIDTH),
    reachableGauge: k.keyManager?.reachableGauge ?? '',
  };
}

const LISTS = { kinds: KINDS.map(item), keyManagers: KEY_MANAGER_KINDS.map(item), cloudKeyManagers: CLOUD.map(item), keyServerKinds: keyServerKinds().map(item) };

/** render expands the template `name` with every value and list. */
const render = (name: string): string => expand(template(name), VALUES, LISTS, `${TEMPLATES}/${name}`);

/** healthCheck is a kind's Argo CD health check: the key managers' or the clusters' script. */
const healthCheck = (k: KindEntry): string =>
  expand(template(k.keyManager ? 'key-manager-health.lua' : 'cluster-health.lua'), { ...VALUES, ...item(k) }, LISTS, `${TEMPLATES}/health (${k.kind})`);

/** healthCheckPath is where a kind's Argo CD health check is written. */
export const healthCheckPath = (k: KindEntry): string => `docs/argocd/${k.singular}-health.lua`;

/** argoConfigMap is the argocd-cm example of docs/deploy.md: every kind's health check, inline. */
function argoConfigMap(): string {
  const entries = OPS_ORDER.map((k) => {
    const body = healthCheck(k)
      .trimEnd()
      .split('\n')
      .map((l) => (l === '' ? '' : `    ${l}`))
      .join('\n');
    return `  resource.customizations.health.kms.ontap.dev_${k.kind}: |\n${body}\n`;
  });
  return ['```yaml', 'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: argocd-cm', '  namespace: argocd', 'data:', ''].join('\n') + entries.join('') + '```\n';
}

/** readmeKinds is the README's kinds table. */
function readmeKinds(): string {
  const rows = KINDS.map((k) => `| \`${k.kind}\` | ${k.scope} | ${k.readme} |\n`);
  return `| Kind | Scope | What it manages |\n|---|---|---|\n${rows.join('')}`;
}

/** marker is the pair of lines around a generated part of a Markdown file. */
const marker = (name: string): [string, string] => [
  `<!-- generated: ${name} (npm run gen:crds, from src/api/v1alpha1/kinds.ts; do not edit) -->`,
  `<!-- end generated: ${name} -->`,
];

/** TENANT_RULE is the README tenancy example's rule that lets a tenant manage every key-manager kind. */
const TENANT_RULE = /(metadata: \{ name: ontap-kms-tenant \}\nrules:\n {2}- apiGroups: \["kms\.ontap\.dev"\]\n {4}resources: )\[[^\]\n]*\]/;

/**
 * replaceIn replaces, in `text` (the file `where`), the one match of `re` (its first group kept)
 * by the group and `value`: a list inside a line of a file written by hand, where no marker
 * lines fit (a YAML example, a Markdown table row, a shell command).
 */
function replaceIn(text: string, re: RegExp, value: string, where: string): string {
  const all = [...text.matchAll(new RegExp(re.source, 'g'))];
  if (all.length !== 1) throw new Error(`${where}: ${all.length} matches of ${re.source}, want 1`);
  return text.replace(re, (_, head: string) => `${head}${value}`);
}

/** readme is README.md with its kinds table and the tenant's key-manager kinds rendered. */
function readme(text: string): string {
  const [begin, end] = marker('kinds');
  const withTable = splice(text, begin, end, readmeKinds(), 'README.md');
  return replaceIn(withTable, TENANT_RULE, `[${quoted(KEY_MANAGER_KINDS.map((k) => k.plural))}]`, 'README.md');
}

/** RBAC_ROW is docs/deploy.md's row of the watched kinds in the table of what the chart grants. */
const RBAC_ROW = /(\| `kms\.ontap\.dev` \| )[^|\n]*(?= \| get, list, watch, patch, update \| informers)/;
/** DELETE_KEY_MANAGERS is docs/deploy.md's command that deletes a namespace's key managers first. */
const DELETE_KEY_MANAGERS = /(kubectl delete )[a-z,]+(?= --all -n NS)/;

/** deployDoc is docs/deploy.md with its argocd-cm example, watched kinds and key-manager kinds rendered. */
function deployDoc(text: string): string {
  const [begin, end] = marker('argocd-cm');
  let out = splice(text, begin, end, argoConfigMap(), 'docs/deploy.md');
  out = replaceIn(out, RBAC_ROW, NAMESPACED.map((k) => `\`${k.plural}\``).join(', '), 'docs/deploy.md');
  return replaceIn(out, DELETE_KEY_MANAGERS, KEY_MANAGER_KINDS.map((k) => k.plural).join(','), 'docs/deploy.md');
}

const YAML_HEADER = (from: string): string =>
  `# Generated from ${from} and src/api/v1alpha1/kinds.ts by \`npm run gen:crds\`; do not edit.\n`;

/**
 * renderKindArtefacts returns path (from the repository's root) → text of every file derived
 * from the kinds table. `read` reads a file that is only partly generated (README.md,
 * docs/deploy.md); by default the repository's copy.
 */
export function renderKindArtefacts(read: (path: string) => string = (p) => readFileSync(new URL(p, ROOT), 'utf8')): Map<string, string> {
  const out = new Map<string, string>();
  out.set('charts/ontap-kms-operator/templates/_kinds.tpl', render('_kinds.tpl'));
  out.set('charts/ontap-kms-operator/files/prometheus-rules.yaml', YAML_HEADER(`${TEMPLATES}/prometheus-rules.yaml`) + render('prometheus-rules.yaml'));
  out.set('charts/ontap-kms-operator/files/grafana-dashboard.json', render('grafana-dashboard.json'));
  for (const k of KINDS) out.set(healthCheckPath(k), healthCheck(k));
  out.set('docs/deploy.md', deployDoc(read('docs/deploy.md')));
  out.set('README.md', readme(read('README.md')));
  return out;
}
