import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  WebhookDeliveryDetail,
  WebhookDeliveryPage,
  WebhookDeliveryStatus,
  WebhookSubscription,
  WebhookSubscriptionInput,
  WebhookSubscriptionPatch,
  WebhookSubscriptionWithSecret,
} from '../../../../contracts/webhooks.ts';
import { api } from '../../lib/api.ts';

const subsKey = ['webhooks'] as const;
const enc = encodeURIComponent;

export function useWebhooks() {
  return useQuery({
    queryKey: subsKey,
    queryFn: () => api<{ data: WebhookSubscription[] }>('GET', '/api/v1/webhooks'),
    refetchInterval: 5000,
  });
}

export function useDeliveries(subscriptionId: string | null, status: WebhookDeliveryStatus | null) {
  return useQuery({
    queryKey: [...subsKey, subscriptionId, 'deliveries', status],
    enabled: subscriptionId !== null,
    queryFn: () =>
      api<WebhookDeliveryPage>(
        'GET',
        `/api/v1/webhooks/${enc(subscriptionId!)}/deliveries?limit=50${status ? `&status=${status}` : ''}`,
      ),
    refetchInterval: 2000,
  });
}

export function useDelivery(subscriptionId: string | null, deliveryId: string | null) {
  return useQuery({
    queryKey: [...subsKey, subscriptionId, 'delivery', deliveryId],
    enabled: subscriptionId !== null && deliveryId !== null,
    queryFn: () =>
      api<WebhookDeliveryDetail>(
        'GET',
        `/api/v1/webhooks/${enc(subscriptionId!)}/deliveries/${enc(deliveryId!)}`,
      ),
  });
}

function useInvalidate() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: subsKey });
}

export function useCreateWebhook() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (input: WebhookSubscriptionInput) =>
      api<WebhookSubscriptionWithSecret>('POST', '/api/v1/webhooks', input),
    onSuccess: invalidate,
  });
}

export function useUpdateWebhook() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: WebhookSubscriptionPatch }) =>
      api<WebhookSubscription>('PATCH', `/api/v1/webhooks/${enc(id)}`, patch),
    onSuccess: invalidate,
  });
}

export function useDeleteWebhook() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) => api<null>('DELETE', `/api/v1/webhooks/${enc(id)}`),
    onSuccess: invalidate,
  });
}

export function useRotateSecret() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) =>
      api<WebhookSubscriptionWithSecret>('POST', `/api/v1/webhooks/${enc(id)}/rotate-secret`),
    onSuccess: invalidate,
  });
}

export function usePing() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) => api<WebhookDeliveryDetail>('POST', `/api/v1/webhooks/${enc(id)}/ping`),
    onSuccess: invalidate,
  });
}

export function useReplay() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ subscriptionId, deliveryId }: { subscriptionId: string; deliveryId: string }) =>
      api<WebhookDeliveryDetail>(
        'POST',
        `/api/v1/webhooks/${enc(subscriptionId)}/deliveries/${enc(deliveryId)}/replay`,
      ),
    onSuccess: invalidate,
  });
}
