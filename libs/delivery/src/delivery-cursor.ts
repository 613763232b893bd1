/**
 * The `next` of `GET /api/v1/deliveries`: opaque to clients, it names the last delivery of a page. The page
 * after it is found in SQL against that row's own (created_at, id), so the microseconds of created_at never
 * pass through a JS Date, and a delivery changing status between pages cannot move the position.
 */
const VERSION = 'd1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeDeliveryCursor(deliveryId: string): string {
  return Buffer.from(`${VERSION}:${deliveryId}`).toString('base64url');
}

/** The delivery id a cursor names; null unless it is exactly what `encodeDeliveryCursor` makes. */
export function decodeDeliveryCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return null;
  const [version, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  if (version !== VERSION || id === undefined || !UUID.test(id)) return null;
  return encodeDeliveryCursor(id) === cursor ? id : null;
}
