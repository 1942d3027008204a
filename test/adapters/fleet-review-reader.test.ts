import {
  ConfigServiceClient,
  DescribeComplianceByConfigRuleCommand,
  GetComplianceDetailsByConfigRuleCommand,
} from '@aws-sdk/client-config-service';
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient, ListAccessKeysCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import {
  DeregisterTaskFromMaintenanceWindowCommand,
  DescribeInstanceInformationCommand,
  DescribeInstancePatchStatesCommand,
  RegisterTaskWithMaintenanceWindowCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { AwsFleetReviewReader } from '../../functions/adapters/fleet-review-reader.ts';
import { AwsMaintenanceWindowGateway } from '../../functions/adapters/maintenance-window-gateway.ts';

// The review's reads and the window task registration as the AWS SDK receives them: exact inputs, every page.

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
function clients() {
  const ec2 = new EC2Client({ region: 'us-east-1', credentials });
  const ssm = new SSMClient({ region: 'us-east-1', credentials });
  const config = new ConfigServiceClient({ region: 'us-east-1', credentials });
  const iam = new IAMClient({ region: 'us-east-1', credentials });
  return {
    clients: { ec2, ssm, config, iam },
    mocks: { ec2: mockClient(ec2), ssm: mockClient(ssm), config: mockClient(config), iam: mockClient(iam) },
  };
}

describe('the configuration review reader', () => {
  it('reads every page of EC2, SSM, Config and IAM into a snapshot', async () => {
    const { clients: c, mocks } = clients();
    mocks.ssm
      .on(DescribeInstanceInformationCommand, { MaxResults: 50, NextToken: undefined })
      .resolves({
        InstanceInformationList: [{ InstanceId: 'i-0aaa', PingStatus: 'Online', ComputerName: 'web-1', PlatformName: 'Ubuntu' }],
        NextToken: 'p2',
      })
      .on(DescribeInstanceInformationCommand, { MaxResults: 50, NextToken: 'p2' })
      .resolves({ InstanceInformationList: [{ InstanceId: 'i-0bbb', PingStatus: 'ConnectionLost' }] })
      .on(DescribeInstancePatchStatesCommand)
      .resolves({
        InstancePatchStates: [
          {
            InstanceId: 'i-0aaa',
            PatchGroup: '',
            BaselineId: 'pb-1',
            OwnerInformation: '',
            Operation: 'Scan',
            OperationStartTime: new Date('2026-11-22T00:00:00Z'),
            OperationEndTime: new Date('2026-11-22T00:05:00Z'),
            MissingCount: 2,
            FailedCount: 0,
            InstalledPendingRebootCount: 1,
          },
        ],
      });
    mocks.ec2
      .on(DescribeInstancesCommand)
      .resolves({
        Reservations: [
          {
            Instances: [
              { InstanceId: 'i-0aaa', State: { Name: 'running' } },
              { InstanceId: 'i-0ccc', State: { Name: 'stopped' }, Tags: [{ Key: 'Name', Value: 'legacy' }] },
            ],
          },
        ],
      })
      .on(DescribeSecurityGroupsCommand)
      .resolves({
        SecurityGroups: [
          {
            GroupId: 'sg-open',
            GroupName: 'web',
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '10.0.0.0/8' }] },
              {
                IpProtocol: 'tcp',
                FromPort: 22,
                ToPort: 22,
                IpRanges: [{ CidrIp: '10.0.0.0/8' }],
                Ipv6Ranges: [{ CidrIpv6: '::/0' }],
              },
            ],
          },
          {
            GroupId: 'sg-closed',
            GroupName: 'db',
            IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-open' }] }],
          },
        ],
      });
    mocks.config
      .on(DescribeComplianceByConfigRuleCommand)
      .resolves({ ComplianceByConfigRules: [{ ConfigRuleName: 'restricted-ssh' }, { ConfigRuleName: 'encrypted-volumes' }] })
      .on(GetComplianceDetailsByConfigRuleCommand, { ConfigRuleName: 'restricted-ssh' })
      .resolves({
        EvaluationResults: [
          {
            EvaluationResultIdentifier: {
              EvaluationResultQualifier: {
                ResourceType: 'AWS::EC2::SecurityGroup',
                ResourceId: 'sg-open',
                ConfigRuleName: 'restricted-ssh',
              },
            },
          },
        ],
      })
      .on(GetComplianceDetailsByConfigRuleCommand, { ConfigRuleName: 'encrypted-volumes' })
      .resolves({
        EvaluationResults: [
          {
            EvaluationResultIdentifier: { EvaluationResultQualifier: { ResourceType: 'AWS::EC2::Volume', ResourceId: 'vol-1' } },
          },
        ],
      });
    mocks.iam
      .on(ListUsersCommand, { MaxItems: 1000, Marker: undefined })
      .resolves({
        Users: [{ UserName: 'ci-bot', UserId: 'A', Arn: 'arn', Path: '/', CreateDate: new Date() }],
        IsTruncated: true,
        Marker: 'm2',
      })
      .on(ListUsersCommand, { MaxItems: 1000, Marker: 'm2' })
      .resolves({ Users: [{ UserName: 'ops', UserId: 'B', Arn: 'arn', Path: '/', CreateDate: new Date() }], IsTruncated: false })
      .on(ListAccessKeysCommand, { UserName: 'ci-bot' })
      .resolves({
        AccessKeyMetadata: [{ AccessKeyId: 'AKIAOLD', CreateDate: new Date('2026-01-01T00:00:00Z'), Status: 'Active' }],
      })
      .on(ListAccessKeysCommand, { UserName: 'ops' })
      .resolves({ AccessKeyMetadata: [] });

    const snapshot = await new AwsFleetReviewReader(c).read('2026-11-23T08:00:00.000Z');

    expect(snapshot).toEqual({
      takenAt: '2026-11-23T08:00:00.000Z',
      managedInstances: [
        {
          instanceId: 'i-0aaa',
          name: 'web-1',
          platform: 'Ubuntu',
          pingStatus: 'Online',
          patch: { missing: 2, failed: 0, installedPendingReboot: 1, lastOperationAt: '2026-11-22T00:05:00.000Z' },
        },
        { instanceId: 'i-0bbb', pingStatus: 'ConnectionLost' },
      ],
      ec2Instances: [
        { instanceId: 'i-0aaa', state: 'running' },
        { instanceId: 'i-0ccc', name: 'legacy', state: 'stopped' },
      ],
      configNoncompliant: [
        { resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-open', rules: ['restricted-ssh'] },
        { resourceType: 'AWS::EC2::Volume', resourceId: 'vol-1', rules: ['encrypted-volumes'] },
      ],
      openSecurityGroups: [
        {
          groupId: 'sg-open',
          groupName: 'web',
          openings: [
            { protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' },
            { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '::/0' },
          ],
        },
      ],
      accessKeys: [{ userName: 'ci-bot', accessKeyId: 'AKIAOLD', createdAt: '2026-01-01T00:00:00.000Z', status: 'Active' }],
    });
    expect(mocks.ssm.commandCalls(DescribeInstancePatchStatesCommand).map((call) => call.args[0].input)).toEqual([
      { InstanceIds: ['i-0aaa', 'i-0bbb'], MaxResults: 50, NextToken: undefined },
    ]);
    expect(mocks.ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({
      Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }],
      MaxResults: 1000,
      NextToken: undefined,
    });
    expect(mocks.config.commandCalls(DescribeComplianceByConfigRuleCommand)[0]!.args[0].input).toEqual({
      ComplianceTypes: ['NON_COMPLIANT'],
      NextToken: undefined,
    });
    expect(mocks.config.commandCalls(GetComplianceDetailsByConfigRuleCommand)[0]!.args[0].input).toEqual({
      ConfigRuleName: 'restricted-ssh',
      ComplianceTypes: ['NON_COMPLIANT'],
      Limit: 100,
      NextToken: undefined,
    });
    expect(mocks.iam.commandCalls(ListUsersCommand)).toHaveLength(2);
    expect(mocks.ssm.commandCalls(DescribeInstanceInformationCommand)).toHaveLength(2);
  });

  it('fails rather than report half an account when a list never ends', async () => {
    const { clients: c, mocks } = clients();
    mocks.ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [], NextToken: 'again' });
    mocks.ec2.on(DescribeInstancesCommand).resolves({}).on(DescribeSecurityGroupsCommand).resolves({});
    mocks.config.on(DescribeComplianceByConfigRuleCommand).resolves({});
    mocks.iam.on(ListUsersCommand).resolves({ Users: [] });
    await expect(new AwsFleetReviewReader(c).read('2026-11-23T08:00:00.000Z')).rejects.toThrow('more than 200 pages');
  });

  it('an access denied surfaces as the error it is', async () => {
    const { clients: c, mocks } = clients();
    mocks.ssm.on(DescribeInstanceInformationCommand).resolves({});
    mocks.ec2.on(DescribeInstancesCommand).resolves({}).on(DescribeSecurityGroupsCommand).resolves({});
    mocks.config.on(DescribeComplianceByConfigRuleCommand).rejects(
      Object.assign(new Error('not authorized to perform: config:DescribeComplianceByConfigRule'), {
        name: 'AccessDeniedException',
      }),
    );
    mocks.iam.on(ListUsersCommand).resolves({ Users: [] });
    await expect(new AwsFleetReviewReader(c).read('2026-11-23T08:00:00.000Z')).rejects.toThrow(
      'config:DescribeComplianceByConfigRule',
    );
  });
});

