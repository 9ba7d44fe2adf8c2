import { proveGoals } from './prove';

proveGoals('one-server');
