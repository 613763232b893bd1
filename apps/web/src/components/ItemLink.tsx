import type { ReactNode } from 'react';
import { useApiSession } from '../hooks/useApiSession';
import { itemTimelinePath } from '../lib/areas';
import { inAppClick } from '../lib/links';

interface ItemLinkProps {
  itemId: string;
  /** The query of the page linking here, so the timeline can link back to it. */
  backSearch?: string;
  testId: string;
  children: ReactNode;
}

/** A table cell's link to an item's timeline in the audit area. */
export function ItemLink({ itemId, backSearch, testId, children }: ItemLinkProps) {
  const { navigate } = useApiSession();
  const path = itemTimelinePath(itemId, backSearch);
  return (
    <a
      href={path}
      className="mono clip clip-item"
      onClick={inAppClick(navigate, path)}
      title={`Timeline of item ${itemId}`}
      data-testid={testId}
    >
      {children}
    </a>
  );
}
