// Dashboard URLs in one place. Service keys travel as serviceKeyId ("tcp|10.0.0.1|80").
import { type ServiceKey } from '../lib/ipvs/model';
import { serviceKeyId } from '../lib/ipvs/keys';

const c = (cluster: string) => `/clusters/${encodeURIComponent(cluster)}`;

export const href = {
  cluster: c,
  newService: (cluster: string) => `${c(cluster)}/services/new`,
  service: (cluster: string, s: ServiceKey | string) => `${c(cluster)}/services/${encodeURIComponent(typeof s === 'string' ? s : serviceKeyId(s))}`,
  review: (cluster: string) => `${c(cluster)}/review`,
  rollback: (cluster: string, to: number) => `${c(cluster)}/review?rollback=${to}`,
  history: (cluster: string) => `${c(cluster)}/history`,
  ha: (cluster: string) => `${c(cluster)}/ha`,
  directors: (cluster: string) => `${c(cluster)}/directors`,
  director: (cluster: string, d: string) => `${c(cluster)}/directors/${encodeURIComponent(d)}`,
  connections: (cluster: string, d: string) => `${c(cluster)}/directors/${encodeURIComponent(d)}/connections`,
  importExport: (cluster: string) => `${c(cluster)}/import`,
  settings: (cluster: string) => `${c(cluster)}/settings`,
};

/** Route params may arrive encoded or not depending on the router path taken; decode once, safely. */
export function param(v: string): string {
  try {
    return v.includes('%') ? decodeURIComponent(v) : v;
  } catch {
    return v;
  }
}
