/**
 * A fleet of ontap-sims in one process, for the scale benchmark's many-cluster runs: a process per
 * simulator costs about 40 MB and a Node start each, which 1,000 clusters cannot afford on this
 * machine, and the bench's own process must stay free of simulator CPU (its clock times the
 * operator). Each simulator is a whole ontap-sim (its own port, CA and state), as a cluster is.
 *
 *   tsx bench/sim-fleet.ts --count 100 --svm svm-00000 --svm svm-00001 [--username admin --password pw]
 *
 * Prints one JSON line once every simulator listens, `{"sims":[{"url":..,"caPem":..},..]}`, and
 * stops them all on SIGTERM. Their request logs are read over each one's `/_sim/requests`.
 */
import { parseArgs } from 'node:util';
import { startSimulator, type SimulatorHandle } from '../src/simulator/server.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1' },
    svm: { type: 'string', multiple: true, default: ['svm1'] },
    username: { type: 'string', default: 'admin' },
    password: { type: 'string', default: 'pw' },
    /** parallel bounds the simulators starting at once (each runs openssl five times for its TLS). */
    parallel: { type: 'string', default: '8' },
  },
});

const count = Number(args.count);
const sims: SimulatorHandle[] = new Array<SimulatorHandle>(count);
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(count, Number(args.parallel)) }, async () => {
    while (next < count) {
      const i = next++;
      sims[i] = await startSimulator({ username: args.username, password: args.password, svms: args.svm, clusterName: `fleet-${process.pid}-${i}` });
    }
  }),
);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  Promise.all(sims.map((s) => s.close())).then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdout.write(`${JSON.stringify({ sims: sims.map((s) => ({ url: s.url, caPem: s.caPem })) })}\n`);
