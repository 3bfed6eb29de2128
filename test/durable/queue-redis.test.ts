import { durableQueueContract } from './queue-contract.ts';

durableQueueContract('redis');
