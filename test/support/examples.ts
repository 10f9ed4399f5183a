/** loadExamples parses every YAML document under examples/, with the file it came from. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** ExampleDoc is one document of one example file. */
export interface ExampleDoc {
  file: string;
  kind: string;
  name: string;
  doc: Record<string, unknown>;
}

/** loadExamples reads examples/*.yaml. */
export function loadExamples(dir = 'examples'): ExampleDoc[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => {
        const doc = d.toJS() as Record<string, unknown>;
        const meta = doc.metadata as { name: string };
        return { file, kind: String(doc.kind), name: meta.name, doc };
      }),
    );
}
