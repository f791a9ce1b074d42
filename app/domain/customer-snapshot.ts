// What the signed-in shell and the service pages need to know about a customer, read in one
// statement: account status, balance, amount overdue, the configured services, their keys (as
// counts, and the API key list the Logs filter offers) and the last few ledger entries. The header,
// the sidebar, the banners and the page being shown all derive their figures from the same
// reading, so they agree with each other, and a page view costs one round trip instead of a dozen.
//
// Nothing here is cached across requests: each page view reads it fresh (see
// app/lib/customer-snapshot.server.ts for the once-per-request memo).
import { eq, sql } from "drizzle-orm";
import type { Database } from "#db/client.ts";
import type { CustomerStatus, EscrowTxKind, SealKeyState } from "#db/schema/index.ts";
import { customers, escrowAccounts } from "#db/schema/index.ts";
import { apiKeyFingerprint } from "./api-keys.ts";
import type { ServiceType } from "./catalog.ts";
import type { KeyChoice } from "./request-logs.ts";
import type { InventoryCounts, ServiceRow } from "./services.ts";

export interface SnapshotApiKey {
  id: number;
  serviceInstanceId: number;
  serviceType: ServiceType;
  name: string | null;
  keyHash: string;
  keyPrefix: string;
  keySuffix: string;
  revoked: boolean;
  deleted: boolean;
}

export interface SnapshotSealKey {
  serviceInstanceId: number;
  state: SealKeyState;
  /** Packages allowed to use this key. */
  packages: number;
}

export interface LedgerSummaryEntry {
  id: number;
  kind: EscrowTxKind;
  amountCents: number;
  executedAt: Date;
}

export interface CustomerSnapshot {
  customerId: number;
  /** Null when the customer row does not exist. */
  status: CustomerStatus | null;
  paymentOverdueSince: Date | null;
  hasEscrowAccount: boolean;
  balanceCents: number;
  /** Sum of the failed invoices. */
  amountDueCents: number;
  /** Every service_instances row of the customer (cancelled ones too), by id. */
  services: ServiceRow[];
  /** Every API key the customer has had (revoked and deleted too), by id. */
  apiKeys: SnapshotApiKey[];
  /** Seal keys, by derivation index. */
  sealKeys: SnapshotSealKey[];
  /** The newest ledger entries (at most RECENT_LEDGER_ENTRIES), newest first. */
  recentLedger: LedgerSummaryEntry[];
  /**
   * The last ingest batch that brought the customer log rows (`customer_log_marks`), null before
   * the first: the state of their request logs, which keys the Logs tab's cached pages.
   */
  logsMark: number | null;
}

/** Ledger entries the header's wallet menu lists. */
export const RECENT_LEDGER_ENTRIES = 3;

