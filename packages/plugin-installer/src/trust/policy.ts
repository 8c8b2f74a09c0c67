import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { TRUST_MODES, type TrustMode } from '@devportal/plugin-dynamic-plugins-common';

/*
 * The `trust:` block of dynamic-plugins.yaml, parsed with positions: every
 * error names the file, line, column and key, like the rest of the file.
 * Only the top-level file's block counts (`config/layers.ts`): an included
 * file or the marketplace layer must not be able to weaken the policy.
 */

export interface TrustedKey {
  name: string;
  /** The public key as PEM (SPKI). */
  pem: string;
  /** npm's key id: `SHA256:` + base64 of the SHA-256 of the key's SPKI DER. */
  keyid: string;
}

export interface TrustedIdentity {
  name: string;
  /** The OIDC issuer in the signing certificate, compared exactly. */
  issuer: string;
  /** A regular expression the certificate's subject (SAN) must match, anchored by the author. */
  subject: string;
}

/** What the policy says about signers, at the top level or in an override. */
export interface TrustRules {
  mode: TrustMode;
  /** Names of `publicKeys` whose signatures are trusted. */
  trustedKeys: string[];
  /** Names of `identities` whose Sigstore certificates are trusted. */
  trustedIdentities: string[];
  /** Also trust the keys an npm registry publishes at `/-/npm/v1/keys` (npm's own model). */
  npmRegistryKeys: boolean;
  /** Provenance: source repository URLs (prefixes) a build may come from; empty means any. */
  sourceRepositories: string[];
}

export type OverrideSelector =
  | { kind: 'npmRegistry'; value: string }
  | { kind: 'npmScope'; value: string }
  | { kind: 'ociRepository'; value: string };

export interface TrustOverride {
  selector: OverrideSelector;
  /** Only the keys the override sets; the rest comes from the top level. */
  rules: Partial<TrustRules>;
}

export interface AllowedUnsigned {
  /** An npm package name, or an OCI repository `host/path`. */
  package: string;
  reason: string;
}

export interface TrustPolicy {
  /** The file the block is in, for messages. */
  file: string;
  defaults: TrustRules;
  publicKeys: Map<string, TrustedKey>;
  identities: Map<string, TrustedIdentity>;
  /** A Sigstore trusted root (JSON, as `trusted_root.json`) for provenance bundles. */
  trustedRoot?: { file: string; json: unknown };
  overrides: TrustOverride[];
  allowUnsigned: AllowedUnsigned[];
  /** Files the policy read (key files, the trusted root): a change to them is a change of config. */
  files: string[];
}

type Where = { file: string; line: number; col: number };
type At = (node: Node | null | undefined) => Where;
type Fail = (loc: Where, message: string) => never;

const TOP_KEYS = new Set([
  'mode',
  'publicKeys',
  'identities',
  'trustedRoot',
  'trustedKeys',
  'trustedIdentities',
  'npmRegistryKeys',
  'sourceRepositories',
  'overrides',
  'allowUnsigned',
]);
const RULE_KEYS = ['mode', 'trustedKeys', 'trustedIdentities', 'npmRegistryKeys', 'sourceRepositories'] as const;
const SELECTOR_KEYS = ['npmRegistry', 'npmScope', 'ociRepository'] as const;