describe('the maintenance window gateway', () => {
  it('registers the task with exactly the input the core built and deregisters it after the run', async () => {
    const ssm = new SSMClient({ region: 'us-east-1', credentials });
    const mock = mockClient(ssm);
    mock.on(RegisterTaskWithMaintenanceWindowCommand).resolves({ WindowTaskId: '9f4c8e2a-0000-4000-8000-000000000001' });
    mock.on(DeregisterTaskFromMaintenanceWindowCommand).resolves({});
    const gateway = new AwsMaintenanceWindowGateway(ssm);
    const input = {
      WindowId: 'mw-0ed7251d3fcf6e0c2',
      Targets: [{ Key: 'WindowTargetIds', Values: ['e7265f13'] }],
      TaskArn: 'AWS-RunPatchBaseline',
      TaskType: 'RUN_COMMAND' as const,
      Priority: 1,
      MaxConcurrency: '10%',
      MaxErrors: '5%',
      Name: 'PB-sunday-202611290100',
      Description: 'Firebreak patch batch',
      TaskInvocationParameters: {
        RunCommand: {
          Parameters: { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] },
          Comment: 'c',
          TimeoutSeconds: 3600,
        },
      },
      ClientToken: 'PB-sunday-202611290100',
    };
    await expect(gateway.registerPatchTask(input)).resolves.toBe('9f4c8e2a-0000-4000-8000-000000000001');
    expect(mock.commandCalls(RegisterTaskWithMaintenanceWindowCommand)[0]!.args[0].input).toEqual(input);
    await gateway.deregisterTask('mw-0ed7251d3fcf6e0c2', '9f4c8e2a-0000-4000-8000-000000000001');
    expect(mock.commandCalls(DeregisterTaskFromMaintenanceWindowCommand)[0]!.args[0].input).toEqual({
      WindowId: 'mw-0ed7251d3fcf6e0c2',
      WindowTaskId: '9f4c8e2a-0000-4000-8000-000000000001',
    });
    mock.on(RegisterTaskWithMaintenanceWindowCommand).resolves({});
    await expect(gateway.registerPatchTask(input)).rejects.toThrow('returned no window task id');
  });
});
