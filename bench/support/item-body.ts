/**
 * A realistic submission of about 1 KB: a support ticket a classifier was unsure about. The externalId is
 * left as a placeholder so load generators can splice in a unique id per request without re-serialising.
 */
export const EXTERNAL_ID_PLACEHOLDER = '__EXTERNAL_ID__';

export const OUTPUT_SCHEMA = {
  type: 'object',
  required: ['label', 'summary'],
  properties: {
    label: { enum: ['complaint', 'refund_request', 'question', 'praise', 'other'] },
    summary: { type: 'string', maxLength: 500 },
    suggestedReply: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
  },
};

export function itemTemplate(externalId = EXTERNAL_ID_PLACEHOLDER) {
  return {
    externalId,
    model: { name: 'support-triage', version: '2026-03-14' },
    input: {
      channel: 'email',
      locale: 'en-GB',
      subject: 'Parcel arrived damaged, second time this month',
      text:
        'Hello, my order arrived this morning and the box was crushed on one side. The ceramic mug inside ' +
        'is cracked and the saucer is in pieces. This is the second time this month that a delivery from ' +
        'you has arrived like this. I would like either a replacement sent with better packaging or a full ' +
        'refund, and I would appreciate knowing which courier you use. Photos attached. Thanks, Sam',
      customer: { id: 'cus_7f3a9c21', tier: 'gold', ordersLast90d: 6 },
      order: { id: 'ord_5521904', totalMinor: 4599, currency: 'GBP' },
    },
    output: {
      label: 'complaint',
      summary: 'Damaged delivery (cracked mug, broken saucer), repeat issue; wants replacement or refund.',
      suggestedReply:
        'Hi Sam, we are sorry your order arrived damaged again. We have arranged a replacement with ' +
        'reinforced packaging and will follow up with the courier.',
      tags: ['damaged', 'repeat', 'refund-or-replace'],
    },
    confidence: 0.42,
    reason: 'low_confidence',
    priority: 40,
    metadata: { tenant: 'acme-shop', region: 'eu-west-1', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' },
  };
}

/** The single-item body, split around its externalId so `prefix + id + suffix` is the JSON text. */
export function singleBodyParts(): [string, string] {
  const [prefix, suffix] = JSON.stringify(itemTemplate()).split(EXTERNAL_ID_PLACEHOLDER);
  return [prefix!, suffix!];
}

/** A batch body of `size` items whose externalIds are `${base}-${index}`. */
export function batchBodyBuilder(size: number): (base: string) => string {
  const [prefix, suffix] = singleBodyParts();
  return (base) => {
    const parts = new Array<string>(size);
    for (let i = 0; i < size; i++) parts[i] = `${prefix}${base}-${i}${suffix}`;
    return `{"items":[${parts.join(',')}]}`;
  };
}
