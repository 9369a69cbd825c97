// A director's HA report as facts: the VIPs on its interfaces, keepalived's VRRP instances, the
// IPVS sync daemons and its connection entries. Shown on the HA view and the director page.
import type { HaState } from '@/lib/protocol/messages';
import { FactList, type Fact } from '../ui/facts';

export function haFactRows(ha: HaState | null): Fact[] {
  if (!ha) return [['HA', <span key="ha">no HA report (an agent from before HA reports, or not connected yet)</span>]];
  return [
    [
      'VIPs',
      ha.vips === null ? (
        <span key="v" className="muted">
          not read: {ha.addressSource}
        </span>
      ) : ha.vips.length ? (
        <span key="v" className="mono" data-testid="ha-facts-vips">
          {ha.vips.map((v) => `${v.address} (${v.interface})`).join(', ')}
        </span>
      ) : (
        'none of the cluster’s VIPs'
      ),
    ],
    [
      'VRRP',
      ha.vrrp === null
        ? 'no keepalived state (--vrrp-state)'
        : ha.vrrp.length
          ? ha.vrrp.map((i) => `${i.name} ${i.state}${i.priority !== null ? ` prio ${i.priority}` : ''}${i.source === 'sim' ? ' (simulated)' : ''}`).join(', ')
          : 'keepalived has not notified yet',
    ],
    ['Sync daemons', ha.syncDaemons.length ? ha.syncDaemons.map((d) => `${d.state} syncid ${d.syncId} on ${d.interface}`).join(', ') : 'none'],
    ['Connections', ha.connections ?? '–'],
  ];
}

export function HaFacts({ ha }: { ha: HaState | null }) {
  return <FactList facts={haFactRows(ha)} labelWidth={110} compact />;
}
