// The export/import API: safetensors weights, model.py / train.py sources and the .zip bundle.
export {
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
  compareTensors,
  SafetensorsError,
  MAX_HEADER_BYTES,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsInput,
  type SafetensorsTensor,
  type ExpectedTensor,
} from './safetensors';
export {
  exportSafetensors,
  importSafetensors,
  loadSafetensors,
  exportMetadata,
  parseMetadata,
  expectedTensors,
  statsFor,
  type ExportMeta,
  type ExportMetrics,
  type ImportedMeta,
  type ImportOptions,
  type ImportResult,
} from './weights';
export { pytorchModelSource, type PytorchModelOptions } from './pytorchModel';
export { trainScriptSource, type TrainScriptOptions } from './trainScript';
export {
  exportBundle,
  exportModelBundle,
  bundleFileName,
  metricsCsv,
  BUNDLE_FILES,
  type BundleInput,
  type EpochRecord,
} from './bundle';
