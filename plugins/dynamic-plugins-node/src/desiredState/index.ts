export { DesiredStateStore, ApplyRunningError, type KeyedLayerEntry, type StoredGeneration } from './store';
export { applyChange, diffEffective, layerDocument, type BaseEntryInfo, type EffectivePlugin } from './layer';
export { migrateDesiredState } from './migrations';
export { LAYER_FOLDER, layerFileGeneration, layerFilePath, writeLayerFile } from './layerFile';
export { ReplicaStore, type ReplicaReport } from './replicas';
