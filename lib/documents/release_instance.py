"""Firebreak-ReleaseInstance (aws:executeScript, Python 3.11).

Undoes Firebreak-IsolateInstance: reads the security groups recorded in the tag
firebreak:previous-security-groups, puts the instance back into them and removes the tag. The
forensic snapshots are kept.

Refuses, before changing anything: an instance without the fleet tag or without the tag, a
malformed tag, and an instance whose groups were changed since it was isolated (restoring would
silently undo that change).
"""

import re

import boto3

GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
INSTANCE_ID = re.compile(r"^i-[0-9a-f]{8,17}$")
# A network interface holds at most 16 security groups.
MAX_GROUPS = 16


class ReleaseRefused(Exception):
    """A reason not to release, stated so that the Slack thread can show it as is."""


def handler(events, context):
    instance_id = events["InstanceId"]
    quarantine = events.get("QuarantineGroupId") or ""
    fleet_tag = events["FleetTagKey"]
    previous_tag = events["PreviousGroupsTagKey"]

    if not INSTANCE_ID.match(instance_id):
        raise ReleaseRefused(f"{instance_id!r} is not an EC2 instance id")

    ec2 = boto3.client("ec2")
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    if not reservations or not reservations[0]["Instances"]:
        raise ReleaseRefused(f"{instance_id} was not found")
    instance = reservations[0]["Instances"][0]
    tags = {tag["Key"]: tag["Value"] for tag in instance.get("Tags", [])}

    if fleet_tag not in tags:
        raise ReleaseRefused(f"{instance_id} does not carry the fleet tag {fleet_tag}, so Firebreak may not touch it")
    recorded = tags.get(previous_tag, "")
    if not recorded:
        raise ReleaseRefused(f"{instance_id} has no {previous_tag} tag: Firebreak did not isolate it, or it was released already")
    groups = recorded.split()
    if not groups or len(groups) > MAX_GROUPS or not all(GROUP_ID.match(group) for group in groups):
        raise ReleaseRefused(f"the {previous_tag} tag of {instance_id} is not a list of security group ids: restore its groups by hand")

    interfaces = instance.get("NetworkInterfaces", [])
    current = [group["GroupId"] for group in interfaces[0].get("Groups", [])] if len(interfaces) == 1 else None
    if GROUP_ID.match(quarantine) and current != [quarantine]:
        raise ReleaseRefused(
            f"{instance_id} is no longer in the quarantine group (its groups are {current}): someone changed them since it was isolated, so restore them by hand"
        )

    ec2.modify_instance_attribute(InstanceId=instance_id, Groups=groups)
    ec2.delete_tags(Resources=[instance_id], Tags=[{"Key": previous_tag}])

    return {"instanceId": instance_id, "restoredGroups": groups, "quarantineGroups": current or []}
