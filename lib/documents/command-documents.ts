import {
  requireEnvLines,
  type CommandDocumentContent,
  type DocumentContext,
  type RunShellScriptStep,
  type ShippedDocument,
} from './document.ts';

/**
 * The Run Command documents (schema 2.2, `aws:runShellScript`, Linux only) Firebreak ships.
 * Parameters reach the scripts only as `"$SSM_<name>"` (ENV_VAR interpolation), always quoted.
 */

/** A systemd unit name, as the catalog's restart-service entry allows it. */
export const SERVICE_NAME_PATTERN = '^[A-Za-z0-9@._-]{1,64}$';
/** A dotted-quad IPv4 address without leading zeros (so no tool can read an octet as octal). */
export const IPV4_PATTERN =
  '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$';
/** An S3 bucket name (lower case, 3-63 characters). */
export const BUCKET_NAME_PATTERN = '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$';
/** How many journal lines collect-diagnostics reads (1-99999). */
export const JOURNAL_LINES_PATTERN = '^[1-9][0-9]{0,4}$';

/** The nftables table block-ip keeps its set and chains in; unblock-ip removes elements from it. */
export const NFT_TABLE = 'firebreak';
/** The comment that marks Firebreak's iptables rules (where nftables is not installed). */
export const IPTABLES_COMMENT = 'firebreak-block-ip';

const linuxStep = (name: string, timeoutSeconds: number, runCommand: string[]): RunShellScriptStep => ({
  action: 'aws:runShellScript',
  name,
  precondition: { StringEquals: ['platformType', 'Linux'] },
  inputs: { timeoutSeconds: String(timeoutSeconds), runCommand },
});

export function restartServiceDocument(): ShippedDocument {
  const content: CommandDocumentContent = {
    schemaVersion: '2.2',
    description:
      'Firebreak restart-service: restarts one systemd unit (systemctl restart) and fails unless it is active afterwards.',
    parameters: {
      serviceName: {
        type: 'String',
        description: 'The systemd unit to restart, e.g. nginx.service',
        allowedPattern: SERVICE_NAME_PATTERN,
        interpolationType: 'ENV_VAR',
      },
    },
    mainSteps: [
      linuxStep('restartService', 300, [
        ...requireEnvLines(['serviceName']),
        // Checked again here: only unit-name characters, at most 64 of them (no newline, no shell syntax).
        'case "$SSM_serviceName" in *[!A-Za-z0-9@._-]*) echo "Firebreak: refusing serviceName: not a systemd unit name" >&2; exit 2;; esac',
        'if [ "${#SSM_serviceName}" -gt 64 ]; then echo "Firebreak: refusing serviceName: longer than 64 characters" >&2; exit 2; fi',
        'systemctl restart -- "$SSM_serviceName"',
        'if systemctl is-active --quiet -- "$SSM_serviceName"; then',
        '  echo "Firebreak: $SSM_serviceName restarted and active"',
        'else',
        '  echo "Firebreak: $SSM_serviceName restarted but is not active" >&2',
        '  systemctl status --no-pager --lines=20 -- "$SSM_serviceName" >&2 || true',
        '  exit 1',
        'fi',
      ]),
    ],
  };
  return { name: 'Firebreak-RestartService', documentType: 'Command', content };
}

