/**
 * The restart decision on its own: which children each strategy restarts, without timers or
 * supervisors.
 */
import { describe, expect, it } from 'vitest';
import { restartGroup, STRATEGIES } from '../../src/core/restart-strategy.ts';

const children = ['db', 'cache', 'api', 'web'] as const;
const all = () => true;

describe('restartGroup', () => {
  it('restarts the failed child alone (one-for-one)', () => {
    expect(restartGroup('one-for-one', children, 'cache', all)).toEqual(['cache']);
  });

  it('restarts every child, in start order (one-for-all)', () => {
    expect(restartGroup('one-for-all', children, 'api', all)).toEqual([
      'db',
      'cache',
      'api',
      'web',
    ]);
  });

  it('restarts the failed child and those after it, in start order (rest-for-one)', () => {
    expect(restartGroup('rest-for-one', children, 'cache', all)).toEqual(['cache', 'api', 'web']);
    expect(restartGroup('rest-for-one', children, 'web', all)).toEqual(['web']);
  });

  it('leaves out siblings that do not join a group restart, never the failed child', () => {
    const joins = (c: string) => c !== 'db' && c !== 'api';
    expect(restartGroup('one-for-all', children, 'api', joins)).toEqual(['cache', 'api', 'web']);
    expect(restartGroup('rest-for-one', children, 'cache', joins)).toEqual(['cache', 'web']);
    expect(restartGroup('one-for-one', children, 'db', joins)).toEqual(['db']);
  });

  it('asks about siblings only, and only those the strategy reaches', () => {
    const asked: string[] = [];
    restartGroup('rest-for-one', children, 'api', (c) => {
      asked.push(c);
      return true;
    });
    expect(asked).toEqual(['web']);
  });

  it('lists the three OTP strategies', () => {
    expect(STRATEGIES).toEqual(['one-for-one', 'one-for-all', 'rest-for-one']);
  });
});
