// The Block Kit check of the local Slack stand-in: a message's text and blocks, refused as Slack
// refuses them when they break the limits Firebreak's messages must keep.

/** Text and blocks of a message, checked against the limits Slack enforces. */
export function contentOf(
  args: Record<string, unknown>,
): { text: string; blocks: object[] } | { error: string; extra?: Record<string, unknown> } {
  const text = typeof args.text === 'string' ? args.text : '';
  let blocks: unknown = args.blocks ?? [];
  if (typeof blocks === 'string') {
    try {
      blocks = JSON.parse(blocks);
    } catch {
      return { error: 'invalid_blocks_format' };
    }
  }
  if (!Array.isArray(blocks)) return { error: 'invalid_blocks_format' };
  if (!text && !blocks.length) return { error: 'no_text' };
  if (text.length > 40_000) return { error: 'msg_too_long' };
  const problems = blockProblems(blocks);
  if (problems.length)
    return {
      error: 'invalid_blocks',
      extra: { errors: problems, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } },
    };
  return { text, blocks: blocks as object[] };
}

/** The Block Kit limits Firebreak's messages must keep (a subset of Slack's validation). */
export function blockProblems(blocks: unknown[]): string[] {
  const problems: string[] = [];
  if (blocks.length > 50) problems.push(`no more than 50 items allowed [json-pointer:/blocks]`);
  const textLength = (t: unknown): number =>
    t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string' ? (t as { text: string }).text.length : 0;
  const textType = (t: unknown): unknown => (t && typeof t === 'object' ? (t as { type?: unknown }).type : undefined);
  blocks.forEach((raw, i) => {
    const at = `[json-pointer:/blocks/${i}`;
    if (!raw || typeof raw !== 'object') return problems.push(`must be an object ${at}]`);
    const block = raw as Record<string, unknown>;
    switch (block.type) {
      case 'header':
        if (textType(block.text) !== 'plain_text') problems.push(`must be plain_text ${at}/text]`);
        if (textLength(block.text) > 150) problems.push(`must be less than 151 characters ${at}/text/text]`);
        if (textLength(block.text) === 0) problems.push(`must be more than 0 characters ${at}/text/text]`);
        break;
      case 'section': {
        const fields = Array.isArray(block.fields) ? block.fields : [];
        if (!block.text && !fields.length) problems.push(`must provide text or fields ${at}]`);
        if (textLength(block.text) > 3000) problems.push(`must be less than 3001 characters ${at}/text/text]`);
        if (fields.length > 10) problems.push(`no more than 10 items allowed ${at}/fields]`);
        fields.forEach((f, j) => {
          if (textLength(f) > 2000) problems.push(`must be less than 2001 characters ${at}/fields/${j}/text]`);
        });
        break;
      }
      case 'context': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (!elements.length || elements.length > 10) problems.push(`must have 1 to 10 elements ${at}/elements]`);
        break;
      }
      case 'actions': {
        const elements = Array.isArray(block.elements) ? (block.elements as Array<Record<string, unknown>>) : [];
        if (!elements.length || elements.length > 25) problems.push(`must have 1 to 25 elements ${at}/elements]`);
        const ids = new Set<string>();
        elements.forEach((e, j) => {
          if (e.type === 'button') {
            if (textType(e.text) !== 'plain_text') problems.push(`must be plain_text ${at}/elements/${j}/text]`);
            if (textLength(e.text) > 75) problems.push(`must be less than 76 characters ${at}/elements/${j}/text/text]`);
            if (typeof e.value === 'string' && e.value.length > 2000)
              problems.push(`must be less than 2001 characters ${at}/elements/${j}/value]`);
          }
          if (typeof e.action_id === 'string') {
            if (ids.has(e.action_id)) problems.push(`action_id must be unique ${at}/elements/${j}/action_id]`);
            ids.add(e.action_id);
          }
        });
        break;
      }
      case 'divider':
      case 'image':
      case 'rich_text':
      case 'input':
        break;
      default:
        problems.push(`unsupported type ${String(block.type)} ${at}/type]`);
    }
    return undefined;
  });
  return problems;
}
