/**
 * Building and running the operator image where there is no container engine: buildah (with
 * chroot isolation) builds the Dockerfile on a stand-in for node:24-trixie-slim
 * (tools/node-base/build.sh), and test/integration/image/run-in-image.sh runs a mounted image
 * the way a kubelet would with the chart's securityContext.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);

/** REPO is the repository root. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** RUN_IN_IMAGE is the script that runs a command from a mounted image. */
export const RUN_IN_IMAGE = fileURLToPath(new URL('../integration/image/run-in-image.sh', import.meta.url));

async function found(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * imageToolsMissing returns why the image cannot be built and run here, or undefined when it can.
 * It installs buildah and debootstrap (Debian packages) when they are missing and it may; .ci/run
 * installs them beforehand.
 */
export async function imageToolsMissing(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (chroot isolation, mount namespaces, uid 65532)';
  if ((await found('buildah')) && (await found('debootstrap'))) return undefined;
  if (!(await found('apt-get'))) return 'buildah and debootstrap are missing and there is no apt-get to install them';
  try {
    await run('apt-get', ['install', '-y', '-q', 'buildah', 'debootstrap'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 << 20 });
  } catch (err) {
    return `buildah cannot be installed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
  return undefined;
}

/** lastLineOf runs a bash script of the repository and resolves to the last line of its stdout. */
export async function lastLineOf(script: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last !== '') resolve(last);
      else reject(new Error(`${script} exited ${code}:\n${err.split('\n').slice(-30).join('\n')}`));
    });
  });
}

/** buildah runs buildah and resolves to its trimmed stdout. */
export async function buildah(args: readonly string[]): Promise<string> {
  return (await run('buildah', args, { maxBuffer: 64 << 20 })).stdout.trim();
}

/** ImageConfig is what an OCI image says about how to run it. */
export interface ImageConfig {
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string;
  readonly user: string;
}

/** imageConfig reads the OCI config of a local image. */
export async function imageConfig(image: string): Promise<ImageConfig> {
  const inspected = JSON.parse(await buildah(['inspect', '--type', 'image', image])) as {
    OCIv1?: { config?: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string; User?: string } };
  };
  const raw = inspected.OCIv1?.config ?? {};
  const env: Record<string, string> = {};
  for (const kv of raw.Env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { entrypoint: raw.Entrypoint ?? [], cmd: raw.Cmd ?? [], env, workingDir: raw.WorkingDir ?? '/', user: raw.User ?? '' };
}

/** PinnedNode is the Node.js and npm versions tools/node/versions.sh pins for the whole project. */
export interface PinnedNode {
  readonly node: string;
  readonly npm: string;
}

/** pinnedNode reads tools/node/versions.sh. */
export async function pinnedNode(): Promise<PinnedNode> {
  const text = await readFile(new URL('../../tools/node/versions.sh', import.meta.url), 'utf8');
  const value = (name: string): string => {
    const v = new RegExp(`^${name}=(\\S+)$`, 'm').exec(text)?.[1];
    if (v === undefined) throw new Error(`tools/node/versions.sh: no ${name}=`);
    return v;
  };
  return { node: value('node_version'), npm: value('npm_version') };
}

/**
 * layerPaths lists every path that any layer of a local image carries (whiteouts included as
 * the .wh. entries they are), layer by layer: what a file deleted in a later layer does not hide.
 */
export async function layerPaths(image: string, dir: string): Promise<string[][]> {
  // An OCI layout with uncompressed layers: plain tar files that `tar -t` lists.
  await buildah(['push', '--quiet', '--disable-compression', image, `oci:${dir}`]);
  const index = JSON.parse(await readFile(`${dir}/index.json`, 'utf8')) as { manifests: { digest: string }[] };
  const blob = (digest: string): string => `${dir}/blobs/${digest.replace(':', '/')}`;
  const manifestDigest = index.manifests[0]?.digest;
  if (manifestDigest === undefined) throw new Error(`${dir}: no manifest`);
  const manifest = JSON.parse(await readFile(blob(manifestDigest), 'utf8')) as { layers: { digest: string }[] };
  const out: string[][] = [];
  for (const layer of manifest.layers) {
    const { stdout } = await run('tar', ['-tf', blob(layer.digest)], { maxBuffer: 256 << 20 });
    out.push(stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/^\.?\//, '')));
  }
  return out;
}
