import type { IncomingMessage, ServerResponse } from 'node:http';

// The HTTP side of the local Slack stand-in: request bodies as Slack reads them (JSON or
// form-encoded), calls recorded without their token, and JSON answers.

/** A call's arguments as recorded: without the token, blocks parsed when they came JSON-encoded. */
export function withoutToken(body: Record<string, unknown>): Record<string, unknown> {
  const { token: _token, ...rest } = body;
  if (typeof rest.blocks === 'string') {
    try {
      rest.blocks = JSON.parse(rest.blocks);
    } catch {
      // recorded as sent
    }
  }
  return rest;
}

/** A request's bytes, at most 5 MB. */
export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 5_000_000) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A request's body as an object: JSON, or form-encoded with the nested and boolean fields decoded. */
export async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readRaw(req)).toString('utf8');
  if (!raw) return {};
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  }
  // Form-encoded, as WebClient sends: nested values arrive JSON-encoded.
  const form: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw))
    form[key] = JSON_FIELDS.has(key) ? parseJsonOr(value) : BOOLEAN_FIELDS.has(key) ? value === 'true' || value === '1' : value;
  return form;
}

const parseJsonOr = (value: string): unknown => {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'files']);
const BOOLEAN_FIELDS = new Set([
  'unfurl_links',
  'unfurl_media',
  'link_names',
  'mrkdwn',
  'reply_broadcast',
  'as_user',
  'replace_original',
  'delete_original',
]);

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * The bytes of an upload as Slack's upload URL takes them: the raw body, or (as `WebClient` sends it)
 * the file part of a multipart/form-data body.
 */
export async function uploadedBytes(req: IncomingMessage): Promise<Buffer> {
  const raw = await readRaw(req);
  const type = req.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) return raw;
  const form = await new Request('http://stand-in/upload', {
    method: 'POST',
    headers: { 'content-type': type },
    body: raw,
  }).formData();
  const file = [...form.values()].find((value) => typeof value !== 'string');
  return file && typeof file !== 'string' ? Buffer.from(await file.arrayBuffer()) : Buffer.alloc(0);
}
