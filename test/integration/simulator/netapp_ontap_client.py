"""Drives ontap-sim with NetApp's own Python client (netapp-ontap), as an admin's script would.

Environment: SIM_HOST, SIM_PORT, SIM_USER, SIM_PASSWORD, REQUESTS_CA_BUNDLE (the sim's CA),
SVM. Creates the SVM's AWS KMS configuration with post(hydrate=True), reads it back by
collection and by uuid, patches it, deletes it, and prints one JSON line of what it saw.
"""
import json
import os

from netapp_ontap import HostConnection, config
from netapp_ontap.resources import AwsKms

svm = os.environ["SVM"]
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
    kms = AwsKms(
        svm={"name": svm},
        key_id="arn:aws:kms:us-east-1:111122223333:key/py-1",
        region="us-east-1",
        access_key_id="AKIAPY00000000000001",
        secret_access_key="py-secret-not-shown",
    )
    kms.post(hydrate=True, poll_interval=1)
    created = {"uuid": kms.uuid, "svm": kms.svm.name, "region": kms.region}
    listed = [r.uuid for r in AwsKms.get_collection(**{"svm.name": svm})]
    kms.polling_period = 15
    kms.patch(poll_interval=1)
    fetched = AwsKms(uuid=kms.uuid)
    fetched.get(fields="polling_period")
    fetched.delete(poll_interval=1)
    after = [r.uuid for r in AwsKms.get_collection(**{"svm.name": svm})]
    print(json.dumps({"created": created, "listed": listed, "polling_period": fetched.polling_period, "after_delete": after}))
