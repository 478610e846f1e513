/**
 * The lead queries shared by every page that shows leads (the leads list, a company's leads, a
 * lead's page). Keys start with 'leads' so one invalidation refreshes every list, count and lead.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CustomFieldDefinition, Lead, LeadInput, LifecycleStage } from '../../../../contracts/leads.ts';
import { api } from '../../lib/api.ts';

export type { CustomFieldDefinition, Lead, LeadInput, LifecycleStage };

/** List filters exactly as the API takes them: q, stage, ownerId, country, cf.<key>… */
export type LeadFilters = Record<string, string>;

export type Page<T> = { data: T[]; nextCursor: string | null };

export type DirectoryUser = { id: string; name: string; email: string; role: string; active: boolean };

export type SavedView = {
  id: string;
  name: string;
  resource: string;
  definition: unknown;
  shared: boolean;
  mine: boolean;
  createdAt: string;
};

export const leadsKey = ['leads'] as const;
export const customFieldsKey = ['custom-fields'] as const;

/** A query string of the defined values, keys sorted so equal filters share a cache entry. */
export function searchOf(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const key of Object.keys(params).sort()) {
    const v = params[key];
    if (v !== undefined && v !== null && v !== '') search.set(key, String(v));
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}

export function useLeadPage(filters: LeadFilters, sort: string, limit: number, cursor: string | null) {
  const search = searchOf({ ...filters, sort, limit, cursor });
  return useQuery({
    queryKey: [...leadsKey, 'list', search],
    queryFn: () => api<Page<Lead>>('GET', `/api/v1/leads${search}`),
    placeholderData: keepPreviousData,
  });
}

export function useLeadCount(filters: LeadFilters) {
  const search = searchOf(filters);
  return useQuery({
    queryKey: [...leadsKey, 'count', search],
    queryFn: () => api<{ count: number }>('GET', `/api/v1/leads/count${search}`),
    placeholderData: keepPreviousData,
  });
}

export type LeadStats = { total: number; byStage: Record<LifecycleStage, number> };

export function useLeadStats(filters: LeadFilters, enabled = true) {
  const search = searchOf(filters);
  return useQuery({
    queryKey: [...leadsKey, 'stats', search],
    queryFn: () => api<LeadStats>('GET', `/api/v1/leads/stats${search}`),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** A quick search for pickers (merge, links): the first leads matching the words. */
export function useLeadSearch(q: string, limit = 8) {
  const search = searchOf({ q, limit });
  return useQuery({
    queryKey: [...leadsKey, 'search', search],
    queryFn: () => api<Page<Lead>>('GET', `/api/v1/leads${search}`),
    enabled: q.trim().length > 0,
    placeholderData: keepPreviousData,
  });
}

export function useCreateLead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: LeadInput) => api<Lead>('POST', '/api/v1/leads', input),
    onSuccess: () => client.invalidateQueries({ queryKey: leadsKey }),
  });
}

export function useBulkDeleteLeads() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (ids: string[]) => api<{ deleted: number }>('POST', '/api/v1/leads/bulk-delete', { ids }),
    onSuccess: () => client.invalidateQueries({ queryKey: leadsKey }),
  });
}

export function useCustomFields() {
  return useQuery({
    queryKey: customFieldsKey,
    queryFn: () => api<{ data: CustomFieldDefinition[] }>('GET', '/api/v1/custom-fields'),
    staleTime: 60_000,
  });
}

/** Everyone who can own leads, for owner pickers and for showing owners' names. */
export function useDirectory() {
  return useQuery({
    queryKey: ['users', 'directory'],
    queryFn: () => api<{ data: DirectoryUser[] }>('GET', '/api/v1/users/directory'),
    staleTime: 5 * 60_000,
  });
}

export function useSavedViews(resource: string, enabled = true) {
  return useQuery({
    queryKey: ['saved-views', resource],
    queryFn: () => api<{ data: SavedView[] }>('GET', `/api/v1/saved-views${searchOf({ resource })}`),
    enabled,
  });
}

export function useCreateSavedView() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: {
      resource: string;
      name: string;
      definition: Record<string, unknown>;
      shared: boolean;
    }) => api<SavedView>('POST', '/api/v1/saved-views', input),
    onSuccess: (view) => client.invalidateQueries({ queryKey: ['saved-views', view.resource] }),
  });
}

export function useDeleteSavedView() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (view: SavedView) =>
      api<void>('DELETE', `/api/v1/saved-views/${encodeURIComponent(view.id)}`),
    onSuccess: (_, view) => client.invalidateQueries({ queryKey: ['saved-views', view.resource] }),
  });
}
