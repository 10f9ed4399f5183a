"""Drives ontap-sim with NetApp's own Python client (netapp-ontap), as an admin's script would.

Environment: SIM_HOST, SIM_PORT, SIM_USER, SIM_PASSWORD, REQUESTS_CA_BUNDLE (the sim's CA),
SVM, FAMILY (aws-kms, azure-key-vaults or gcp-kms; default aws-kms). Creates the SVM's key
manager of that family with post(hydrate=True), reads it back by collection and by uuid,
patches one PATCHable field, deletes it, and prints one JSON line of what it saw.

With ACTIONS set (comma-separated `rekey_internal` / `restore`, each optionally followed by
`?return_timeout=N`, sent as netapp-ontap sends keyword arguments: as the query), the script
instead runs those actions, in order, through the resource's own methods (rekey_internal(),
restore(); they poll a 202's job) on the record named by UUID, or on one it creates first with
post(hydrate=True), and prints {"uuid", "results": [...]}: per action {"action", "ok", "status"}
(the action's answer, or the job's GET once polled) or, when netapp-ontap raised NetAppRestError, {"action", "ok": false, "error",
"message", "status", "code"} (status and code from ONTAP's error envelope; None for a failed job,
which netapp-ontap reports only as "Job failed: <message>").

With OPS set (comma-separated steps), the script instead drives the onboard and external key
managers, their key servers and certificates (SecurityKeyManager, KeyServer,
SecurityCertificate) step by step (see run_ops) and prints {"results": [...]}, one entry per
step: what it read, or {"ok": false, "error", "message", "status", "code"} when netapp-ontap
raised NetAppRestError. UUID names an existing key manager for steps that need one.
"""
import json
import os

from netapp_ontap import HostConnection, config
from netapp_ontap.error import NetAppRestError
from netapp_ontap.resources import AwsKms, AzureKeyVault, GcpKms, KeyServer, SecurityCertificate, SecurityKeyManager

svm = os.environ["SVM"]
family = os.environ.get("FAMILY", "aws-kms")

# Per family: the resource class, its required POST properties, and one PATCHable field with a new value.
FAMILIES = {
    "aws-kms": (
        AwsKms,
        {
            "key_id": "arn:aws:kms:us-east-1:111122223333:key/py-1",
            "region": "us-east-1",
            "access_key_id": "AKIAPY00000000000001",
            "secret_access_key": "py-secret-not-shown",
        },
        ("polling_period", 15),
    ),
    "azure-key-vaults": (
        AzureKeyVault,
        {
            "client_id": "py-client",
            "tenant_id": "py-tenant",
            "name": "https://py-vault.vault.azure.net/",
            "key_id": "https://py-vault.vault.azure.net/keys/key1/1",
            "client_secret": "py-azure-secret-not-shown",
        },
        ("port", 8443),
    ),
    "gcp-kms": (
        GcpKms,
        {
            "project_id": "py-project",
            "key_ring_name": "py-ring",
            "key_ring_location": "global",
            "key_name": "key1",
            "application_credentials": json.dumps({"client_email": "py@py-project.iam.gserviceaccount.com", "private_key": "py-gcp-key-not-shown"}),
        },
        ("privileged_account", "admin@py-project.iam.gserviceaccount.com"),
    ),
}



def run_actions(resource_class, required):
    """Runs ACTIONS on the record UUID (or a new one) and returns what each answered."""
    uuid = os.environ.get("UUID")
    if uuid:
        km = resource_class(uuid=uuid)
    else:
        km = resource_class(svm={"name": svm}, **required)
        km.post(hydrate=True, poll_interval=1)
    results = []
    for step in os.environ["ACTIONS"].split(","):
        name, _, query = step.partition("?")
        kwargs = {k: int(v) for k, v in (p.split("=") for p in query.split("&") if p)}
        try:
            response = getattr(km, name)(poll_interval=1, **kwargs)
            # After polling a job, the response is the job's GET (200); otherwise the action's own answer.
            results.append({"action": step, "ok": True, "status": response.http_response.status_code})
        except NetAppRestError as err:
            body = err.response_body or {}
            results.append({
                "action": step,
                "ok": False,
                "error": type(err).__name__,
                "message": str(err),
                "status": err.status_code,
                "code": body.get("error", {}).get("code"),
            })
    return {"uuid": km.uuid, "results": results}


def failure(err):
    body = err.response_body or {}
    return {"ok": False, "error": type(err).__name__, "message": str(err), "status": err.status_code, "code": body.get("error", {}).get("code")}


