/** The kms.ontap.dev/v1alpha1 API: constants, types, parsing and the CRD schemas. */
export * from './constants.js';
export * from './types.js';
export * from './parse.js';
