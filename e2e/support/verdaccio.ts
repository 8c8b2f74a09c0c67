import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.ts';
import { repoRoot } from './backend.ts';

const VERDACCIO_BIN =
  process.env.DEVPORTAL_VERDACCIO_BIN ?? path.join(repoRoot, '.devportal/tools/verdaccio/node_modules/.bin/verdaccio');

export interface StartedVerdaccio {
  url: string;
  /** A token of a user allowed to read the private scope. */
  token: string;
  /** Requests for tarballs seen so far (from verdaccio's access log). */
  tarballRequests(): number;
  publish(pkg: PackageFixture): Promise<{ integrity: string; tarball: string }>;
  /** Publishes an npm tarball as it is (its package.json names it). */
  publishTarball(file: string): Promise<{ name: string; version: string; integrity: string }>;
  stop(): Promise<void>;
}

export interface PackageFixture {
  name: string;
  version: string;
  /** Files relative to the package root; package.json is generated. */
  files?: Record<string, string | Buffer>;
  packageJson?: Record<string, unknown>;
}

/**
 * A real npm registry (verdaccio) on loopback, no uplinks. Packages in
 * `privateScope` need a token to read; everything else is public.
 */
export async function startVerdaccio(options: { privateScope?: string } = {}): Promise<StartedVerdaccio> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-verdaccio-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const scope = options.privateScope ?? '@private';
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    [
      `storage: ${path.join(dir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${path.join(dir, 'htpasswd')}`,
      '    max_users: 100',
      'uplinks: {}',
      'packages:',
      `  '${scope}/*':`,
      '    access: $authenticated',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      'server:',
      '  keepAliveTimeout: 5',
      'max_body_size: 200mb',
      'log: { type: stdout, format: json, level: http }',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [VERDACCIO_BIN, '--config', path.join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', d => (log += d));
  child.stderr!.on('data', d => (log += d));
  const exited = new Promise(resolve => child.once('exit', resolve));
  await waitFor('verdaccio', async () => {
    if (child.exitCode !== null) throw new Error(`verdaccio exited: ${log}`);
    return (await fetch(`${url}/-/ping`)).ok ? true : undefined;
  }, 60_000, 200);

  const password = crypto.randomUUID();
  const res = await fetch(`${url}/-/user/org.couchdb.user:tester`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'tester', password }),
  });
  const { token } = (await res.json()) as { token: string };

  return {
    url,
    token,
    tarballRequests: () => (log.match(/requested 'GET [^']*\.tgz'/g) ?? []).length,
    publish: pkg => publish(url, token, pkg),
    publishTarball: async file => publishTarball(url, token, fs.readFileSync(file)),
    async stop() {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Publishes an existing tarball: its manifest is read from `package/package.json` inside. */
async function publishTarball(url: string, token: string, tarball: Buffer) {
  const tar = await import('tar');
  let manifest: Record<string, any> | undefined;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-read-'));
  fs.writeFileSync(path.join(work, 'p.tgz'), tarball);
  await tar.extract({ file: path.join(work, 'p.tgz'), cwd: work, filter: p => /^[^/]+\/package\.json$/.test(p) });
  for (const dir of fs.readdirSync(work)) {
    const file = path.join(work, dir, 'package.json');
    if (fs.existsSync(file)) manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  }
  fs.rmSync(work, { recursive: true, force: true });
  if (!manifest) throw new Error('no package.json in the tarball');
  const { integrity } = await putPackage(url, token, manifest, tarball);
  return { name: manifest.name as string, version: manifest.version as string, integrity };
}

/** Publishes with npm's registry protocol (the document `npm publish` sends). */
async function publish(url: string, token: string, pkg: PackageFixture) {
  return putPackage(url, token, manifestOf(pkg), await packFixture(pkg));
}

async function putPackage(url: string, token: string, manifestFields: Record<string, any>, tarball: Buffer) {
  const pkg = { name: manifestFields.name as string, version: manifestFields.version as string };
  const integrity = `sha512-${crypto.createHash('sha512').update(tarball).digest('base64')}`;
  const shasum = crypto.createHash('sha1').update(tarball).digest('hex');
  const file = `${pkg.name.replace(/^@[^/]+\//, '')}-${pkg.version}.tgz`;
  const tarballUrl = `${url}/${pkg.name}/-/${file}`;
  const manifest = { ...manifestFields, dist: { integrity, shasum, tarball: tarballUrl } };
  const res = await fetch(`${url}/${pkg.name.replace('/', '%2f')}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      _id: pkg.name,
      name: pkg.name,
      'dist-tags': { latest: pkg.version },
      versions: { [pkg.version]: manifest },
      _attachments: { [file]: { content_type: 'application/octet-stream', data: tarball.toString('base64'), length: tarball.length } },
    }),
  });
  if (!res.ok) throw new Error(`publish ${pkg.name}@${pkg.version}: ${res.status} ${await res.text()}`);
  return { integrity, tarball: tarballUrl };
}

function manifestOf(pkg: PackageFixture) {
  return { name: pkg.name, version: pkg.version, main: 'dist/index.cjs.js', ...pkg.packageJson };
}

/** An npm tarball: every file under `package/`, gzipped. */
export async function packFixture(pkg: PackageFixture): Promise<Buffer> {
  const tar = await import('tar');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-pack-'));
  const files: Record<string, string | Buffer> = {
    'package.json': JSON.stringify(manifestOf(pkg), null, 2),
    'dist/index.cjs.js': `module.exports = { name: ${JSON.stringify(pkg.name)} };\n`,
    ...pkg.files,
  };
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(dir, 'package', name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  const out = path.join(dir, 'out.tgz');
  await tar.create({ gzip: true, cwd: dir, file: out, portable: true }, ['package']);
  const data = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return data;
}
