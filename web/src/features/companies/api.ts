import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Company } from '../../../../contracts/leads.ts';
import { leadsKey } from '../../components/leads/queries.ts';
import { api } from '../../lib/api.ts';

export type { Company };

export type CompanyPatch = {
  name?: string | null;
  industry?: string | null;
  employees?: number | null;
  country?: string | null;
  ownerId?: string | null;
};

const companyKey = (id: string) => ['companies', id] as const;
const path = (id: string) => `/api/v1/companies/${encodeURIComponent(id)}`;

export function useCompany(id: string) {
  return useQuery({ queryKey: companyKey(id), queryFn: () => api<Company>('GET', path(id)) });
}

export function useUpdateCompany(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: CompanyPatch) => api<Company>('PATCH', path(id), patch),
    onSuccess: (company) => {
      client.setQueryData(companyKey(id), company);
      // Fit rules may read company fields: its leads' scores (and stages) may have moved.
      return client.invalidateQueries({ queryKey: leadsKey });
    },
  });
}
