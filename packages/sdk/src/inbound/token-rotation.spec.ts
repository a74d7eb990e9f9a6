import { jest } from '@jest/globals';
import { TokenRotation } from './token-rotation.js';

const DAY = 86_400_000;

describe('TokenRotation', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('rotates a 90-day token 7 days before expiry, past the 24.8-day timer limit, then again', async () => {
    const rotations: number[] = [];
    const rotation = new TokenRotation({
      ttlMs: 90 * DAY,
      expiresAt: 90 * DAY,
      rotate: async () => {
        rotations.push(Date.now());
        return Date.now() + 90 * DAY;
      },
      onError: () => undefined,
    }).start();
    await jest.advanceTimersByTimeAsync(83 * DAY - 1);
    expect(rotations).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(rotations).toEqual([83 * DAY]);
    await jest.advanceTimersByTimeAsync(83 * DAY);
    expect(rotations).toEqual([83 * DAY, 166 * DAY]);
    rotation.stop();
    await jest.advanceTimersByTimeAsync(200 * DAY);
    expect(rotations).toHaveLength(2);
  });

  it('retries a failed rotation while the old token is still good', async () => {
    let attempts = 0;
    const errors: unknown[] = [];
    new TokenRotation({
      ttlMs: 10 * 60_000,
      expiresAt: 10 * 60_000,
      rotate: async () => {
        attempts++;
        if (attempts === 1) throw new Error('provider down');
        return Date.now() + 10 * 60_000;
      },
      onError: (err) => errors.push(err),
    }).start();
    await jest.advanceTimersByTimeAsync(8 * 60_000); // a fifth of 10 min before expiry
    expect(attempts).toBe(1);
    expect(errors).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(60_001); // retried a minute later, before the old token expires
    expect(attempts).toBe(2);
  });
});
