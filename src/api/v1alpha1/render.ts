/**
 * renderCRDs turns the CRDs of ./schema.ts into the YAML files under crds/ (and the chart's
 * copy). Pure, so a test can compare its output with what is committed.
 */
import { stringify } from 'yaml';
import { allCRDs } from './schema.js';

const HEADER = '# Generated from src/api/v1alpha1/schema.ts by `npm run gen:crds`. Do not edit.\n';

/** renderCRDs returns file name → YAML text for every CRD. */
export function renderCRDs(): Map<string, string> {
  const out = new Map<string, string>();
  for (const { file, crd } of allCRDs) {
    out.set(file, HEADER + stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false }));
  }
  return out;
}
