"""Drives ontap-sim with NetApp's own Python client (netapp-ontap), as an admin's script would.

Environment: SIM_HOST, SIM_PORT, SIM_USER, SIM_PASSWORD, REQUESTS_CA_BUNDLE (the sim's CA),
SVM, FAMILY (aws-kms, azure-key-vaults or gcp-kms; default aws-kms). Creates the SVM's key
manager of that family with post(hydrate=True), reads it back by collection and by uuid,
patches one PATCHable field, deletes it, and prints one JSON line of what it saw.
"""
import json
import os

from netapp_ontap import HostConnection, config
from netapp_ontap.resources import AwsKms, AzureKeyVault, GcpKms

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

resource_class, required, (field, value) = FAMILIES[family]
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
