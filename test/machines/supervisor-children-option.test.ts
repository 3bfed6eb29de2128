import { describe, expect, it } from 'vitest';
import { createService, createSupervisor, SupervisorConfigError } from '../../src/index.ts';

const a = createService({ id: 'a', iterate() {} });
const b = createService({ id: 'b', iterate() {} });

function messageOf(children: unknown): string {
  try {
    createSupervisor({ id: 'root', children: children as never });
  } catch (e) {
    expect(e).toBeInstanceOf(SupervisorConfigError);
    expect(e).toMatchObject({
      code: 'SUPERVISOR_CONFIG_INVALID',
      option: 'children',
      received: children,
    });
    return (e as Error).message;
  }
  throw new Error('expected createSupervisor to throw');
}

describe('supervisor option `children` that is not an array', () => {
  it('names a lone machine by its id and says to wrap it, instead of dumping its JSON', () => {
    const message = messageOf(a);
    expect(message).toContain('got the machine "a"');
    expect(message).toContain('children: [a]');
    expect(message).not.toContain('"key"');
  });

  it('names the machines of an object by their ids, instead of dumping the first one', () => {
    const message = messageOf({ a, b });
    expect(message).toContain('{"a":"<machine a>","b":"<machine b>"}');
    expect(message).not.toContain('"key"');
  });

  it('shows any other value as it is', () => {
    expect(messageOf('a')).toContain('got `"a"` (string)');
  });
});
