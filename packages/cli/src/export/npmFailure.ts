/**
 * What a failed `npm install` of an export's dependencies says, in one line
 * that names the package and version range npm could not get and the
 * registry it asked. npm's own first line ("npm error code E404") names
 * neither, and a registry that is a partial mirror lacks many community
 * `-common` and `-node` packages, so this is the error users meet most.
 */
export interface NpmFailure {
  /** npm's error code: E404, ETARGET, E401, … */
  code?: string;
  /** `name@range` npm asked for, when its output names it. */
  spec?: string;
  /** The registry URL of the failed request, without credentials. */
  registry?: string;
}

/** Reads npm's error output (`npm error …` lines, or `npm ERR! …` before npm 9). */
export function parseNpmFailure(output: string): NpmFailure {
  const lines = output.split('\n').map(line => line.replace(/^npm (?:error|ERR!)\s?/, ''));
  const text = lines.join('\n');
  const code = /^code (\S+)/m.exec(text)?.[1];
  const spec =
    // npm 10+: "The requested resource '@a/b@^1.2.0' could not be found or you do not have permission to access it."
    /The requested resource '([^']+)' could not be found/.exec(text)?.[1] ??
    // npm before 10: "'@a/b@^1.2.0' is not in this registry." (or "the npm registry")
    /'([^']+)' is not in (?:this|the npm) registry/.exec(text)?.[1] ??
    // ETARGET: "No matching version found for @a/b@^2.0.0."
    /No matching version found for (\S+?)\.?$/m.exec(text)?.[1];
  const url = /\b(?:GET|PUT|POST|HEAD) (https?:\/\/\S+)/.exec(text)?.[1];
  return { code, spec, registry: url ? registryOf(url) : undefined };
}

/**
 * The registry part of a package document or tarball URL
 * (`https://r.example/npm/@a%2fb` → `https://r.example/npm/`), with user,
 * password and query left out: only the location is ever printed.
 */
export function registryOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  // `/<name>/-/<file>.tgz` (a tarball) or `/<name>` (a package document),
  // where a scoped name is one segment (`@a%2fb`) or two (`@a/b`).
  const pathname = parsed.pathname
    .replace(/\/-\/[^/]+$/, '')
    .replace(/\/(?:@[^/]+\/)?[^/]+$/, '/');
  return `${parsed.protocol}//${parsed.host}${pathname}`;
}

/** A registry URL as configured, with user, password and query left out. */
export function withoutCredentials(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return undefined;
  }
}

/** `@a/b@^1.2.0` → `@a/b`; `left-pad@^1` → `left-pad`. */
export function nameOf(spec: string): string {
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  return at > 0 ? spec.slice(0, at) : spec;
}

/**
 * The reason a dependency install failed, in words: the package and range,
 * whether the plugin itself or one of its dependencies asks for it, and the
 * registry. `registryFor` gives the registry npm uses for a package when its
 * output names none (ETARGET does not).
 */
export function describeNpmFailure(
  output: string,
  context: { dependencies: Record<string, string>; registryFor?: (name: string) => string | undefined },
): string {
  const failure = parseNpmFailure(output);
  const firstLine = output.split('\n').find(line => line.trim() !== '') ?? 'npm install failed';
  if (!failure.spec) return failure.registry ? `${firstLine.trim()} (asked ${failure.registry})` : firstLine.trim();
  const name = nameOf(failure.spec);
  const registry = failure.registry ?? context.registryFor?.(name);
  const where = registry ? `the registry ${registry}` : 'the registry npm is configured with';
  const asker = name in context.dependencies ? 'a dependency of the plugin' : 'needed by one of its dependencies';
  const code = failure.code ? `npm ${failure.code}` : 'npm';
  if (failure.code === 'ETARGET') {
    return `${where} has no version of ${failure.spec} (${asker}; ${code}). Publish or mirror that version, or point npm at a registry that has it (.npmrc)`;
  }
  if (failure.code === 'E401' || failure.code === 'E403') {
    return `${where} refused ${failure.spec} (${asker}; ${code}). Check the token for that registry in .npmrc`;
  }
  return `${failure.spec} is not in ${where} (${asker}; ${code}). Publish or mirror it there, or point npm at a registry that has it (.npmrc)`;
}
