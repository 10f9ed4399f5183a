// A stand-in for Argo CD's health-check runner (util/lua in argo-cd), to test the Lua health
// checks in docs/argocd/ against real objects: the same Lua VM (gopher-lua) and the same
// libraries and object conversion. Nothing here is shipped.
module github.com/ontap-kms-operator/tools/argocd-health

go 1.26.0

require github.com/yuin/gopher-lua v1.1.2