interface RawServiceRow
  extends Omit<ServiceRow, "cancelEffectiveAt" | "cancelledAt" | "enabledAt" | "createdAt" | "updatedAt"> {
  cancelEffectiveAt: string | null;
  cancelledAt: string | null;
  enabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RawSnapshot {
  status: CustomerStatus;
  paymentOverdueSince: string | null;
  hasEscrowAccount: boolean;
  balanceCents: number | null;
  amountDueCents: number | string;
  services: RawServiceRow[];
  apiKeys: SnapshotApiKey[];
  sealKeys: SnapshotSealKey[];
  recentLedger: (Omit<LedgerSummaryEntry, "executedAt"> & { executedAt: string })[];
  logsMark: number | string | null;
}

const date = (value: string | null): Date | null => (value === null ? null : new Date(value));

/**
 * The snapshot as one JSON column of a statement that reads `customers` left-joined with
 * `escrow_accounts` on the customer whose id is the `customerId` placeholder. Every list is an
 * uncorrelated subquery on the customer id, so each is read once through its table's customer index.
 * Two statements use it: `customer_snapshot` below and the session check (session.server.ts), which
 * reads it in the same round trip as the session row.
 */
export function snapshotColumn() {
  const id = sql.placeholder("customerId");
  return sql<RawSnapshot | null>`json_build_object(
        'status', ${customers.status},
        'paymentOverdueSince', ${customers.paymentOverdueSince},
        'hasEscrowAccount', ${escrowAccounts.customerId} is not null,
        'balanceCents', ${escrowAccounts.balanceCents},
        'amountDueCents', (select coalesce(sum(b.amount_cents), 0) from billing_records b
                            where b.customer_id = ${id} and b.status = 'failed'),
        'services', (select coalesce(json_agg(json_build_object(
                        'id', s.id, 'customerId', s.customer_id, 'serviceType', s.service_type,
                        'state', s.state, 'enabled', s.enabled, 'tier', s.tier,
                        'burstEnabled', s.burst_enabled, 'ipAllowlist', s.ip_allowlist,
                        'scheduledChanges', s.scheduled_changes, 'cancelEffectiveAt', s.cancel_effective_at,
                        'paidMonth', s.paid_month, 'paidFeeCents', s.paid_fee_cents,
                        'cancelledAt', s.cancelled_at, 'enabledAt', s.enabled_at,
                        'createdAt', s.created_at, 'updatedAt', s.updated_at) order by s.id), '[]'::json)
                       from service_instances s where s.customer_id = ${id}),
        'apiKeys', (select coalesce(json_agg(json_build_object(
                       'id', k.id, 'serviceInstanceId', k.service_instance_id, 'serviceType', k.service_type,
                       'name', k.name, 'keyHash', k.key_hash, 'keyPrefix', k.key_prefix,
                       'keySuffix', k.key_suffix, 'revoked', k.revoked_at is not null,
                       'deleted', k.deleted_at is not null) order by k.id), '[]'::json)
                      from api_keys k where k.customer_id = ${id}),
        'sealKeys', (select coalesce(json_agg(json_build_object(
                        'serviceInstanceId', k.service_instance_id, 'state', k.state,
                        'packages', (select count(*) from seal_packages p where p.seal_key_id = k.id))
                        order by k.derivation_index), '[]'::json)
                       from seal_keys k where k.customer_id = ${id}),
        'recentLedger', (select coalesce(json_agg(json_build_object(
                            'id', t.id, 'kind', t.kind, 'amountCents', t.amount_cents,
                            'executedAt', t.executed_at) order by t.executed_at desc, t.id desc), '[]'::json)
                           from (select id, kind, amount_cents, executed_at from escrow_transactions
                                  where customer_id = ${id}
                                  order by executed_at desc, id desc
                                  limit ${RECENT_LEDGER_ENTRIES}) t),
        'logsMark', (select m.batch_id from customer_log_marks m where m.customer_id = ${id})
      )`;
}

function buildSnapshotQuery(db: Database) {
  return db
    .select({ snapshot: snapshotColumn() })
    .from(customers)
    .leftJoin(escrowAccounts, eq(escrowAccounts.customerId, customers.customerId))
    .where(eq(customers.customerId, sql.placeholder("customerId")))
    .prepare("customer_snapshot");
}

// Built (and, on PostgreSQL, parsed by the server) once per database, not once per page view.
const prepared = new WeakMap<Database, ReturnType<typeof buildSnapshotQuery>>();

export async function loadCustomerSnapshot(db: Database, customerId: number): Promise<CustomerSnapshot> {
  let query = prepared.get(db);
  if (!query) {
    query = buildSnapshotQuery(db);
    prepared.set(db, query);
  }
  const [row] = await query.execute({ customerId });
  return snapshotFromColumn(customerId, row?.snapshot);
}

/** The CustomerSnapshot a `snapshotColumn()` value describes (null: no such customer). */
export function snapshotFromColumn(
  customerId: number,
  raw: RawSnapshot | null | undefined,
): CustomerSnapshot {
  if (!raw) {
    return {
      customerId,
      status: null,
      paymentOverdueSince: null,
      hasEscrowAccount: false,
      balanceCents: 0,
      amountDueCents: 0,
      services: [],
      apiKeys: [],
      sealKeys: [],
      recentLedger: [],
      logsMark: null,
    };
  }
  return {
    customerId,
    status: raw.status,
    paymentOverdueSince: date(raw.paymentOverdueSince),
    hasEscrowAccount: raw.hasEscrowAccount,
    balanceCents: raw.balanceCents ?? 0,
    amountDueCents: Number(raw.amountDueCents),
    services: raw.services.map((service) => ({
      ...service,
      cancelEffectiveAt: date(service.cancelEffectiveAt),
      cancelledAt: date(service.cancelledAt),
      enabledAt: date(service.enabledAt),
      createdAt: new Date(service.createdAt),
      updatedAt: new Date(service.updatedAt),
    })),
    apiKeys: raw.apiKeys,
    sealKeys: raw.sealKeys,
    recentLedger: raw.recentLedger.map((entry) => ({ ...entry, executedAt: new Date(entry.executedAt) })),
    logsMark: raw.logsMark === null ? null : Number(raw.logsMark),
  };
}

/** The customer's row for a service type, whatever its state (like findService). */
export function snapshotService(snapshot: CustomerSnapshot, serviceType: ServiceType): ServiceRow | null {
  return snapshot.services.find((service) => service.serviceType === serviceType) ?? null;
}

/** What a service's configuration holds, as pricing counts it (like serviceInventory + pricingConfig). */
export function snapshotInventory(snapshot: CustomerSnapshot, serviceInstanceId: number): InventoryCounts {
  let apiKeys = 0;
  for (const key of snapshot.apiKeys) {
    if (key.serviceInstanceId === serviceInstanceId && !key.revoked && !key.deleted) apiKeys++;
  }
  const packagesPerKey: number[] = [];
  for (const key of snapshot.sealKeys) {
    if (key.serviceInstanceId === serviceInstanceId && key.state !== "revoked")
      packagesPerKey.push(key.packages);
  }
  return { apiKeys, sealKeys: packagesPerKey.length, packagesPerKey };
}

/** The API keys the Logs filter offers (like keyChoices): every key the customer has had. */
export function snapshotKeyChoices(snapshot: CustomerSnapshot): KeyChoice[] {
  return snapshot.apiKeys.map((key) => ({
    id: key.id,
    label: `${key.keyPrefix}…${key.keySuffix}${key.name ? ` (${key.name})` : ""}`,
    fingerprint: apiKeyFingerprint(key.keyHash),
    state: key.deleted ? "deleted" : key.revoked ? "revoked" : "active",
  }));
}
