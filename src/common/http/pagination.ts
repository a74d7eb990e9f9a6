import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ProblemException } from './problem.js';

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface CursorPosition {
  t: string;
  id: string;
}

function decodeCursor(cursor: string): CursorPosition {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorPosition;
    if (typeof value.t === 'string' && typeof value.id === 'string' && !Number.isNaN(Date.parse(value.t))) return value;
  } catch {
    // fall through
  }
  throw ProblemException.of('invalid-cursor', 'The cursor is not one this API returned', {
    errors: [{ pointer: '#/cursor', detail: 'invalid cursor' }],
  });
}

/**
 * Keyset pagination over (timeColumn, id). `alias` is the query builder's alias; `timeColumn` a property name.
 */
export async function paginate<T extends ObjectLiteral & { id: string }>(
  qb: SelectQueryBuilder<T>,
  page: PageQuery,
  options: { alias: string; timeColumn: keyof T & string; order?: 'ASC' | 'DESC' },
): Promise<Page<T>> {
  const { alias, timeColumn } = options;
  const order = options.order ?? 'ASC';
  if (page.cursor) {
    const pos = decodeCursor(page.cursor);
    const op = order === 'ASC' ? '>' : '<';
    qb.andWhere(`(${alias}.${timeColumn}, ${alias}.id) ${op} (:cursorT, :cursorId)`, {
      cursorT: new Date(pos.t),
      cursorId: pos.id,
    });
  }
  const rows = await qb
    .orderBy(`${alias}.${timeColumn}`, order)
    .addOrderBy(`${alias}.id`, order)
    .take(page.limit + 1)
    .getMany();
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  const nextCursor =
    rows.length > page.limit && last
      ? Buffer.from(JSON.stringify({ t: (last[timeColumn] as Date).toISOString(), id: last.id })).toString('base64url')
      : null;
  return { items, nextCursor };
}
