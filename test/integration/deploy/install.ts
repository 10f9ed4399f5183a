/**
 * Helm plumbing for the deploy tests, and installChart: the chart installed into the real
 * control plane, with a kubeconfig for the ServiceAccount it created, so that other tests can
 * run the operator with exactly the permissions the chart grants.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serviceAccount, type TestControlPlane } from '../../support/control-plane.js';

const run = promisify(execFile);

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The chart's directory. */
export const CHART_DIR = fileURLToPath(new URL('../../../charts/ontap-kms-operator', import.meta.url));

let helmPath: Promise<string> | undefined;

/** helmBin is the helm that tools/controlplane/build.sh builds ($ONTAP_KMS_CONTROLPLANE_BIN/helm when set). */
export function helmBin(): Promise<string> {
  helmPath ??= (async () => {
    const dir = process.env.ONTAP_KMS_CONTROLPLANE_BIN;
    if (dir !== undefined && dir !== '') return `${dir}/helm`;
    const { stdout } = await run('bash', [`${REPO}tools/controlplane/build.sh`], { maxBuffer: 16 * 1024 * 1024 });
    const last = stdout.trimEnd().split('\n').pop() ?? '';
    if (last === '') throw new Error('tools/controlplane/build.sh printed no bin dir');
    return `${last}/helm`;
  })();
  return helmPath;
}

/** helm runs helm with `args` and resolves to its stdout; it rejects with helm's stderr in the message. */
export async function helm(args: readonly string[]): Promise<string> {
  const bin = await helmBin();
  try {
    return (await run(bin, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    const out = typeof err === 'object' && err !== null && 'stdout' in err ? String(err.stdout).trim() : '';
    const stderr = typeof err === 'object' && err !== null && 'stderr' in err ? String(err.stderr).trim() : '';
    throw new Error(`helm ${args.join(' ')}: ${stderr}\n${out}`, { cause: err });
  }
}

/**
 * TEST_ALLOW_LIST is the allowedOntapEndpoints the tests install and render with (the chart
 * requires one): loopback on any port, where ontap-sim listens.
 */
export const TEST_ALLOW_LIST: readonly string[] = ['--set', 'allowedOntapEndpoints[0]=127.0.0.0/8:*'];

/** withAllowList adds TEST_ALLOW_LIST to helm arguments that set neither allowedOntapEndpoints nor allowAnyOntapEndpoint. */
export function withAllowList(args: readonly string[]): string[] {
  return args.some((a) => a.includes('allowedOntapEndpoints') || a.includes('allowAnyOntapEndpoint')) ? [...args] : [...TEST_ALLOW_LIST, ...args];
}

/** watchNamespaceFlags turns watchNamespaces into helm --set flags. */
export function watchNamespaceFlags(watchNamespaces: readonly string[]): string[] {
  return watchNamespaces.flatMap((ns, i) => ['--set', `watchNamespaces[${i}]=${ns}`]);
}

/** InstallOptions say where the chart goes and what it may watch. */
export interface InstallOptions {
  /** namespace is the release namespace (created when missing); the Lease lives there. */
  readonly namespace: string;
  /** watchNamespaces restricts the operator (created when missing); empty or unset: all namespaces. */
  readonly watchNamespaces?: readonly string[];
  /**
   * release is the Helm release name; the objects are named after it (the chart name is added
   * unless the release name contains it). Cluster-scoped objects (the ClusterRole) too, so two
   * all-namespaces installs into one control plane need two names.
   * Keep namespace + ServiceAccount name within 41 characters: the testenv's identity is a
   * certificate whose CN, system:serviceaccount:NS:NAME, may not exceed 64.
   * @default 'ontap-kms-operator'
   */
  readonly release?: string;
  /** extraArgs are further `helm install` arguments, e.g. ['--set', 'replicaCount=1']; without an allow-list value, TEST_ALLOW_LIST is added. */
  readonly extraArgs?: readonly string[];
}

/** InstalledChart is a release in the control plane. */
export interface InstalledChart {
  readonly release: string;
  readonly namespace: string;
  /** serviceAccountName is the ServiceAccount the operator runs as. */
  readonly serviceAccountName: string;
  /** serviceAccountKubeconfig is a kubeconfig that authenticates as that ServiceAccount. */
  readonly serviceAccountKubeconfig: string;
  /** uninstall removes the release (not the namespaces). */
  uninstall(): Promise<void>;
}

/** installChart runs `helm install` of the chart into `cp` and returns the operator's identity. */
export async function installChart(cp: TestControlPlane, options: InstallOptions): Promise<InstalledChart> {
  const { namespace } = options;
  const release = options.release ?? 'ontap-kms-operator';
  const watch = options.watchNamespaces ?? [];
  for (const ns of watch) await ensureNamespace(cp, ns);
  await helm([
    'install', release, CHART_DIR,
    '--kubeconfig', cp.kubeconfig,
    '--namespace', namespace,
    '--create-namespace',
    ...watchNamespaceFlags(watch),
    ...withAllowList(options.extraArgs ?? []),
  ]);
  const names = (await cp.kubectl([
    'get', 'serviceaccounts', '-n', namespace,
    '-l', `app.kubernetes.io/instance=${release}`,
    '-o', 'jsonpath={.items[*].metadata.name}',
  ])).trim().split(/\s+/).filter((n) => n !== '');
  const [serviceAccountName, ...others] = names;
  if (serviceAccountName === undefined || others.length > 0) {
    throw new Error(`install ${release}: want one ServiceAccount in ${namespace}, found [${names.join(', ')}]`);
  }
  const identity = serviceAccount(namespace, serviceAccountName);
  if (identity.user.length > 64) {
    throw new Error(`install ${release}: ${identity.user} is longer than a certificate CN may be (64); use a shorter namespace or release`);
  }
  const serviceAccountKubeconfig = await cp.kubeconfigFor(identity);
  return {
    release,
    namespace,
    serviceAccountName,
    serviceAccountKubeconfig,
    uninstall: async () => {
      await helm(['uninstall', release, '--kubeconfig', cp.kubeconfig, '--namespace', namespace]);
    },
  };
}

async function ensureNamespace(cp: TestControlPlane, name: string): Promise<void> {
  try {
    await cp.kubectl(['create', 'namespace', name]);
  } catch (err) {
    if (!(err instanceof Error && /AlreadyExists|already exists/.test(err.message))) throw err;
  }
}
