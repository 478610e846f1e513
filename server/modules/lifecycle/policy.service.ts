/**
 * The qualification policy: one versioned object. A draft is proposed; it takes effect once one
 * marketing user and one sales manager have approved it, or when an admin overrides (recorded).
 */
import {
  type ApproverRole,
  approverRoles,
  defaultPolicy,
  type PolicyDefinition,
  type PolicyDraftInput,
  type PolicyStatus,
  type PolicyVersion,
} from '../../../contracts/lifecycle.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { fromJson } from '../../platform/db/schema.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/access.ts';
import { iso } from '../../platform/http/schemas.ts';
import type { Actor, AuditService } from '../audit/index.ts';
import type { ApprovalRow, LifecycleRepo, PolicyRow } from './lifecycle.repo.ts';
import { checkDefinition } from './lifecycle.rules.ts';

export type ActivePolicy = { version: number; definition: PolicyDefinition };

type Deps = {
  database: Database;
  repo: LifecycleRepo;
  clock: Clock;
  audit: Pick<AuditService, 'record'>;
  /** Told, in the same transaction, when a version takes effect (lifecycle re-evaluates leads). */
  onActivated?: (tx: Tx, version: number) => Promise<void>;
};

type Ctx = { actor: Actor; ip?: string | null };

const idOf = (a: Actor) => ('id' in a ? a.id : null);
const labelOf = (a: Actor) => a.label ?? null;

