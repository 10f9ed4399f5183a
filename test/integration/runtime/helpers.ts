/**
 * Shared setup for the runtime integration tests: a KubeApi on the run's control plane and a
 * namespace of the test file's own, so files never see each other's objects.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeApi, NamespaceType } from '../../../src/runtime/kube.js';
import { getControlPlane, type TestControlPlane } from '../../support/control-plane.js';

/** RuntimeEnv is what a runtime integration test works with. */
export interface RuntimeEnv {
  readonly cp: TestControlPlane;
  readonly api: KubeApi;
  readonly namespace: string;
}

/** setupEnv starts (or reuses) the control plane and creates a fresh namespace named after `prefix`. */
export async function setupEnv(prefix: string): Promise<RuntimeEnv> {
  const cp = await getControlPlane();
  const api = await KubeApi.fromKubeconfig(cp.kubeconfig);
  const namespace = `${prefix}-${randomBytes(3).toString('hex')}`;
  await api.create(NamespaceType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  return { cp, api, namespace };
}

/** teardownEnv deletes the namespace; the control plane's namespace controller removes what it holds. */
export async function teardownEnv(env: RuntimeEnv | undefined): Promise<void> {
  if (env !== undefined) await env.api.delete(NamespaceType, '', env.namespace);
}

/** waitFor polls `cond` until it holds, failing with `what` after `ms`. */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

