import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import ts from 'typescript';
import { allCRDs } from '../../src/api/v1alpha1/schema.js';

// Comments and docs must not send a reader outside the repository (to design notes, seed pages
// or sibling checkouts that only some machines have): every path a comment or doc names has to
// be found in the repository. A path that starts with ./ or ../ must exist relative to the file
// naming it (and inside the repository); any other path must be the trailing part of a file or
// folder of the repository (the full path from the root, or a shorter tail such as
// runtime/logger.ts, or a bare file name that exists somewhere in the tree).

/** TREES are the folders and files whose comments and docs are scanned. */
const TREES = ['src', 'test', 'bench', 'hack', 'docs', 'charts', 'examples', 'deploy', 'README.md', 'CHANGELOG.md', 'eslint.config.js'];

/** EXTENSIONS a path reference ends with: source, docs, manifests, scripts. */
const EXTENSIONS = 'ts|js|mjs|cjs|md|ya?ml|json|sh|tpl|lua';

/**
 * PATH_REF finds path-like words: an optional ./ or ../ prefix, folders, and a file name with one
 * of EXTENSIONS; any ../ path; and the design and seed folders kept outside the repository.
 */
const PATH_REF = new RegExp(
  String.raw`(?<![\w@$.~/\\<>*{}-])(?:(?:\.{1,2}/)*(?:[\w@.-]+/)*\w[\w.-]*\.(?:${EXTENSIONS})(?![\w/-])|(?:\.\./)+[\w.-]+(?:/[\w.-]+)*/?|(?:[\w.-]+/)*(?:design|seeds)/(?:[\w.-]+(?:/[\w.-]+)*)?)`,
  'g',
);

/** URL matches a URL (scheme:// up to white space or a closing bracket, quote or backtick). */
const URL = /\b[a-z][a-z0-9+.-]*:\/\/[^\s)\]>"'`]*/gi;

/**
 * pathReferences lists the paths `text` mentions, URLs left out, and so are paths that are not
 * the repository's to keep: placeholders, globs, variables, build output and installed packages.
 */
export function pathReferences(text: string): string[] {
  const out: string[] = [];
  for (const m of text.replace(URL, ' ').matchAll(PATH_REF)) {
    const ref = m[0].replace(/[.]+$/, '');
    if (ref === '' || ref === '..' || ref === '../') continue;
    if (/^(?:node_modules|dist|@)/.test(ref.replace(/^(?:\.{1,2}\/)+/, ''))) continue;
    // Placeholders (DIR/state.json, chart-VERSION.yaml) and product names (Node.js).
    if (/(?:^|[/-])[A-Z]{3,}(?:[/.-]|$)/.test(ref) || /^[A-Z]\w*\.js$/.test(ref)) continue;
    out.push(ref);
  }
  return out;
}

/** comments returns the text of every comment of a TypeScript or JavaScript source, in order. */
function comments(text: string, file: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const seen = new Set<number>();
  const out: string[] = [];
  const take = (ranges: ts.CommentRange[] | undefined): void => {
    for (const r of ranges ?? []) {
      if (seen.has(r.pos)) continue;
      seen.add(r.pos);
      out.push(text.slice(r.pos, r.end));
    }
  };
  const visit = (node: ts.Node): void => {
    take(ts.getLeadingCommentRanges(text, node.getFullStart()));
    take(ts.getTrailingCommentRanges(text, node.getEnd()));
    for (const child of node.getChildren(source)) visit(child);
  };
  take(ts.getLeadingCommentRanges(text, 0));
  visit(source);
  return out;
}

/** yamlComments returns the comments of a YAML file or Helm template: from # to the end of a line, and template comments. */
function yamlComments(text: string): string {
  const hash = text.split('\n').flatMap((l) => {
    const m = /(?:^|\s)#(.*)$/.exec(l);
    return m ? [m[1]!] : [];
  });
  const template = [...text.matchAll(/\{\{-?\s*\/\*([\s\S]*?)\*\/\s*-?\}\}/g)].map((m) => m[1]!);
  return [...hash, ...template].join('\n');
}

/** scanned returns the part of a file that is prose: the comments of code and manifests, all of a doc. */
function scanned(file: string): string {
  const text = readFileSync(file, 'utf8');
  switch (extname(file)) {
    case '.ts':
    case '.js':
    case '.mjs':
      return comments(text, file).join('\n');
    case '.sh':
      return text.split('\n').filter((l) => /^\s*#/.test(l)).join('\n');
    case '.yaml':
    case '.yml':
    case '.tpl':
      return yamlComments(text);
    case '.md':
    case '.txt':
    case '.lua':
      return text;
    default:
      return '';
  }
}

/** files lists the files under `path` (or `path` itself), skipping git's data, installed packages and build output. */
function files(path: string, withFolders = false): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const below = readdirSync(path, { withFileTypes: true }).flatMap((e) =>
    ['node_modules', 'dist', '.git'].includes(e.name) ? [] : files(join(path, e.name), withFolders),
  );
  return withFolders ? [`${path}/`, ...below] : below;
}

