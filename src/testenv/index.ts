/**
 * ontap-kms-testenv: a local Kubernetes control plane (real etcd, kube-apiserver and
 * kube-controller-manager on 127.0.0.1) for integration tests, and kubeconfigs for any user or
 * service account.
 */
export {
  BIN_DIR_ENV,
  startControlPlane,
  stopControlPlane,
  type ControlPlane,
  type StartOptions,
} from './controlplane.js';
export { kubeconfigFor, serviceAccount, type Identity } from './kubeconfig.js';
