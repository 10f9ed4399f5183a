/**
 * Argument parsing for the `ontap-sim` command, kept apart from cli.ts so it can be tested
 * without starting a server.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { LogLevel } from '../runtime/logger.js';
import type { SimulatorOptions } from './server.js';

/** CLI_USAGE is the command's help text. */
export const CLI_USAGE = `usage: ontap-sim [options]
  --listen HOST:PORT     address to listen on (default 127.0.0.1:0; port 0 picks a free one)
  --username NAME        HTTP Basic user (default admin)
  --password PASS        HTTP Basic password (default netapp1!)
  --svm NAME             an SVM; repeatable (default svm1)
  --nodes N              number of nodes (default 2)
  --cluster-name NAME    cluster name (default sim-cluster)
  --ca-file PATH         where to write the CA certificate (default: a temporary file)
  --tls-cert PATH        serve this certificate instead of a generated one (with --tls-key)
  --tls-key PATH
  --log-level LEVEL      error | warn | info | debug (default warn; logs go to stderr)
  --help`;

/** CliConfig is the parsed command line: simulator options (minus the logger) and the log level. */
export interface CliConfig {
  readonly help: boolean;
  readonly logLevel: LogLevel;
  readonly options: Omit<SimulatorOptions, 'logger'>;
}

/** parseListen splits HOST:PORT (IPv6 in brackets). */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value);
  const port = Number(m?.[3]);
  const host = m?.[1] ?? m?.[2];
  if (m === null || host === undefined || !Number.isInteger(port) || port > 65535) {
    throw new Error(`--listen ${value}: expected HOST:PORT`);
  }
  return { host, port };
}

/** parseCliArgs validates argv (without node and script) and reads --tls-cert/--tls-key files. */
export async function parseCliArgs(argv: readonly string[]): Promise<CliConfig> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      listen: { type: 'string', default: '127.0.0.1:0' },
      username: { type: 'string', default: 'admin' },
      password: { type: 'string', default: 'netapp1!' },
      svm: { type: 'string', multiple: true },
      nodes: { type: 'string', default: '2' },
      'cluster-name': { type: 'string' },
      'ca-file': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'log-level': { type: 'string', default: 'warn' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const { host, port } = parseListen(values.listen);
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`--nodes ${values.nodes}: expected a positive integer`);
  const certPath = values['tls-cert'];
  const keyPath = values['tls-key'];
  if ((certPath === undefined) !== (keyPath === undefined)) throw new Error('--tls-cert and --tls-key go together');
  const level = values['log-level'];
  if (level !== 'error' && level !== 'warn' && level !== 'info' && level !== 'debug') {
    throw new Error(`--log-level ${level}: expected error, warn, info or debug`);
  }
  return {
    help: values.help,
    logLevel: level,
    options: {
      host,
      port,
      username: values.username,
      password: values.password,
      svms: values.svm ?? ['svm1'],
      nodes,
      ...(values['cluster-name'] !== undefined ? { clusterName: values['cluster-name'] } : {}),
      ...(values['ca-file'] !== undefined ? { caFile: values['ca-file'] } : {}),
      ...(certPath !== undefined && keyPath !== undefined
        ? { tls: { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') } }
        : {}),
    },
  };
}
