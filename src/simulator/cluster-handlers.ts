/**
 * The non-KMS endpoints the operator touches: GET /api/cluster (connection probe),
 * /api/svm/svms, /api/cluster/nodes and /api/cluster/jobs/{uuid}.
 */
import { notFound, SimError } from './http.js';
import { jobJson } from './jobs.js';
import { type CollectionSpec, listCollection, parseCollectionQuery, project } from './query.js';
import type { Ctx, Reply } from './reply.js';

/** SIM_VERSION is the ONTAP release the simulator claims to be. */
export const SIM_VERSION = {
  full: 'NetApp Release 9.15.1: Wed Jun 12 12:00:00 UTC 2024',
  generation: 9,
  major: 15,
  minor: 1,
} as const;

const SVM_SPEC: CollectionSpec = { basePath: '/api/svm/svms', fields: ['name', 'uuid', 'state'], advanced: [], keys: ['uuid', 'name'] };
const NODE_SPEC: CollectionSpec = { basePath: '/api/cluster/nodes', fields: ['name', 'uuid', 'state'], advanced: [], keys: ['uuid', 'name'] };

/** routeCluster answers the cluster, SVM, node and job endpoints, or returns undefined. */
export function routeCluster(ctx: Ctx): Reply | undefined {
  const { state, path } = ctx;
  if (path === '/api/cluster') {
    if (ctx.method !== 'GET') throw new SimError(405, '3', `The method "${ctx.method}" is not allowed on "${path}".`);
    return {
      status: 200,
      body: { name: state.clusterName, uuid: state.clusterUuid, version: SIM_VERSION, _links: { self: { href: '/api/cluster' } } },
    };
  }
  if (ctx.method !== 'GET') return undefined;
  if (path === '/api/svm/svms' || path.startsWith('/api/svm/svms/')) {
    const views = state.svms.map((s) => ({ name: s.name, uuid: s.uuid, state: 'running', _links: { self: { href: `/api/svm/svms/${s.uuid}` } } }));
    return collectionOrOne(ctx, views, SVM_SPEC, path.slice('/api/svm/svms/'.length));
  }
  if (path === '/api/cluster/nodes' || path.startsWith('/api/cluster/nodes/')) {
    // `state` as ONTAP's node has it: up, or down while a test has taken the node offline.
    const views = state.nodes.map((n) => ({ name: n.name, uuid: n.uuid, state: n.online ? 'up' : 'down', _links: { self: { href: `/api/cluster/nodes/${n.uuid}` } } }));
    return collectionOrOne(ctx, views, NODE_SPEC, path.slice('/api/cluster/nodes/'.length));
  }
  if (path.startsWith('/api/cluster/jobs/')) {
    const job = state.jobs.get(path.slice('/api/cluster/jobs/'.length));
    if (job === undefined) throw notFound('uuid');
    return { status: 200, body: jobJson(job) };
  }
  return undefined;
}

function collectionOrOne(ctx: Ctx, views: Array<Record<string, unknown>>, spec: CollectionSpec, uuid: string): Reply {
  const query = parseCollectionQuery(ctx.params, spec);
  if (uuid === '') return { status: 200, body: listCollection(views, query, ctx.params, spec) };
  const one = views.find((v) => v['uuid'] === uuid);
  if (one === undefined) throw notFound('uuid');
  return { status: 200, body: project(one, query.fields, spec, true) };
}
