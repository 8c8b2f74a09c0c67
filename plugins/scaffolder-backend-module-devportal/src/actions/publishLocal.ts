import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { examples } from './publishLocal.examples';

/** @public */
export const PUBLISH_LOCAL_ACTION_ID = 'devportal:publish:local';

/**
 * What a project folder may be called: letters, digits, `.`, `_` and `-`,
 * starting with a letter or digit, at most 100 characters, no `..`.
 */
const NAME_PATTERN = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Throws an `InputError` unless `name` can be used as a single folder name
 * below the publish directory.
 *
 * @public
 */
export function validateProjectName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InputError('name must be a non-empty string');
  }
  if (name.includes('/') || name.includes('\\')) {
    throw new InputError(
      `name "${name}" must not contain path separators ('/' or '\\')`,
    );
  }
  if (name.includes('..')) {
    throw new InputError(`name "${name}" must not contain '..'`);
  }
  if (!NAME_PATTERN.test(name)) {
    throw new InputError(
      `name "${name}" may only contain letters, digits, '.', '_' and '-', must start with a letter or digit and be at most 100 characters long`,
    );
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return false;
    }
    throw e;
  }
}

/**
 * Options of {@link createPublishLocalAction}.
 *
 * @public
 */
export interface PublishLocalActionOptions {
  /** Absolute folder that projects are published into. */
  directory: string;
}

/**
 * Creates the `devportal:publish:local` action, which copies the scaffolder
 * workspace (or a folder in it) to `<directory>/<name>` on the backend's
 * disk instead of pushing it to a source code host.
 *
 * @public
 */
export function createPublishLocalAction(options: PublishLocalActionOptions) {
  const baseDirectory = path.resolve(options.directory);

  return createTemplateAction({
    id: PUBLISH_LOCAL_ACTION_ID,
    description:
      'Publishes the workspace (or a folder in it) to a folder on the backend host, below the configured devportal.scaffolder.localPublish.directory. Needs no network.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string({
              description:
                'Name of the folder to create below the publish directory: letters, digits, ".", "_" and "-", no path separators, no "..".',
            })
            .regex(NAME_PATTERN),
        sourcePath: z =>
          z
            .string({
              description:
                'Folder in the workspace to publish, relative to the workspace. Defaults to the whole workspace.',
            })
            .optional(),
        overwrite: z =>
          z
            .boolean({
              description:
                'Replace the folder if it already exists. Defaults to false, in which case an existing folder makes the action fail.',
            })
            .optional(),
        catalogInfoPath: z =>
          z
            .string({
              description:
                'Path of the catalog descriptor inside the published folder, reported as the catalogInfoPath output. Defaults to catalog-info.yaml.',
            })
            .optional(),
      },
      output: {
        path: z =>
          z.string({ description: 'Absolute path of the published folder' }),
        catalogInfoPath: z =>
          z.string({
            description:
              'Absolute path of the catalog descriptor in the published folder',
          }),
      },
    },
    async handler(ctx) {
      const {
        name,
        sourcePath,
        overwrite = false,
        catalogInfoPath = 'catalog-info.yaml',
      } = ctx.input;

      validateProjectName(name);
      const targetPath = resolveSafeChildPath(baseDirectory, name);
      const catalogInfoTarget = resolveSafeChildPath(
        targetPath,
        catalogInfoPath,
      );
      const sourceDir = sourcePath
        ? resolveSafeChildPath(ctx.workspacePath, sourcePath)
        : ctx.workspacePath;

      const sourceStat = await fs.stat(sourceDir).catch(() => undefined);
      if (!sourceStat?.isDirectory()) {
        throw new NotFoundError(
          `Source folder ${sourcePath ?? '.'} does not exist in the workspace`,
        );
      }

      const targetExists = await exists(targetPath);
      if (targetExists && !overwrite) {
        throw new ConflictError(
          `${targetPath} already exists; choose another name or set overwrite: true`,
        );
      }

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would publish ${
            sourcePath ?? 'the workspace'
          } to ${targetPath}`,
        );
        ctx.output('path', targetPath);
        ctx.output('catalogInfoPath', catalogInfoTarget);
        return;
      }

      await fs.mkdir(baseDirectory, { recursive: true });
      // Copy next to the target first and move it in place at the end, so a
      // failed copy never leaves a half-written project behind.
      const stagingPath = path.join(
        baseDirectory,
        `.${name}.publishing-${randomUUID()}`,
      );
      try {
        await fs.cp(sourceDir, stagingPath, {
          recursive: true,
          errorOnExist: true,
          force: false,
          verbatimSymlinks: true,
        });
        if (targetExists) {
          ctx.logger.info(`Replacing existing folder ${targetPath}`);
          await fs.rm(targetPath, { recursive: true, force: true });
        }
        try {
          await fs.rename(stagingPath, targetPath);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOTEMPTY' || code === 'EEXIST') {
            throw new ConflictError(
              `${targetPath} was created by someone else while publishing`,
            );
          }
          throw e;
        }
      } finally {
        await fs.rm(stagingPath, { recursive: true, force: true });
      }

      ctx.logger.info(
        `Published ${sourcePath ?? 'the workspace'} to ${targetPath}`,
      );
      if (!(await exists(catalogInfoTarget))) {
        ctx.logger.warn(
          `The published folder has no ${catalogInfoPath}; registering it in the catalog will fail`,
        );
      }
      ctx.output('path', targetPath);
      ctx.output('catalogInfoPath', catalogInfoTarget);
    },
  });
}
