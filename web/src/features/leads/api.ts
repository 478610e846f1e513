import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Role } from '../../../../contracts/auth.ts';
import type {
  CustomFieldDefinition,
  Lead,
  LeadInput,
  MergeRule,
  Touchpoint,
} from '../../../../contracts/leads.ts';
import { roleCan } from '../../../../contracts/permissions.ts';
import { customFieldsKey, leadsKey, searchOf } from '../../components/leads/queries.ts';
import { api } from '../../lib/api.ts';

export type { Touchpoint };

export type MergeView = {
  id: string;
  survivorId: string;
  mergedId: string;
  at: string;
  actor: { type: string; id: string | null; label: string | null };
  undoneAt: string | null;
  mergedLead: { email: string | null; firstName: string | null; lastName: string | null };
};

export type FieldRule = { field: string; label: string; mergeRule: MergeRule };

/** The roles the server lets delete leads (it enforces the same rule, contracts/permissions.ts). */
export function canDeleteLeads(role: Role | undefined): boolean {
  return roleCan(role, 'deleteLeads');
}

/** The roles the server lets export and erase a person's data. */
export function canHandlePrivacy(role: Role | undefined): boolean {
  return roleCan(role, 'privacy');
}

/** Whom the signed-in person may give leads to (the server checks the same, docs/permissions.md). */
export type OwnerRule = {
  /** Set when they may not choose an owner at all: why, for a tooltip. */
  lockedReason: string | null;
  /** The people they may choose from; null: anyone. */
  only: string[] | null;
  /** The owner a lead they add gets unless they choose another; null: nobody. */
  defaultOwner: string | null;
  /** Whether "Unassigned" is a choice. */
  unassigned: boolean;
};

const anyone: OwnerRule = { lockedReason: null, only: null, defaultOwner: null, unassigned: true };

type TeamView = { id: string; managerId: string | null; members: { userId: string }[] };

/** Reps own what they add and reassign nothing; managers choose among the teams they manage. */
export function useOwnerRule(user: { id: string; role: Role } | null | undefined): OwnerRule {
  const manager = user?.role === 'sales_manager';
  const teams = useQuery({
    queryKey: ['routing', 'teams'],
    queryFn: () => api<{ data: TeamView[] }>('GET', '/api/v1/routing/teams'),
    enabled: manager,
  });
  if (!user) return anyone;
  if (user.role === 'sales_rep')
    return {
      lockedReason: "Reps don't reassign leads: claim one from your team's queue, or ask your manager.",
      only: [user.id],
      defaultOwner: user.id,
      unassigned: false,
    };
  if (manager) {
    const people = new Set([user.id]);
    for (const t of teams.data?.data ?? [])
      if (t.managerId === user.id) for (const m of t.members) people.add(m.userId);
    return { lockedReason: null, only: [...people], defaultOwner: user.id, unassigned: false };
  }
  return anyone;
}

const leadKey = (id: string) => [...leadsKey, 'detail', id] as const;
const path = (id: string) => `/api/v1/leads/${encodeURIComponent(id)}`;

export function useLead(id: string) {
  return useQuery({ queryKey: leadKey(id), queryFn: () => api<Lead>('GET', path(id)) });
}

export function useUpdateLead(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: LeadInput) => api<Lead>('PATCH', path(id), patch),
    onSuccess: (lead) => {
      client.setQueryData(leadKey(id), lead);
      return client.invalidateQueries({ queryKey: leadsKey });
    },
  });
}

export function useDeleteLead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', path(id)),
    onSuccess: (_, id) => {
      client.removeQueries({ queryKey: leadKey(id) });
      return client.invalidateQueries({ queryKey: leadsKey });
    },
  });
}

export function useTouchpoints(id: string) {
  return useInfiniteQuery({
    queryKey: [...leadKey(id), 'touchpoints'],
    queryFn: ({ pageParam }) =>
      api<{ data: Touchpoint[]; nextCursor: string | null }>(
        'GET',
        `${path(id)}/touchpoints${searchOf({ limit: 25, cursor: pageParam })}`,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useMerges(id: string) {
  return useQuery({
    queryKey: [...leadKey(id), 'merges'],
    queryFn: () => api<{ data: MergeView[] }>('GET', `${path(id)}/merges`),
  });
}

export function useMergeLead(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { mergedId: string; prefer: string[] }) =>
      api<{ merge: MergeView; lead: Lead }>('POST', `${path(id)}/merge`, input),
    onSuccess: () => client.invalidateQueries({ queryKey: leadsKey }),
  });
}

export function useUndoMerge() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (mergeId: string) =>
      api<{ survivor: Lead; restored: Lead }>(
        'POST',
        `/api/v1/lead-merges/${encodeURIComponent(mergeId)}/undo`,
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: leadsKey }),
  });
}

export function useEraseLead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>('POST', `${path(id)}/erase`),
    onSuccess: (_, id) => {
      client.removeQueries({ queryKey: leadKey(id) });
      return client.invalidateQueries({ queryKey: leadsKey });
    },
  });
}

/** The subject-access export's address: a plain download, the session cookie authorises it. */
export function exportUrl(id: string): string {
  return `${path(id)}/export`;
}

export function useCreateCustomField() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: {
      key: string;
      label: string;
      type: CustomFieldDefinition['type'];
      options?: string[];
      helpText?: string | null;
      mergeRule: MergeRule;
    }) => api<CustomFieldDefinition>('POST', '/api/v1/custom-fields', input),
    onSuccess: () => client.invalidateQueries({ queryKey: customFieldsKey }),
  });
}

export function useUpdateCustomField() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({
      id,
      ...patch
    }: {
      id: string;
      label?: string;
      options?: string[];
      helpText?: string | null;
      mergeRule?: MergeRule;
      archived?: boolean;
    }) => api<CustomFieldDefinition>('PATCH', `/api/v1/custom-fields/${encodeURIComponent(id)}`, patch),
    onSuccess: () => client.invalidateQueries({ queryKey: customFieldsKey }),
  });
}

const rulesKey = ['lead-field-rules'] as const;

export function useFieldRules() {
  return useQuery({
    queryKey: rulesKey,
    queryFn: () => api<{ data: FieldRule[] }>('GET', '/api/v1/lead-field-rules'),
  });
}

export function useSetFieldRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ field, mergeRule }: { field: string; mergeRule: MergeRule }) =>
      api<{ data: FieldRule[] }>('PUT', `/api/v1/lead-field-rules/${encodeURIComponent(field)}`, {
        mergeRule,
      }),
    onSuccess: (data) => client.setQueryData(rulesKey, data),
  });
}
