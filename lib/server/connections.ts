// The connection table of a director, read by its agent (it filters and pages on its side, in
// constant memory even for a million entries) and relayed through the hub.
import type { z } from 'zod';
import type { ConnPage, ConnQueryParamsSchema } from '../api/schemas';
import { db } from './db';
import { conflict, notFound } from './errors';
import { hub } from './hub';
import { findCluster } from './revisions';

export async function listConnections(clusterRef: string, directorName: string, q: z.output<typeof ConnQueryParamsSchema>): Promise<ConnPage> {
  const c = await findCluster(clusterRef);
  const prisma = await db();
  const d = await prisma.director.findUnique({ where: { clusterId_name: { clusterId: c.id, name: directorName } } });
  if (!d) throw notFound(`cluster ${c.name} has no director named ${directorName}`);
  if (d.revoked) throw conflict(`director ${d.name} is revoked`);
  const { offset, limit, ...filter } = q;
  return hub.queryConnections(d, filter, offset, limit);
}
