/**
 * Valid POST bodies for the azure-key-vaults and gcp-kms families, shared by the simulator's
 * unit tests and the client's integration tests; each suite passes its own secret.
 */
import type { AzureKeyVaultCreateBody } from '../../src/ontap/wire-azure.js';
import type { GcpKmsCreateBody } from '../../src/ontap/wire-gcp.js';

/** azureKeyVaultBody is a valid POST body for `svm` authenticating with `clientSecret`. */
export function azureKeyVaultBody(svm: string, clientSecret: string): AzureKeyVaultCreateBody {
  return {
    svm: { name: svm },
    client_id: 'aaaaaaaa-bbbb-aaaa-bbbb-aaaaaaaaaaaa',
    tenant_id: 'zzzzzzzz-yyyy-zzzz-yyyy-zzzzzzzzzzzz',
    name: 'https://sim-vault.vault.azure.net/',
    key_id: 'https://sim-vault.vault.azure.net/keys/key1/a8e619fd8f234db3b0b95c59540e2a74',
    client_secret: clientSecret,
  };
}

/** gcpCredentials is a service-account JSON with `privateKey`. */
export function gcpCredentials(privateKey: string): string {
  return JSON.stringify({ client_email: 'ontap@sim-project.iam.gserviceaccount.com', private_key: privateKey });
}

/** gcpKmsBody is a valid POST body for `svm` with `credentials` (see gcpCredentials). */
export function gcpKmsBody(svm: string, credentials: string): GcpKmsCreateBody {
  return { svm: { name: svm }, project_id: 'sim-project', key_ring_name: 'sim-ring', key_ring_location: 'global', key_name: 'key1', application_credentials: credentials };
}
