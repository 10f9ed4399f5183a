/**
 * Request bodies of the aws-kms writes, snake_case as ONTAP takes them: what POST may set, and
 * what PATCH may change (create-only fields excluded, PATCH-only fields included).
 */

/** AwsKmsCreateBody is the POST body: what may be set on create. */
export interface AwsKmsCreateBody {
  readonly svm?: { readonly name?: string; readonly uuid?: string };
  readonly key_id: string;
  readonly region: string;
  readonly access_key_id: string;
  readonly secret_access_key: string;
  readonly service?: string;
  readonly default_domain?: string;
  readonly host?: string;
  readonly port?: number;
  readonly proxy_type?: string;
  readonly proxy_host?: string;
  readonly proxy_port?: number;
  readonly proxy_username?: string;
  readonly proxy_password?: string;
  readonly polling_period?: number;
  readonly encryption_context?: string;
}

/** AwsKmsPatchBody is the PATCH body: create-only fields excluded, PATCH-only fields included. */
export interface AwsKmsPatchBody {
  readonly region?: string;
  readonly access_key_id?: string;
  readonly secret_access_key?: string;
  readonly skip_verify?: boolean;
  readonly service?: string;
  readonly default_domain?: string;
  readonly host?: string;
  readonly port?: number;
  readonly proxy_type?: string;
  readonly proxy_host?: string;
  readonly proxy_port?: number;
  readonly proxy_username?: string;
  readonly proxy_password?: string;
  readonly polling_period?: number;
  readonly encryption_context?: string;
  readonly timeout?: number;
  readonly verify?: boolean;
  readonly verify_host?: boolean;
  readonly verify_ip?: boolean;
}