export function collectDiagnosticsDocument(context: Pick<DocumentContext, 'diagnosticsBucketName'>): ShippedDocument {
  const imds = 'http://169.254.169.254/latest';
  const content: CommandDocumentContent = {
    schemaVersion: '2.2',
    description:
      "Firebreak collect-diagnostics (read-only): the journal's last lines, the process list and the network connections, uploaded to the Firebreak diagnostics bucket under <instance id>/<UTC timestamp>/. The instance role needs s3:PutObject on that bucket, and the AWS CLI and curl must be installed.",
    parameters: {
      bucketName: {
        type: 'String',
        description: 'The bucket to upload to (defaults to the Firebreak diagnostics bucket)',
        allowedPattern: BUCKET_NAME_PATTERN,
        default: context.diagnosticsBucketName,
        interpolationType: 'ENV_VAR',
      },
      journalLines: {
        type: 'String',
        description: 'How many of the last journal lines to collect',
        allowedPattern: JOURNAL_LINES_PATTERN,
        default: '2000',
        interpolationType: 'ENV_VAR',
      },
    },
    mainSteps: [
      linuxStep('collectDiagnostics', 600, [
        ...requireEnvLines(['bucketName', 'journalLines']),
        'case "$SSM_bucketName" in *[!a-z0-9.-]*) echo "Firebreak: refusing bucketName: not an S3 bucket name" >&2; exit 2;; esac',
        'case "$SSM_journalLines" in *[!0-9]*) echo "Firebreak: refusing journalLines: not a number" >&2; exit 2;; esac',
        'command -v aws >/dev/null 2>&1 || { echo "Firebreak: the AWS CLI is not installed on this instance, so nothing can be uploaded" >&2; exit 1; }',
        'command -v curl >/dev/null 2>&1 || { echo "Firebreak: curl is not installed on this instance, so its id cannot be read" >&2; exit 1; }',
        // IMDSv2: a session token first, then the instance id and region.
        `token="$(curl -sS -m 5 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' ${imds}/api/token || true)"`,
        `instance="$(curl -sS -m 5 -H "X-aws-ec2-metadata-token: $token" ${imds}/meta-data/instance-id || true)"`,
        `region="$(curl -sS -m 5 -H "X-aws-ec2-metadata-token: $token" ${imds}/meta-data/placement/region || true)"`,
        'case "$instance" in i-*) ;; *) instance="";; esac',
        'case "${instance#i-}" in ""|*[!0-9a-f]*) echo "Firebreak: cannot read this instance\'s id from the instance metadata service" >&2; exit 1;; esac',
        'case "$region" in ""|*[!a-z0-9-]*) echo "Firebreak: cannot read this instance\'s region from the instance metadata service" >&2; exit 1;; esac',
        'stamp="$(date -u +%Y%m%dT%H%M%SZ)"',
        'umask 077',
        'workdir="$(mktemp -d)"',
        'trap \'rm -rf "$workdir"\' EXIT',
        '{ date -u; uname -a; uptime; } > "$workdir/system.txt" 2>&1 || true',
        '(journalctl --no-pager --output=short-iso -n "$SSM_journalLines" 2>&1 || echo "Firebreak: journalctl failed") > "$workdir/journal.txt"',
        '(ps auxww 2>&1 || echo "Firebreak: ps failed") > "$workdir/processes.txt"',
        '(ss -tupan 2>&1 || netstat -tupan 2>&1 || echo "Firebreak: neither ss nor netstat is installed") > "$workdir/connections.txt"',
        'aws s3 cp --recursive --only-show-errors --region "$region" "$workdir/" "s3://$SSM_bucketName/$instance/$stamp/"',
        'echo "Firebreak: diagnostics uploaded to s3://$SSM_bucketName/$instance/$stamp/"',
      ]),
    ],
  };
  return { name: 'Firebreak-CollectDiagnostics', documentType: 'Command', content };
}

/** Refuses addresses whose blocking would cut the instance off from itself, its metadata service or its clock. */
const ipChecks = (action: string) => [
  ...requireEnvLines(['ipAddress']),
  'case "$SSM_ipAddress" in *[!0-9.]*) echo "Firebreak: refusing ipAddress: not an IPv4 address" >&2; exit 2;; esac',
  `case "$SSM_ipAddress" in 0.*|127.*|169.254.*|255.255.255.255) echo "Firebreak: refusing to ${action} $SSM_ipAddress: unspecified, loopback, link-local (instance metadata, time sync) and broadcast addresses are never blocked" >&2; exit 2;; esac`,
];

