/** Every BullMQ queue of riptrunk, declared once. */
export const QUEUES = {
  maintenance: 'maintenance',
  consumerTgs: 'consumer-tgs',
  /** Call detail records from the edges to the control plane (job id = call id). */
  cdrs: 'cdrs',
  /** Ends the calls of edges whose heartbeat stopped (a scheduled job; not `edges`, the registry's key space). */
  edgeReaper: 'edge-reaper',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
