import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inClusterCredentials } from '../../../src/runtime/kube-auth.js';

describe('inClusterCredentials (a pod\'s service account, without client-node)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sa-'));
    await writeFile(join(dir, 'token'), 'tok-1\n');
    await writeFile(join(dir, 'ca.crt'), 'CA PEM');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads the API server address from the environment and the token and CA from the mount', async () => {
    const c = inClusterCredentials({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir);
    expect(c?.server).to.equal('https://10.96.0.1:443');
    const opts: https.RequestOptions = {};
    await c?.apply(opts);
    expect(opts.headers).to.deep.equal({ Authorization: 'Bearer tok-1' });
    expect(String(opts.ca)).to.equal('CA PEM');
  });

  it('brackets an IPv6 service host', () => {
    expect(inClusterCredentials({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir)?.server).to.equal('https://[fd00::1]:443');
  });

  it('is undefined outside a pod: no service host, or no token', async () => {
    expect(inClusterCredentials({}, dir)).to.equal(undefined);
    await rm(join(dir, 'token'));
    expect(inClusterCredentials({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir)).to.equal(undefined);
  });
});
