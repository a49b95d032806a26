// Public surface of placement: object → PG → OSDs. Pure and deterministic; imports only core.

export { strHashRjenkins, strHashLinux, crushHash32_1, crushHash32_2, crushHash32_3, crushHash32_4 } from './hash.js';
export {
  type PoolPlacement,
  PG_NUM_MAX,
  stableMod,
  pgMask,
  objectHashKey,
  objectToPg,
  rawHashToPs,
  placementSeed,
  pgIdString,
} from './pool.js';
export { type PgMappingInput, type PgMapping, pgToRawOsds, pgToUpActing } from './osdmap.js';
export {
  BucketAlg,
  type BucketAlgName,
  type BucketAlgCode,
  RuleOp,
  type RuleOpCode,
  RuleType,
  CRUSH_ITEM_NONE,
  WEIGHT_ONE,
  TUNABLES_PROFILES,
  DEFAULT_TYPE_NAMES,
  type CrushMap,
  type CrushTunables,
  type CrushDevice,
  type CrushType,
  type CrushBucket,
  type CrushRule,
  type CrushRuleStep,
  bucketWeight,
  maxDevices,
} from './crush/types.js';
export { type CrushRuntime, crushRuntime, crushDoRule, crushDoRuleInto, CRUSH_RESULT_MAX_LIMIT } from './crush/mapper.js';
export { buildSimpleCrushMap, buildLayeredCrushMap, type BuildLayer, withItemWeight, weightToFixed } from './crush/build.js';
export { compileCrushText, decompileCrushMap, CrushTextError, CRUSH_TEXT_MAX_BYTES } from './crush/text.js';
export { encodeCrushMap, decodeCrushMap } from './crush/codec.js';
export { formatFixed, formatGeneral } from './crush/format.js';
export {
  type CrushTreeItem,
  type TextColumn,
  crushRoots,
  crushTreeItems,
  crushTreeText,
  crushTreeJson,
  crushTreeNodeJson,
  deviceClass,
  renderTextTable,
  treeNameCell,
  weightFloat,
  weightfText,
} from './crush/tree.js';
export { crushDumpJson } from './crush/dump.js';
