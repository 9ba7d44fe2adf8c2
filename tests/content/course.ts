// The course's fixed outline: every lesson's page, its place in the sidebar and the sandbox scenarios it embeds
// (the first is the one named in its frontmatter). Lesson and scenario names are part of the contract between the
// lessons, the scenarios and the site; the content checks hold every lesson to it.
export interface Outline {
  slug: string;
  order: number;
  scenarios: string[];
}

export const COURSE: Outline[] = [
  { slug: 'overview', order: 1, scenarios: ['two-servers'] },
  { slug: 'second-server', order: 2, scenarios: ['one-server', 'scale-out'] },
  { slug: 'load-balancer', order: 3, scenarios: ['server-dies', 'forgotten-server'] },
  // The method for finding single points of failure comes right after the balancer, which is one: the lessons
  // after it answer the problems the learner has just found.
  { slug: 'spof', order: 4, scenarios: ['spof'] },
  { slug: 'round-robin', order: 5, scenarios: ['weighted-servers', 'uneven-servers'] },
  { slug: 'active-passive', order: 6, scenarios: ['active-passive', 'active-active', 'backup-server'] },
  { slug: 'primary-replica', order: 7, scenarios: ['replication', 'commit-hangs'] },
  { slug: 'failover', order: 8, scenarios: ['failover', 'split-brain'] },
  { slug: 'primary-vs-replica', order: 9, scenarios: ['read-your-writes'] },
  { slug: 'firewall', order: 10, scenarios: ['firewall-tls'] },
  { slug: 'tls', order: 11, scenarios: ['tls'] },
  { slug: 'monitoring', order: 12, scenarios: ['monitoring', 'silent-failure'] },
  { slug: 'capstone', order: 13, scenarios: ['capstone'] },
];

/** Lessons 2 to 11, written to the full lesson template (goals, exercises, real tools, quiz...). */
export const TEMPLATE_LESSONS = COURSE.filter((l) => l.order >= 2);