export function blockIpDocument(): ShippedDocument {
  const content: CommandDocumentContent = {
    schemaVersion: '2.2',
    description: `Firebreak block-ip: drops traffic from and to one IPv4 address on the host firewall, idempotently. With nftables: an element of the set blocked4 in the table inet ${NFT_TABLE} (input, forward and output chains). Without it: iptables DROP rules commented ${IPTABLES_COMMENT}. Runtime rules only: a reboot clears them.`,
    parameters: {
      ipAddress: {
        type: 'String',
        description: 'The IPv4 address to block',
        allowedPattern: IPV4_PATTERN,
        interpolationType: 'ENV_VAR',
      },
    },
    mainSteps: [
      linuxStep('blockIp', 120, [
        ...ipChecks('block'),
        'if command -v nft >/dev/null 2>&1; then',
        // One atomic transaction, safe to repeat: the table, set and chains are added if missing and
        // the chains' rules rewritten; the set's elements (earlier blocks) are kept.
        "  nft -f - <<'NFT'",
        `add table inet ${NFT_TABLE}`,
        `add set inet ${NFT_TABLE} blocked4 { type ipv4_addr; }`,
        `add chain inet ${NFT_TABLE} input { type filter hook input priority -10; policy accept; }`,
        `add chain inet ${NFT_TABLE} forward { type filter hook forward priority -10; policy accept; }`,
        `add chain inet ${NFT_TABLE} output { type filter hook output priority -10; policy accept; }`,
        `flush chain inet ${NFT_TABLE} input`,
        `flush chain inet ${NFT_TABLE} forward`,
        `flush chain inet ${NFT_TABLE} output`,
        `add rule inet ${NFT_TABLE} input ip saddr @blocked4 drop`,
        `add rule inet ${NFT_TABLE} forward ip saddr @blocked4 drop`,
        `add rule inet ${NFT_TABLE} forward ip daddr @blocked4 drop`,
        `add rule inet ${NFT_TABLE} output ip daddr @blocked4 drop`,
        'NFT',
        // Adding an element the set already holds is not an error: blocking twice is blocking once.
        `  nft add element inet ${NFT_TABLE} blocked4 { "$SSM_ipAddress" }`,
        `  echo "Firebreak: $SSM_ipAddress blocked (nftables, table inet ${NFT_TABLE})"`,
        'elif command -v iptables >/dev/null 2>&1; then',
        // -C checks before -I inserts, so a second run adds nothing.
        `  iptables -C INPUT -s "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP 2>/dev/null || iptables -I INPUT 1 -s "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP`,
        `  iptables -C FORWARD -s "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP 2>/dev/null || iptables -I FORWARD 1 -s "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP`,
        `  iptables -C FORWARD -d "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP 2>/dev/null || iptables -I FORWARD 1 -d "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP`,
        `  iptables -C OUTPUT -d "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP 2>/dev/null || iptables -I OUTPUT 1 -d "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP`,
        '  echo "Firebreak: $SSM_ipAddress blocked (iptables)"',
        'else',
        '  echo "Firebreak: neither nft nor iptables is installed, so nothing was blocked" >&2',
        '  exit 1',
        'fi',
      ]),
    ],
  };
  return { name: 'Firebreak-BlockIp', documentType: 'Command', content };
}

export function unblockIpDocument(): ShippedDocument {
  const content: CommandDocumentContent = {
    schemaVersion: '2.2',
    description: `Firebreak unblock-ip: removes what block-ip added for one IPv4 address (the nftables set element in inet ${NFT_TABLE}, and any iptables rule commented ${IPTABLES_COMMENT}). Succeeds when the address was not blocked.`,
    parameters: {
      ipAddress: {
        type: 'String',
        description: 'The IPv4 address to unblock',
        allowedPattern: IPV4_PATTERN,
        interpolationType: 'ENV_VAR',
      },
    },
    mainSteps: [
      linuxStep('unblockIp', 120, [
        ...ipChecks('unblock'),
        'removed=no',
        `if command -v nft >/dev/null 2>&1 && nft list set inet ${NFT_TABLE} blocked4 >/dev/null 2>&1; then`,
        `  if nft delete element inet ${NFT_TABLE} blocked4 { "$SSM_ipAddress" } 2>/dev/null; then removed=yes; fi`,
        'fi',
        'if command -v iptables >/dev/null 2>&1; then',
        `  while iptables -C INPUT -s "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP 2>/dev/null; do iptables -D INPUT -s "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP; removed=yes; done`,
        `  while iptables -C FORWARD -s "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP 2>/dev/null; do iptables -D FORWARD -s "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP; removed=yes; done`,
        `  while iptables -C FORWARD -d "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP 2>/dev/null; do iptables -D FORWARD -d "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP; removed=yes; done`,
        `  while iptables -C OUTPUT -d "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP 2>/dev/null; do iptables -D OUTPUT -d "$SSM_ipAddress" -m comment --comment ${IPTABLES_COMMENT} -j DROP; removed=yes; done`,
        'fi',
        'if [ "$removed" = yes ]; then echo "Firebreak: $SSM_ipAddress unblocked"; else echo "Firebreak: $SSM_ipAddress was not blocked by Firebreak; nothing to do"; fi',
      ]),
    ],
  };
  return { name: 'Firebreak-UnblockIp', documentType: 'Command', content };
}
