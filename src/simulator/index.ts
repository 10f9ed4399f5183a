/**
 * ontap-sim's programmatic surface: start a simulator in-process and drive its test knobs.
 */
export { type SimulatorHandle, type SimulatorOptions, startSimulator } from './server.js';
export { type AsyncUpdate, type AwsUpdate, type CloudUpdate, SimControl, type SimStats } from './control.js';
export type { FaultRule, FaultRuleInput } from './faults.js';
export type { RequestLogEntry, SimState } from './state.js';
export { fingerprint } from './fingerprint.js';
export { generateTlsMaterial, type TlsMaterial } from './tls.js';
