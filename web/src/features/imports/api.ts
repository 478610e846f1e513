import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ErrorCode, ErrorDetail } from '../../../../contracts/errors.ts';
import type {
  Import,
  ImportMapping,
  ImportPreset,
  ImportPreview,
  StartImport,
} from '../../../../contracts/imports.ts';
import type { CustomFieldDefinition } from '../../../../contracts/leads.ts';
import { ApiError, api, query } from '../../lib/api.ts';

export type { Import, ImportMapping, ImportPreset, ImportPreview };

const importsKey = ['imports'] as const;

export function useImports() {
  return useQuery({
    queryKey: importsKey,
    queryFn: () =>
      api<{ data: Import[]; nextCursor: string | null }>('GET', `/api/v1/imports${query({ limit: 20 })}`),
  });
}

const running = (i: Import | undefined) => i?.status === 'queued' || i?.status === 'running';

/** An import, polled every second while it runs. */
export function useImport(id: string | null) {
  return useQuery({
    queryKey: ['import', id],
    queryFn: () => api<Import>('GET', `/api/v1/imports/${encodeURIComponent(id!)}`),
    enabled: !!id,
    refetchInterval: (q) => (running(q.state.data) ? 1000 : false),
  });
}

/** The first rows as mapped: the preset's suggestion, or the mapping given. */
export function usePreview(id: string | null, preset: ImportPreset, mapping: ImportMapping | null) {
  return useQuery({
    queryKey: ['import-preview', id, preset, mapping],
    queryFn: () =>
      mapping
        ? api<ImportPreview>('POST', `/api/v1/imports/${encodeURIComponent(id!)}/preview`, {
            preset,
            mapping,
          })
        : api<ImportPreview>('GET', `/api/v1/imports/${encodeURIComponent(id!)}/preview${query({ preset })}`),
    enabled: !!id,
    placeholderData: (previous) => previous,
    staleTime: 60_000,
  });
}

export function useCustomFields() {
  return useQuery({
    queryKey: ['custom-fields'],
    queryFn: () => api<{ data: CustomFieldDefinition[] }>('GET', '/api/v1/custom-fields'),
  });
}

export function useStartImport() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: StartImport & { id: string }) =>
      api<Import>('POST', `/api/v1/imports/${encodeURIComponent(id)}/start`, body),
    onSuccess: (i) => {
      client.setQueryData(['import', i.id], i);
      client.invalidateQueries({ queryKey: importsKey });
      client.invalidateQueries({ queryKey: ['custom-fields'] });
    },
  });
}

export function useCancelImport() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<Import>('POST', `/api/v1/imports/${encodeURIComponent(id)}/cancel`),
    onSuccess: (i) => {
      client.setQueryData(['import', i.id], i);
      client.invalidateQueries({ queryKey: importsKey });
    },
  });
}

/**
 * Uploads a file as the raw request body (the server streams it into the database), reporting
 * progress. XMLHttpRequest rather than fetch: only it tells how much of a large file has gone.
 */
export async function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<Import> {
  // The CSRF token comes with the session; fetched here so the upload never goes without it.
  const { csrfToken } = await api<{ csrfToken: string }>('GET', '/api/auth/session');
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/imports${query({ filename: file.name })}`);
    xhr.setRequestHeader('content-type', 'text/csv');
    xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () =>
      reject(new ApiError(0, 'NETWORK', 'Leadloop cannot be reached. Check your connection and try again.'));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status === 201) resolve(body as Import);
      else {
        const error = (body as { error?: { code: ErrorCode; message: string; details?: ErrorDetail[] } })
          ?.error;
        reject(
          new ApiError(
            xhr.status,
            error?.code ?? 'INTERNAL',
            error?.message ?? `The server answered ${xhr.status}.`,
            error?.details ?? [],
          ),
        );
      }
    };
    xhr.send(file);
  });
}
