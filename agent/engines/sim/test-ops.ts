// Op builders for the simulator's tests and bench: what the planner would send, written briefly.
import { VirtualServiceSchema, type ServiceKey, type VirtualServiceInput } from '@/lib/ipvs/model';
import type { Op, RealServerSpec } from '@/lib/ipvs/op';

export const addService = (s: VirtualServiceInput): Op => ({ op: 'add-service', service: VirtualServiceSchema.parse(s) });
export const editService = (s: VirtualServiceInput): Op => ({ op: 'edit-service', service: VirtualServiceSchema.parse(s) });
export const deleteService = (service: ServiceKey): Op => ({ op: 'delete-service', service });

export function server(address: string, port: number, rest: Partial<RealServerSpec> = {}): RealServerSpec {
  return { address, port, forwarding: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0, ...rest };
}
export const addServer = (service: ServiceKey, r: RealServerSpec): Op => ({ op: 'add-server', service, server: r });
export const editServer = (service: ServiceKey, r: RealServerSpec): Op => ({ op: 'edit-server', service, server: r });
export const deleteServer = (service: ServiceKey, address: string, port: number): Op => ({ op: 'delete-server', service, server: { address, port } });