def run_ops():
    """Runs the OPS steps in order; a step that raises NetAppRestError is recorded and the next one runs."""
    env = os.environ
    state = {"km": SecurityKeyManager(uuid=env["UUID"]) if env.get("UUID") else None}
    results = []
    for op in env["OPS"].split(","):
        try:
            results.append({"op": op, "ok": True, **step(op, state, env)})
        except NetAppRestError as err:
            results.append({"op": op, **failure(err)})
    return {"uuid": state["km"].uuid if state["km"] is not None else None, "results": results}


def step(op, state, env):
    """One step: onboard_create, status, passphrase, sync, backup, delete, connectivity, ... (see the branches)."""
    km = state["km"]
    if op == "onboard_create":
        km = SecurityKeyManager(onboard={"passphrase": env["PASSPHRASE"]})
        km.post(hydrate=True, poll_interval=1)
        state["km"] = km
        return {"uuid": km.uuid, "scope": km.scope, "enabled": km.onboard.enabled, "backup_head": km.onboard.key_backup.split("\n")[0]}
    if op == "status":
        fetched = SecurityKeyManager(uuid=km.uuid)
        fetched.get(fields="status.code,status.message")
        return {"code": fetched.status.code, "message": fetched.status.message}
    if op == "star":
        fetched = SecurityKeyManager(uuid=km.uuid)
        fetched.get(fields="*")
        return {"has_status": hasattr(fetched, "status"), "scope": fetched.scope}
    if op == "backup":
        fetched = SecurityKeyManager(uuid=km.uuid)
        fetched.get(fields="onboard")
        return {"backup": fetched.onboard.key_backup}
    # Each PATCH goes through a fresh object: netapp-ontap sends only the members that changed
    # since the object's last write, and a repeated existing_passphrase would not be sent.
    if op == "passphrase":
        patched = SecurityKeyManager(uuid=km.uuid)
        patched.onboard = {"existing_passphrase": env["PASSPHRASE"], "passphrase": env["NEW_PASSPHRASE"]}
        patched.patch(poll_interval=1)
        return {}
    if op.startswith("sync"):
        # sync uses the new passphrase, sync_old the one the script created with.
        patched = SecurityKeyManager(uuid=km.uuid)
        patched.onboard = {"existing_passphrase": env["PASSPHRASE" if op == "sync_old" else "NEW_PASSPHRASE"], "synchronize": True}
        patched.patch(poll_interval=1)
        return {}
    if op == "delete":
        SecurityKeyManager(uuid=km.uuid).delete(poll_interval=1)
        return {"left": [r.uuid for r in SecurityKeyManager.get_collection()]}
    return cert_or_external_step(op, state, env)


def cert_view(c):
    return {"uuid": c.uuid, "name": c.name, "type": c.type, "scope": c.scope, "common_name": c.common_name, "ca": c.ca,
            "serial_number": c.serial_number, "expiry_time": str(c.expiry_time), "private_key_shown": hasattr(c, "private_key")}


def server_view(s):
    out = {"server": s.server}
    for f in ("timeout", "username", "secondary_key_servers"):
        if hasattr(s, f):
            out[f] = getattr(s, f)
    if hasattr(s, "connectivity"):
        out["cluster_availability"] = s.connectivity.cluster_availability
        out["node_states"] = [[n.node.name, n.state] for n in s.connectivity.node_states]
    return out


