"""Firebreak-IsolateInstance (aws:executeScript, Python 3.11).

Snapshots every EBS volume of one instance (one crash-consistent CreateSnapshots call), records its
security groups in the tag firebreak:previous-security-groups, then moves it into the quarantine
security group (no inbound, no outbound rules). Firebreak-ReleaseInstance undoes the last two steps.

Refuses, before changing anything: an instance without the fleet tag, in another VPC than the
quarantine group, or with more than one network interface (ModifyInstanceAttribute only replaces
the primary interface's groups, so the others would stay open). Running it again on an isolated
instance changes nothing: the recorded groups are never overwritten with the quarantine group.
"""

import re

import boto3

GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
INSTANCE_ID = re.compile(r"^i-[0-9a-f]{8,17}$")
# EC2 tag values hold at most 256 characters.
MAX_TAG_VALUE = 256


class IsolationRefused(Exception):
    """A reason not to isolate, stated so that the Slack thread can show it as is."""


def handler(events, context):
    instance_id = events["InstanceId"]
    quarantine = events.get("QuarantineGroupId") or ""
    quarantine_vpc = events.get("QuarantineVpcId") or ""
    fleet_tag = events["FleetTagKey"]
    previous_tag = events["PreviousGroupsTagKey"]

    if not INSTANCE_ID.match(instance_id):
        raise IsolationRefused(f"{instance_id!r} is not an EC2 instance id")
    if not GROUP_ID.match(quarantine):
        raise IsolationRefused(
            "Firebreak has no quarantine security group: set fleet.vpcId in firebreak.config.json and deploy the stack again"
        )

    ec2 = boto3.client("ec2")
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    if not reservations or not reservations[0]["Instances"]:
        raise IsolationRefused(f"{instance_id} was not found")
    instance = reservations[0]["Instances"][0]
    tags = {tag["Key"]: tag["Value"] for tag in instance.get("Tags", [])}

    if fleet_tag not in tags:
        raise IsolationRefused(f"{instance_id} does not carry the fleet tag {fleet_tag}, so Firebreak may not touch it")
    if instance.get("VpcId") != quarantine_vpc:
        raise IsolationRefused(
            f"{instance_id} is in {instance.get('VpcId')}, but the quarantine group is in {quarantine_vpc}: isolate it by hand"
        )
    interfaces = instance.get("NetworkInterfaces", [])
    if len(interfaces) != 1:
        raise IsolationRefused(
            f"{instance_id} has {len(interfaces)} network interfaces; Firebreak only isolates single-interface instances, so isolate it by hand"
        )

    current = [group["GroupId"] for group in interfaces[0].get("Groups", [])]
    if current == [quarantine]:
        # Already isolated: keep the recorded groups (the only way back) and take no new snapshots.
        return {
            "instanceId": instance_id,
            "alreadyIsolated": True,
            "snapshotIds": [],
            "previousGroups": tags.get(previous_tag, "").split(),
            "quarantineGroupId": quarantine,
        }
    recorded = " ".join(current)
    if len(recorded) > MAX_TAG_VALUE:
        raise IsolationRefused(f"{instance_id} has too many security groups to record in one tag ({len(current)}): isolate it by hand")

    # Evidence first: the snapshots capture the volumes as they are now, before anything changes.
    snapshot_ids = []
    if any("Ebs" in mapping for mapping in instance.get("BlockDeviceMappings", [])):
        snapshots = ec2.create_snapshots(
            InstanceSpecification={"InstanceId": instance_id, "ExcludeBootVolume": False},
            Description=f"Firebreak forensic snapshot of {instance_id} before isolation",
            TagSpecifications=[
                {
                    "ResourceType": "snapshot",
                    "Tags": [
                        {"Key": "firebreak:isolated-instance", "Value": instance_id},
                        {"Key": "firebreak:purpose", "Value": "forensics"},
                    ],
                }
            ],
        )["Snapshots"]
        snapshot_ids = [snapshot["SnapshotId"] for snapshot in snapshots]

    # The way back is recorded before the groups change, so a failure in between loses nothing.
    ec2.create_tags(Resources=[instance_id], Tags=[{"Key": previous_tag, "Value": recorded}])
    ec2.modify_instance_attribute(InstanceId=instance_id, Groups=[quarantine])

    return {
        "instanceId": instance_id,
        "alreadyIsolated": False,
        "snapshotIds": snapshot_ids,
        "previousGroups": current,
        "quarantineGroupId": quarantine,
    }
