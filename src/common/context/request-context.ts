import { Logger } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal.js';

/** What a mutation runs in: its transaction, who asked, and the request id (for the audit log). */
export interface MutationContext {
  manager: EntityManager;
  principal?: Principal;
  requestId: string;
  /** Work to do once the transaction has committed (e.g. telling the edges). */
  afterCommit: (() => void | Promise<void>)[];
}

export const mutationContext = new AsyncLocalStorage<MutationContext>();

/** Runs `fn` after the current mutation commits, or at once outside a mutation. */
export function onCommit(fn: () => void | Promise<void>): void {
  const ctx = mutationContext.getStore();
  if (ctx) ctx.afterCommit.push(fn);
  else void fn();
}

/** Runs background work (a job) like a request's mutation: one transaction, audit context, after-commit hooks. */
export async function runInTransaction<T>(
  dataSource: import('typeorm').DataSource,
  requestId: string,
  fn: () => Promise<T>,
): Promise<T> {
  const afterCommit: (() => void | Promise<void>)[] = [];
  const result = await dataSource.transaction((manager) =>
    mutationContext.run({ manager, requestId, afterCommit }, fn),
  );
  await runAfterCommit(afterCommit);
  return result;
}

const afterCommitLogger = new Logger('AfterCommit');

/** The change is committed whatever happens here: a failing hook is logged, never turned into an error response. */
export async function runAfterCommit(hooks: (() => void | Promise<void>)[]): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook();
    } catch (err) {
      afterCommitLogger.error({ err }, 'after-commit work failed');
    }
  }
}
