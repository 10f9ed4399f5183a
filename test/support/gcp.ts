/**
 * OntapGcpKms helpers for the e2e tests: a service account JSON key, its Secret, a manifest, and
 * a typed read. The private key's body is a TEST_SECRETS value, so zz-no-secrets finds any leak of
 * the JSON key however it is escaped; client_email is no secret (ONTAP shows it as caller_account).
 */
import { parseOntapGcpKms } from '../../src/api/v1alpha1/parse.js';
import type { OntapGcpKms } from '../../src/api/v1alpha1/types.js';
import { OntapGcpKmsType } from '../../src/controller/resources.js';
import type { KubeObject } from '../../src/runtime/kube.js';
import { minimalGcpKmsSpec } from './builders.js';
import { type E2E, getResource, secret } from './e2e.js';
import { TEST_SECRETS } from './log-capture.js';

/** GCP_EMAIL is the default service account of the e2e tests. */
export const GCP_EMAIL = 'ontap-e2e@kms-e2e-4711.iam.gserviceaccount.com';

/** gcpKey is a service account JSON key for `clientEmail` whose private key's body is `privateKey`. */
export function gcpKey(clientEmail = GCP_EMAIL, privateKey: string = TEST_SECRETS.gcpPrivateKey): string {
  return JSON.stringify({
    type: 'service_account',
    project_id: 'kms-e2e-4711',
    private_key: `-----BEGIN PRIVATE KEY-----\n${privateKey}\n-----END PRIVATE KEY-----\n`,
    client_email: clientEmail,
  });
}

/** gcpSecret is a Secret holding `json` under application_credentials (the CRD's default key). */
export function gcpSecret(ns: string, name = 'gcp', json: string = gcpKey()): KubeObject {
  return secret(ns, name, { application_credentials: json });
}

/** gcpKmsObject builds an OntapGcpKms manifest for the e2e namespace. */
export function gcpKmsObject(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapGcpKms',
    metadata: { name, namespace: ns },
    // The key of minimalGcpKmsSpec, on the sim, with the Secret of gcpSecret.
    spec: { ...minimalGcpKmsSpec, clusterRef: { name: 'sim' }, applicationCredentialsSecretRef: { name: 'gcp', key: 'application_credentials' }, driftCheckIntervalSeconds: 10, ...spec },
  };
}

/** getGcp reads an OntapGcpKms, typed. */
export function getGcp(w: E2E, name: string): Promise<OntapGcpKms | undefined> {
  return getResource(w, OntapGcpKmsType, name, parseOntapGcpKms);
}
