// Errors that become HTTP answers. Services throw these; lib/server/http.ts renders every one as
// { error, issues: [{ path, message }] } with its status. Anything else is a bug: a 500 with a
// generic message (the stack goes to the server log, never to the client).
import type { z } from 'zod';
import type { Issue, RevisionSummary } from '../api/schemas';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: Issue[] = [],
    readonly extra: { current?: RevisionSummary; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, issues: Issue[] = []) => new HttpError(400, message, issues);
export const unauthorized = (message = 'sign in first (or send Authorization: Bearer <API token>)') => new HttpError(401, message);
export const forbidden = (message: string) => new HttpError(403, message);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string, issues: Issue[] = [], current?: RevisionSummary) => new HttpError(409, message, issues, { current });
export const unprocessable = (message: string, issues: Issue[]) => new HttpError(422, message, issues);
export const tooManyRequests = (message: string, retryAfterSeconds: number) => new HttpError(429, message, [], { headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });
export const unavailable = (message: string) => new HttpError(503, message);
export const gatewayTimeout = (message: string) => new HttpError(504, message);

/** zod issues -> API issues with dotted paths, under an optional prefix ("query", "changes.3"). */
export function zodIssues(err: z.ZodError, prefix?: string): Issue[] {
  return err.issues.map((i) => ({ path: joinPath(prefix, i.path), message: i.message }));
}

export function joinPath(prefix: string | undefined, path: readonly PropertyKey[]): string {
  const parts = [...(prefix ? [prefix] : []), ...path.map((p) => String(p))];
  return parts.join('.');
}
