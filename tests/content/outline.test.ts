// The course's outline as the site and the tests derive it from the lessons (tests/content/course.ts), pinned: a
// lesson added, moved, renamed or given another sandbox changes this snapshot, and the change shows in review.
// After a deliberate change: npx vitest run tests/content/outline.test.ts --project local -u
import { describe, expect, it } from 'vitest';
import { COURSE } from './course';

describe('the course outline', () => {
  it('lists the lessons in sidebar order with the sandboxes each embeds', () => {
    expect(COURSE.map((l, i) => `${i + 1}. ${l.slug} (${l.title}): ${l.scenarios.join(', ')}`)).toMatchInlineSnapshot(`
      [
        "1. overview (The whole stack at a glance): two-servers",
        "2. second-server (Why a second server): one-server, scale-out",
        "3. load-balancer (The load balancer): server-dies, forgotten-server",
        "4. spof (Single points of failure): spof",
        "5. round-robin (Round robin): weighted-servers, uneven-servers",
        "6. active-passive (Active/active vs active/passive): active-passive, active-active, backup-server",
        "7. primary-replica (Replication and lag): replication, commit-hangs",
        "8. failover (Failover, fencing and split brain): failover, split-brain",
        "9. primary-vs-replica (Primary vs replica in the application): read-your-writes",
        "10. firewall (No firewall): firewall-tls",
        "11. tls (No TLS): tls",
        "12. monitoring (No monitoring): monitoring, silent-failure",
        "13. capstone (Capstone: fix every issue): capstone",
      ]
    `);
  });

  it('places every lesson by its sidebar.order', () => {
    expect(
      COURSE.filter((l) => l.order === Infinity).map((l) => l.slug),
      'lessons without sidebar.order',
    ).toEqual([]);
  });
});
