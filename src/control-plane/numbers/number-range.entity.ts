import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * An inclusive block of E.164 numbers assigned to one tenant. The table also has the generated columns `numbers`
 * (int8range, under the `number_ranges_no_overlap` exclusion constraint and its gist index) and `size`, which the
 * database computes and this entity leaves out.
 */
@Entity('number_ranges')
export class NumberRangeEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { name: 'start_e164' })
  start!: string;

  @Column('text', { name: 'end_e164' })
  end!: string;

  /** ISO 3166 region of both ends, or "001" for non-geographic numbers. */
  @Column('text')
  country!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
