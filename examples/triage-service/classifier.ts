/** A stand-in for a real model: keyword rules that also say how sure they are. */

export const CATEGORIES = ['billing', 'delivery', 'technical', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface SupportMessage {
  id: string;
  text: string;
}

/** What the model answers, in the shape of the demo queue's output schema. */
export interface TicketAnswer {
  category: Category;
  reply: string;
}

export interface Classification {
  answer: TicketAnswer;
  confidence: number;
}

export const MODEL = { name: 'keyword-triage', version: '2026-11' };

const KEYWORDS: Record<Exclude<Category, 'other'>, RegExp> = {
  billing: /\b(invoice|charged?|charges|refund|payment|billing|price|subscription)\b/gi,
  delivery: /\b(parcel|package|delivery|delivered|shipping|tracking|courier|arrived)\b/gi,
  technical: /\b(crash(es|ed)?|error|bug|login|log in|password|app|upload|broken link)\b/gi,
};

const REPLIES: Record<Category, string> = {
  billing: 'Thanks for reaching out about your bill. We are checking the charges and will correct any error.',
  delivery: 'Sorry about your delivery. We have asked the courier for an update and will write back today.',
  technical: 'Sorry for the trouble. Our engineers are looking into it; a workaround is to update the app.',
  other: 'Thanks for your message. We will get back to you shortly.',
};

export function classify(message: SupportMessage): Classification {
  const hits = (Object.entries(KEYWORDS) as [Category, RegExp][])
    .map(([category, pattern]) => ({ category, count: message.text.match(pattern)?.length ?? 0 }))
    .filter((hit) => hit.count > 0)
    .sort((a, b) => b.count - a.count);
  const [best, runnerUp] = hits;
  if (!best) return { answer: { category: 'other', reply: REPLIES.other }, confidence: 0.35 };
  // Two categories in one message is exactly where a keyword model goes wrong.
  const confidence = runnerUp
    ? 0.4 + 0.1 * (best.count - runnerUp.count)
    : Math.min(0.95, 0.7 + 0.1 * best.count);
  return { answer: { category: best.category, reply: REPLIES[best.category] }, confidence };
}

/** The answer when no human decided in time: vague but never wrong. */
export const SAFE_ANSWER: TicketAnswer = {
  category: 'other',
  reply: 'Thanks for your message. A member of our team will get back to you as soon as possible.',
};

export const SAMPLE_MESSAGES: SupportMessage[] = [
  { id: 'msg-1001', text: 'I was charged twice on my last invoice, please refund one payment.' },
  { id: 'msg-1002', text: 'The app crashes with an error every time I log in.' },
  { id: 'msg-1003', text: 'My parcel was delivered but the invoice inside shows the wrong price.' },
  { id: 'msg-1004', text: 'Do you have a store in Lisbon?' },
];
