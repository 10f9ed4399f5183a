// Writes crds/*.yaml and the Helm chart's copy from src/api/v1alpha1/schema.ts, the API
// reference docs/api.md from the same CRDs (hack/gen-api-docs.ts), and every file derived from
// the kinds table src/api/v1alpha1/kinds.ts (hack/kinds/artefacts.ts lists them), so none can be
// forgotten. `npm run gen:crds` then renders deploy/ from the chart (hack/render-deploy.sh).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderCRDs } from '../src/api/v1alpha1/render.js';
import { allCRDs } from '../src/api/v1alpha1/schema.js';
import { API_DOCS_PATH, renderApiDocs } from './gen-api-docs.js';
import { renderKindArtefacts } from './kinds/artefacts.js';

for (const dir of ['crds', 'charts/ontap-kms-operator/crds']) {
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of renderCRDs()) writeFileSync(join(dir, file), text);
}
mkdirSync(dirname(API_DOCS_PATH), { recursive: true });
writeFileSync(API_DOCS_PATH, renderApiDocs(allCRDs));
for (const [path, text] of renderKindArtefacts()) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
