/**
 * A scratch npm cache holding exactly the package's runtime dependencies (package-lock.json, dev ones
 * excluded), copied from the local npm cache, so that an `npm install --offline --cache <scratch>` of the
 * packed tarball needs no network.
 *
 * npm 11's arborist asks for the full packument (`Accept: application/json`) of each dependency when it
 * builds the tree of a tarball install (build-ideal-tree.js #fetchManifest, fullMetadata: true), and
 * make-fetch-happen serves a cached response only when the Accept header matches the cached request's
 * (cache/policy.js satisfies). So every index entry of each packument key is copied (the corgi one from
 * `npm ci` and the full one from any earlier online install), with its metadata, plus each tarball.
 * Uses the cacache module bundled with the npm that comes with this node.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

interface CacheEntry {
  key: string;
  integrity: string | null;
  metadata?: { reqHeaders?: Record<string, string> };
}
interface Cacache {
  index: {
    compact(
      cache: string,
      key: string,
      matchFn: (a: CacheEntry, b: CacheEntry) => boolean,
    ): Promise<CacheEntry[]>;
  };
  get: { byDigest(cache: string, integrity: string): Promise<Buffer> };
  put(
    cache: string,
    key: string,
    data: Buffer,
    opts: { integrity: string; metadata: unknown },
  ): Promise<string>;
}

interface LockPackage {
  version?: string;
  dev?: boolean;
  resolved?: string;
}

const REGISTRY = 'https://registry.npmjs.org/';
const keyOf = (url: string): string => `make-fetch-happen:request-cache:${url}`;

/** The npm directory (…/lib/node_modules/npm) of the npm installed beside this node, if any. */
export function bundledNpmDir(): string | undefined {
  const dir = resolve(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
  return existsSync(join(dir, 'bin', 'npm-cli.js')) ? dir : undefined;
}

/** The local npm cache's cacache directory (`npm config get cache` + /_cacache). */
export function localCacache(): string {
  const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8', timeout: 30_000 }).trim();
  return join(cache, '_cacache');
}

/** name → version of the runtime dependencies in package-lock.json (lockfile v2/v3 `packages`). */
export function runtimeDependencies(lockPath: string): Map<string, string> {
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages?: Record<string, LockPackage> };
  const deps = new Map<string, string>();
  for (const [path, p] of Object.entries(lock.packages ?? {})) {
    if (path === '' || p.dev === true || p.version === undefined) continue;
    deps.set(path.replace(/^.*node_modules\//, ''), p.version);
  }
  return deps;
}

/** The registry URLs npm fetches for one dependency: its packument and its tarball. */
function urlsOf(name: string, version: string): string[] {
  const base = name.split('/').pop() ?? name;
  return [`${REGISTRY}${name.replace('/', '%2f')}`, `${REGISTRY}${name}/-/${base}-${version}.tgz`];
}

export interface CopyResult {
  /** Cache keys copied (index entries may be more: one key can hold the corgi and the full packument). */
  copied: number;
  /** Keys the local cache lacks, or lacks a full (Accept: application/json) packument for. */
  missing: string[];
}

function loadCacache(npmDir: string): Cacache {
  const mod: unknown = createRequire(join(npmDir, 'package.json'))('cacache');
  return mod as Cacache;
}

/** Lists what `copyRuntimeDependencies` would lack, without writing anything. */
export async function missingFromCache(npmDir: string, src: string, lockPath: string): Promise<string[]> {
  return (await copyOrCheck(npmDir, src, undefined, lockPath)).missing;
}

/** Copies the runtime dependencies' cache entries from `src` into the cacache directory `dst`. */
export function copyRuntimeDependencies(
  npmDir: string,
  src: string,
  dst: string,
  lockPath: string,
): Promise<CopyResult> {
  return copyOrCheck(npmDir, src, dst, lockPath);
}

async function copyOrCheck(
  npmDir: string,
  src: string,
  dst: string | undefined,
  lockPath: string,
): Promise<CopyResult> {
  const cacache = loadCacache(npmDir);
  const missing: string[] = [];
  let copied = 0;
  for (const [name, version] of runtimeDependencies(lockPath)) {
    for (const url of urlsOf(name, version)) {
      const key = keyOf(url);
      // matchFn false: keep every distinct entry (corgi and full packument differ only in request headers).
      const entries = (await cacache.index.compact(src, key, () => false)).filter(
        (e): e is CacheEntry & { integrity: string } => e.integrity !== null,
      );
      const isPackument = !url.endsWith('.tgz');
      const full = entries.some((e) => e.metadata?.reqHeaders?.accept === 'application/json');
      if (entries.length === 0 || (isPackument && !full)) {
        missing.push(isPackument ? `${url} (full packument)` : url);
        continue;
      }
      if (dst === undefined) continue;
      for (const e of entries) {
        const data = await cacache.get.byDigest(src, e.integrity);
        await cacache.put(dst, key, data, { integrity: e.integrity, metadata: e.metadata });
      }
      copied += 1;
    }
  }
  return { copied, missing };
}
