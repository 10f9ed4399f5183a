/**
 * The `ontap-sim` command: starts the simulator and prints one JSON line (`url`, `caFile`, ...)
 * once it is ready, so scripts can read where to connect. Stops cleanly on SIGTERM/SIGINT.
 */
import { createLogger } from '../runtime/logger.js';
import { CLI_USAGE, parseCliArgs } from './cli-args.js';
import { startSimulator } from './server.js';

async function main(): Promise<void> {
  const config = await parseCliArgs(process.argv.slice(2));
  if (config.help) {
    process.stdout.write(`${CLI_USAGE}\n`);
    return;
  }
  const sim = await startSimulator({ ...config.options, logger: createLogger({ level: config.logLevel }) });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The ready line: scripts parse it, so it is the one line this command writes to stdout.
  process.stdout.write(`${JSON.stringify({ url: sim.url, caFile: sim.caFile, port: sim.port, username: config.options.username, svms: config.options.svms })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`ontap-sim: ${err instanceof Error ? err.message : String(err)}\n`);
  process.stderr.write(`${CLI_USAGE}\n`);
  process.exit(2);
});
