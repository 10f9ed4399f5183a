// Named zz- so that, in a full run, it scans last: capturedLogs then holds the debug output of
// every integration suite before it, and this file adds its own scenario so it also stands alone.
import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { capturedErrors, capturedLogs, createBody, newClient, rejection, SECRETS, startSim } from './fixtures.js';

describe('OntapClient and ontap-sim never log a secret', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSim();
  });
  after(() => sim.close());

  it('runs writes, failures and retries at debug level, then finds no secret in any log line or error', async () => {
    const client = newClient(sim);
    try {
      const uuid = await client.createAwsKms(createBody('svm1'));
      await client.patchAwsKms(uuid, { access_key_id: 'AKIA2', secret_access_key: SECRETS.awsSecret, proxy_password: SECRETS.proxyPassword });
      sim.control.setAws({ acceptedCredentials: [] });
      await rejection(client.patchAwsKms(uuid, { access_key_id: 'AKIA3', secret_access_key: SECRETS.awsSecret }));
      sim.control.setAsync({ enabled: true, delayMs: 20 });
      await rejection(client.patchAwsKms(uuid, { access_key_id: 'AKIA4', secret_access_key: SECRETS.awsSecret }));
      sim.control.addFault({ method: 'PATCH', path: '/api/', drop: true, count: 1 });
      await rejection(client.patchAwsKms(uuid, { proxy_password: SECRETS.proxyPassword }));
      sim.control.addFault({ method: 'GET', path: '/api/', drop: true, count: 1 });
      await client.getAwsKms(uuid, ['**']);
      const bad = newClient(sim, { auth: { kind: 'basic', username: 'admin', password: `${SECRETS.ontapPassword}-wrong` } });
      await rejection(bad.getCluster());
      bad.close();
    } finally {
      client.close();
    }
    // The scan is only meaningful if something was logged at debug level and errors were seen.
    expect(capturedLogs.some((l) => l.includes('"bodyFields"'))).to.equal(true);
    expect(capturedLogs.some((l) => l.includes('secret_access_key'))).to.equal(true);
    expect(capturedErrors.length).to.be.greaterThan(2);
    const everything = [...capturedLogs, ...capturedErrors].join('\n');
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(everything.includes(secret), `${name} leaked`).to.equal(false);
      expect(everything.includes(Buffer.from(`admin:${secret}`).toString('base64')), `${name} leaked base64`).to.equal(false);
    }
  });
});
