/**
 * The forms queries: the list, one form, its submissions and its consent-text history. Keys start
 * with 'forms' so one invalidation refreshes every list and form.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  Form,
  FormCreate,
  FormStatus,
  FormUpdate,
  Submission,
  SubmissionStatus,
} from '../../../../contracts/forms.ts';
import { type Page, searchOf } from '../../components/leads/queries.ts';
import { api } from '../../lib/api.ts';

export type { Form, Submission };

export type ConsentVersion = {
  version: string;
  key: string;
  number: number;
  purpose: string;
  text: string;
  createdAt: string;
};

export const formsKey = ['forms'] as const;
const formKey = (id: string) => [...formsKey, 'detail', id] as const;
const path = (id: string) => `/api/v1/forms/${encodeURIComponent(id)}`;

export function useForms(params: { q?: string; status?: FormStatus | null; cursor?: string | null }) {
  const search = searchOf({ limit: 25, q: params.q, status: params.status, cursor: params.cursor });
  return useQuery({
    queryKey: [...formsKey, 'list', search],
    queryFn: () => api<Page<Form>>('GET', `/api/v1/forms${search}`),
    placeholderData: keepPreviousData,
  });
}

export function useForm(id: string | undefined) {
  return useQuery({
    queryKey: formKey(id ?? ''),
    queryFn: () => api<Form>('GET', path(id ?? '')),
    enabled: Boolean(id),
  });
}

export function useCreateForm() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: FormCreate) => api<Form>('POST', '/api/v1/forms', input),
    onSuccess: (form) => {
      client.setQueryData(formKey(form.id), form);
      return client.invalidateQueries({ queryKey: [...formsKey, 'list'] });
    },
  });
}

export function useUpdateForm(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: FormUpdate) => api<Form>('PATCH', path(id), patch),
    onSuccess: (form) => {
      client.setQueryData(formKey(id), form);
      return Promise.all([
        client.invalidateQueries({ queryKey: [...formsKey, 'list'] }),
        client.invalidateQueries({ queryKey: [...formKey(id), 'consent-versions'] }),
      ]);
    },
  });
}

export function useSubmissions(id: string, status: SubmissionStatus | null, cursor: string | null) {
  const search = searchOf({ limit: 25, status, cursor });
  return useQuery({
    queryKey: [...formKey(id), 'submissions', search],
    queryFn: () => api<Page<Submission>>('GET', `${path(id)}/submissions${search}`),
    placeholderData: keepPreviousData,
  });
}

export function useConsentVersions(id: string | undefined) {
  return useQuery({
    queryKey: [...formKey(id ?? ''), 'consent-versions'],
    queryFn: () => api<{ data: ConsentVersion[] }>('GET', `${path(id ?? '')}/consent-versions`),
    enabled: Boolean(id),
  });
}

/** Where the hosted page and the embed script are served: this Leadloop, as the browser reaches it. */
export function hostedUrl(slug: string): string {
  return `${window.location.origin}/f/${encodeURIComponent(slug)}`;
}

export function embedSnippet(slug: string): string {
  return `<script src="${window.location.origin}/embed.js" data-leadloop-form="${slug}" async></script>`;
}
