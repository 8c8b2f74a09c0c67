import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { JsonObject, JsonValue } from '@backstage/types';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * A minimal scaffolder action context for unit tests
 * (`@backstage/plugin-scaffolder-node-test-utils` is not a dependency of this
 * repository). `outputs` collects what the action passed to `ctx.output`.
 */
export function mockActionContext<TInput extends JsonObject>(options: {
  input: TInput;
  workspacePath: string;
  isDryRun?: boolean;
  credentials?: BackstageCredentials;
}): ActionContext<TInput, any> & { outputs: Record<string, JsonValue> } {
  const outputs: Record<string, JsonValue> = {};
  const credentials = options.credentials ?? mockCredentials.user();
  return {
    input: options.input,
    workspacePath: options.workspacePath,
    isDryRun: options.isDryRun,
    logger: mockServices.logger.mock(),
    task: { id: 'task-1' },
    outputs,
    output(name: string | number | symbol, value: JsonValue) {
      outputs[String(name)] = value;
    },
    async checkpoint({ fn }: { fn: () => any }) {
      return fn();
    },
    async createTemporaryDirectory() {
      return fs.mkdtemp(path.join(os.tmpdir(), 'devportal-action-'));
    },
    async getInitiatorCredentials() {
      return credentials;
    },
  } as ActionContext<TInput, any> & { outputs: Record<string, JsonValue> };
}
