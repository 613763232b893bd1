import type { User } from '../api/types';
import type { Navigate } from '../hooks/useLocation';
import { AREAS, canEnter, type Area } from '../lib/areas';

interface RoleNavProps {
  user: User;
  area: Area;
  navigate: Navigate;
}

/** Links between the areas a user may use; nothing for a user with one area only. */
export function RoleNav({ user, area, navigate }: RoleNavProps) {
  const areas = AREAS.filter((a) => canEnter(user, a.area));
  if (areas.length < 2) return null;
  return (
    <nav className="role-nav" aria-label="Sections">
      {areas.map((a) => (
        <a
          key={a.area}
          href={a.path}
          className={a.area === area ? 'active' : undefined}
          aria-current={a.area === area ? 'page' : undefined}
          onClick={(e) => {
            e.preventDefault();
            navigate(a.path);
          }}
          data-testid={`nav-${a.area}`}
        >
          {a.label}
        </a>
      ))}
    </nav>
  );
}
