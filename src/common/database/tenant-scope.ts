/** The WHERE clause (and its parameters) of a raw query over every tenant's rows, or over one tenant's. */
export function tenantScope(tenantId: string | null, column = 'tenant_id'): { where: string; params: string[] } {
  return tenantId ? { where: `WHERE ${column} = $1`, params: [tenantId] } : { where: '', params: [] };
}

/** `where` followed by one more condition: "WHERE a AND b", or "WHERE b" when there was none. */
export function andWhere(where: string, condition: string): string {
  return where ? `${where} AND ${condition}` : `WHERE ${condition}`;
}
