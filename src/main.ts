/**
 * The ontap-kms-operator process: flags, logger, the operator, and signals. On SIGTERM or SIGINT
 * it stops taking work, finishes reconciles in flight, releases its lease and exits 0.
 */
import { ConfigError, parseConfig, USAGE } from './config.js';
import { startOperator } from './operator.js';
import { createLogger } from './runtime/logger.js';

async function main(): Promise<number> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`ontap-kms-operator: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (config === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const operator = await startOperator(config, {
    logger,
    // Like controller-runtime: a leader that lost its lease exits, and its restart campaigns again.
    onLostLeadership: () => {
      logger.error('leader election lost; exiting');
      process.exit(1);
    },
  });
  // The bind addresses, not the loopback URLs: `:8080` listens on every interface.
  logger.info('ontap-kms-operator started', { metrics: config.metricsBindAddress, health: config.healthProbeBindAddress });
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string): void => {
      logger.info('shutting down', { signal });
      resolve();
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
  await operator.stop();
  logger.info('stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`ontap-kms-operator: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
