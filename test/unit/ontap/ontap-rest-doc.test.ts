import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Reason } from '../../../src/api/v1alpha1/constants.js';
import { classifyError } from '../../../src/controller/errors.js';
import { OBSERVED_FIELDS } from '../../../src/controller/ontap-aws-kms/fields.js';
import { AZURE_OBSERVED_FIELDS } from '../../../src/controller/ontap-azure-key-vault/adapter.js';
import { GCP_OBSERVED_FIELDS } from '../../../src/controller/ontap-gcp-kms/adapter.js';
import { OntapApiError, OntapCode } from '../../../src/ontap/errors.js';
import { KEY_MANAGER_FAMILIES } from '../../../src/ontap/families.js';

// docs/ontap-rest.md is written by hand; these tests keep it in step with the code it describes:
// every code the operator knows with the reason it maps it to, every field it reads, every
// write-only field, every family and action.

const DOC = readFileSync('docs/ontap-rest.md', 'utf8');

/** section is the text of the `## title` section. */
function section(title: string): string {
  const start = DOC.indexOf(`\n## ${title}\n`);
  expect(start, `a "## ${title}" section`).to.be.greaterThan(-1);
  const next = DOC.indexOf('\n## ', start + 1);
  return next < 0 ? DOC.slice(start) : DOC.slice(start, next);
}

interface CodeRow {
  code: string;
  reason: string | undefined;
}

/** codeRows reads the table of error codes: the code, and the reason when the last column starts with one. */
function codeRows(): CodeRow[] {
  return section('Error codes')
    .split('\n')
    .flatMap((line) => {
      const m = /^\| `(\d+)` \|.*\| ([^|]*) \|$/.exec(line);
      if (!m) return [];
      const reason = /^`(\w+)`/.exec(m[2]!)?.[1];
      return [{ code: m[1]!, reason }];
    });
}

/** reasonOf is what the operator makes of an ONTAP error with `code` answered with HTTP 400. */
function reasonOf(code: string): string {
  const err = new OntapApiError({ context: 'patch aws-kms u1', method: 'PATCH', path: '/api/security/aws-kms/u1', httpStatus: 400, code, message: 'm' });
  return classifyError(err, 'test').reason;
}

describe('docs/ontap-rest.md', () => {
  const rows = codeRows();

  it('has a row for every code of OntapCode, once', () => {
    expect(rows.length).to.be.greaterThan(20);
    const documented = rows.map((r) => r.code);
    expect(new Set(documented).size, 'no code twice').to.equal(documented.length);
    const known = [...new Set(Object.values(OntapCode))];
    expect(known.filter((c) => !documented.includes(c))).to.deep.equal([]);
  });

  it('gives each code the reason classifyError gives it', () => {
    const wrong = rows.filter((r) => r.reason !== undefined && r.reason !== reasonOf(r.code)).map((r) => `${r.code}: doc ${r.reason}, code ${reasonOf(r.code)}`);
    expect(wrong).to.deep.equal([]);
    // Every code the operator maps to a reason of its own says which in the doc.
    const mapped = [...new Set(Object.values(OntapCode))].filter((c) => reasonOf(c) !== Reason.OntapError);
    expect(mapped.length).to.be.greaterThan(5);
    for (const c of mapped) expect(rows.find((r) => r.code === c)?.reason, c).to.equal(reasonOf(c));
  });

  it('names every field the operator reads from each family', () => {
    const missing = [...OBSERVED_FIELDS, ...AZURE_OBSERVED_FIELDS, ...GCP_OBSERVED_FIELDS].filter((f) => !DOC.includes(`\`${f}`));
    expect(missing).to.deep.equal([]);
  });

  it('says of every write-only field of every family that it is write-only', () => {
    const unsaid: string[] = [];
    for (const family of KEY_MANAGER_FAMILIES) {
      for (const f of family.writeOnly) {
        if (!DOC.split('\n').some((line) => line.includes(`\`${f}\``) && line.includes('write-only'))) unsaid.push(`${family.noun}: ${f}`);
      }
    }
    expect(unsaid).to.deep.equal([]);
  });

  it('names every family\'s collection and every action, each with a NetApp reference page', () => {
    const actions = ['rekey-external', 'rekey-internal', 'restore'] as const;
    for (const family of KEY_MANAGER_FAMILIES) {
      const collection = family.path.split('/').pop()!;
      expect(DOC, family.path).to.contain(`\`${collection}\``);
      expect(DOC, family.path).to.contain(`https://docs.netapp.com/us-en/ontap-restapi/post-security-${collection}.html`);
      // A family without actions names that it has none, so that leaving them out is a decision.
      if (family.actions?.length === 0) expect(DOC, family.path).to.contain(`No \`rekey-external\`, \`rekey-internal\` or \`restore\``);
      for (const a of actions.filter((x) => family.actions?.includes(x) ?? true)) expect(DOC, `${collection} ${a}`).to.contain(`https://docs.netapp.com/us-en/ontap-restapi/post-security-${collection}-${a}.html`);
    }
  });
});
