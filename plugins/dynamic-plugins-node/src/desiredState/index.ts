export { DesiredStateStore, ApplyRunningError, type KeyedLayerEntry } from './store';
export { applyChange, diffEffective, layerDocument, type BaseEntryInfo, type EffectivePlugin } from './layer';
export { migrateDesiredState } from './migrations';