/** Parses the `trust:` mapping of `file` (its node, with positions). */
export function parseTrustPolicy(node: Node, file: string, at: At, fail: Fail): TrustPolicy {
  const top = mapping(node, 'trust', at, fail);
  const policy: TrustPolicy = {
    file,
    defaults: { mode: 'off', trustedKeys: [], trustedIdentities: [], npmRegistryKeys: false, sourceRepositories: [] },
    publicKeys: new Map(),
    identities: new Map(),
    overrides: [],
    allowUnsigned: [],
    files: [],
  };
  for (const [key, , keyNode] of top) {
    if (!TOP_KEYS.has(key)) fail(at(keyNode), `unknown key 'trust.${key}' (expected one of ${[...TOP_KEYS].join(', ')})`);
  }
  const get = (name: string) => top.find(([key]) => key === name);
  Object.assign(policy.defaults, parseRules(top, 'trust', at, fail));

  const keys = get('publicKeys');
  if (keys) {
    for (const [name, value] of mapping(keys[1], 'trust.publicKeys', at, fail)) {
      policy.publicKeys.set(name, parseKey(name, value, file, policy.files, at, fail));
    }
  }
  const identities = get('identities');
  if (identities) {
    for (const [name, value] of mapping(identities[1], 'trust.identities', at, fail)) {
      const where = `trust.identities.${name}`;
      const fields = mapping(value, where, at, fail);
      for (const [key, , keyNode] of fields) {
        if (key !== 'issuer' && key !== 'subject') fail(at(keyNode), `unknown key '${where}.${key}' (expected issuer, subject)`);
      }
      const issuer = stringField(fields, 'issuer', where, value, at, fail);
      const subject = stringField(fields, 'subject', where, value, at, fail);
      try {
        new RegExp(subject);
      } catch (error) {
        fail(at(fields.find(([k]) => k === 'subject')![1]), `'${where}.subject' is not a valid regular expression: ${(error as Error).message}`);
      }
      policy.identities.set(name, { name, issuer, subject });
    }
  }
  const root = get('trustedRoot');
  if (root) {
    const rel = scalarString(root[1], 'trust.trustedRoot', at, fail);
    const abs = path.resolve(path.dirname(file), rel);
    policy.files.push(abs);
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(abs, 'utf8'));
    } catch (error) {
      fail(at(root[1]), `'trust.trustedRoot': cannot read ${abs} as a Sigstore trusted root JSON (${(error as Error).message.split('\n')[0]})`);
    }
    policy.trustedRoot = { file: abs, json };
  }
  const overrides = get('overrides');
  if (overrides) {
    if (!isSeq(overrides[1])) fail(at(overrides[1]), `'trust.overrides' must be a list`);
    (overrides[1] as any).items.forEach((item: Node, i: number) => {
      const where = `trust.overrides[${i}]`;
      const fields = mapping(item, where, at, fail);
      const selectors = fields.filter(([k]) => (SELECTOR_KEYS as readonly string[]).includes(k));
      if (selectors.length !== 1) {
        fail(at(item), `'${where}' must name exactly one of ${SELECTOR_KEYS.join(', ')}`);
      }
      for (const [key, , keyNode] of fields) {
        if (!(SELECTOR_KEYS as readonly string[]).includes(key) && !(RULE_KEYS as readonly string[]).includes(key)) {
          fail(at(keyNode), `unknown key '${where}.${key}' (expected a selector and ${RULE_KEYS.join(', ')})`);
        }
      }
      const [kind, valueNode] = selectors[0];
      const value = scalarString(valueNode, `${where}.${kind}`, at, fail);
      const selector = { kind, value: normaliseSelector(kind as OverrideSelector['kind'], value) } as OverrideSelector;
      if (kind === 'npmScope' && !/^@[a-z0-9~-][a-z0-9._~-]*$/i.test(value)) {
        fail(at(valueNode), `'${where}.npmScope' must be an npm scope like @acme, not ${JSON.stringify(value)}`);
      }
      if (kind === 'npmRegistry' && !/^https?:\/\//i.test(value)) {
        fail(at(valueNode), `'${where}.npmRegistry' must be an http(s) URL, not ${JSON.stringify(value)}`);
      }
      policy.overrides.push({ selector, rules: parseRules(fields, where, at, fail) });
    });
  }
  const allow = get('allowUnsigned');
  if (allow) {
    if (!isSeq(allow[1])) fail(at(allow[1]), `'trust.allowUnsigned' must be a list`);
    (allow[1] as any).items.forEach((item: Node, i: number) => {
      const where = `trust.allowUnsigned[${i}]`;
      const fields = mapping(item, where, at, fail);
      for (const [key, , keyNode] of fields) {
        if (key !== 'package' && key !== 'reason') fail(at(keyNode), `unknown key '${where}.${key}' (expected package, reason)`);
      }
      const pkg = stringField(fields, 'package', where, item, at, fail);
      // A reason is required: the list is what an auditor reads.
      const reason = stringField(fields, 'reason', where, item, at, fail);
      policy.allowUnsigned.push({ package: pkg.replace(/^oci:\/\//, ''), reason });
    });
  }
  // Every name a rule uses must be defined: a typo would otherwise trust nobody, silently.
  const checkNames = (rules: Partial<TrustRules>, where: string, node: Node) => {
    for (const name of rules.trustedKeys ?? []) {
      if (!policy.publicKeys.has(name)) fail(at(node), `'${where}.trustedKeys' names '${name}', which is not in trust.publicKeys`);
    }
    for (const name of rules.trustedIdentities ?? []) {
      if (!policy.identities.has(name)) fail(at(node), `'${where}.trustedIdentities' names '${name}', which is not in trust.identities`);
    }
  };
  checkNames(policy.defaults, 'trust', node);
  policy.overrides.forEach((o, i) => checkNames(o.rules, `trust.overrides[${i}]`, (overrides![1] as any).items[i]));
  return policy;
}

function normaliseSelector(kind: OverrideSelector['kind'], value: string): string {
  if (kind === 'npmRegistry') return value.endsWith('/') ? value : `${value}/`;
  if (kind === 'ociRepository') return value.replace(/^oci:\/\//, '').replace(/\/+$/, '');
  return value;
}

function parseRules(fields: Field[], where: string, at: At, fail: Fail): Partial<TrustRules> {
  const rules: Partial<TrustRules> = {};
  for (const [key, value] of fields) {
    switch (key) {
      case 'mode': {
        const mode = isScalar(value) ? value.value : undefined;
        if (!(TRUST_MODES as readonly unknown[]).includes(mode)) {
          fail(at(value), `'${where}.mode' must be one of ${TRUST_MODES.join(', ')}, not ${JSON.stringify(mode ?? null)}`);
        }
        rules.mode = mode as TrustMode;
        break;
      }
      case 'trustedKeys':
      case 'trustedIdentities':
      case 'sourceRepositories':
        rules[key] = stringList(value, `${where}.${key}`, at, fail);
        break;
      case 'npmRegistryKeys':
        if (!isScalar(value) || typeof value.value !== 'boolean') fail(at(value), `'${where}.npmRegistryKeys' must be true or false`);
        rules.npmRegistryKeys = (value as any).value;
        break;
      default:
    }
  }
  return rules;
}

function parseKey(name: string, value: Node, file: string, files: string[], at: At, fail: Fail): TrustedKey {
  const where = `trust.publicKeys.${name}`;
  const fields = mapping(value, where, at, fail);
  const inline = fields.find(([k]) => k === 'publicKey');
  const fromFile = fields.find(([k]) => k === 'publicKeyFile');
  for (const [key, , keyNode] of fields) {
    if (key !== 'publicKey' && key !== 'publicKeyFile') fail(at(keyNode), `unknown key '${where}.${key}' (expected publicKey or publicKeyFile)`);
  }
  if (!inline === !fromFile) fail(at(value), `'${where}' must have exactly one of publicKey (PEM) or publicKeyFile`);
  let text: string;
  let node: Node;
  if (inline) {
    node = inline[1];
    text = scalarString(node, `${where}.publicKey`, at, fail);
  } else {
    node = fromFile![1];
    const abs = path.resolve(path.dirname(file), scalarString(node, `${where}.publicKeyFile`, at, fail));
    files.push(abs);
    try {
      text = fs.readFileSync(abs, 'utf8');
    } catch (error) {
      return fail(at(node), `'${where}.publicKeyFile': cannot read ${abs} (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPublicKey(text.includes('-----BEGIN') ? text : { key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'spki' });
  } catch (error) {
    return fail(at(node), `'${where}' is not a PEM or base64 SPKI public key (${(error as Error).message.split('\n')[0]})`);
  }
  return { name, ...describeKey(key) };
}

/** A key's PEM and npm-style key id (`SHA256:` + base64 of the SPKI DER's SHA-256). */
export function describeKey(key: crypto.KeyObject): { pem: string; keyid: string } {
  const der = key.export({ format: 'der', type: 'spki' });
  return {
    pem: key.export({ format: 'pem', type: 'spki' }).toString(),
    keyid: `SHA256:${crypto.createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`,
  };
}

type Field = [key: string, value: Node, keyNode: Node];

function mapping(node: Node | null | undefined, where: string, at: At, fail: Fail): Field[] {
  if (!isMap(node)) return fail(at(node), `'${where}' must be a mapping`);
  return (node as YAMLMap).items.map(pair => {
    const key = String((pair.key as any)?.value ?? pair.key);
    return [key, pair.value as Node, pair.key as Node];
  });
}

function scalarString(node: Node | null | undefined, where: string, at: At, fail: Fail): string {
  if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') {
    return fail(at(node), `'${where}' must be a non-empty string`);
  }
  return node.value;
}

function stringField(fields: Field[], name: string, where: string, parent: Node, at: At, fail: Fail): string {
  const found = fields.find(([k]) => k === name);
  if (!found) return fail(at(parent), `'${where}' has no '${name}'`);
  return scalarString(found[1], `${where}.${name}`, at, fail);
}

function stringList(node: Node, where: string, at: At, fail: Fail): string[] {
  if (!isSeq(node)) return fail(at(node), `'${where}' must be a list of strings`);
  return (node as any).items.map((item: Node, i: number) => scalarString(item, `${where}[${i}]`, at, fail));
}
