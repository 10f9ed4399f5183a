-- Argo CD health check for kms.ontap.dev/OntapKmip (kstatus rules, plus Suspended).
-- Installed as resource.customizations.health.kms.ontap.dev_OntapKmip (docs/deploy.md).
local hs = { status = "Progressing", message = "Waiting for the operator to reconcile" }
if obj.status == nil then
  return hs
end
local generation = obj.metadata.generation or 0
if obj.status.observedGeneration == nil or obj.status.observedGeneration < generation then
  hs.message = "Waiting for the operator to reconcile generation " .. generation
  return hs
end
local ready, synced
for _, c in ipairs(obj.status.conditions or {}) do
  if c.type == "Ready" then ready = c end
  if c.type == "Synced" then synced = c end
end
if synced ~= nil and synced.status == "False" and synced.reason == "Suspended" then
  hs.status = "Suspended"
  hs.message = synced.message or "spec.suspend is true"
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or ""
  return hs
end
-- Synced says what stops the operator (Secret, credentials, ONTAP); Ready what ONTAP reports.
local why = synced
if why == nil or why.status ~= "False" then why = ready end
if why ~= nil and why.status == "False" then
  hs.status = "Degraded"
  hs.message = (why.reason or "") .. ": " .. (why.message or "")
end
return hs
