// Writes crds/*.yaml and the Helm chart's copy from src/api/v1alpha1/schema.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCRDs } from '../src/api/v1alpha1/render.js';

for (const dir of ['crds', 'charts/ontap-kms-operator/crds']) {
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of renderCRDs()) writeFileSync(join(dir, file), text);
}
