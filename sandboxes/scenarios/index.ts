// Every scenario by name: `supervisor --scenario NAME` and the lessons' <Sandbox scenario="NAME" /> use these.
// A new scenario is a module next to this one, added to the list below.
import failover from './failover';
import replication from './replication';
import type { Scenario } from './scenario';
import splitBrain from './split-brain';
import twoServers from './two-servers';

export const scenarios: Record<string, Scenario> = Object.fromEntries([twoServers, replication, failover, splitBrain].map((s) => [s.name, s]));
