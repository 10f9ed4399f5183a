/**
 * ontap-kms-testenv CLI:
 *   start --dir DIR [--bin-dir BINDIR]   start etcd, kube-apiserver, kube-controller-manager; print one JSON line
 *   stop --dir DIR                       stop them and check nothing is left behind
 *   kubeconfig --dir DIR --user NAME [--group G]...
 *   kubeconfig --dir DIR --service-account NAMESPACE/NAME
 *                                        print the path of a kubeconfig for that identity
 */
import { inspect, parseArgs } from 'node:util';
import { startControlPlane, stopControlPlane } from './controlplane.js';
import { kubeconfigFor, serviceAccount, type Identity } from './kubeconfig.js';

const USAGE = `usage:
  ontap-kms-testenv start --dir DIR [--bin-dir BINDIR]
  ontap-kms-testenv stop --dir DIR
  ontap-kms-testenv kubeconfig --dir DIR (--user NAME [--group GROUP]... | --service-account NAMESPACE/NAME)`;

class UsageError extends Error {}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  const values = parseFlags(rest);
  const dir = values.dir;
  if (dir === undefined) throw new UsageError('--dir is required');

  switch (command) {
    case 'start': {
      const cp = await startControlPlane({ dir, binDir: values['bin-dir'] });
      process.stdout.write(`${JSON.stringify({ kubeconfig: cp.kubeconfig, server: cp.server, dir: cp.dir, binDir: cp.binDir })}\n`);
      return;
    }
    case 'stop':
      await stopControlPlane(dir);
      return;
    case 'kubeconfig':
      process.stdout.write(`${await kubeconfigFor(dir, identityFrom(values.user, values.group, values['service-account']))}\n`);
      return;
    default:
      throw new UsageError(`unknown command ${command ?? '(none)'}`);
  }
}

function parseFlags(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        dir: { type: 'string' },
        'bin-dir': { type: 'string' },
        user: { type: 'string' },
        group: { type: 'string', multiple: true },
        'service-account': { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : 'bad arguments');
  }
}

function identityFrom(user: string | undefined, groups: string[] | undefined, sa: string | undefined): Identity {
  if (sa !== undefined) {
    if (user !== undefined || groups !== undefined) throw new UsageError('--service-account excludes --user and --group');
    const [namespace, name, ...extra] = sa.split('/');
    if (namespace === undefined || name === undefined || namespace === '' || name === '' || extra.length > 0) {
      throw new UsageError(`--service-account ${sa}: want NAMESPACE/NAME`);
    }
    return serviceAccount(namespace, name);
  }
  if (user === undefined) throw new UsageError('kubeconfig needs --user or --service-account');
  return { user, groups: groups ?? [] };
}

/** describe flattens an error and its causes into one line. */
function describe(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined; e = e instanceof Error ? e.cause : undefined) {
    parts.push(e instanceof Error ? e.message : inspect(e));
  }
  return parts.join(': ');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`ontap-kms-testenv: ${describe(err)}\n`);
  if (err instanceof UsageError) process.stderr.write(`${USAGE}\n`);
  process.exitCode = 1;
});
