'use client';
import { StatsChart } from '../charts/StatsChart';
import { ServicesTable } from './ServicesTable';
import styles from './cluster.module.css';

export function ClusterServicesPage({ cluster }: { cluster: string }) {
  return (
    <>
      <div className={styles.chartGrid}>
        <StatsChart cluster={cluster} title="Cluster traffic" breakdownLabel="director" height={220} />
      </div>
      <ServicesTable cluster={cluster} />
    </>
  );
}
