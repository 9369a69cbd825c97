import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="page">
      <div className="card empty">
        <h3>Not found</h3>
        <p className="small">There is no page at this address.</p>
        <Link href="/" className="btn">
          Clusters
        </Link>
      </div>
    </main>
  );
}