/** TAILS holds every tail of every file and folder path of the repository (folders with a trailing /). */
const TAILS: ReadonlySet<string> = new Set(
  readdirSync('.')
    .filter((n) => !['node_modules', 'dist', '.git'].includes(n))
    .flatMap((n) => files(n, true))
    .flatMap((f) => {
      const parts = f.split(sep).join('/').split('/');
      const folder = parts.at(-1) === '';
      const names = folder ? parts.slice(0, -1) : parts;
      return names.map((_, i) => names.slice(i).join('/') + (folder ? '/' : ''));
    }),
);

/**
 * resolves tells whether `ref`, named in `file`, is in the repository: a ./ or ../ path relative
 * to the file's folder (and not climbing out of the repository), any other the tail of a path.
 */
function resolves(file: string, ref: string): boolean {
  if (ref.startsWith('./') || ref.startsWith('../')) {
    const target = relative('.', join(dirname(file), ref));
    return !target.startsWith('..') && existsSync(target);
  }
  return TAILS.has(ref) || TAILS.has(`${ref}/`);
}

/** dangling lists `file: ref` for every path a file's comments or text name that is not in the repository. */
function dangling(): string[] {
  const out: string[] = [];
  for (const file of TREES.flatMap((t) => files(t))) {
    for (const ref of pathReferences(scanned(file))) {
      if (!resolves(file, ref)) out.push(`${relative('.', file).split(sep).join('/')}: ${ref}`);
    }
  }
  return [...new Set(out)];
}

describe('references in comments and docs', () => {
  it('finds the paths a comment names, and not the paths inside URLs', () => {
    const text = [
      '// see design/ontap-rest.md, "Fields", and ../../shared/design/api.md',
      '// the table of constants.ts; ./schema.ts; src/runtime/logger.ts and seeds/.',
      '// https://docs.netapp.com/us-en/ontap-restapi/ontap/security_aws-kms.md and https://example.com/a/b.yaml',
      '// node_modules/yaml/dist/index.js, dist/main.js, @kubernetes/client-node/dist/gen/api.ts',
    ].join('\n');
    expect(pathReferences(text)).to.deep.equal([
      'design/ontap-rest.md',
      '../../shared/design/api.md',
      'constants.ts',
      './schema.ts',
      'src/runtime/logger.ts',
      'seeds/',
    ]);
  });

  it('reads only the comments of code, not its strings or regular expressions', () => {
    const text = [
      "const a = 'design/x.md'; // names ./gone.ts",
      'const r = /seeds\\/y.md/; /* and nothing.md */',
      'const t = `../z.ts`;',
      '/** at the end: last.md */',
    ].join('\n');
    expect(pathReferences(comments(text, 'x.ts').join('\n'))).to.deep.equal(['./gone.ts', 'nothing.md', 'last.md']);
  });

  it('resolves ./ and ../ against the file\'s folder, inside the repository only; other paths as tails of its paths', () => {
    expect(resolves('src/api/v1alpha1/schema.ts', './constants.ts')).to.equal(true);
    expect(resolves('src/ontap/families.ts', '../controller/errors.ts')).to.equal(true);
    expect(resolves('src/ontap/families.ts', './errors.ts')).to.equal(true);
    expect(resolves('src/ontap/families.ts', './constants.ts')).to.equal(false);
    expect(resolves('src/simulator/aws-kms.ts', '../../../shared/design/ontap-rest.md'), 'outside the repository').to.equal(false);
    expect(resolves('src/ontap/families.ts', 'src/runtime/logger.ts')).to.equal(true);
    expect(resolves('src/ontap/families.ts', 'runtime/logger.ts')).to.equal(true);
    expect(resolves('src/ontap/families.ts', 'constants.ts')).to.equal(true);
    expect(resolves('src/ontap/families.ts', 'src/controller/')).to.equal(true);
    expect(resolves('src/ontap/families.ts', 'untime/logger.ts'), 'a tail starts at a /').to.equal(false);
    expect(resolves('src/ontap/families.ts', 'design/ontap-rest.md')).to.equal(false);
    expect(resolves('src/ontap/families.ts', 'shared/design/api.md')).to.equal(false);
    expect(resolves('src/ontap/families.ts', 'seeds/')).to.equal(false);
  });

  it(`no comment or doc in ${TREES.join(', ')} names a path outside the repository`, () => {
    expect(dangling()).to.deep.equal([]);
  });
});

describe('README first screen', () => {
  const readme = readFileSync('README.md', 'utf8');
  const top = readme.slice(0, readme.indexOf('\n## Quick start'));

  it('ends at "## Quick start" within a screen or so', () => {
    expect(readme).to.contain('\n## Quick start');
    expect(top.split('\n').length).to.be.lessThan(40);
  });

  it('names every kind the operator serves, and links the reference docs', () => {
    for (const { crd } of allCRDs) expect(top, crd.spec.names.kind).to.contain(`\`${crd.spec.names.kind}\``);
    for (const doc of ['docs/api.md', 'docs/ontap-rest.md', 'docs/deploy.md', 'docs/ontap-sim.md']) expect(top, doc).to.contain(`](${doc})`);
  });

  it('package.json describes every cloud the operator manages', () => {
    const { description } = JSON.parse(readFileSync('package.json', 'utf8')) as { description: string };
    for (const cloud of ['AWS KMS', 'Azure Key Vault', 'Google Cloud KMS']) expect(description).to.contain(cloud);
  });
});