export function createPolicyService({ database, repo, clock, audit, onActivated }: Deps) {
  const db = database.db;
  const parsed = new Map<number, PolicyDefinition>();
  // The active version, remembered briefly so the capture hot path can skip touchpoints that cannot
  // be hand-raises without a query. Anything that records a transition reads it fresh in its tx.
  let cached: { value: ActivePolicy; at: number } | undefined;
  const cacheMs = 2000;

  function definitionOf(row: Pick<PolicyRow, 'version' | 'definition'>): PolicyDefinition {
    const v = Number(row.version);
    let d = parsed.get(v);
    if (!d) {
      d = fromJson<PolicyDefinition>(row.definition, defaultPolicy);
      // Versions other than drafts never change, so their parsed form can be kept.
      parsed.set(v, d);
    }
    return d;
  }

  /**
   * The policy in force, read inside `tx`. Only its version is read each time (scoring asks on every
   * score change); a version's definition never changes once proposed, so it is read once.
   */
  async function active(tx: Tx): Promise<ActivePolicy> {
    const version = await repo.activeVersion(tx);
    const known = version === undefined ? undefined : parsed.get(version);
    const row = version === undefined || known ? undefined : await repo.activePolicy(tx);
    // The migration seeds version 1; without any row the defaults apply (version null in history).
    const value =
      version !== undefined && known
        ? { version, definition: known }
        : row
          ? { version: Number(row.version), definition: definitionOf(row) }
          : { version: 0, definition: defaultPolicy };
    cached = { value, at: performance.now() };
    return value;
  }

  /** The active policy as of at most a couple of seconds ago (no query most of the time). */
  async function recent(tx: Tx): Promise<ActivePolicy> {
    if (cached && performance.now() - cached.at < cacheMs) return cached.value;
    return active(tx);
  }

  function view(row: PolicyRow, approvals: ApprovalRow[]): PolicyVersion {
    const override = fromJson<{
      by: { id: string | null; label: string | null };
      reason: string;
      at: number;
    } | null>(row.override, null);
    return {
      version: Number(row.version),
      status: row.status as PolicyStatus,
      // Drafts change: parse them every time.
      definition:
        row.status === 'draft'
          ? fromJson<PolicyDefinition>(row.definition, defaultPolicy)
          : definitionOf(row),
      note: row.note,
      createdBy: { id: row.created_by_id, label: row.created_by_label },
      createdAt: iso(Number(row.created_at)),
      updatedAt: iso(Number(row.updated_at)),
      proposedAt: row.proposed_at === null ? null : iso(Number(row.proposed_at)),
      proposedBy: row.proposed_at === null ? null : { id: row.proposed_by_id, label: row.proposed_by_label },
      approvals: approvals
        .filter((a) => Number(a.version) === Number(row.version))
        .map((a) => ({
          role: a.role as ApproverRole,
          userId: a.user_id,
          userLabel: a.user_label,
          at: iso(Number(a.at)),
        })),
      activatedAt: row.activated_at === null ? null : iso(Number(row.activated_at)),
      override: override ? { by: override.by, reason: override.reason, at: iso(override.at) } : null,
      supersededAt: row.superseded_at === null ? null : iso(Number(row.superseded_at)),
    };
  }

  async function viewOf(tx: Tx, version: number): Promise<PolicyVersion> {
    const row = await repo.policy(tx, version);
    if (!row) throw new AppError('POLICY_VERSION_NOT_FOUND', `No policy version ${version}`);
    return view(row, await repo.approvals(tx, [version]));
  }

  async function getActive(): Promise<PolicyVersion> {
    const row = await repo.activePolicy(db);
    if (!row) throw new AppError('POLICY_VERSION_NOT_FOUND', 'No policy is active');
    return view(row, await repo.approvals(db, [Number(row.version)]));
  }

  async function versions(): Promise<PolicyVersion[]> {
    const rows = await repo.policies(db);
    const approvals = await repo.approvals(
      db,
      rows.map((r) => Number(r.version)),
    );
    return rows.map((r) => view(r, approvals));
  }

  async function getVersion(version: number): Promise<PolicyVersion> {
    return viewOf(db, version);
  }

  async function createDraft(input: PolicyDraftInput, ctx: Ctx): Promise<PolicyVersion> {
    return db.transaction().execute(async (tx) => {
      await repo.lockPolicy(tx);
      if ((await repo.policyByStatus(tx, 'draft')).length > 0)
        throw new AppError('POLICY_DRAFT_EXISTS', 'A draft policy exists already; edit or propose it');
      const base = await active(tx);
      const definition = input.definition ?? base.definition;
      checkDefinition(definition);
      const version = (await repo.maxVersion(tx)) + 1;
      const now = clock.now();
      await repo.insertPolicy(tx, {
        version,
        status: 'draft',
        definition: JSON.stringify(definition),
        note: input.note ?? null,
        created_by_id: idOf(ctx.actor),
        created_by_label: labelOf(ctx.actor),
        created_at: now,
        updated_at: now,
        proposed_at: null,
        proposed_by_id: null,
        proposed_by_label: null,
        activated_at: null,
        override: null,
        superseded_at: null,
      });
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'policy.draft_created',
        target: { type: 'policy', id: String(version) },
        ip: ctx.ip ?? null,
      });
      return viewOf(tx, version);
    });
  }

  async function updateDraft(input: PolicyDraftInput, ctx: Ctx): Promise<PolicyVersion> {
    return db.transaction().execute(async (tx) => {
      await repo.lockPolicy(tx);
      const [draft] = await repo.policyByStatus(tx, 'draft');
      if (!draft) throw new AppError('POLICY_DRAFT_NOT_FOUND', 'There is no draft policy; create one first');
      if (input.definition) checkDefinition(input.definition);
      const version = Number(draft.version);
      await repo.updatePolicy(tx, version, {
        ...(input.definition ? { definition: JSON.stringify(input.definition) } : {}),
        ...(input.note !== undefined ? { note: input.note } : {}),
        updated_at: clock.now(),
      });
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'policy.draft_updated',
        target: { type: 'policy', id: String(version) },
        ip: ctx.ip ?? null,
      });
      return viewOf(tx, version);
    });
  }

  async function discardDraft(ctx: Ctx): Promise<void> {
    await db.transaction().execute(async (tx) => {
      await repo.lockPolicy(tx);
      const [draft] = await repo.policyByStatus(tx, 'draft');
      if (!draft) throw new AppError('POLICY_DRAFT_NOT_FOUND', 'There is no draft policy');
      await repo.updatePolicy(tx, Number(draft.version), { status: 'withdrawn', updated_at: clock.now() });
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'policy.draft_discarded',
        target: { type: 'policy', id: String(draft.version) },
        ip: ctx.ip ?? null,
      });
    });
  }

  async function expect(
    tx: Tx,
    version: number,
    statuses: PolicyStatus[],
    action: string,
  ): Promise<PolicyRow> {
    const row = await repo.policy(tx, version);
    if (!row) throw new AppError('POLICY_VERSION_NOT_FOUND', `No policy version ${version}`);
    if (!statuses.includes(row.status as PolicyStatus))
      throw new AppError(
        'POLICY_WRONG_STATUS',
        `Version ${version} is ${row.status}; only a ${statuses.join(' or ')} version can be ${action}`,
        { details: [{ field: 'version', rule: 'status', message: row.status }] },
      );
    return row;
  }

  /** Proposes the draft for approval; an earlier proposal still waiting is withdrawn. */
  async function propose(version: number, ctx: Ctx): Promise<PolicyVersion> {
    return db.transaction().execute(async (tx) => {
      await repo.lockPolicy(tx);
      await expect(tx, version, ['draft'], 'proposed');
      const now = clock.now();
      for (const p of await repo.policyByStatus(tx, 'proposed'))
        await repo.updatePolicy(tx, Number(p.version), { status: 'withdrawn', updated_at: now });
      await repo.updatePolicy(tx, version, {
        status: 'proposed',
        proposed_at: now,
        proposed_by_id: idOf(ctx.actor),
        proposed_by_label: labelOf(ctx.actor),
        updated_at: now,
      });
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'policy.proposed',
        target: { type: 'policy', id: String(version) },
        ip: ctx.ip ?? null,
      });
      return viewOf(tx, version);
    });
  }

  async function activate(tx: Tx, version: number, now: number, override: string | null): Promise<void> {
    for (const a of await repo.policyByStatus(tx, 'active'))
      await repo.updatePolicy(tx, Number(a.version), {
        status: 'superseded',
        superseded_at: now,
        updated_at: now,
      });
    await repo.updatePolicy(tx, version, {
      status: 'active',
      activated_at: now,
      updated_at: now,
      ...(override ? { override } : {}),
    });
    cached = undefined;
    await onActivated?.(tx, version);
  }

  /** Records an approval by a marketing user or a sales manager; both sides make it active. */
  async function approve(version: number, principal: Principal | null, ctx: Ctx): Promise<PolicyVersion> {
    if (principal?.kind !== 'user' || !(approverRoles as readonly string[]).includes(principal.role))
      throw new AppError(
        'POLICY_APPROVER_ROLE',
        'Only a marketing user or a sales manager approves a policy version; admins may override instead',
      );
    const role = principal.role as ApproverRole;
    return db.transaction().execute(async (tx) => {
      await repo.lockPolicy(tx);
      await expect(tx, version, ['proposed'], 'approved');
      const now = clock.now();
      await repo.insertApproval(tx, {
        version,
        role,
        user_id: principal.userId,
        user_label: principal.name || principal.email,
        at: now,
      });
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'policy.approved',
        target: { type: 'policy', id: String(version) },
        ip: ctx.ip ?? null,
        details: { role },
      });
      const roles = new Set((await repo.approvals(tx, [version])).map((a) => a.role));
      if (approverRoles.every((r) => roles.has(r))) {
        await activate(tx, version, now, null);
        await audit.record(tx, {
          actor: ctx.actor,
          action: 'policy.activated',
          target: { type: 'policy', id: String(version) },
          ip: ctx.ip ?? null,
          details: { by: 'approvals' },
        });
      }
      return viewOf(tx, version);
    });
  }

  /** An admin makes a draft or proposed version active without both approvals; the reason is kept. */
  async function override(version: number, reason: string, ctx: Ctx): Promise<PolicyVersion> {
    const text = reason.trim();
    if (text.length < 3)
      throw new AppError('VALIDATION_FAILED', 'reason: an override needs a reason', {
        details: [{ field: 'reason', rule: 'required', message: 'an override needs a reason' }],
      });
    return db.transaction().execute(async (tx) => {
      await repo.lockPolicy(tx);
      await expect(tx, version, ['draft', 'proposed'], 'overridden into force');
      const now = clock.now();
      const record = JSON.stringify({
        by: { id: idOf(ctx.actor), label: labelOf(ctx.actor) },
        reason: text,
        at: now,
      });
      await activate(tx, version, now, record);
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'policy.overridden',
        target: { type: 'policy', id: String(version) },
        ip: ctx.ip ?? null,
        details: { reason: text },
      });
      return viewOf(tx, version);
    });
  }

  return {
    active,
    recent,
    getActive,
    versions,
    getVersion,
    createDraft,
    updateDraft,
    discardDraft,
    propose,
    approve,
    override,
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