def cert_or_external_step(op, state, env):
    """Certificates (cert_*), the external key manager (external_*) and its key servers (ks_*)."""
    km = state["km"]
    if op in ("cert_client", "cert_ca", "cert_ca2"):
        kind = "client" if op == "cert_client" else "server_ca"
        pem = {"cert_client": "CLIENT_CERT", "cert_ca": "CA_CERT", "cert_ca2": "CA2_CERT"}[op]
        cert = SecurityCertificate(svm={"name": svm}, name=f"py-{op[5:]}", type=kind, public_certificate=env[pem])
        if kind == "client":
            cert.private_key = env["CLIENT_KEY"]
        cert.post(hydrate=True, poll_interval=1)
        fetched = SecurityCertificate(uuid=cert.uuid)
        fetched.get(fields="*")
        return cert_view(fetched)
    if op == "cert_list":
        return {"certs": [[c.name, c.type] for c in SecurityCertificate.get_collection(fields="name,type", **{"svm.name": svm})]}
    if op.startswith("cert_delete_"):
        # cert_delete_client deletes py-client, found by name as an admin's script would.
        name = "py-" + op[len("cert_delete_"):]
        found = list(SecurityCertificate.get_collection(name=name, **{"svm.name": svm}))
        SecurityCertificate(uuid=found[0].uuid).delete(poll_interval=1)
        return {"left": [c.name for c in SecurityCertificate.get_collection(**{"svm.name": svm})]}
    if op == "external_create":
        km = SecurityKeyManager(svm={"name": svm}, external={
            "client_certificate": {"name": "py-client"},
            "server_ca_certificates": [{"name": "py-ca"}],
            "servers": [{"server": "10.0.0.5:5696"}],
        })
        km.post(hydrate=True, poll_interval=1)
        state["km"] = km
        return {"uuid": km.uuid, "scope": km.scope, "svm": km.svm.name, "servers": [s.server for s in km.external.servers]}
    if op in ("external_patch", "external_validate"):
        patched = SecurityKeyManager(uuid=km.uuid)
        patched.external = {"server_ca_certificates": [{"name": "py-ca2"}]}
        if op == "external_validate":
            patched.patch(poll_interval=1, validate_certificates=True)
        else:
            patched.patch(poll_interval=1)
        fetched = SecurityKeyManager(uuid=km.uuid)
        fetched.get(fields="external")
        return {"cas": [c.name for c in fetched.external.server_ca_certificates]}
    if op == "external_servers":
        fetched = SecurityKeyManager(uuid=km.uuid)
        fetched.get(fields="external.servers")
        return {"servers": [server_view(s) for s in fetched.external.servers]}
    if op == "ks_add":
        ks = KeyServer(km.uuid, server="10.0.0.6")
        ks.post(hydrate=True, poll_interval=1)
        return {"server": ks.server}
    if op == "ks_records":
        # netapp-ontap sends `records` through post_collection (post() refuses an object with records set).
        KeyServer.post_collection([KeyServer(km.uuid, server="10.0.0.7:5696"), KeyServer(km.uuid, server="kmip.example.com:5697")], km.uuid, poll_interval=1)
        return {}
    if op == "ks_list":
        return {"servers": [s.server for s in KeyServer.get_collection(km.uuid)]}
    if op == "ks_too_many":
        KeyServer(km.uuid, server="10.0.0.8:5696").post(poll_interval=1)
        return {}
    if op == "ks_patch":
        ks = KeyServer(km.uuid, server="10.0.0.6:5696")
        ks.timeout = 45
        ks.username = "py-kmip-user"
        ks.password = env["KS_PASSWORD"]
        ks.secondary_key_servers = ["1.1.1.1", "secondary.example.com"]
        ks.patch(poll_interval=1)
        return {}
    if op == "ks_get":
        ks = KeyServer(km.uuid, server="10.0.0.6:5696")
        ks.get(fields="timeout,username,secondary_key_servers")
        return server_view(ks)
    if op.startswith("ks_connectivity"):
        ks = KeyServer(km.uuid, server="10.0.0.5:5696")
        if op == "ks_connectivity_node2":
            ks.get(fields="connectivity", return_unmatched_nested_array_objects=False, **{"connectivity.node_states.node.name": "node2"})
        else:
            ks.get(fields="connectivity")
        return server_view(ks)
    if op == "ks_delete":
        KeyServer(km.uuid, server="10.0.0.6:5696").delete(poll_interval=1, force=True)
        return {"servers": [s.server for s in KeyServer.get_collection(km.uuid)]}
    if op == "ks_delete_unknown":
        KeyServer(km.uuid, server="10.9.9.9:5696").delete(poll_interval=1)
        return {}
    raise ValueError(f"unknown step {op}")


resource_class, required, (field, value) = FAMILIES.get(family, FAMILIES["aws-kms"])
with HostConnection(
    os.environ["SIM_HOST"],
    port=int(os.environ["SIM_PORT"]),
    username=os.environ["SIM_USER"],
    password=os.environ["SIM_PASSWORD"],
    verify=True,
    poll_interval=1,
    poll_timeout=30,
):
    # Fail at the first surprise rather than retry around it.
    config.RAISE_API_ERRORS = True
    if os.environ.get("OPS"):
        print(json.dumps(run_ops()))
        raise SystemExit(0)
    if os.environ.get("ACTIONS"):
        print(json.dumps(run_actions(resource_class, required)))
        raise SystemExit(0)
    km = resource_class(svm={"name": svm}, **required)
    km.post(hydrate=True, poll_interval=1)
    created = {"uuid": km.uuid, "svm": km.svm.name, "scope": km.scope}
    listed = [r.uuid for r in resource_class.get_collection(**{"svm.name": svm})]
    setattr(km, field, value)
    km.patch(poll_interval=1)
    fetched = resource_class(uuid=km.uuid)
    fetched.get(fields=field)
    fetched.delete(poll_interval=1)
    after = [r.uuid for r in resource_class.get_collection(**{"svm.name": svm})]
    print(json.dumps({"created": created, "listed": listed, "patched": getattr(fetched, field), "after_delete": after}))
