/** Where a lead list keeps its state: the address (shareable, survives reload) or the component. */
import { useLocalStorage } from '@mantine/hooks';
import { useCallback, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { defaultColumns } from './columns.tsx';
import { defaultListState, type LeadListState } from './LeadList.tsx';

const reserved = ['sort', 'view', 'limit'];

/**
 * Filters, sort and the picked view in the URL's query string (the API's own parameter names);
 * the chosen columns and page size in localStorage, so they follow the person, not the link.
 */
export function useUrlListState(storageKey: string): [LeadListState, (next: LeadListState) => void] {
  const [params, setParams] = useSearchParams();
  const [columns, setColumns] = useLocalStorage<string[]>({
    key: `${storageKey}:columns`,
    defaultValue: defaultColumns,
    getInitialValueInEffect: false,
  });
  const [limit, setLimit] = useLocalStorage<number>({
    key: `${storageKey}:limit`,
    defaultValue: 50,
    getInitialValueInEffect: false,
  });
  const state = useMemo<LeadListState>(() => {
    const filters: Record<string, string> = {};
    for (const [k, v] of params) if (!reserved.includes(k) && v) filters[k] = v;
    return {
      filters,
      sort: params.get('sort') ?? defaultListState.sort,
      viewId: params.get('view'),
      columns: Array.isArray(columns) ? columns : defaultColumns,
      limit: [25, 50, 100, 200].includes(limit) ? limit : 50,
    };
  }, [params, columns, limit]);
  const set = useCallback(
    (next: LeadListState) => {
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(next.filters)) if (v) search.set(k, v);
      if (next.sort !== defaultListState.sort) search.set('sort', next.sort);
      if (next.viewId) search.set('view', next.viewId);
      setParams(search, { replace: true });
      setColumns(next.columns);
      setLimit(next.limit);
    },
    [setParams, setColumns, setLimit],
  );
  return [state, set];
}

/** State held by the component only (a list embedded in another page). */
export function useLocalListState(
  initial: Partial<LeadListState> = {},
): [LeadListState, (next: LeadListState) => void] {
  const [state, setState] = useState<LeadListState>({ ...defaultListState, ...initial });
  return [state, setState];
}
