// Every scenario by name: `supervisor --scenario NAME` and the lessons' <Sandbox scenario="NAME" /> use these (the
// supervisor's bundle holds them all). A new scenario is a module next to this one, added to the list below; a lesson
// that names one not here stops the site's build (src/integrations/lessons.ts).
import activeActive from './active-active';
import activePassive from './active-passive';
import backupServer from './backup-server';
import capstone from './capstone';
import commitHangs from './commit-hangs';
import monitoring from './monitoring';
import silentFailure from './silent-failure';
import oneServer from './one-server';
import failover from './failover';
import firewallTls from './firewall-tls';
import forgottenServer from './forgotten-server';
import tls from './tls';
import readYourWrites from './read-your-writes';
import replication from './replication';
import scaleOut from './scale-out';
import type { Scenario } from '../contracts/scenario';
import splitBrain from './split-brain';
import spof from './spof';
import serverDies from './server-dies';
import twoServers from './two-servers';
import unevenServers from './uneven-servers';
import weightedServers from './weighted-servers';

export const scenarios: Record<string, Scenario> = Object.fromEntries(
  [
    oneServer,
    scaleOut,
    twoServers,
    serverDies,
    forgottenServer,
    weightedServers,
    unevenServers,
    replication,
    commitHangs,
    failover,
    splitBrain,
    readYourWrites,
    spof,
    activePassive,
    backupServer,
    activeActive,
    monitoring,
    silentFailure,
    firewallTls,
    tls,
    capstone,
  ].map((s) => [s.name, s]),
);
