// Element ids that stay unique when a lesson embeds several sandboxes on one page.
let count = 0;

export const uniqueId = (prefix: string): string => `${prefix}-${++count}`;
