// The OpenAPI 3.1 document, generated from the endpoint table and its zod schemas (so it cannot
// drift from what the handlers accept). Request bodies and queries are described as inputs
// (defaults optional), responses as outputs.
import { z } from 'zod';
import { endpoints, pathParamNames, type EndpointDef } from '../api/endpoints';
import { ErrorBodySchema } from '../api/schemas';
import { WebhookPayloadSchema } from '../api/alerts';

function schemaOf(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const j = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete j.$schema;
  return j;
}

const ERROR_STATUSES: Record<number, string> = {
  400: 'Malformed request: the issues name each field and rule',
  401: 'No or bad credentials',
  403: 'Authenticated but not allowed (role, or a cross-site request)',
  404: 'No such cluster, director, revision, user or token',
  409: 'Conflict: a stale base revision (the current one is in `current`), a name already taken, or a demo-only action (the HA demo failover) outside the demo',
  422: 'Well-formed but not applicable: a change that cannot apply, an invalid result, a bad import line, or a change or rollback that cuts live connections without confirmConnectionCuts (one issue per op: director, command, connections)',
  429: 'Too many failed sign-ins',
  503: 'A director is not connected, or the database is unavailable',
  504: 'A director did not answer in time',
};

export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorRef = { $ref: '#/components/schemas/Error' };
  for (const [id, raw] of Object.entries(endpoints)) {
    const def = raw as EndpointDef;
    const op: Record<string, unknown> = {
      operationId: id,
      summary: def.summary,
      tags: [def.tag],
      security: def.access === 'public' ? [] : def.access === 'director' ? [{ directorToken: [] }] : [{ session: [] }, { apiToken: [] }],
      'x-required-role': def.access,
    };
    const params: Record<string, unknown>[] = pathParamNames(def.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    if (def.query) {
      const q = schemaOf(def.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) params.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
    }
    if (params.length) op.parameters = params;
    if (def.body) op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(def.body, 'input') } } };
    const ok: Record<string, unknown> = { description: 'OK' };
    if (def.produces === 'sse') ok.content = { 'text/event-stream': { schema: { type: 'string' } } };
    else if (def.produces === 'text') ok.content = { 'text/plain': { schema: { type: 'string' } } };
    else if (def.response) ok.content = { 'application/json': { schema: schemaOf(def.response, 'output') } };
    const responses: Record<string, unknown> = { [String(def.status ?? 200)]: ok };
    const statuses = def.access === 'public' ? [400, 429] : [400, 401, 403, 404, 409, 422];
    for (const s of statuses) responses[String(s)] = { description: ERROR_STATUSES[s], content: { 'application/json': { schema: errorRef } } };
    op.responses = responses;
    (paths[def.path] ??= {})[def.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'LVS Console API',
      version: '1',
      description:
        'Desired IPVS configuration as immutable revisions, plan previews, directors and their agents, live stats and the audit log. Every error is `{ error, issues: [{ path, message }] }`.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    // what a cluster's webhook targets receive (format json; Slack-format targets get `{ text }`)
    webhooks: {
      alert: {
        post: {
          summary: 'An alert of a cluster (or a test), POSTed to each webhook target that wants its kind; retried with backoff until a 2xx',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/AlertWebhookPayload' } } } },
          responses: { '200': { description: 'Any 2xx marks the delivery done; a 3xx is not followed' } },
        },
      },
    },
    components: {
      schemas: { Error: schemaOf(ErrorBodySchema, 'output'), AlertWebhookPayload: schemaOf(WebhookPayloadSchema, 'output') },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'lvs_session', description: 'Set by POST /api/v1/auth/login' },
        apiToken: { type: 'http', scheme: 'bearer', description: 'An API token (lvs_…) from POST /api/v1/tokens' },
        directorToken: { type: 'http', scheme: 'bearer', description: 'A director token (lvsd_…), agents only' },
      },
    },
  };
}
