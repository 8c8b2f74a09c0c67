import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '@backstage/config';
import type { ConfigSchema, ConfigSchemaProcessingOptions } from '@backstage/config-loader';
import type { JsonObject } from '@backstage/types';
import { withoutGenerationListen } from '@devportal/plugin-dynamic-plugins-common';

/** One schema as config-loader serializes it (`{ path, value }`). */
type SerializedSchema = JsonObject;

/**
 * The app-backend's config schema (the app's plus the dynamic plugins'),
 * compiled only when its answer is not known yet.
 *
 * The app-backend asks the schema once per backend start for the
 * frontend-visible config it injects into the page. Compiling the schema
 * for that is about 0.9 s of CPU, paid by every new backend generation on
 * the cores the serving one is using. Under a supervisor the answer is kept
 * in a file private to the supervisor (`cacheFile`), keyed by a hash of the
 * schemas, the configs and the options: a generation whose schemas and
 * config are the same (most applies add or remove a plugin without config
 * keys of its own) reads the answer, and any other compiles as before. The
 * answer holds frontend-visible config only, what every browser is sent.
 *
 * `process` answers a promise: the app-backend awaits it
 * (`readFrontendConfig` in @backstage/plugin-app-backend), and the
 * extension point it is given to has no other reader.
 */
export function cachedFrontendSchema(options: {
  schemas: SerializedSchema[];
  /** Compiles the schemas (config-loader's loadConfigSchema). */
  compile(): Promise<ConfigSchema>;
  cacheFile?: string;
  onCacheError?(error: Error): void;
}): ConfigSchema {
  let compiled: Promise<ConfigSchema> | undefined;
  const schemasHash = sha256(JSON.stringify(options.schemas));
  const answer = async (configs: AppConfig[], processOptions: ConfigSchemaProcessingOptions | undefined): Promise<AppConfig[]> => {
    // Keyed without the port each generation listens on (backend.listen is not frontend-visible, so the answer does not hold it).
    const keyed = configs.map(config => ({ ...config, data: withoutGenerationListen(config.data) }));
    const key = sha256(JSON.stringify([schemasHash, keyed, processOptions ?? {}]));
    const kept = options.cacheFile ? readAnswer(options.cacheFile, key) : undefined;
    if (kept) return kept;
    const processed = (await (compiled ??= options.compile())).process(configs, processOptions);
    if (options.cacheFile) {
      try {
        writeAnswer(options.cacheFile, key, processed);
      } catch (error) {
        options.onCacheError?.(error as Error);
      }
    }
    return processed;
  };
  return {
    process: (configs, processOptions) => answer(configs, processOptions) as unknown as AppConfig[],
    serialize: () => ({ backstageConfigSchemaVersion: 1, schemas: options.schemas }),
  };
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

function readAnswer(file: string, key: string): AppConfig[] | undefined {
  try {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (stored?.key !== key || !Array.isArray(stored.configs)) return undefined;
    const valid = stored.configs.every((c: unknown) => typeof (c as AppConfig)?.context === 'string' && typeof (c as AppConfig)?.data === 'object');
    return valid ? stored.configs : undefined;
  } catch {
    return undefined; // no answer yet, or one this code cannot read: compile
  }
}

/** Whole or not at all: another generation may read it at any moment. */
function writeAnswer(file: string, key: string, configs: AppConfig[]): void {
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}`);
  fs.writeFileSync(partial, JSON.stringify({ key, configs }), { mode: 0o600 });
  fs.renameSync(partial, file);
}
