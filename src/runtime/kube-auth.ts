/**
 * Where the Kubernetes API is and how to prove who we are to it. In a pod, this is the mounted
 * service-account token and CA, read here directly the way client-go's InClusterConfig does;
 * everywhere else it is a kubeconfig, read by client-node. client-node is loaded only then: its
 * generated API models cost the process about 75 MB of memory, which an operator in a pod with a
 * 256Mi limit cannot spare.
 */
import { readFileSync, statSync } from 'node:fs';
import type https from 'node:https';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';

/** KubeCredentials are the API server's address and what each request needs to reach it. */
export interface KubeCredentials {
  /** server is the API server's base URL, without a trailing slash. */
  readonly server: string;
  /** proxyUrl, when set, makes every request go through that proxy (client-node's agent). */
  readonly proxyUrl?: string | undefined;
  /** apply sets TLS trust, client identity and the Authorization header on one request's options. */
  apply(opts: https.RequestOptions): Promise<void>;
}

/** SERVICE_ACCOUNT_DIR is where a pod's service-account token, CA and namespace are mounted. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** TOKEN_REREAD_MS: the kubelet rotates a projected token; re-read it this often, as client-go does. */
const TOKEN_REREAD_MS = 60_000;

/**
 * inClusterCredentials returns the pod's credentials, or undefined outside a pod (no
 * KUBERNETES_SERVICE_HOST or no token file). `dir` defaults to SERVICE_ACCOUNT_DIR, or to
 * $ONTAP_KMS_SERVICEACCOUNT_DIR when set (benchmarks run the operator "in a pod" that way).
 */
export function inClusterCredentials(env: NodeJS.ProcessEnv = process.env, dir = env.ONTAP_KMS_SERVICEACCOUNT_DIR ?? SERVICE_ACCOUNT_DIR): KubeCredentials | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(dir, 'token');
  if (host === undefined || host === '' || port === undefined || !isFile(tokenFile)) return undefined;
  const ca = readFileSync(join(dir, 'ca.crt'));
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let token = '';
  let readAt = 0;
  return {
    server,
    apply(opts) {
      if (Date.now() - readAt >= TOKEN_REREAD_MS) {
        token = readFileSync(tokenFile, 'utf8').trim();
        readAt = Date.now();
      }
      opts.ca = ca;
      opts.headers = { ...opts.headers, Authorization: `Bearer ${token}` };
      return Promise.resolve();
    },
  };
}

/** kubeConfigCredentials adapts a client-node KubeConfig (its current context). */
export function kubeConfigCredentials(kc: KubeConfig): KubeCredentials {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('kube api: the kubeconfig has no current cluster');
  return {
    server: cluster.server.replace(/\/+$/, ''),
    proxyUrl: cluster.proxyUrl,
    apply: (opts) => kc.applyToHTTPSOptions(opts),
  };
}

/**
 * loadCredentials finds the credentials: the kubeconfig at `path` when given; else the pod's
 * service account; else client-node's default loading rules ($KUBECONFIG, ~/.kube/config).
 */
export async function loadCredentials(path?: string, env: NodeJS.ProcessEnv = process.env): Promise<KubeCredentials> {
  if (path === undefined) {
    const pod = inClusterCredentials(env);
    if (pod !== undefined) return pod;
  }
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (path !== undefined) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kubeConfigCredentials(kc);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
