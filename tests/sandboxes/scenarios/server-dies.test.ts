import { proveGoals } from './prove';

proveGoals('server-dies');
