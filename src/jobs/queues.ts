/** Every BullMQ queue of riptrunk, declared once. */
export const QUEUES = {
  maintenance: 'maintenance',
  consumerTgs: 'consumer-tgs',
  /** Call detail records from the edges to the control plane (job id = call id). */
  cdrs: 'cdrs',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
