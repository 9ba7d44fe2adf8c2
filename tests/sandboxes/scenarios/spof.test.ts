import { proveGoals } from './prove';

proveGoals('spof');
