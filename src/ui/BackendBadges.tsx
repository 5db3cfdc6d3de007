import { useEnvironment } from '../store/environment';

/** One badge per TF.js backend: green when this browser offers it, with the adapter on hover. */
export function BackendBadges() {
  const backends = useEnvironment((s) => s.backends);
  if (!backends) return <span className="muted">probing backends…</span>;
  return (
    <ul className="badges" data-testid="backends" aria-label="TF.js backends this browser offers">
      {backends.map((b) => (
        <li
          key={b.name}
          className={b.available ? 'badge ok' : 'badge off'}
          data-backend={b.name}
          data-available={b.available}
          title={b.detail}
        >
          {b.name}
          <span className="badge-detail">{b.detail}</span>
        </li>
      ))}
    </ul>
  );
}
