import { proveGoals } from './prove';

proveGoals('two-servers');
