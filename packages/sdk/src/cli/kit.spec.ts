import {
  e164Argument,
  firstPositional,
  parseCommandLine,
  positiveIntOption,
  requiredOption,
  UsageError,
} from './kit.js';

const OPTIONS = { name: { type: 'string' }, json: { type: 'boolean' } } as const;

describe('command-line kit', () => {
  it('parses strictly: unknown flags are ERR_PARSE_ARGS errors, known ones are typed', () => {
    expect(parseCommandLine(['tenant', 'create', '--name', 'X', '--json'], OPTIONS)).toEqual({
      values: { name: 'X', json: true },
      positionals: ['tenant', 'create'],
    });
    expect(() => parseCommandLine(['--bogus'], OPTIONS)).toThrow(
      expect.objectContaining({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }),
    );
  });

  it('finds the first positional even past flags it does not know', () => {
    expect(firstPositional(['--name', 'X', 'admin', '--tenant', 't'], OPTIONS)).toBe('admin');
    expect(firstPositional(['--json'], OPTIONS)).toBeUndefined();
  });

  it('turns missing or malformed option values into usage errors that name the flag', () => {
    expect(requiredOption({ name: 'X' }, 'name')).toBe('X');
    expect(() => requiredOption({ name: '' }, 'name')).toThrow(new UsageError('--name is required'));
    expect(positiveIntOption({ count: '50' }, 'count')).toBe(50);
    for (const count of ['0', '-1', '1.5', 'ten']) {
      expect(() => positiveIntOption({ count }, 'count')).toThrow('--count must be a positive whole number');
    }
    expect(e164Argument('+14085550100', '--start')).toBe('+14085550100');
    for (const bad of ['4085550100', '+1', '+04085550100', '+1408555010012345']) {
      expect(() => e164Argument(bad, '--start')).toThrow(UsageError);
    }
  });
});
