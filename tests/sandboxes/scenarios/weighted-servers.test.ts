import { proveGoals } from './prove';

proveGoals('weighted-servers');
