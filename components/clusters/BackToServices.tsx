// The way back to a cluster's services list, from a page with nothing (more) to do.
import Link from 'next/link';
import { href } from '../links';

export function BackToServices({ cluster }: { cluster: string }) {
  return (
    <Link href={href.cluster(cluster)} className="btn">
      Back to services
    </Link>
  );
}
