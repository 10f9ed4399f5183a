/**
 * A light lint of the Dockerfile (there is no Docker engine to build it here): the habits an
 * image of an operator must keep, and the paths it must agree on with the build.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO } from './install.js';

interface Stage {
  readonly from: string;
  readonly lines: string[];
}

/** stages splits a Dockerfile into its stages, with continuation lines joined and comments dropped. */
function stages(text: string): Stage[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const out: Stage[] = [];
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^FROM\s/i.test(line)) out.push({ from: line, lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

describe('Dockerfile', function () {
  let text: string;
  let all: Stage[];
  let runtime: Stage;

  before(async function () {
    text = await readFile(join(REPO, 'Dockerfile'), 'utf8');
    all = stages(text);
    const last = all.at(-1);
    if (last === undefined) throw new Error('Dockerfile has no FROM');
    runtime = last;
  });

  it('is multi-stage, built on node 24', function () {
    expect(all.length).to.be.greaterThan(1);
    expect(text).to.match(/^ARG NODE_IMAGE=node:24-trixie-slim$/m);
  });

  it('installs from the lockfile with npm ci, never npm install', function () {
    expect(text).to.not.match(/npm (install|i)\b/);
    const copiesLock = all.filter((s) => s.lines.some((l) => /^COPY .*package-lock\.json/.test(l)));
    expect(copiesLock.length, 'stages copying package-lock.json').to.be.greaterThan(0);
    expect(all.flatMap((s) => s.lines).filter((l) => /npm ci/.test(l)).length).to.be.greaterThan(0);
  });

  it('ships production dependencies only', function () {
    const ci = all.flatMap((s) => s.lines).filter((l) => /npm ci/.test(l));
    expect(ci.some((l) => /--omit=dev/.test(l)), 'an npm ci --omit=dev').to.equal(true);
    const copies = runtime.lines.filter((l) => /^COPY/.test(l));
    const nodeModules = copies.filter((l) => /node_modules/.test(l));
    expect(nodeModules).to.have.length(1);
    // node_modules comes from the stage that ran --omit=dev.
    const stageName = /--from=(\S+)/.exec(nodeModules[0] ?? '')?.[1];
    const source = all.find((s) => new RegExp(`\\sAS\\s+${stageName ?? '\\0'}$`, 'i').test(s.from));
    expect(source?.lines.some((l) => /npm ci .*--omit=dev/.test(l)), `stage ${stageName ?? '?'} runs npm ci --omit=dev`).to.equal(true);
  });

  it('runs dist/main.js as the non-root user 65532', async function () {
    const user = runtime.lines.filter((l) => /^USER\s/.test(l)).at(-1);
    expect(user).to.match(/^USER 65532(:65532)?$/);
    expect(runtime.lines.at(-1)).to.equal('ENTRYPOINT ["node", "dist/main.js"]');
    // tsconfig.build.json compiles src/ (rootDir) to dist/, so src/main.ts becomes dist/main.js.
    const build = JSON.parse(await readFile(join(REPO, 'tsconfig.build.json'), 'utf8')) as { compilerOptions?: { rootDir?: string; outDir?: string } };
    expect(build.compilerOptions).to.deep.include({ rootDir: 'src', outDir: 'dist' });
    expect(runtime.lines.some((l) => /^COPY --from=\S+ \S*dist \.\/dist$/.test(l)), 'dist/ from the build stage').to.equal(true);
    expect(runtime.lines).to.include('COPY bin/ontap-kms-operator.js ./bin/');
  });

  it('fails the build when npm ci leaves dependencies missing', function () {
    const ci = all.flatMap((s) => s.lines).filter((l) => /npm ci/.test(l));
    expect(ci.length).to.be.greaterThan(0);
    // npm ci has exited 0 after "Exit handler never called!"; npm ls notices what is missing.
    for (const line of ci) expect(line, line).to.match(/npm ci [^;]*&& npm ls\b/);
  });

  it('keeps test tooling out of the runtime stage', function () {
    const build = all.find((s) => /\sAS\s+build$/i.test(s.from));
    const buildRun = build?.lines.find((l) => /npm run build/.test(l)) ?? '';
    for (const dir of ['dist/simulator', 'dist/testenv', 'dist/demo']) expect(buildRun, dir).to.include(dir);
    expect(runtime.lines.filter((l) => /^COPY bin/.test(l))).to.deep.equal(['COPY bin/ontap-kms-operator.js ./bin/']);
  });

  it('takes a proxy CA only as a build secret, never into a layer', function () {
    expect(text).to.not.match(/^\s*(COPY|ADD)\s.*\.(crt|pem)\b/im);
    const npmSteps = all.flatMap((s) => s.lines).filter((l) => /npm ci/.test(l));
    for (const line of npmSteps) expect(line).to.match(/^RUN --mount=type=secret,id=ca,target=\/run\/secrets\/ca\.crt /);
  });

  it('keeps build output, dependencies and tests out of the build context', async function () {
    const ignored = (await readFile(join(REPO, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim());
    expect(ignored).to.include.members(['**/node_modules', 'dist', '.git', 'test']);
    expect(ignored).to.not.include.members(['src', 'bin', 'package-lock.json']);
  });
});
