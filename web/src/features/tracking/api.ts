import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Stitch, TrackingSettings, TrackingSettingsInput } from '../../../../contracts/tracking.ts';
import { leadsKey } from '../../components/leads/queries.ts';
import { api } from '../../lib/api.ts';

const settingsKey = ['tracking', 'settings'] as const;

export function useTrackingSettings() {
  return useQuery({
    queryKey: settingsKey,
    queryFn: () => api<TrackingSettings>('GET', '/api/v1/tracking/settings'),
  });
}

export function useSaveTrackingSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: TrackingSettingsInput) =>
      api<TrackingSettings>('PUT', '/api/v1/tracking/settings', input),
    onSuccess: (s) => client.setQueryData(settingsKey, s),
  });
}

const stitchesKey = (leadId: string) => [...leadsKey, 'detail', leadId, 'stitches'] as const;

export function useStitches(leadId: string) {
  return useQuery({
    queryKey: stitchesKey(leadId),
    queryFn: () => api<{ data: Stitch[] }>('GET', `/api/v1/leads/${encodeURIComponent(leadId)}/stitches`),
  });
}

/** Undoing a stitch moves page views off the lead and may change its touches: refresh the lead. */
export function useUndoStitch() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (stitchId: string) =>
      api<Stitch>('POST', `/api/v1/stitches/${encodeURIComponent(stitchId)}/undo`),
    onSuccess: () => client.invalidateQueries({ queryKey: leadsKey }),
  });
}

/** Joins a browser (its ll_vid visitor id) to the lead: a server-side identify. */
export function useLinkVisitor(leadId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (visitorId: string) =>
      api<Stitch>('POST', `/api/v1/leads/${encodeURIComponent(leadId)}/visitors`, { visitorId }),
    onSuccess: () => client.invalidateQueries({ queryKey: leadsKey }),
  });
}
