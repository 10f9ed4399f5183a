/**
 * Request bodies of the aws-kms writes, snake_case as ONTAP takes them: what POST may set, and
 * what PATCH may change (create-only fields excluded, PATCH-only fields included); and the
 * members every cloud key-manager family's writes share.
 */

/** SvmSelector names the SVM of a POST by name or uuid; without it the record is cluster-scoped. */
export interface SvmSelector {
  readonly name?: string;
  readonly uuid?: string;
}

/** ProxySettingsBody are the proxy settings every family's POST and PATCH accept. */
export interface ProxySettingsBody {
  readonly proxy_type?: string;
  readonly proxy_host?: string;
  readonly proxy_port?: number;
  readonly proxy_username?: string;
  /** proxy_password is write-only: ONTAP never returns it. */
  readonly proxy_password?: string;
}

/** AwsKmsSettings are the optional settings both POST and PATCH accept. */
export interface AwsKmsSettings extends ProxySettingsBody {
  readonly service?: string;
  readonly default_domain?: string;
  readonly host?: string;
  readonly port?: number;
  readonly polling_period?: number;
  readonly encryption_context?: string;
}

/** AwsKmsCreateBody is the POST body: the create-only fields, the required ones, and the settings. */
export interface AwsKmsCreateBody extends AwsKmsSettings {
  readonly svm?: SvmSelector;
  readonly key_id: string;
  readonly region: string;
  readonly access_key_id: string;
  /** secret_access_key is write-only: ONTAP never returns it. */
  readonly secret_access_key: string;
}

/** AwsKmsPatchBody is the PATCH body: no create-only field, plus the PATCH-only ones. */
export interface AwsKmsPatchBody extends AwsKmsSettings {
  readonly region?: string;
  readonly access_key_id?: string;
  readonly secret_access_key?: string;
  /** skip_verify is refused by ONTAP unless access_key_id is in the same PATCH. */
  readonly skip_verify?: boolean;
  readonly timeout?: number;
  readonly verify?: boolean;
  readonly verify_host?: boolean;
  readonly verify_ip?: boolean;
}
