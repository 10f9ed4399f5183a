/**
 * The operator image, built at most once per test run and shared by every test that needs it
 * (the image smoke test, the release test): building it takes minutes. It is built as `make
 * image` builds it (hack/build-image.sh, the Dockerfile unchanged) with buildah on the stand-in
 * for node:24-trixie-slim (tools/node-base/build.sh). Mocha runs every test file in one
 * process, so the first caller builds and the others wait for the same promise; a failed build
 * fails them all without a second attempt.
 */
import { imageToolsMissing, lastLineOf } from './image.js';

/** TEST_IMAGE is the tag the run's image gets in buildah's local storage. */
export const TEST_IMAGE = 'localhost/ontap-kms-operator:smoke-test';

/** OperatorImage is the run's image and what building it took. */
export interface OperatorImage {
  /** image is the tag in buildah's local storage. */
  readonly image: string;
  /** base is the stand-in base image it was built on. */
  readonly base: string;
  readonly baseMs: number;
  readonly imageMs: number;
}

let missing: Promise<string | undefined> | undefined;
let built: Promise<OperatorImage> | undefined;

/** operatorImageMissing says why the image cannot be built here (see imageToolsMissing), once per run. */
export function operatorImageMissing(): Promise<string | undefined> {
  missing ??= imageToolsMissing();
  return missing;
}

/** operatorImage builds the run's image on the first call and resolves to it on every call. */
export function operatorImage(): Promise<OperatorImage> {
  built ??= (async () => {
    const why = await operatorImageMissing();
    if (why !== undefined) throw new Error(`the image cannot be built here: ${why}`);
    const started = Date.now();
    const base = await lastLineOf('tools/node-base/build.sh');
    const baseMs = Date.now() - started;
    await lastLineOf('hack/build-image.sh', { ENGINE: 'buildah', IMAGE: TEST_IMAGE, NODE_IMAGE: base });
    const imageMs = Date.now() - started - baseMs;
    console.log(`      stand-in base ${base} in ${(baseMs / 1000).toFixed(0)} s, image in ${(imageMs / 1000).toFixed(0)} s (built once for the run)`);
    return { image: TEST_IMAGE, base, baseMs, imageMs };
  })();
  return built;
}
