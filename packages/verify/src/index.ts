/**
 * @tcg2sim/verify: a real boot's event log against the prediction for its VM: exact or not, and
 * for every divergent event the component it belongs to and the likely cause.
 */
export { verifyLog } from './verify.ts';
export type { VerifyDivergence, VerifyReport, VerifyOptions, LaterEvent } from './verify.ts';
export { alignEvents, measuredKey, MAX_EXTRA_EVENTS, MAX_PREDICTED_EVENTS } from './align.ts';
export type { AlignedPair, Alignment } from './align.ts';
export { explain, describeComponent, dataDifference } from './explain.ts';
export type { Explanation, ExplainContext, NamedRange, PeiFvProbe } from './explain.ts';
export { VerifyError } from './errors.ts';
export type { VerifyErrorCode } from './errors.ts';
