import { durableQueueContract } from './queue-contract.ts';

durableQueueContract('postgres');
