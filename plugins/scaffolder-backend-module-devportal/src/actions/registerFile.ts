import { AuthService, isChildPath } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ForwardedError,
  InputError,
  NotAllowedError,
  NotFoundError,
  isError,
} from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs/promises';
import path from 'node:path';
import { examples } from './registerFile.examples';

/** @public */
export const REGISTER_FILE_ACTION_ID = 'devportal:catalog:register-file';

/**
 * Options of {@link createRegisterFileAction}.
 *
 * @public
 */
export interface RegisterFileActionOptions {
  catalog: CatalogService;
  /**
   * Absolute folders whose files may be registered. Anything else is
   * refused, so a template input can't make the catalog read arbitrary
   * files of the backend host.
   */
  allowedDirectories: string[];
  /** Base of relative `catalogInfoPath` inputs; the process' working directory by default. */
  workingDirectory?: string;
  /**
   * Whose credentials the catalog sees: the user running the template
   * (`initiator`, the default, like the built-in `catalog:register`), or the
   * scaffolder plugin's own service credentials (`service`, needs `auth`),
   * which the permission framework always allows.
   */
  credentials?: RegisterFileCredentials;
  /** The scaffolder plugin's auth service; required for `credentials: 'service'`. */
  auth?: AuthService;
}

/**
 * See {@link RegisterFileActionOptions.credentials}.
 *
 * @public
 */
export type RegisterFileCredentials = 'initiator' | 'service';

/**
 * Picks the entity to report, like the built-in `catalog:register` does:
 * a Component if there is one, otherwise the first entity that isn't the
 * generated Location entity.
 */
function pickEntity(entities: Entity[]): Entity | undefined {
  const named = entities.filter(e => !e.metadata.name.startsWith('generated-'));
  return named.find(e => e.kind === 'Component') ?? named[0] ?? entities[0];
}

/**
 * The catalog client reports refusals as "Request failed with 400 Bad
 * Request"; surface the catalog's own reason (and error name) instead.
 */
function explainCatalogError(e: unknown, what: string): unknown {
  // Compared by name: the client may come with its own copy of the errors package.
  if (isError(e) && e.name === 'ResponseError' && isError(e.cause)) {
    return new ForwardedError(`The catalog refused ${what}`, e.cause);
  }
  return e;
}

async function realpathOrResolve(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Creates the `devportal:catalog:register-file` action, which registers a
 * catalog descriptor on the backend's disk as a `file` location, with the
 * credentials of the user running the template.
 *
 * The catalog only accepts this when `file` is among its allowed location
 * types (see `catalogModuleDevportalLocationTypes`).
 *
 * @public
 */
export function createRegisterFileAction(options: RegisterFileActionOptions) {
  const { catalog, auth } = options;
  const workingDirectory = options.workingDirectory ?? process.cwd();
  const useServiceCredentials = options.credentials === 'service';
  if (useServiceCredentials && !auth) {
    throw new Error(
      `${REGISTER_FILE_ACTION_ID}: service credentials need the auth service`,
    );
  }

  return createTemplateAction({
    id: REGISTER_FILE_ACTION_ID,
    description:
      'Registers a catalog descriptor file on the backend host (for example one written by devportal:publish:local) in the software catalog as a file location.',
    examples,
    schema: {
      input: {
        catalogInfoPath: z =>
          z.string({
            description:
              'Path of the catalog-info.yaml file on the backend host; relative paths are resolved against the backend working directory. Must lie in devportal.scaffolder.localPublish.directory or devportal.scaffolder.registerFile.allowedDirectories.',
          }),
        onConflict: z =>
          z
            .enum(['refresh', 'reject'], {
              description:
                'What to do when the file is already registered: refresh the existing location (default) or fail.',
            })
            .optional(),
        optional: z =>
          z
            .boolean({
              description:
                'Do not fail the step when registering fails. Default: false',
            })
            .optional(),
      },
      output: {
        entityRef: z =>
          z
            .string({
              description:
                'Reference of the registered entity (a Component when there is one)',
            })
            .optional(),
        catalogInfoPath: z =>
          z.string({ description: 'Absolute path that was registered' }),
      },
    },
    async handler(ctx) {
      const { onConflict = 'refresh', optional = false } = ctx.input;
      if (!ctx.input.catalogInfoPath) {
        throw new InputError('catalogInfoPath must be a non-empty string');
      }
      const requested = path.resolve(
        workingDirectory,
        ctx.input.catalogInfoPath,
      );

      let target: string;
      try {
        target = await fs.realpath(requested);
      } catch {
        throw new NotFoundError(`${requested} does not exist`);
      }
      if (!(await fs.stat(target)).isFile()) {
        throw new InputError(`${requested} is not a file`);
      }

      const allowed = await Promise.all(
        options.allowedDirectories.map(realpathOrResolve),
      );
      if (!allowed.some(dir => isChildPath(dir, target) && dir !== target)) {
        throw new NotAllowedError(
          `${requested} is outside the folders files may be registered from: ${allowed.join(
            ', ',
          )}`,
        );
      }

      const credentials = useServiceCredentials
        ? await auth!.getOwnServiceCredentials()
        : await ctx.getInitiatorCredentials();
      ctx.logger.info(
        `Registering file:${target} in the catalog${
          useServiceCredentials
            ? ` with the scaffolder's service credentials, for ${
                ctx.user?.ref ?? 'an unknown user'
              }`
            : ''
        }`,
      );
      try {
        await catalog.addLocation(
          { type: 'file', target, onConflict },
          { credentials },
        );
      } catch (e) {
        const error = explainCatalogError(e, `to register file:${target}`);
        if (!optional) {
          throw error;
        }
        ctx.logger.warn(`${error}`);
      }

      try {
        const { entities } = await catalog.addLocation(
          { type: 'file', target, dryRun: true },
          { credentials },
        );
        const entity = pickEntity(entities);
        if (entity) {
          ctx.output('entityRef', stringifyEntityRef(entity));
        }
      } catch (e) {
        const error = explainCatalogError(
          e,
          `to read the entities of file:${target}`,
        );
        if (!optional) {
          throw error;
        }
        ctx.logger.warn(`${error}`);
      }

      ctx.output('catalogInfoPath', target);
    },
  });
}
