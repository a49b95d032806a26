// Public surface of the PG layer: peering and recovery decisions, pure.
export * from './types.js';
export { commonPoint, missingFor, checkLog, type PeerLog } from './log.js';
export { PgPeering, type PeeringConfig, type PeeringEvent, type PeeringAction, type ActivateAction, type RecoveryPlan } from './peering.js';
export {
  compareScrubMaps,
  diffScrubObjects,
  SCRUB_OBJECTS_MAX,
  type ScrubObject,
  type ScrubMap,
  type ScrubField,
  type ScrubShardError,
  type ScrubInconsistency,
} from './scrub-compare.js';
