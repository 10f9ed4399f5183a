-- Argo CD health check for kms.ontap.dev/[[kind]] (kstatus rules).
-- Installed as resource.customizations.health.kms.ontap.dev_[[kind]] (docs/deploy.md).
local hs = { status = "Progressing", message = "Waiting for the operator to probe the cluster" }
if obj.status == nil then
  return hs
end
local generation = obj.metadata.generation or 0
if obj.status.observedGeneration == nil or obj.status.observedGeneration < generation then
  hs.message = "Waiting for the operator to reconcile generation " .. generation
  return hs
end
for _, c in ipairs(obj.status.conditions or {}) do
  if c.type == "Ready" and c.status == "True" then
    hs.status = "Healthy"
    hs.message = c.message or ""
  elseif c.type == "Ready" and c.status == "False" then
    hs.status = "Degraded"
    hs.message = (c.reason or "") .. ": " .. (c.message or "")
  end
end
return hs
