import { proveGoals } from './prove';

proveGoals('uneven-servers');
