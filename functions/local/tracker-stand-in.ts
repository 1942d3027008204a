import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the task trackers, for tests and drills. It serves exactly the endpoints
 * Firebreak uses, and nothing else (anything else is a 404, recorded as unexpected):
 * GitHub `GET`/`PATCH /repos/{owner}/{repo}/issues/{n}` (Bearer token), Jira
 * `GET /rest/api/3/issue/{key}?fields=status` and `GET`/`POST /rest/api/3/issue/{key}/transitions`
 * (Basic auth). Issues are created with `addGitHubIssue` / `addJiraIssue`; `failNext` makes the
 * next calls answer with an error, as an outage or a revoked token would.
 */

export const LOCAL_TRACKER = {
  githubToken: 'ghp_local_drill_token_0123456789',
  jira: { email: 'firebreak@example.com', apiToken: 'local-jira-api-token' },
} as const;

export interface TrackerCall {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body?: unknown;
  /** False for a path or method the stand-in does not serve. */
  readonly served: boolean;
}

interface JiraIssue {
  status: string;
  category: 'new' | 'indeterminate' | 'done';
}

/** Jira's default workflow: each status's transitions by name, to status and category. */
const JIRA_WORKFLOW: Record<string, { id: string; name: string; to: string; category: JiraIssue['category'] }[]> = {
  'To Do': [
    { id: '21', name: 'In Progress', to: 'In Progress', category: 'indeterminate' },
    { id: '31', name: 'Done', to: 'Done', category: 'done' },
  ],
  'In Progress': [
    { id: '11', name: 'To Do', to: 'To Do', category: 'new' },
    { id: '31', name: 'Done', to: 'Done', category: 'done' },
  ],
  Done: [{ id: '11', name: 'To Do', to: 'To Do', category: 'new' }],
};

export class TrackerStandIn {
  readonly calls: TrackerCall[] = [];
  readonly github = new Map<string, 'open' | 'closed'>();
  readonly jira = new Map<string, JiraIssue>();
  private failures: number[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<TrackerStandIn> {
    const handlers: { handle?: (request: IncomingMessage, response: ServerResponse) => Promise<void> } = {};
    const server = createServer((request, response) => void handlers.handle?.(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const standIn = new TrackerStandIn(server, `http://127.0.0.1:${port}`);
    handlers.handle = (request, response) => standIn.handle(request, response);
    return standIn;
  }

  addGitHubIssue(ref: string, state: 'open' | 'closed' = 'open'): void {
    this.github.set(ref, state);
  }
  addJiraIssue(key: string, status: 'To Do' | 'In Progress' | 'Done' = 'To Do'): void {
    this.jira.set(key, { status, category: status === 'Done' ? 'done' : status === 'To Do' ? 'new' : 'indeterminate' });
  }
  /** The next `count` calls answer with `status` (500: an outage, 401: a revoked token). */
  failNext(count: number, status = 500): void {
    this.failures.push(...Array.from({ length: count }, () => status));
  }
  /** Calls to paths the stand-in does not serve: Firebreak should make none. */
  get unexpected(): TrackerCall[] {
    return this.calls.filter((c) => !c.served);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const url = new URL(request.url ?? '/', this.url);
    const method = request.method ?? 'GET';
    const answer = (status: number, json?: unknown, served = true) => {
      this.calls.push({ method, path: url.pathname + url.search, status, served, ...(body === undefined ? {} : { body }) });
      response.writeHead(status, json === undefined ? {} : { 'Content-Type': 'application/json' });
      response.end(json === undefined ? undefined : JSON.stringify(json));
    };
    const failure = this.failures.shift();
    if (failure) return answer(failure, { message: 'stand-in failure' });
    const auth = request.headers.authorization ?? '';

    const github = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)$/.exec(url.pathname);
    if (github) {
      if (auth !== `Bearer ${LOCAL_TRACKER.githubToken}`) return answer(401, { message: 'Bad credentials' });
      const ref = `${github[1]}#${github[2]}`;
      const state = this.github.get(ref);
      if (!state) return answer(404, { message: 'Not Found' });
      if (method === 'GET') return answer(200, { number: Number(github[2]), state });
      if (method === 'PATCH') {
        const wanted = (body as { state?: unknown } | undefined)?.state;
        if (wanted !== 'closed' && wanted !== 'open') return answer(422, { message: 'Validation Failed' });
        this.github.set(ref, wanted);
        return answer(200, { number: Number(github[2]), state: wanted });
      }
      return answer(405, undefined, false);
    }

    const jira = /^\/rest\/api\/3\/issue\/([A-Z][A-Z0-9_]*-\d+)(\/transitions)?$/.exec(url.pathname);
    if (jira) {
      const basic = `Basic ${Buffer.from(`${LOCAL_TRACKER.jira.email}:${LOCAL_TRACKER.jira.apiToken}`).toString('base64')}`;
      if (auth !== basic) return answer(401, { errorMessages: ['Unauthorized'] });
      const issue = this.jira.get(jira[1]!);
      if (!issue) return answer(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] });
      const transitions = JIRA_WORKFLOW[issue.status] ?? [];
      if (!jira[2] && method === 'GET')
        return answer(200, {
          key: jira[1],
          fields: { status: { name: issue.status, statusCategory: { key: issue.category } } },
        });
      if (jira[2] && method === 'GET')
        return answer(200, { transitions: transitions.map(({ id, name, to }) => ({ id, name, to: { name: to } })) });
      if (jira[2] && method === 'POST') {
        const id = (body as { transition?: { id?: unknown } } | undefined)?.transition?.id;
        const transition = transitions.find((t) => t.id === id);
        if (!transition) return answer(400, { errorMessages: ['Transition id is not valid for this issue.'] });
        this.jira.set(jira[1]!, { status: transition.to, category: transition.category });
        return answer(204);
      }
      return answer(405, undefined, false);
    }
    return answer(404, { message: 'Not Found' }, false);
  }
}
