// The worker pool alone (no process): who gets a worker, who waits, who is refused, in what order.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPACITY, maxRate, WorkerPool } from '../../../sandboxes/web/capacity';

/** Admits n requests and records the order in which they get a worker. */
function arrive(pool: WorkerPool, n: number, served: number[]) {
  return Array.from({ length: n }, (_, i) => {
    const place = pool.admit();
    void place?.turn.then(() => served.push(i));
    return place;
  });
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('a web server’s worker pool', () => {
  it('serves up to `workers` requests at once, queues up to `backlog` more and refuses the rest', async () => {
    const pool = new WorkerPool({ workers: 2, backlog: 3 });
    const served: number[] = [];
    const places = arrive(pool, 7, served);
    await settle();
    expect(places.map((p) => p !== undefined)).toEqual([true, true, true, true, true, false, false]);
    expect(served).toEqual([0, 1]);
    expect(pool.sample()).toEqual({
      workers: 2,
      backlog: 3,
      busy: 2,
      queued: 3,
      max_queued: 3,
      started: 2,
      refused: 2,
    });
  });

  it('gives a freed worker to the request that waited longest', async () => {
    const pool = new WorkerPool({ workers: 1, backlog: 5 });
    const served: number[] = [];
    arrive(pool, 4, served);
    for (let i = 0; i < 3; i++) {
      pool.release();
      await settle();
    }
    expect(served).toEqual([0, 1, 2, 3]);
  });

  it('forgets a request whose client left while it waited', async () => {
    const pool = new WorkerPool({ workers: 1, backlog: 5 });
    const served: number[] = [];
    const places = arrive(pool, 3, served);
    places[1]!.cancel();
    pool.release();
    await settle();
    expect(served).toEqual([0, 2]);
    expect(pool.now()).toEqual({ workers: 1, backlog: 5, busy: 1, queued: 0 });
  });

  it('puts waiting requests to work at once when it gets more workers', async () => {
    const pool = new WorkerPool({ workers: 1, backlog: 5 });
    const served: number[] = [];
    arrive(pool, 4, served);
    pool.resize({ workers: 3, backlog: 5 });
    await settle();
    expect(served).toEqual([0, 1, 2]);
    expect(pool.now()).toMatchObject({ busy: 3, queued: 1 });
  });

  it('counts each second afresh, keeping what is still queued as the next maximum', () => {
    const pool = new WorkerPool({ workers: 1, backlog: 1 });
    arrive(pool, 3, []);
    expect(pool.sample()).toMatchObject({ started: 1, refused: 1, max_queued: 1 });
    expect(pool.sample()).toMatchObject({ started: 0, refused: 0, max_queued: 1, busy: 1, queued: 1 });
  });

  it('by default saturates between the panel’s 20 and 50 requests per second', () => {
    expect(maxRate(DEFAULT_CAPACITY)).toBeGreaterThan(20);
    expect(maxRate(DEFAULT_CAPACITY)).toBeLessThan(50);
    // Two servers carry 50 req/s; the survivor of a failover at 50 req/s carries about 140 % of what it can.
    expect(50 / 2 / maxRate(DEFAULT_CAPACITY)).toBeLessThan(0.75);
    expect(50 / maxRate(DEFAULT_CAPACITY)).toBeCloseTo(1.4, 1);
  });
});
